import { Agent, Dispatcher } from 'undici';

/** What left the client on the wire: method, path, headers and body of each request. */
export interface SentRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

/**
 * A real undici Agent that also notes each request it sends, so tests can
 * check request bodies (the simulators record paths and headers only).
 */
export class RecordingAgent extends Agent {
  readonly sent: SentRequest[] = [];

  dispatch(
    options: Dispatcher.DispatchOptions,
    handler: Dispatcher.DispatchHandler,
  ): boolean {
    const headers: Record<string, string> = {};
    const raw = options.headers;
    if (raw && !Array.isArray(raw) && typeof raw === 'object') {
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v === 'string') headers[k.toLowerCase()] = v;
      }
    }
    this.sent.push({
      method: options.method,
      path: options.path,
      headers,
      ...(typeof options.body === 'string' ? { body: options.body } : {}),
    });
    return super.dispatch(options, handler);
  }
}

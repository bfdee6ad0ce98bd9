import { UpstreamFault, UpstreamProblem } from '@internal/plugin-mlops-common';
import { Agent, Dispatcher, errors as undiciErrors, request } from 'undici';
import { UpstreamError, truncate } from '../http';
import { KubernetesClusterConfig, readToken } from './config';
import { KubeObject, KubeStatus } from './types';

/** A 410: the resourceVersion or continue token is too old. The caller re-lists. */
export class ResourceExpiredError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResourceExpiredError';
  }
}

/** The request was aborted by us (stop() or the watchdog): not a failure of the cluster. */
export class AbortedError extends Error {
  constructor() {
    super('aborted');
    this.name = 'AbortedError';
  }
}

export type WatchEventType =
  | 'ADDED'
  | 'MODIFIED'
  | 'DELETED'
  | 'BOOKMARK'
  | 'ERROR';

export interface WatchEvent {
  type: WatchEventType;
  object: KubeObject;
}

export interface WatchHandlers {
  /** The apiserver accepted the watch (HTTP 200). */
  onOpen(): void;
  /** Any bytes arrived (feeds the no-event watchdog). */
  onActivity(): void;
  onEvent(event: WatchEvent): void;
}

export interface KubeHttpOptions {
  /** Deadline of a list page / discovery request, and of a watch's response headers. */
  requestTimeoutMs?: number;
  /** For tests: a dispatcher of their own. */
  dispatcher?: Dispatcher;
}

const MAX_JSON_BYTES = 256 * 1024 * 1024;
const MAX_EVENT_BYTES = 32 * 1024 * 1024;
const MAX_ERROR_BODY = 64 * 1024;

/**
 * HTTP to one cluster's apiserver: a keep-alive agent with the cluster's CA,
 * bearer token per request, JSON GETs with a deadline, and streamed watches.
 * Every failure becomes an {@link UpstreamError} (fault + the apiserver's own
 * Status message) or a {@link ResourceExpiredError} for both forms of 410.
 */
export class KubeHttp {
  readonly upstream: string;
  /** Every request sent (discovery, list pages, watches). */
  requests = 0;
  private readonly cluster: KubernetesClusterConfig;
  private readonly timeoutMs: number;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;

  constructor(cluster: KubernetesClusterConfig, options: KubeHttpOptions = {}) {
    this.cluster = cluster;
    this.upstream = `kubernetes ${cluster.name} (${cluster.host})`;
    this.timeoutMs = options.requestTimeoutMs ?? 30_000;
    this.ownsDispatcher = !options.dispatcher;
    this.dispatcher =
      options.dispatcher ??
      new Agent({
        connect: {
          ca: cluster.caPem,
          rejectUnauthorized: !cluster.skipTLSVerify,
          timeout: this.timeoutMs,
          keepAlive: true,
          keepAliveInitialDelay: 30_000,
        },
        keepAliveTimeout: 30_000,
        connections: 64,
      });
  }

  /** GET a JSON document (discovery, a list page). */
  async getJson(path: string, signal: AbortSignal): Promise<unknown> {
    const deadline = withDeadline(signal, this.timeoutMs);
    this.requests++;
    try {
      const res = await request(this.cluster.url + path, {
        method: 'GET',
        headers: this.headers(),
        dispatcher: this.dispatcher,
        signal: deadline.signal,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
      if (res.statusCode !== 200) {
        throw this.statusError(
          res.statusCode,
          await this.readCapped(res.body, MAX_ERROR_BODY),
          path,
        );
      }
      const text = await this.readCapped(res.body, MAX_JSON_BYTES);
      try {
        return JSON.parse(text);
      } catch {
        throw this.error(
          'malformed',
          `answered ${path} with a body that is not JSON`,
          res.statusCode,
        );
      }
    } catch (e) {
      throw this.toError(e, deadline.timedOut());
    } finally {
      deadline.clear();
    }
  }

  /**
   * Runs one watch request until the server ends it (`timeoutSeconds`), the
   * signal aborts it (stop, watchdog), or it fails. An ERROR event with code
   * 410 throws {@link ResourceExpiredError}; other ERROR events throw.
   */
  async watch(
    path: string,
    signal: AbortSignal,
    handlers: WatchHandlers,
  ): Promise<void> {
    this.requests++;
    let res: Dispatcher.ResponseData;
    try {
      res = await request(this.cluster.url + path, {
        method: 'GET',
        headers: this.headers(),
        dispatcher: this.dispatcher,
        signal,
        headersTimeout: this.timeoutMs,
        // The body is a stream that stays quiet when nothing changes: the
        // caller's watchdog decides when silence is too long.
        bodyTimeout: 0,
      });
    } catch (e) {
      throw this.toError(e, false);
    }
    try {
      if (res.statusCode !== 200) {
        throw this.statusError(
          res.statusCode,
          await this.readCapped(res.body, MAX_ERROR_BODY),
          path,
        );
      }
      handlers.onOpen();
      res.body.setEncoding('utf8');
      let pending = '';
      for await (const chunk of res.body as AsyncIterable<string>) {
        handlers.onActivity();
        pending += chunk;
        let newline = pending.indexOf('\n');
        while (newline >= 0) {
          const line = pending.slice(0, newline).trim();
          pending = pending.slice(newline + 1);
          if (line) handlers.onEvent(this.parseEvent(line));
          newline = pending.indexOf('\n');
        }
        if (pending.length > MAX_EVENT_BYTES) {
          throw this.error(
            'too-large',
            `sent a watch event larger than ${MAX_EVENT_BYTES} bytes`,
          );
        }
      }
      const rest = pending.trim();
      if (rest) handlers.onEvent(this.parseEvent(rest));
    } catch (e) {
      res.body.destroy();
      throw this.toError(e, false);
    }
  }

  /** Ends every connection (open watches included). */
  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.destroy();
  }

  /** Turns anything thrown by this class (or a bug) into a problem a card can show. */
  problem(e: unknown): UpstreamProblem {
    if (e instanceof UpstreamError) return e.problem;
    if (e instanceof ResourceExpiredError) {
      return {
        upstream: this.upstream,
        fault: 'server-error',
        message: e.message,
        httpStatus: 410,
      };
    }
    return {
      upstream: this.upstream,
      fault: 'malformed',
      message: this.scrub(truncate(String((e as Error)?.message ?? e), 300)),
    };
  }

  private parseEvent(line: string): WatchEvent {
    let event: { type?: unknown; object?: unknown };
    try {
      event = JSON.parse(line);
    } catch {
      throw this.error('malformed', 'sent a watch event that is not JSON');
    }
    const type = event.type;
    const object = event.object as KubeObject | undefined;
    if (typeof type !== 'string' || !object || typeof object !== 'object') {
      throw this.error(
        'malformed',
        'sent a watch event without type or object',
      );
    }
    if (type === 'ERROR') {
      const status = object as unknown as KubeStatus;
      if (
        status.code === 410 ||
        status.reason === 'Expired' ||
        status.reason === 'Gone'
      ) {
        throw new ResourceExpiredError(
          status.message ?? 'resource version expired',
        );
      }
      throw this.statusError(
        status.code ?? 500,
        JSON.stringify(status),
        'watch',
      );
    }
    if (!['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK'].includes(type)) {
      throw this.error(
        'malformed',
        `sent a watch event of unknown type "${truncate(type, 40)}"`,
      );
    }
    if (
      !object.metadata ||
      (type !== 'BOOKMARK' && typeof object.metadata.name !== 'string')
    ) {
      throw this.error(
        'malformed',
        `sent a ${type} event without metadata.name`,
      );
    }
    return { type: type as WatchEventType, object };
  }

  private async readCapped(
    body: Dispatcher.ResponseData['body'],
    max: number,
  ): Promise<string> {
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of body) {
      total += (chunk as Buffer).length;
      if (total > max) {
        body.destroy();
        throw this.error(
          'too-large',
          `answered with a body larger than ${max} bytes`,
        );
      }
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  private headers(): Record<string, string> {
    return {
      accept: 'application/json',
      authorization: `Bearer ${readToken(this.cluster.token)}`,
      'user-agent': 'backstage-mlops',
    };
  }

  private statusError(httpStatus: number, body: string, path: string): Error {
    let status: KubeStatus | undefined;
    try {
      const parsed = JSON.parse(body);
      if (parsed && typeof parsed === 'object' && parsed.kind === 'Status')
        status = parsed;
    } catch {
      // not a Status: use the text
    }
    const detail = truncate((status?.message ?? body.trim()) || path, 400);
    if (httpStatus === 410) return new ResourceExpiredError(detail);
    const fault = faultOf(httpStatus);
    const label: Record<number, string> = {
      401: '401 Unauthorized',
      403: '403 Forbidden',
      404: '404 Not Found',
      429: '429 Too Many Requests',
    };
    const hint = httpStatus === 401 ? ' (check serviceAccountToken)' : '';
    return this.error(
      fault,
      `answered ${label[httpStatus] ?? httpStatus}: ${detail}${hint}`,
      httpStatus,
    );
  }

  private error(
    fault: UpstreamFault,
    message: string,
    httpStatus?: number,
  ): UpstreamError {
    return new UpstreamError({
      upstream: this.upstream,
      fault,
      message: this.scrub(message),
      ...(httpStatus !== undefined ? { httpStatus } : {}),
    });
  }

  private scrub(text: string): string {
    if (
      this.cluster.token.kind !== 'static' ||
      this.cluster.token.value.length < 4
    )
      return text;
    return text.split(this.cluster.token.value).join('***');
  }

  private toError(e: unknown, timedOut: boolean): Error {
    if (e instanceof UpstreamError || e instanceof ResourceExpiredError)
      return e;
    const err = e as {
      code?: string;
      name?: string;
      message?: string;
      cause?: { code?: string };
    };
    const code = err.code ?? err.cause?.code;
    if (
      timedOut ||
      err.name === 'TimeoutError' ||
      err instanceof undiciErrors.HeadersTimeoutError ||
      err instanceof undiciErrors.BodyTimeoutError ||
      err instanceof undiciErrors.ConnectTimeoutError
    ) {
      return this.error(
        'timeout',
        `did not answer within ${this.timeoutMs} ms`,
      );
    }
    if (err.name === 'AbortError' || code === 'UND_ERR_ABORTED') {
      return new AbortedError();
    }
    if (code === 'ECONNREFUSED')
      return this.error(
        'unreachable',
        'refused the connection (is the apiserver running?)',
      );
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
      return this.error('unreachable', 'host name does not resolve');
    if (
      code === 'ECONNRESET' ||
      code === 'UND_ERR_SOCKET' ||
      code === 'EPIPE' ||
      code === 'UND_ERR_CLOSED'
    ) {
      return this.error('unreachable', 'closed the connection unexpectedly');
    }
    if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') {
      return this.error('unreachable', 'is not reachable on the network');
    }
    if (
      typeof code === 'string' &&
      /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code)
    ) {
      return this.error(
        'unreachable',
        `TLS failed (${code}); check caData/caFile or skipTLSVerify`,
      );
    }
    return this.error(
      'unreachable',
      `request failed: ${truncate(err.message ?? String(e), 200)}`,
    );
  }
}

function withDeadline(parent: AbortSignal, ms: number) {
  const controller = new AbortController();
  let timedOut = false;
  const onAbort = () => controller.abort(parent.reason);
  if (parent.aborted) controller.abort(parent.reason);
  else parent.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error('deadline'));
  }, ms);
  return {
    signal: controller.signal,
    timedOut: () => timedOut,
    clear() {
      clearTimeout(timer);
      parent.removeEventListener('abort', onAbort);
    },
  };
}

function faultOf(httpStatus: number): UpstreamFault {
  if (httpStatus === 401) return 'unauthorized';
  if (httpStatus === 403) return 'forbidden';
  if (httpStatus === 404) return 'not-found';
  if (httpStatus === 429) return 'rate-limited';
  if (httpStatus >= 500) return 'server-error';
  return 'malformed';
}

import { UpstreamFault, UpstreamProblem } from '@internal/plugin-mlops-common';
import { Agent, Dispatcher, errors as undiciErrors, request } from 'undici';

/** An upstream call failed in a way a card can state exactly. */
export class UpstreamError extends Error {
  readonly problem: UpstreamProblem;

  constructor(problem: UpstreamProblem) {
    super(`${problem.upstream}: ${problem.message}`);
    this.name = 'UpstreamError';
    this.problem = problem;
  }
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  url: string;
}

export interface UpstreamHttpOptions {
  /** Shown to users: `registry demo (127.0.0.1:5000)`. */
  upstream: string;
  timeoutMs: number;
  /** Largest body accepted, in bytes (default 4 MiB). */
  maxBodyBytes?: number;
  /** Values that must never appear in an error message (passwords, tokens). */
  secrets?: string[];
  /** For tests: a dispatcher that refuses non-loopback connections. */
  dispatcher?: Dispatcher;
}

const DEFAULT_MAX_BODY = 4 * 1024 * 1024;

/**
 * HTTP for one upstream: one keep-alive agent, a deadline on every request,
 * a body size cap, no redirects followed implicitly, and every failure turned
 * into an {@link UpstreamError} with a fault a person can read.
 */
export class UpstreamHttp {
  readonly upstream: string;
  private readonly timeoutMs: number;
  private readonly maxBodyBytes: number;
  private readonly secrets: string[];
  private readonly dispatcher: Dispatcher;

  constructor(options: UpstreamHttpOptions) {
    this.upstream = options.upstream;
    this.timeoutMs = options.timeoutMs;
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
    this.secrets = (options.secrets ?? []).filter(s => s.length >= 4);
    this.dispatcher =
      options.dispatcher ??
      new Agent({
        connect: { timeout: options.timeoutMs },
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
        keepAliveTimeout: 10_000,
        connections: 16,
      });
  }

  /** Sends one request. Never throws anything but UpstreamError. */
  async send(
    url: string,
    init: {
      method?: 'GET' | 'HEAD' | 'POST' | 'PUT';
      headers?: Record<string, string>;
      body?: string;
    } = {},
  ): Promise<HttpResponse> {
    const method = init.method ?? 'GET';
    const signal = AbortSignal.timeout(this.timeoutMs);
    try {
      const res = await request(url, {
        method,
        headers: init.headers,
        body: init.body,
        dispatcher: this.dispatcher,
        signal,
      });
      const chunks: Buffer[] = [];
      let total = 0;
      for await (const chunk of res.body) {
        total += chunk.length;
        if (total > this.maxBodyBytes) {
          res.body.destroy();
          throw this.error(
            'too-large',
            `answered with a body larger than ${this.maxBodyBytes} bytes; refusing to read it`,
            res.statusCode,
          );
        }
        chunks.push(chunk as Buffer);
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) {
        if (v !== undefined)
          headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
      }
      return {
        status: res.statusCode,
        headers,
        body: Buffer.concat(chunks),
        url,
      };
    } catch (e) {
      throw this.toUpstreamError(e, signal);
    }
  }

  /** Builds an UpstreamError for this upstream, scrubbing secrets. */
  error(
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

  /** Maps an HTTP status that is not success to the fault a card shows. */
  statusError(res: HttpResponse, detail?: string): UpstreamError {
    const status = res.status;
    const suffix = detail ? `: ${truncate(detail, 300)}` : '';
    if (status === 401)
      return this.error(
        'unauthorized',
        `answered 401 Unauthorized${suffix}`,
        status,
      );
    if (status === 403)
      return this.error('forbidden', `answered 403 Forbidden${suffix}`, status);
    if (status === 404)
      return this.error('not-found', `answered 404 Not Found${suffix}`, status);
    if (status === 429)
      return this.error(
        'rate-limited',
        `answered 429 Too Many Requests${suffix}`,
        status,
      );
    if (status >= 500)
      return this.error('server-error', `answered ${status}${suffix}`, status);
    return this.error(
      'malformed',
      `answered unexpected status ${status}${suffix}`,
      status,
    );
  }

  scrub(text: string): string {
    let out = text;
    for (const s of this.secrets) out = out.split(s).join('***');
    return out;
  }

  private toUpstreamError(e: unknown, signal: AbortSignal): UpstreamError {
    if (e instanceof UpstreamError) return e;
    const err = e as {
      code?: string;
      name?: string;
      message?: string;
      cause?: { code?: string };
    };
    const code = err.code ?? err.cause?.code;
    if (
      signal.aborted ||
      err.name === 'TimeoutError' ||
      err instanceof undiciErrors.HeadersTimeoutError ||
      err instanceof undiciErrors.BodyTimeoutError ||
      err instanceof undiciErrors.ConnectTimeoutError ||
      code === 'UND_ERR_CONNECT_TIMEOUT'
    ) {
      return this.error(
        'timeout',
        `did not answer within ${this.timeoutMs} ms`,
      );
    }
    if (code === 'EMLOPSDENIED') {
      return this.error(
        'not-allowed',
        truncate(err.message ?? 'address not allowed', 300),
      );
    }
    if (code === 'ECONNREFUSED')
      return this.error(
        'unreachable',
        'refused the connection (is it running?)',
      );
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
      return this.error('unreachable', 'host name does not resolve');
    if (
      code === 'ECONNRESET' ||
      code === 'UND_ERR_SOCKET' ||
      code === 'EPIPE'
    ) {
      return this.error('unreachable', 'closed the connection unexpectedly');
    }
    if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH')
      return this.error('unreachable', 'is not reachable on the network');
    if (typeof code === 'string' && /CERT|SSL|TLS/.test(code)) {
      return this.error('unreachable', `TLS failed (${code})`);
    }
    return this.error(
      'unreachable',
      `request failed: ${truncate(err.message ?? String(e), 200)}`,
    );
  }
}

export function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** Parses a JSON body or throws a `malformed` UpstreamError. */
export function parseJson(
  http: UpstreamHttp,
  res: HttpResponse,
  what: string,
): unknown {
  try {
    return JSON.parse(res.body.toString('utf8'));
  } catch {
    throw http.error(
      'malformed',
      `returned ${what} that is not valid JSON`,
      res.status,
    );
  }
}

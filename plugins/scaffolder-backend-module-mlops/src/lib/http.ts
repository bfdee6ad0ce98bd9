/** Small helpers shared by the HTTP clients of the actions (Argo CD, Jenkins, Harbor). */

/** `Basic base64(user:secret)` */
export function basicAuth(username: string, secret: string): string {
  return `Basic ${Buffer.from(`${username}:${secret}`, 'utf8').toString(
    'base64',
  )}`;
}

/** Joins a base URL (trailing slashes ignored) and an absolute path. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}${
    path.startsWith('/') ? path : `/${path}`
  }`;
}

/** A signal that fires on the caller's abort or after `timeoutMs`. */
export function requestSignal(
  signal: AbortSignal | undefined,
  timeoutMs: number,
): AbortSignal {
  const timeout = AbortSignal.timeout(timeoutMs);
  return signal ? AbortSignal.any([signal, timeout]) : timeout;
}

/** The response body as text, cut to `max` characters (never throws). */
export async function bodyText(response: Response, max = 500): Promise<string> {
  try {
    const text = await response.text();
    return text.length > max ? `${text.slice(0, max)}…` : text;
  } catch {
    return '';
  }
}

/** Thrown by the clients when the upstream could not be reached. */
export class UpstreamUnreachableError extends Error {
  constructor(what: string, cause: unknown) {
    super(`${what} could not be reached: ${describeCause(cause)}`, { cause });
    this.name = 'UpstreamUnreachableError';
  }
}

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
]);

/**
 * True when `error` says the server could not be reached at all (DNS,
 * refused or reset connection, connect timeout) as opposed to an HTTP answer.
 */
export function isUnreachable(error: unknown): boolean {
  if (error instanceof UpstreamUnreachableError) return true;
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return true;
    if ((current as { name?: unknown }).name === 'TimeoutError') return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

function describeCause(cause: unknown): string {
  const inner = (cause as { cause?: unknown })?.cause ?? cause;
  const code = (inner as { code?: unknown })?.code;
  const message = inner instanceof Error ? inner.message : String(inner);
  return typeof code === 'string' && !message.includes(code)
    ? `${code} ${message}`
    : message;
}

/**
 * `fetch` that turns connection-level failures into
 * {@link UpstreamUnreachableError} (HTTP answers are returned as they are).
 */
export async function fetchOrUnreachable(
  what: string,
  url: string,
  init: RequestInit,
): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (error) {
    if ((error as { name?: unknown })?.name === 'AbortError') throw error;
    if (isUnreachable(error)) throw new UpstreamUnreachableError(what, error);
    throw new Error(`${what}: the request failed: ${describeCause(error)}`, {
      cause: error,
    });
  }
}

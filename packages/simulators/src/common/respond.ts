import { ServerResponse } from 'node:http';

export type Headers = Record<string, string | string[]>;

function applyHeaders(res: ServerResponse, headers?: Headers) {
  if (!headers) return;
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
}

/** Writes `body` as JSON (or `text` verbatim when it is already serialized). */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers?: Headers,
  contentType = 'application/json',
): void {
  res.statusCode = status;
  res.setHeader('Content-Type', contentType);
  applyHeaders(res, headers);
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

export function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  headers?: Headers,
  contentType = 'text/plain; charset=utf-8',
): void {
  res.statusCode = status;
  res.setHeader('Content-Type', contentType);
  applyHeaders(res, headers);
  res.end(text);
}

export function sendEmpty(
  res: ServerResponse,
  status: number,
  headers?: Headers,
): void {
  res.statusCode = status;
  applyHeaders(res, headers);
  res.end();
}

/** Parses a JSON body; undefined for an empty body, throws on invalid JSON. */
export function parseJsonBody(body: Buffer): unknown {
  const text = body.toString('utf8');
  if (text.trim() === '') return undefined;
  return JSON.parse(text);
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep copy of plain JSON data. */
export function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

/** Parses `Authorization: Basic …`; undefined when absent or not Basic. */
export function parseBasicAuth(
  header: string | undefined,
): { username: string; password: string } | undefined {
  if (!header) return undefined;
  const m = /^Basic\s+(.+)$/i.exec(header.trim());
  if (!m) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return {
    username: decoded.slice(0, colon),
    password: decoded.slice(colon + 1),
  };
}

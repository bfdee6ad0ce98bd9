/**
 * The node:http shell every simulator runs in: a free 127.0.0.1 port, request
 * recording, identifying headers, body reading and the fault switches.
 */
import http, {
  IncomingHttpHeaders,
  IncomingMessage,
  ServerResponse,
} from 'node:http';
import { Socket } from 'node:net';
import { freePort } from '@internal/test-env';
import {
  DEFAULT_FAULT_STATUS,
  DEFAULT_OVERSIZED_BYTES,
  DEFAULT_SLOW_DELAY_MS,
  Fault,
  NO_FAULT,
  faultApplies,
} from './faults';
import { TimerSet } from './timers';

/** One request as the simulator saw it. */
export interface RecordedRequest {
  method: string;
  /** Path as sent on the wire (still percent-encoded), without the query. */
  path: string;
  /** Path and query as sent on the wire. */
  url: string;
  headers: IncomingHttpHeaders;
  /** Epoch ms. */
  at: number;
}

/** What handlers get: the raw request plus the parsed bits every simulator needs. */
export interface SimRequest {
  raw: IncomingMessage;
  method: string;
  /** Path as sent on the wire (still percent-encoded), without the query. */
  rawPath: string;
  /** The raw query string without `?` ('' when none). */
  rawQuery: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
  cookies: Record<string, string>;
  /** `http://127.0.0.1:<port>` */
  baseUrl: string;
  header(name: string): string | undefined;
}

export type SimHandler = (
  req: SimRequest,
  res: ServerResponse,
) => void | Promise<void>;

export interface SimServerOptions {
  /** Short id, e.g. `argocd`; sent as `X-Simulator` and in `Server`. */
  name: string;
  handler: SimHandler;
  /** Writes an error of `status` in the upstream's own format. */
  errorResponse: (req: SimRequest, res: ServerResponse, status: number) => void;
  /** Body for the `malformed` fault (default: truncated JSON). */
  malformedBody?: string;
  fault?: Fault;
  /** Fixed port; default: a free one. */
  port?: number;
  maxBodyBytes?: number;
}

export interface SimServer {
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  url: string;
  port: number;
  /** Changes the fault; `down` closes the listener, leaving `down` re-opens it. */
  setFault(fault: Fault): Promise<void>;
  fault(): Fault;
  /** Requests seen so far (the newest 10 000). */
  requests(): RecordedRequest[];
  resetRequests(): void;
  /** Handler exceptions (they are answered as 500). */
  errors(): Error[];
  /** Timers owned by this server, cleared on stop. */
  timers: TimerSet;
  stop(): Promise<void>;
}

const MAX_RECORDED = 10_000;

export function parseCookies(
  header: string | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key && !(key in out)) out[key] = value;
  }
  return out;
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function writeOversized(res: ServerResponse, name: string, bytes: number) {
  res.statusCode = 200;
  res.setHeader('Content-Type', 'application/json');
  const head = `{"simulator":"${name}","padding":"`;
  const tail = '"}';
  let remaining = Math.max(0, bytes - head.length - tail.length);
  const chunk = 'x'.repeat(64 * 1024);
  res.write(head);
  const pump = () => {
    while (remaining > 0) {
      const piece =
        remaining >= chunk.length ? chunk : chunk.slice(0, remaining);
      remaining -= piece.length;
      if (!res.write(piece)) {
        res.once('drain', pump);
        return;
      }
    }
    res.end(tail);
  };
  res.on('close', () => {
    remaining = 0;
  });
  pump();
}

/** Starts a simulator shell on 127.0.0.1. */
export async function startSimServer(
  options: SimServerOptions,
): Promise<SimServer> {
  const timers = new TimerSet();
  const sockets = new Set<Socket>();
  const recorded: RecordedRequest[] = [];
  const errors: Error[] = [];
  const maxBody = options.maxBodyBytes ?? 32 * 1024 * 1024;
  let fault: Fault = options.fault ?? NO_FAULT;
  let listening = false;
  let stopped = false;
  let port = options.port ?? 0;

  const server = http.createServer((raw, res) => {
    void handle(raw, res);
  });
  server.on('connection', socket => {
    if (fault.mode === 'down' && !fault.pathPrefix) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function handle(raw: IncomingMessage, res: ServerResponse) {
    const rawUrl = raw.url ?? '/';
    const q = rawUrl.indexOf('?');
    const rawPath = q >= 0 ? rawUrl.slice(0, q) : rawUrl;
    const rawQuery = q >= 0 ? rawUrl.slice(q + 1) : '';
    recorded.push({
      method: raw.method ?? 'GET',
      path: rawPath,
      url: rawUrl,
      headers: raw.headers,
      at: Date.now(),
    });
    if (recorded.length > MAX_RECORDED) recorded.shift();
    res.setHeader('X-Simulator', options.name);
    res.setHeader('Server', `${options.name}-simulator`);

    let body: Buffer;
    try {
      body = await readBody(raw, maxBody);
    } catch {
      if (!res.headersSent) {
        res.statusCode = 413;
        res.end('request body too large for the simulator');
      }
      return;
    }
    const req: SimRequest = {
      raw,
      method: raw.method ?? 'GET',
      rawPath,
      rawQuery,
      query: new URLSearchParams(rawQuery),
      headers: raw.headers,
      body,
      cookies: parseCookies(raw.headers.cookie),
      baseUrl: `http://127.0.0.1:${port}`,
      header: (name: string) => {
        const v = raw.headers[name.toLowerCase()];
        return Array.isArray(v) ? v[0] : v;
      },
    };

    const active = faultApplies(fault, rawPath) ? fault : NO_FAULT;
    try {
      switch (active.mode) {
        case 'down':
          raw.socket.destroy();
          return;
        case 'slow':
          await timers.sleep(active.delayMs ?? DEFAULT_SLOW_DELAY_MS);
          if (stopped || res.destroyed) return;
          break;
        case 'status':
          options.errorResponse(
            req,
            res,
            active.status ?? DEFAULT_FAULT_STATUS,
          );
          return;
        case 'malformed':
          res.statusCode = 200;
          res.setHeader('Content-Type', 'application/json');
          res.end(
            options.malformedBody ??
              `{"simulator":"${options.name}","items":[{"metadata":{"name":"trunc`,
          );
          return;
        case 'oversized':
          writeOversized(
            res,
            options.name,
            active.bytes ?? DEFAULT_OVERSIZED_BYTES,
          );
          return;
        default:
          break;
      }
      await options.handler(req, res);
    } catch (e) {
      errors.push(e instanceof Error ? e : new Error(String(e)));
      if (!res.headersSent) options.errorResponse(req, res, 500);
      else res.destroy();
    }
  }

  async function listen(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const wanted = port || (await freePort());
      try {
        await new Promise<void>((resolve, reject) => {
          const onError = (e: Error) => reject(e);
          server.once('error', onError);
          server.listen(wanted, '127.0.0.1', () => {
            server.off('error', onError);
            resolve();
          });
        });
        port = wanted;
        listening = true;
        return;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== 'EADDRINUSE' || options.port || attempt >= 4) throw e;
      }
    }
  }

  async function closeListener(): Promise<void> {
    if (!listening) return;
    listening = false;
    const closed = new Promise<void>(resolve => server.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    await closed;
  }

  await listen();
  if (fault.mode === 'down' && !fault.pathPrefix) await closeListener();

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    async setFault(next: Fault) {
      fault = next;
      if (stopped) return;
      const wholeServerDown = next.mode === 'down' && !next.pathPrefix;
      if (wholeServerDown) await closeListener();
      else if (!listening) await listen();
    },
    fault: () => fault,
    requests: () => recorded.slice(),
    resetRequests: () => {
      recorded.length = 0;
    },
    errors: () => errors.slice(),
    timers,
    async stop() {
      if (stopped) return;
      stopped = true;
      timers.clear();
      await closeListener();
    },
  };
}

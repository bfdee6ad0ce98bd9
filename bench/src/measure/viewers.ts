/**
 * Closed-loop viewers: `concurrency` workers share a queue of page views and
 * each sends its next view as soon as the previous answer has been read
 * completely (undici keep-alive pool, one connection per viewer). Every view
 * is timed from sending to the last body byte; a view fails on a network
 * error, a non-200 status or a body the check refuses.
 */
import { Pool } from 'undici';
import { LatencySummary, summarize } from './stats';

export interface View {
  method: 'GET' | 'POST';
  path: string;
  body?: string;
  headers?: Record<string, string>;
}

export interface LevelResult {
  concurrency: number;
  views: number;
  latency: LatencySummary;
  failures: number;
  /** The first few failure messages. */
  failureSamples: string[];
  wallMs: number;
  viewsPerSecond: number;
  /** Every view's latency in ms, in completion order. */
  samples: number[];
}

export interface RunViewsOptions {
  pool: Pool;
  concurrency: number;
  views: number;
  /** The i-th view (i counts from `offset`). */
  view: (i: number) => View;
  offset?: number;
  /** Returns a failure message for a 200 answer whose body is not what a page needs. */
  check?: (body: string) => string | undefined;
  /** Stop early (soak mode): checked before each view. */
  stopped?: () => boolean;
  /** Called after each view (soak mode statistics). */
  onView?: (ms: number, failure: string | undefined) => void;
}

export function viewerPool(baseUrl: string, connections: number): Pool {
  return new Pool(baseUrl, {
    connections,
    pipelining: 1,
    keepAliveTimeout: 60_000,
    headersTimeout: 180_000,
    bodyTimeout: 180_000,
  });
}

export async function sendView(
  pool: Pool,
  v: View,
): Promise<{ status: number; body: string }> {
  const res = await pool.request({
    method: v.method,
    path: v.path,
    headers: {
      accept: 'application/json',
      ...(v.body ? { 'content-type': 'application/json' } : {}),
      ...v.headers,
    },
    body: v.body,
  });
  const body = await res.body.text();
  return { status: res.statusCode, body };
}

/** Runs `views` views with `concurrency` closed-loop viewers. */
export async function runViews(options: RunViewsOptions): Promise<LevelResult> {
  const { pool, concurrency, views, view } = options;
  const offset = options.offset ?? 0;
  const samples: number[] = [];
  const failureSamples: string[] = [];
  let failures = 0;
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    for (;;) {
      if (options.stopped?.()) return;
      const i = next++;
      if (i >= views) return;
      const v = view(offset + i);
      const t0 = performance.now();
      let failure: string | undefined;
      try {
        const res = await sendView(pool, v);
        if (res.status !== 200)
          failure = `${v.method} ${v.path}: HTTP ${res.status} ${res.body.slice(
            0,
            200,
          )}`;
        else failure = options.check?.(res.body);
        if (failure && res.status === 200)
          failure = `${v.method} ${v.path}: ${failure}`;
      } catch (e) {
        failure = `${v.method} ${v.path}: ${(e as Error).message}`;
      }
      const ms = performance.now() - t0;
      samples.push(ms);
      if (failure) {
        failures++;
        if (failureSamples.length < 5) failureSamples.push(failure);
      }
      options.onView?.(ms, failure);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const wallMs = performance.now() - started;
  return {
    concurrency,
    views: samples.length,
    latency: summarize(samples),
    failures,
    failureSamples,
    wallMs,
    viewsPerSecond: (samples.length / wallMs) * 1000,
    samples,
  };
}

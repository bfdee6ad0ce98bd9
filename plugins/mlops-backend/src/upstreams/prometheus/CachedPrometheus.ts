import { LRUCache } from 'lru-cache';
import {
  PromQueryResult,
  PromSample,
  PrometheusReader,
} from './PrometheusClient';

/**
 * Shares Prometheus answers between viewers: the same PromQL within
 * `ttlMs` is asked once (concurrent callers share one request), so page
 * views do not multiply queries. Failures are not kept. Queries pinned to a
 * `time` bypass the cache.
 */
export class CachedPrometheus implements PrometheusReader {
  private readonly cache = new LRUCache<
    string,
    { at: number; value: Promise<unknown> }
  >({ max: 5000 });

  constructor(
    private readonly inner: PrometheusReader,
    private readonly ttlMs = 15_000,
    private readonly now: () => number = Date.now,
  ) {}

  get name(): string {
    return this.inner.name;
  }

  query(promql: string, options?: { time?: Date }): Promise<PromQueryResult> {
    if (options?.time) return this.inner.query(promql, options);
    return this.memo(`q:${promql}`, () => this.inner.query(promql));
  }

  vector(promql: string, options?: { time?: Date }): Promise<PromSample[]> {
    if (options?.time) return this.inner.vector(promql, options);
    return this.memo(`v:${promql}`, () => this.inner.vector(promql));
  }

  value(
    promql: string,
    options?: { time?: Date },
  ): Promise<number | undefined> {
    if (options?.time) return this.inner.value(promql, options);
    return this.memo(`n:${promql}`, () => this.inner.value(promql));
  }

  private memo<T>(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.cache.get(key);
    if (hit && this.now() - hit.at < this.ttlMs) return hit.value as Promise<T>;
    const value = load();
    this.cache.set(key, { at: this.now(), value });
    value.catch(() => {
      if (this.cache.get(key)?.value === value) this.cache.delete(key);
    });
    return value;
  }
}

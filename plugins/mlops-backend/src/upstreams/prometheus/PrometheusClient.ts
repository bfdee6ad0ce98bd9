import { UpstreamFault } from '@internal/plugin-mlops-common';
import { Dispatcher } from 'undici';
import { HttpResponse, UpstreamError, UpstreamHttp, truncate } from '../http';
import { PrometheusConfig } from './config';

/** One sample of an instant vector. `time` in Unix seconds. */
export interface PromSample {
  labels: Record<string, string>;
  value: number;
  time: number;
}

/** One series of a range vector (matrix). */
export interface PromSeries {
  labels: Record<string, string>;
  points: Array<{ time: number; value: number }>;
}

export type PromData =
  | { resultType: 'vector'; samples: PromSample[] }
  | { resultType: 'matrix'; series: PromSeries[] }
  | { resultType: 'scalar'; value: number; time: number }
  | { resultType: 'string'; value: string; time: number };

export type PromQueryResult = PromData & { warnings: string[] };

/** Reads a Prometheus HTTP API. */
export interface PrometheusReader {
  /** Which Prometheus, as a person knows it: `Prometheus (prometheus.monitoring:9090)`. No credentials. */
  readonly name: string;
  query(promql: string, options?: { time?: Date }): Promise<PromQueryResult>;
  vector(promql: string, options?: { time?: Date }): Promise<PromSample[]>;
  value(promql: string, options?: { time?: Date }): Promise<number | undefined>;
}

/** Queries longer than this (URL-encoded) go as a form POST instead of a GET. */
const MAX_GET_QUERY_CHARS = 1500;

/** errorType → fault; everything not listed is a server error. */
const ERROR_FAULTS: Record<string, UpstreamFault> = {
  timeout: 'timeout',
  canceled: 'timeout',
  not_found: 'not-found',
};

/**
 * Parses a Prometheus sample value. Values travel as strings so that `NaN`,
 * `+Inf` and `-Inf` survive JSON; `undefined` for anything else that is not a number.
 */
export function parseSampleValue(raw: unknown): number | undefined {
  if (typeof raw !== 'string') return undefined;
  if (raw === 'NaN') return NaN;
  if (raw === '+Inf' || raw === 'Inf') return Infinity;
  if (raw === '-Inf') return -Infinity;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(raw)) return undefined;
  return Number(raw);
}

/**
 * Client of the Prometheus HTTP API (`/api/v1/query`): GET, or a
 * form-encoded POST for long queries; vector, matrix, scalar and string
 * results with string sample values; `{"status":"error"}` answers (400
 * bad_data, 422 execution, 503 timeout…) and transport failures turned into
 * {@link UpstreamError}s. The URL and headers come from config only.
 */
export class PrometheusClient implements PrometheusReader {
  private readonly http: UpstreamHttp;
  readonly name: string;

  constructor(
    private readonly config: Pick<
      PrometheusConfig,
      'url' | 'headers' | 'timeoutMs'
    >,
    options: { dispatcher?: Dispatcher } = {},
  ) {
    this.name = `Prometheus (${new URL(config.url).host})`;
    this.http = new UpstreamHttp({
      upstream: this.name,
      timeoutMs: config.timeoutMs,
      secrets: Object.values(config.headers),
      dispatcher: options.dispatcher,
      maxBodyBytes: 16 * 1024 * 1024,
    });
  }

  async query(
    promql: string,
    options: { time?: Date } = {},
  ): Promise<PromQueryResult> {
    const params = new URLSearchParams({
      query: promql,
      timeout: `${this.config.timeoutMs}ms`,
    });
    if (options.time)
      params.set('time', (options.time.getTime() / 1000).toFixed(3));
    const form = params.toString();
    const url = `${this.config.url}/api/v1/query`;
    const headers = { accept: 'application/json', ...this.config.headers };
    const res =
      form.length > MAX_GET_QUERY_CHARS
        ? await this.http.send(url, {
            method: 'POST',
            headers: {
              ...headers,
              'content-type': 'application/x-www-form-urlencoded',
            },
            body: form,
          })
        : await this.http.send(`${url}?${form}`, { headers });
    return this.parse(res, promql);
  }

  /** An instant query that must return a vector. */
  async vector(
    promql: string,
    options: { time?: Date } = {},
  ): Promise<PromSample[]> {
    const result = await this.query(promql, options);
    if (result.resultType !== 'vector') {
      throw this.http.error(
        'malformed',
        `returned a ${result.resultType} where a vector was expected`,
      );
    }
    return result.samples;
  }

  /**
   * The single number a query yields: a scalar, or a vector of at most one
   * sample; `undefined` for an empty vector (no data). More than one sample is an error.
   */
  async value(
    promql: string,
    options: { time?: Date } = {},
  ): Promise<number | undefined> {
    const result = await this.query(promql, options);
    if (result.resultType === 'scalar') return result.value;
    if (result.resultType !== 'vector') {
      throw this.http.error(
        'malformed',
        `returned a ${result.resultType} where one value was expected`,
      );
    }
    if (result.samples.length > 1) {
      throw this.http.error(
        'malformed',
        `returned ${result.samples.length} series where one value was expected`,
      );
    }
    return result.samples[0]?.value;
  }

  private parse(res: HttpResponse, promql: string): PromQueryResult {
    let body: Record<string, unknown> | undefined;
    try {
      const parsed = JSON.parse(res.body.toString('utf8')) as unknown;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
        body = parsed as Record<string, unknown>;
    } catch {
      body = undefined;
    }
    if (body?.status === 'error') {
      const errorType =
        typeof body.errorType === 'string' ? body.errorType : 'unknown';
      const error =
        typeof body.error === 'string' ? body.error : 'no error text';
      throw this.http.error(
        ERROR_FAULTS[errorType] ?? 'server-error',
        `rejected the query (${errorType}, ${res.status}): ${truncate(
          error,
          300,
        )} — query: ${truncate(promql, 200)}`,
        res.status,
      );
    }
    if (res.status !== 200)
      throw this.http.statusError(
        res,
        body ? undefined : res.body.toString('utf8'),
      );
    if (!body)
      throw this.http.error(
        'malformed',
        'answered 200 with a body that is not a JSON object',
        res.status,
      );
    if (body.status !== 'success')
      throw this.http.error(
        'malformed',
        `answered status "${truncate(String(body.status), 40)}"`,
      );
    const data = body.data as
      | { resultType?: unknown; result?: unknown }
      | undefined;
    const warnings = [body.warnings, body.infos].flatMap(w =>
      Array.isArray(w) ? w.filter(x => typeof x === 'string') : [],
    );
    const bad = (what: string) =>
      this.http.error('malformed', `returned ${what}`);
    switch (data?.resultType) {
      case 'vector': {
        if (!Array.isArray(data.result))
          throw bad('a vector whose result is not an array');
        const samples: PromSample[] = [];
        for (const item of data.result as Array<{
          metric?: unknown;
          value?: unknown;
          histogram?: unknown;
        }>) {
          if (item.histogram !== undefined && item.value === undefined)
            continue; // native histogram: not read
          const point = this.point(item.value);
          if (!point)
            throw bad(
              `a sample with an invalid value ${truncate(
                JSON.stringify(item.value),
                60,
              )}`,
            );
          samples.push({
            labels: labelsOf(item.metric),
            value: point.value,
            time: point.time,
          });
        }
        return { resultType: 'vector', samples, warnings };
      }
      case 'matrix': {
        if (!Array.isArray(data.result))
          throw bad('a matrix whose result is not an array');
        const series = (
          data.result as Array<{ metric?: unknown; values?: unknown }>
        ).map(item => {
          if (!Array.isArray(item.values))
            throw bad('a matrix series without values');
          const points = item.values.map(v => {
            const point = this.point(v);
            if (!point)
              throw bad(
                `a matrix point with an invalid value ${truncate(
                  JSON.stringify(v),
                  60,
                )}`,
              );
            return point;
          });
          return { labels: labelsOf(item.metric), points };
        });
        return { resultType: 'matrix', series, warnings };
      }
      case 'scalar': {
        const point = this.point(data.result);
        if (!point)
          throw bad(
            `an invalid scalar ${truncate(JSON.stringify(data.result), 60)}`,
          );
        return { resultType: 'scalar', ...point, warnings };
      }
      case 'string': {
        const r = data.result;
        if (
          !Array.isArray(r) ||
          typeof r[0] !== 'number' ||
          typeof r[1] !== 'string'
        )
          throw bad('an invalid string result');
        return { resultType: 'string', time: r[0], value: r[1], warnings };
      }
      default:
        throw bad(
          `an unknown resultType ${truncate(
            JSON.stringify(data?.resultType ?? null),
            40,
          )}`,
        );
    }
  }

  private point(raw: unknown): { time: number; value: number } | undefined {
    if (!Array.isArray(raw) || raw.length !== 2 || typeof raw[0] !== 'number')
      return undefined;
    const value = parseSampleValue(raw[1]);
    return value === undefined ? undefined : { time: raw[0], value };
  }
}

function labelsOf(metric: unknown): Record<string, string> {
  const labels: Record<string, string> = {};
  if (metric && typeof metric === 'object') {
    for (const [k, v] of Object.entries(metric))
      if (typeof v === 'string') labels[k] = v;
  }
  return labels;
}

export { UpstreamError };

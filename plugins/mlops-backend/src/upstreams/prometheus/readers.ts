import { UpstreamError } from '../http';
import { PrometheusReader } from './PrometheusClient';
import {
  DEFAULT_WINDOW,
  GpuScope,
  MetricQuery,
  MetricSource,
  Selector,
  Window,
  errorRate,
  framebuffer,
  gpuUtilization,
  meanLatency,
  overTime,
  p95Latency,
  requestRate,
} from './queries';

/**
 * Request metrics of one model service. A value is absent when Prometheus
 * has no series for it, or when the window had no traffic (0/0 = NaN).
 */
export interface ServingMetrics {
  requestsPerSecond?: number;
  /** 0–1. */
  errorRate?: number;
  /** vLLM and FastAPI (histograms). */
  p95LatencySeconds?: number;
  /** TorchServe and Triton (cumulative counters). */
  meanLatencySeconds?: number;
}

const finite = (v: number | undefined) =>
  v === undefined || Number.isNaN(v) ? undefined : v;

/** Reads the request metrics a source exports (see queries.ts for each query). */
export async function readServingMetrics(
  prometheus: PrometheusReader,
  source: MetricSource,
  selector: Selector,
  window?: string,
  options: { time?: Date } = {},
): Promise<ServingMetrics> {
  const ask = async (promql: string | undefined) =>
    promql ? finite(await prometheus.value(promql, options)) : undefined;
  const [requestsPerSecond, errors, p95, mean] = await Promise.all([
    ask(requestRate(source, selector, window).promql),
    ask(
      source === 'vllm'
        ? undefined
        : errorRate(source, selector, window).promql,
    ),
    ask(
      source === 'vllm' || source === 'fastapi'
        ? p95Latency(source, selector, window).promql
        : undefined,
    ),
    ask(
      source === 'triton' || source === 'torchserve'
        ? meanLatency(source, selector, window).promql
        : undefined,
    ),
  ]);
  return {
    ...(requestsPerSecond !== undefined ? { requestsPerSecond } : {}),
    ...(errors !== undefined ? { errorRate: errors } : {}),
    ...(p95 !== undefined ? { p95LatencySeconds: p95 } : {}),
    ...(mean !== undefined ? { meanLatencySeconds: mean } : {}),
  };
}

/** GPU use of one pod or node. */
export interface GpuUsage {
  namespace?: string;
  pod?: string;
  node?: string;
  /** Percent, averaged over the GPUs. */
  utilizationPercent?: number;
  /** MiB, summed over the GPUs. */
  framebufferUsedMiB?: number;
  framebufferFreeMiB?: number;
}

/** GPU utilization and framebuffer per pod or per node, sorted by name. */
export async function readGpuUsage(
  prometheus: PrometheusReader,
  scope: GpuScope,
): Promise<GpuUsage[]> {
  const [util, used, free] = await Promise.all([
    prometheus.vector(gpuUtilization(scope).promql),
    prometheus.vector(framebuffer('used', scope).promql),
    prometheus.vector(framebuffer('free', scope).promql),
  ]);
  const rows = new Map<string, GpuUsage>();
  const row = (labels: Record<string, string>): GpuUsage => {
    const key =
      scope.by === 'pod'
        ? `${labels.namespace ?? ''}/${labels.pod ?? ''}`
        : labels.node ?? '';
    let r = rows.get(key);
    if (!r) {
      r =
        scope.by === 'pod'
          ? { namespace: labels.namespace ?? '', pod: labels.pod ?? '' }
          : { node: labels.node ?? '' };
      rows.set(key, r);
    }
    return r;
  };
  for (const s of util) row(s.labels).utilizationPercent = finite(s.value);
  for (const s of used) row(s.labels).framebufferUsedMiB = finite(s.value);
  for (const s of free) row(s.labels).framebufferFreeMiB = finite(s.value);
  return [...rows.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([, r]) => r);
}

/** One point of a series: `time` in Unix seconds. */
export interface SeriesPoint {
  time: number;
  value: number;
}

/** How far back a series reaches and how fine it is. */
export interface SeriesOptions {
  /** Default `1h`. */
  range?: string;
  /** One point per step (default `1m`), aligned to multiples of the step. */
  step?: string;
  /** Evaluate at this time instead of Prometheus' now (tests pin it to a scrape). */
  time?: Date;
}

const DEFAULT_RANGE = '1h';
const DEFAULT_STEP = '1m';

/** Points whose value is a number (NaN from a window without traffic and ±Inf are left out). */
const finitePoints = (points: SeriesPoint[]) =>
  points.filter(p => Number.isFinite(p.value));

/** Every series of a subquery (a matrix), as Prometheus answered it. */
async function readMatrix(
  prometheus: PrometheusReader,
  query: MetricQuery,
  options: SeriesOptions,
) {
  const q = overTime(
    query,
    options.range ?? DEFAULT_RANGE,
    options.step ?? DEFAULT_STEP,
  );
  const result = await prometheus.query(
    q.promql,
    options.time ? { time: options.time } : undefined,
  );
  if (result.resultType !== 'matrix') {
    throw new UpstreamError({
      upstream: prometheus.name,
      fault: 'malformed',
      message: `returned a ${result.resultType} where a range of points was expected`,
    });
  }
  return result.series;
}

/** The one series of an aggregated query over time; empty when Prometheus has no data. */
export async function readSeries(
  prometheus: PrometheusReader,
  query: MetricQuery,
  options: SeriesOptions = {},
): Promise<SeriesPoint[]> {
  const series = await readMatrix(prometheus, query, options);
  if (series.length > 1) {
    throw new UpstreamError({
      upstream: prometheus.name,
      fault: 'malformed',
      message: `returned ${series.length} series where one was expected`,
    });
  }
  return finitePoints(series[0]?.points ?? []);
}

/** Serving metrics now, plus the same over time and the latency before the recent minutes. */
export interface ServingMetricsHistory extends ServingMetrics {
  /**
   * p95 (histogram sources) or mean latency over the `range` that ended
   * `recent` ago (`rate(…[1h] offset 5m)`): what "usual" was before now.
   */
  baselineLatencySeconds?: number;
  /** p95 or mean latency (5 m window) at each step. */
  latencySeries: SeriesPoint[];
  /** 0–1 at each step (empty for vLLM, which exports no failures). */
  errorRateSeries: SeriesPoint[];
  requestRateSeries: SeriesPoint[];
}

/**
 * {@link readServingMetrics} plus, over the last `range` (default 1 h) at
 * one point per `step` (default 1 m), the request rate, error rate and
 * latency series (PromQL subqueries of the same queries), and the latency
 * over `range` offset by `recent` (default 5 m) as the baseline. Every
 * query runs at the same time; all run in parallel.
 */
export async function readServingMetricsHistory(
  prometheus: PrometheusReader,
  source: MetricSource,
  selector: Selector,
  options: SeriesOptions & { recent?: string } = {},
): Promise<ServingMetricsHistory> {
  const histogram = source === 'vllm' || source === 'fastapi';
  const latency = (window: Window) =>
    histogram
      ? p95Latency(source, selector, window)
      : meanLatency(source, selector, window);
  const at = options.time ? { time: options.time } : {};
  const [now, baseline, latencySeries, errorRateSeries, requestRateSeries] =
    await Promise.all([
      readServingMetrics(prometheus, source, selector, DEFAULT_WINDOW, at),
      prometheus.value(
        latency({
          range: options.range ?? DEFAULT_RANGE,
          offset: options.recent ?? '5m',
        }).promql,
        at,
      ),
      readSeries(prometheus, latency(DEFAULT_WINDOW), options),
      source === 'vllm'
        ? Promise.resolve([])
        : readSeries(prometheus, errorRate(source, selector), options),
      readSeries(prometheus, requestRate(source, selector), options),
    ]);
  return {
    ...now,
    ...(baseline !== undefined && Number.isFinite(baseline)
      ? { baselineLatencySeconds: baseline }
      : {}),
    latencySeries,
    errorRateSeries,
    requestRateSeries,
  };
}

/** GPU utilization (percent) per pod or node over time, keyed like {@link readGpuUsage} rows (`namespace/pod`, or node). */
export async function readGpuUtilizationSeries(
  prometheus: PrometheusReader,
  scope: GpuScope,
  options: SeriesOptions = {},
): Promise<Map<string, SeriesPoint[]>> {
  const series = await readMatrix(prometheus, gpuUtilization(scope), options);
  const out = new Map<string, SeriesPoint[]>();
  for (const s of series) {
    const key =
      scope.by === 'pod'
        ? `${s.labels.namespace ?? ''}/${s.labels.pod ?? ''}`
        : s.labels.node ?? '';
    out.set(key, finitePoints(s.points));
  }
  return out;
}

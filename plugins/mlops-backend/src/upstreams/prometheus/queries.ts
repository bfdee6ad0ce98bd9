/**
 * The PromQL the portal asks, one builder per question. Every builder takes
 * a label selector that narrows the series to one model service (usually
 * the scrape target's `namespace`/`pod`/`job` labels, or the model's own
 * `model_name` / `model` label) and returns the query with its unit.
 *
 * Rates use a window (default 5m): ratios of two rates over the same window
 * and target are exact; a window with no traffic gives NaN (0/0), a window
 * with no series gives an empty result ("no data").
 */

export type LabelMatch =
  | string
  | { op: '=' | '!=' | '=~' | '!~'; value: string };
export type Selector = Record<string, LabelMatch>;

export interface MetricQuery {
  promql: string;
  unit: 'seconds' | 'ratio' | 'requests/s' | 'percent' | 'MiB';
}

/** Servers whose request metrics we know. `fastapi` is the service our template generates. */
export type MetricSource = 'vllm' | 'fastapi' | 'torchserve' | 'triton';

export const DEFAULT_WINDOW = '5m';

/**
 * Metric names of the FastAPI model service our golden path generates
 * (python prometheus_client): a histogram of request latency and a counter
 * of requests by HTTP status code.
 */
export const FASTAPI_METRICS = {
  latencyHistogram: 'model_request_latency_seconds',
  requestCounter: 'model_requests_total',
  statusLabel: 'status',
};

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const WINDOW = /^\d+(ms|s|m|h|d|w|y)$/;

/** A PromQL string literal. */
export function quote(value: string): string {
  return `"${value
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\n/g, '\\n')}"`;
}

/** Matchers of a selector, without braces: `a="b",c=~"d"`. Throws on an invalid label name. */
export function matchers(sel: Selector, extra: string[] = []): string {
  const parts = Object.entries(sel).map(([name, match]) => {
    if (!LABEL_NAME.test(name)) throw new Error(`invalid label name "${name}"`);
    const { op, value } =
      typeof match === 'string' ? { op: '=', value: match } : match;
    return `${name}${op}${quote(value)}`;
  });
  return [...parts, ...extra].join(',');
}

function series(metric: string, sel: Selector, extra: string[] = []): string {
  return `${metric}{${matchers(sel, extra)}}`;
}

/**
 * A rate window, optionally shifted into the past: `5m`, or `1h offset 5m`
 * (the hour that ended five minutes ago).
 */
export type Window = string | { range: string; offset: string };

function windowText(window: Window): string {
  const { range, offset } =
    typeof window === 'string' ? { range: window, offset: undefined } : window;
  if (!WINDOW.test(range)) throw new Error(`invalid window "${range}"`);
  if (offset !== undefined && !WINDOW.test(offset))
    throw new Error(`invalid offset "${offset}"`);
  return `[${range}]${offset !== undefined ? ` offset ${offset}` : ''}`;
}

function rate(
  metric: string,
  sel: Selector,
  window: Window,
  extra: string[] = [],
): string {
  return `rate(${series(metric, sel, extra)}${windowText(window)})`;
}

/**
 * A query evaluated at every `step` over the last `range` (a PromQL
 * subquery, `(<q>)[1h:1m]`): an instant query of it answers a matrix, one
 * point per step, aligned to multiples of the step.
 */
export function overTime(
  query: MetricQuery,
  range: string,
  step: string,
): MetricQuery {
  if (!WINDOW.test(range)) throw new Error(`invalid range "${range}"`);
  if (!WINDOW.test(step)) throw new Error(`invalid step "${step}"`);
  return { promql: `(${query.promql})[${range}:${step}]`, unit: query.unit };
}

/** `sum(rate(...))` that is 0 rather than absent (for numerators of ratios whose series appear only after the first event). */
function sumRateOrZero(
  metric: string,
  sel: Selector,
  window: Window,
  extra: string[] = [],
): string {
  return `(sum(${rate(metric, sel, window, extra)}) or vector(0))`;
}

/**
 * Sum of the rates of several counters, each absent one counted as 0, but no
 * data at all when none of them has a series. (One `rate()` over
 * `{__name__=~"a|b"}` would not do: it drops the names, and series that then
 * share a label set make Prometheus refuse the query.)
 */
function sumOfRates(metrics: string[], sel: Selector, window: Window): string {
  const terms = metrics.map(m => sumRateOrZero(m, sel, window)).join(' + ');
  const names = metrics
    .map(m => m.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('|');
  return `((${terms}) and on () count(${series('', sel, [
    `__name__=~${quote(names)}`,
  ])}))`;
}

/**
 * 95th percentile of request latency in seconds, from a Prometheus histogram:
 * `histogram_quantile(0.95, sum by (le) (rate(<h>_bucket{sel}[5m])))`.
 * Linear interpolation inside the bucket that holds the 95th percentile, so
 * the answer is exact to within that bucket's width. vLLM:
 * `vllm:e2e_request_latency_seconds`; FastAPI: `model_request_latency_seconds`.
 * TorchServe and Triton export counters only (no percentiles): use {@link meanLatency}.
 */
export function p95Latency(
  source: 'vllm' | 'fastapi',
  sel: Selector,
  window: Window = DEFAULT_WINDOW,
): MetricQuery {
  const histogram =
    source === 'vllm'
      ? 'vllm:e2e_request_latency_seconds'
      : FASTAPI_METRICS.latencyHistogram;
  return {
    promql: `histogram_quantile(0.95, sum by (le) (${rate(
      `${histogram}_bucket`,
      sel,
      window,
    )}))`,
    unit: 'seconds',
  };
}

/**
 * Share of requests that failed, 0–1:
 * - TorchServe: `Requests5XX` over `Requests2XX + 4XX + 5XX` (frontend counters, label `Hostname`)
 * - Triton: `nv_inference_request_failure` over success + failure (any `reason`)
 * - FastAPI: `model_requests_total{status=~"5.."}` over all of `model_requests_total`
 * Counters that appear only after their first event count as 0 in the numerator.
 */
export function errorRate(
  source: 'torchserve' | 'triton' | 'fastapi',
  sel: Selector,
  window: Window = DEFAULT_WINDOW,
): MetricQuery {
  const all = requestRate(source, sel, window).promql;
  let failed: string;
  if (source === 'torchserve')
    failed = sumRateOrZero('Requests5XX', sel, window);
  else if (source === 'triton')
    failed = sumRateOrZero('nv_inference_request_failure', sel, window);
  else
    failed = sumRateOrZero(FASTAPI_METRICS.requestCounter, sel, window, [
      `${FASTAPI_METRICS.statusLabel}=~"5.."`,
    ]);
  return { promql: `${failed} / ${all}`, unit: 'ratio' };
}

/**
 * Requests per second over the window:
 * TorchServe `Requests2XX+4XX+5XX`; Triton success + failure (each absent
 * counter counted as 0, no data when all are absent); FastAPI
 * `model_requests_total`; vLLM the `_count` of `vllm:e2e_request_latency_seconds`
 * (one observation per finished request).
 */
export function requestRate(
  source: MetricSource,
  sel: Selector,
  window: Window = DEFAULT_WINDOW,
): MetricQuery {
  const queries: Record<MetricSource, () => string> = {
    torchserve: () =>
      sumOfRates(['Requests2XX', 'Requests4XX', 'Requests5XX'], sel, window),
    triton: () =>
      sumOfRates(
        ['nv_inference_request_success', 'nv_inference_request_failure'],
        sel,
        window,
      ),
    fastapi: () => `sum(${rate(FASTAPI_METRICS.requestCounter, sel, window)})`,
    vllm: () =>
      `sum(${rate('vllm:e2e_request_latency_seconds_count', sel, window)})`,
  };
  const promql = queries[source]();
  return { promql, unit: 'requests/s' };
}

/**
 * Mean request latency in seconds from cumulative microsecond counters:
 * Triton `rate(nv_inference_request_duration_us) / rate(nv_inference_request_success)`,
 * TorchServe `rate(ts_inference_latency_microseconds) / rate(ts_inference_requests_total)`
 * (TorchServe needs `metrics_mode=prometheus`), divided by 1e6.
 */
export function meanLatency(
  source: 'triton' | 'torchserve',
  sel: Selector,
  window: Window = DEFAULT_WINDOW,
): MetricQuery {
  const [duration, count] =
    source === 'triton'
      ? ['nv_inference_request_duration_us', 'nv_inference_request_success']
      : ['ts_inference_latency_microseconds', 'ts_inference_requests_total'];
  return {
    promql: `sum(${rate(duration, sel, window)}) / sum(${rate(
      count,
      sel,
      window,
    )}) / 1e6`,
    unit: 'seconds',
  };
}

/**
 * Which GPUs to aggregate (DCGM exporter series):
 * - `pod`: GPUs held by pods of `namespace` whose name matches `podRegex`
 *   (GPUs not allocated to a pod carry no pod labels and are left out).
 *   Scraped without `honorLabels`, the exporter's pod labels arrive as
 *   `exported_pod` / `exported_namespace`: both spellings are read.
 * - `node`: GPUs of nodes matching `nodeRegex`, grouped as label `node` from
 *   `Hostname` (released exporters) or `hostname` (exporter main since 2026-05).
 */
export type GpuScope =
  | { by: 'pod'; namespace?: string; podRegex?: string; selector?: Selector }
  | { by: 'node'; nodeRegex?: string; selector?: Selector };

/** One DCGM metric with the scope's labels normalised (`namespace`/`pod`, or `node`). */
function gpuSeries(
  metric: string,
  scope: GpuScope,
  extra: string[] = [],
): string {
  const sel = scope.selector ?? {};
  if (scope.by === 'node') {
    const node = scope.nodeRegex ? `=~${quote(scope.nodeRegex)}` : '!=""';
    const upper = series(metric, sel, [...extra, `Hostname${node}`]);
    const lower = series(metric, sel, [
      ...extra,
      `hostname${node}`,
      'Hostname=""',
    ]);
    return (
      `(label_replace(${upper}, "node", "$1", "Hostname", "(.+)")` +
      ` or label_replace(${lower}, "node", "$1", "hostname", "(.+)"))`
    );
  }
  const pod = scope.podRegex ? `=~${quote(scope.podRegex)}` : '!=""';
  const ns =
    scope.namespace !== undefined ? `=${quote(scope.namespace)}` : undefined;
  const plain = series(metric, sel, [
    ...extra,
    `pod${pod}`,
    'exported_pod=""',
    ...(ns ? [`namespace${ns}`] : []),
  ]);
  const exported = series(metric, sel, [
    ...extra,
    `exported_pod${pod}`,
    ...(ns ? [`exported_namespace${ns}`] : []),
  ]);
  return (
    `(${plain} or label_replace(label_replace(${exported},` +
    ` "pod", "$1", "exported_pod", "(.+)"), "namespace", "$1", "exported_namespace", "(.*)"))`
  );
}

const groupOf = (scope: GpuScope) =>
  scope.by === 'pod' ? 'namespace, pod' : 'node';

/**
 * GPU utilization in percent, averaged over the scope's GPUs:
 * `DCGM_FI_DEV_GPU_UTIL` (%), except on MIG instances (label `GPU_I_ID`),
 * where it is 0 or missing and `DCGM_FI_PROF_GR_ENGINE_ACTIVE` (0–1) × 100
 * is used; also the fallback for any GPU without `DEV_GPU_UTIL`.
 */
export function gpuUtilization(scope: GpuScope): MetricQuery {
  const prof = (extra: string[]) =>
    `(${gpuSeries('DCGM_FI_PROF_GR_ENGINE_ACTIVE', scope, extra)} * 100)`;
  const perDevice =
    `${prof(['GPU_I_ID!=""'])}` +
    ` or on (UUID, GPU_I_ID) ${gpuSeries('DCGM_FI_DEV_GPU_UTIL', scope, [
      'GPU_I_ID=""',
    ])}` +
    ` or on (UUID, GPU_I_ID) ${prof([])}`;
  return {
    promql: `avg by (${groupOf(scope)}) (${perDevice})`,
    unit: 'percent',
  };
}

/** Framebuffer memory used or free, in MiB (`DCGM_FI_DEV_FB_USED` / `_FREE`), summed over the scope's GPUs. */
export function framebuffer(
  kind: 'used' | 'free',
  scope: GpuScope,
): MetricQuery {
  const metric =
    kind === 'used' ? 'DCGM_FI_DEV_FB_USED' : 'DCGM_FI_DEV_FB_FREE';
  return {
    promql: `sum by (${groupOf(scope)}) (${gpuSeries(metric, scope)})`,
    unit: 'MiB',
  };
}

import { PrometheusReader } from './PrometheusClient';
import {
  GpuScope,
  MetricSource,
  Selector,
  errorRate,
  framebuffer,
  gpuUtilization,
  meanLatency,
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
): Promise<ServingMetrics> {
  const ask = async (promql: string | undefined) =>
    promql ? finite(await prometheus.value(promql)) : undefined;
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

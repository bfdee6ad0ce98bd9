import { Entity } from '@backstage/catalog-model';
import {
  ANNOTATION_INFERENCE_ENDPOINT,
  ANNOTATION_INFERENCE_PROTOCOL,
  InferenceDetail,
  InferenceProtocol,
  InferenceReport,
  ServingMetricsDetail,
  SignalHealth,
  TimePoint,
  UpstreamProblem,
} from '@internal/plugin-mlops-common';
import { InferenceProber } from '../../upstreams/inference/InferenceProber';
import { servingFactOf } from '../../upstreams/inference/servingFact';
import {
  InferenceTarget,
  inferenceTargetOf,
} from '../../upstreams/inference/target';
import {
  ObjectSource,
  entityKubernetesTarget,
  findEntityObjects,
} from '../../upstreams/kubernetes';
import { PrometheusReader } from '../../upstreams/prometheus/PrometheusClient';
import { MetricSource, Selector } from '../../upstreams/prometheus/queries';
import {
  SeriesOptions,
  SeriesPoint,
  ServingMetrics,
  ServingMetricsHistory,
  readServingMetrics,
  readServingMetricsHistory,
} from '../../upstreams/prometheus/readers';
import { deriveInferenceEndpoint } from './derivedEndpoint';
import { SignalProvider, SignalReading } from './HealthService';
import { DeadlineError, withDeadline } from './deadline';

/** Above this share of failed requests a serving model is a warning. */
const ERROR_RATE_WARNING = 0.05;
/** Current latency above this many times the last hour's is worth a warning on the card. */
const LATENCY_SPIKE_FACTOR = 3;
/** Metrics are an extra: they may not hold up the probe's verdict for long. */
const METRICS_DEADLINE_MS = 4_000;

const METRIC_SOURCE: Record<InferenceProtocol, MetricSource> = {
  openai: 'vllm',
  http: 'fastapi',
  torchserve: 'torchserve',
  triton: 'triton',
  'kserve-v2': 'triton',
};

/** The label that carries the model's name in each source's own series. */
const MODEL_LABEL: Record<MetricSource, string> = {
  vllm: 'model_name',
  fastapi: 'model_name',
  torchserve: 'model_name',
  triton: 'model',
};

export interface InferenceProviderOptions {
  /** The watch cache: pods for the metrics selector, Services and InferenceServices for a derived endpoint. */
  cluster?: ObjectSource;
  /** `mlops.prometheus`: request rate, error rate and latency added to the reason. */
  prometheus?: PrometheusReader;
}

/**
 * The inference signal: live / ready / model-ready and latency, probed behind
 * the SSRF policy; the endpoint comes from the annotation, else from the
 * entity's InferenceService or Service. With Prometheus, the serving metrics
 * join the reason (more than 5% errors turns `ok` into `warning`); a
 * Prometheus failure is named but never changes the probe's verdict.
 */
export function inferenceSignalProvider(
  prober: InferenceProber,
  options: InferenceProviderOptions = {},
): SignalProvider {
  return {
    signal: 'inference',
    notApplicableReason: () =>
      `add the ${ANNOTATION_INFERENCE_ENDPOINT} and ${ANNOTATION_INFERENCE_PROTOCOL} annotations`,
    async read(entity, readOptions): Promise<SignalReading | undefined> {
      const target =
        inferenceTargetOf(entity) ?? derivedTarget(entity, options.cluster);
      if (!target) return undefined;
      if (!target.ok) {
        return {
          health: {
            signal: 'inference',
            status: 'error',
            reason: `${target.problem.upstream}: ${target.problem.message}`,
            checkedAt: new Date().toISOString(),
            problem: target.problem,
          },
          facts: { serving: { problem: target.problem } },
        };
      }
      const report = await prober.probe(target.target);
      const details = readOptions?.details === true;
      const measured = options.prometheus
        ? await readInferenceMetrics(
            report,
            entity,
            target.target,
            options.prometheus,
            options.cluster,
            { details },
          )
        : { health: report.health, detail: { warnings: [] } };
      return {
        health: measured.health,
        facts: { serving: servingFactOf(report) },
        ...(details
          ? { detail: { inference: { report, ...measured.detail } } }
          : {}),
      };
    },
  };
}

/** A protocol annotation without an endpoint: the endpoint from the cluster, read like an annotation. */
function derivedTarget(entity: Entity, cluster: ObjectSource | undefined) {
  const annotations = entity.metadata.annotations ?? {};
  if (!cluster || !annotations[ANNOTATION_INFERENCE_PROTOCOL]?.trim())
    return undefined;
  const k8s = entityKubernetesTarget(entity);
  if (!k8s.ok) return undefined;
  const derived = deriveInferenceEndpoint(findEntityObjects(cluster, k8s));
  if (!derived) return undefined;
  return inferenceTargetOf({
    ...entity,
    metadata: {
      ...entity.metadata,
      annotations: {
        ...annotations,
        [ANNOTATION_INFERENCE_ENDPOINT]: derived.url,
      },
    },
  });
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The entity's pods (namespace + pod labels) from the watch cache, else the model's name label. */
function metricsSelector(
  entity: Entity,
  source: MetricSource,
  model: string | undefined,
  cluster: ObjectSource | undefined,
): Selector | undefined {
  const k8s = cluster ? entityKubernetesTarget(entity) : undefined;
  if (cluster && k8s?.ok) {
    const pods = findEntityObjects(cluster, k8s).flatMap(c => c.pods);
    if (pods.length) {
      const namespaces = [
        ...new Set(pods.map(p => p.metadata.namespace ?? '')),
      ];
      const names = [...new Set(pods.map(p => p.metadata.name))].sort();
      return {
        namespace:
          namespaces.length === 1
            ? namespaces[0]
            : { op: '=~', value: namespaces.map(escapeRegex).join('|') },
        pod: { op: '=~', value: names.map(escapeRegex).join('|') },
      };
    }
  }
  return model ? { [MODEL_LABEL[source]]: model } : undefined;
}

/** `12.3`, `0.105`, `1230`: three significant digits without an exponent. */
const num = (v: number) => String(Number(v.toPrecision(3)));

/** "12.3 req/s, 0.4% errors, p95 180 ms", or undefined when Prometheus has no series. */
export function describeServingMetrics(m: ServingMetrics): string | undefined {
  const parts: string[] = [];
  if (m.requestsPerSecond !== undefined)
    parts.push(`${num(m.requestsPerSecond)} req/s`);
  if (m.errorRate !== undefined)
    parts.push(`${num(m.errorRate * 100)}% errors`);
  if (m.p95LatencySeconds !== undefined)
    parts.push(`p95 ${Math.round(m.p95LatencySeconds * 1000)} ms`);
  else if (m.meanLatencySeconds !== undefined)
    parts.push(`mean ${Math.round(m.meanLatencySeconds * 1000)} ms`);
  return parts.length ? parts.join(', ') : undefined;
}

/** "metrics unavailable: Prometheus (host) timed out" — an upstream error names its upstream. */
export function metricsUnavailable(e: unknown): string {
  const problem = (e as { problem?: { upstream?: string; message?: string } })
    ?.problem;
  const text = problem?.upstream
    ? `${problem.upstream} ${problem.message ?? ''}`
    : String((e as Error)?.message ?? e);
  return `metrics unavailable: ${text.trim()}`;
}

/** Rejects after `ms` with an error naming Prometheus. */
export function deadline<T>(work: Promise<T>, ms: number): Promise<T> {
  return withDeadline(work, ms, `Prometheus did not answer within ${ms} ms`);
}

/** The Prometheus side of the inference signal: the reason (and the >5% errors rule) and, when asked, the card's detail. */
export interface InferenceMetricsReading {
  health: SignalHealth;
  detail: Omit<InferenceDetail, 'report'>;
}

/**
 * Reads the serving metrics of `target` and joins them to the probe's
 * verdict: the numbers go into the reason, more than 5% errors turn `ok`
 * into `warning`; a Prometheus failure is named in the reason (and in
 * `detail.metricsProblem`) and never changes the status. With
 * `details: true` it also reads the series of the last hour (one point a
 * minute) and the latency of the hour before the last five minutes, and
 * words warnings for the card. Everything within {@link METRICS_DEADLINE_MS}.
 */
export async function readInferenceMetrics(
  report: Pick<InferenceReport, 'health' | 'ready'>,
  entity: Entity,
  target: InferenceTarget,
  prometheus: PrometheusReader,
  cluster: ObjectSource | undefined,
  options: {
    details?: boolean;
    /** Tests shorten the series (`range`, `step`, `recent`) and pin `time`; default 1 h at 1 m, 5 m recent. */
    history?: SeriesOptions & { recent?: string };
  } = {},
): Promise<InferenceMetricsReading> {
  const health = report.health;
  const source = METRIC_SOURCE[target.protocol];
  const selector = metricsSelector(entity, source, target.model, cluster);
  if (!selector) return { health, detail: { warnings: [] } };
  try {
    const { metrics, history } = await deadline<{
      metrics: ServingMetrics;
      history?: ServingMetricsHistory;
    }>(
      options.details
        ? readServingMetricsHistory(
            prometheus,
            source,
            selector,
            options.history,
          ).then(h => ({ metrics: h, history: h }))
        : readServingMetrics(prometheus, source, selector).then(m => ({
            metrics: m,
          })),
      METRICS_DEADLINE_MS,
    );
    const text = describeServingMetrics(metrics) ?? 'no request metrics yet';
    const tooManyErrors =
      health.status === 'ok' &&
      metrics.errorRate !== undefined &&
      metrics.errorRate > ERROR_RATE_WARNING;
    const detail = history
      ? toServingMetricsDetail(prometheus.name, history)
      : undefined;
    return {
      health: {
        ...health,
        status: tooManyErrors ? 'warning' : health.status,
        reason: `${health.reason}; ${text}${
          tooManyErrors
            ? ` (above ${Math.round(ERROR_RATE_WARNING * 100)}% errors)`
            : ''
        }`,
      },
      detail: {
        ...(detail ? { metrics: detail } : {}),
        warnings: detail ? servingWarnings(detail, report.ready) : [],
      },
    };
  } catch (e) {
    return {
      health: {
        ...health,
        reason: `${health.reason}; ${metricsUnavailable(e)}`,
      },
      detail: {
        metricsProblem: metricsProblemOf(e, prometheus.name),
        warnings: [],
      },
    };
  }
}

/** {@link readInferenceMetrics} without the detail: the signal's health only. */
export async function withMetrics(
  health: SignalHealth,
  entity: Entity,
  target: InferenceTarget,
  prometheus: PrometheusReader,
  cluster: ObjectSource | undefined,
): Promise<SignalHealth> {
  return (
    await readInferenceMetrics(
      { health, ready: undefined },
      entity,
      target,
      prometheus,
      cluster,
    )
  ).health;
}

const toPoints = (points: SeriesPoint[], scale = 1): TimePoint[] =>
  points.map(p => ({ t: Math.round(p.time * 1000), v: p.value * scale }));

const finiteOrUndefined = (v: number | undefined) =>
  v !== undefined && Number.isFinite(v) ? v : undefined;

/** Seconds → milliseconds; the wire type of the card. */
export function toServingMetricsDetail(
  source: string,
  m: ServingMetricsHistory,
): ServingMetricsDetail {
  const ms = (v: number | undefined) => {
    const f = finiteOrUndefined(v);
    return f === undefined ? undefined : f * 1000;
  };
  const fields: Partial<ServingMetricsDetail> = {
    requestsPerSecond: finiteOrUndefined(m.requestsPerSecond),
    errorRate: finiteOrUndefined(m.errorRate),
    p95LatencyMs: ms(m.p95LatencySeconds),
    meanLatencyMs: ms(m.meanLatencySeconds),
    lastHourLatencyMs: ms(m.baselineLatencySeconds),
  };
  return {
    source,
    ...Object.fromEntries(
      Object.entries(fields).filter(([, v]) => v !== undefined),
    ),
    latencyMsSeries: toPoints(m.latencySeries, 1000),
    errorRateSeries: toPoints(m.errorRateSeries),
    requestRateSeries: toPoints(m.requestRateSeries),
  };
}

/**
 * Warnings in words for the inference card: more than 5% errors in the
 * last 5 minutes; a ready server whose current latency (p95, else mean) is
 * more than 3× that of the hour before the last five minutes.
 */
export function servingWarnings(
  m: ServingMetricsDetail,
  ready: boolean | undefined,
): string[] {
  const warnings: string[] = [];
  const [what, latency] =
    m.p95LatencyMs !== undefined
      ? ['p95', m.p95LatencyMs]
      : ['mean', m.meanLatencyMs];
  if (
    ready === true &&
    latency !== undefined &&
    m.lastHourLatencyMs !== undefined &&
    m.lastHourLatencyMs > 0 &&
    latency > LATENCY_SPIKE_FACTOR * m.lastHourLatencyMs
  ) {
    warnings.push(
      `ready but ${what} latency ${(latency / m.lastHourLatencyMs).toFixed(
        1,
      )}× last hour`,
    );
  }
  if (m.errorRate !== undefined && m.errorRate > ERROR_RATE_WARNING) {
    warnings.push(
      `error rate ${num(m.errorRate * 100)}% over the last 5 minutes`,
    );
  }
  return warnings;
}

/** The UpstreamProblem of a failed metrics read: the client's own, or Prometheus timed out / failed. */
export function metricsProblemOf(
  e: unknown,
  upstream: string,
): UpstreamProblem {
  const problem = (e as { problem?: UpstreamProblem })?.problem;
  if (problem?.upstream && problem.fault) return problem;
  if (e instanceof DeadlineError)
    return {
      upstream,
      fault: 'timeout',
      message: e.message.replace(/^Prometheus /, ''),
    };
  return {
    upstream,
    fault: 'server-error',
    message: String((e as Error)?.message ?? e),
  };
}

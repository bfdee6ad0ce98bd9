import { Entity } from '@backstage/catalog-model';
import {
  ANNOTATION_INFERENCE_ENDPOINT,
  ANNOTATION_INFERENCE_PROTOCOL,
  InferenceProtocol,
  SignalHealth,
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
  ServingMetrics,
  readServingMetrics,
} from '../../upstreams/prometheus/readers';
import { deriveInferenceEndpoint } from './derivedEndpoint';
import { SignalProvider, SignalReading } from './HealthService';
import { withDeadline } from './deadline';

/** Above this share of failed requests a serving model is a warning. */
const ERROR_RATE_WARNING = 0.05;
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
    async read(entity): Promise<SignalReading | undefined> {
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
      const health = options.prometheus
        ? await withMetrics(
            report.health,
            entity,
            target.target,
            options.prometheus,
            options.cluster,
          )
        : report.health;
      return { health, facts: { serving: servingFactOf(report) } };
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

export async function withMetrics(
  health: SignalHealth,
  entity: Entity,
  target: InferenceTarget,
  prometheus: PrometheusReader,
  cluster: ObjectSource | undefined,
): Promise<SignalHealth> {
  const source = METRIC_SOURCE[target.protocol];
  const selector = metricsSelector(entity, source, target.model, cluster);
  if (!selector) return health;
  try {
    const metrics = await deadline(
      readServingMetrics(prometheus, source, selector),
      METRICS_DEADLINE_MS,
    );
    const text = describeServingMetrics(metrics) ?? 'no request metrics yet';
    const tooManyErrors =
      health.status === 'ok' &&
      metrics.errorRate !== undefined &&
      metrics.errorRate > ERROR_RATE_WARNING;
    return {
      ...health,
      status: tooManyErrors ? 'warning' : health.status,
      reason: `${health.reason}; ${text}${
        tooManyErrors
          ? ` (above ${Math.round(ERROR_RATE_WARNING * 100)}% errors)`
          : ''
      }`,
    };
  } catch (e) {
    return { ...health, reason: `${health.reason}; ${metricsUnavailable(e)}` };
  }
}

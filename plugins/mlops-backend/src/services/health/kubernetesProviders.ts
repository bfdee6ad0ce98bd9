import { Entity } from '@backstage/catalog-model';
import {
  ANNOTATION_KUBERNETES_ID,
  ANNOTATION_KUBERNETES_LABEL_SELECTOR,
  SignalHealth,
} from '@internal/plugin-mlops-common';
import {
  ResourceCache,
  entityGpuUsage,
  entityKubernetesTarget,
  findEntityObjects,
  judgeEntityWorkloads,
  nodeGpuInventory,
} from '../../upstreams/kubernetes';
import { PrometheusReader } from '../../upstreams/prometheus/PrometheusClient';
import { GpuUsage, readGpuUsage } from '../../upstreams/prometheus/readers';
import { RunningFact } from '../delivery/deliveryChain';
import { SignalProvider, SignalReading } from './HealthService';
import { deadline, metricsUnavailable } from './inferenceProvider';

const hasKubernetesAnnotation = (entity: Entity) => {
  const a = entity.metadata.annotations ?? {};
  return Boolean(
    a[ANNOTATION_KUBERNETES_ID] || a[ANNOTATION_KUBERNETES_LABEL_SELECTOR],
  );
};

const notAnnotated = `add the ${ANNOTATION_KUBERNETES_ID} (or ${ANNOTATION_KUBERNETES_LABEL_SELECTOR}) annotation`;

/** The workload signal: rollout state and pod diagnosis from the watch cache. */
export function workloadSignalProvider(
  cache: ResourceCache,
  now: () => number = Date.now,
): SignalProvider {
  return {
    signal: 'workload',
    notApplicableReason: () => notAnnotated,
    async read(entity): Promise<SignalReading | undefined> {
      if (!hasKubernetesAnnotation(entity)) return undefined;
      const report = judgeEntityWorkloads(cache, entity, now());
      const checkedAt = new Date(now()).toISOString();
      const health: SignalHealth = {
        signal: 'workload',
        status: report.status,
        reason: report.reason,
        checkedAt,
        ...(report.problem ? { problem: report.problem } : {}),
      };
      if (report.problem)
        return { health, facts: { running: { problem: report.problem } } };
      const pods = report.clusters.flatMap(c => c.pods);
      const workloads = report.clusters.flatMap(c => c.workloads);
      if (pods.length === 0 && workloads.length === 0) return { health };
      const images = pods.flatMap(p => p.images.filter(i => !i.init));
      const desired =
        workloads.reduce((n, w) => n + (w.desired ?? 0), 0) || pods.length;
      const ready = pods.filter(p => p.ready).length;
      const firstProblem = pods.find(p => p.status !== 'ok');
      const running: RunningFact = {
        tags: [
          ...new Set(
            images.map(i => i.tag).filter((t): t is string => Boolean(t)),
          ),
        ],
        digests: [
          ...new Set(
            images.map(i => i.digest).filter((d): d is string => Boolean(d)),
          ),
        ],
        ready,
        desired,
        ...(firstProblem ? { reason: firstProblem.reason } : {}),
      };
      return { health, facts: { running } };
    },
  };
}

/** The GPU signal: which GPUs the entity's pods hold, on which nodes; with Prometheus, how busy they are. */
export function gpuSignalProvider(
  cache: ResourceCache,
  now: () => number = Date.now,
  prometheus?: PrometheusReader,
): SignalProvider {
  return {
    signal: 'gpu',
    notApplicableReason: () => notAnnotated,
    async read(entity): Promise<SignalReading | undefined> {
      if (!hasKubernetesAnnotation(entity)) return undefined;
      const checkedAt = new Date(now()).toISOString();
      const target = entityKubernetesTarget(entity);
      if (!target.ok) {
        return {
          health: {
            signal: 'gpu',
            status: 'unknown',
            reason: target.message,
            checkedAt,
            problem: {
              upstream: 'kubernetes',
              fault: 'bad-annotation',
              message: target.message,
            },
          },
        };
      }
      const clusters = findEntityObjects(cache, target);
      const parts: string[] = [];
      let status: SignalHealth['status'] = 'unknown';
      let any = false;
      const gpuPods: Array<{ namespace: string; name: string }> = [];
      for (const found of clusters) {
        const nodeState = cache.state(found.cluster, 'nodes');
        if (nodeState?.lastError) {
          return {
            health: {
              signal: 'gpu',
              status: 'error',
              reason: `${found.cluster}: nodes cannot be read: ${nodeState.lastError.message}`,
              checkedAt,
              problem: nodeState.lastError,
            },
          };
        }
        const inventory = nodeGpuInventory(
          cache.list(found.cluster, 'nodes'),
          cache.list(found.cluster, 'pods'),
        );
        const usage = entityGpuUsage(found.pods, inventory);
        if (usage.pods.length === 0) continue;
        any = true;
        for (const p of usage.pods) {
          if (p.scheduled && !p.finished && p.namespace)
            gpuPods.push({ namespace: p.namespace, name: p.name });
        }
        const held = Object.entries(usage.held).map(([r, n]) => `${n} ${r}`);
        const waiting = Object.entries(usage.waiting).map(
          ([r, n]) => `${n} ${r}`,
        );
        const products = [
          ...new Set(usage.nodes.map(n => n.labels.product).filter(Boolean)),
        ];
        parts.push(
          `${clusters.length > 1 ? `${found.cluster}: ` : ''}holds ${
            held.join(', ') || 'no GPUs'
          }${products.length ? ` (${products.join(', ')})` : ''} on ${
            usage.nodes.map(n => n.node).join(', ') || 'no node'
          }${waiting.length ? `; waiting for ${waiting.join(', ')}` : ''}`,
        );
        const thisStatus = waiting.length
          ? held.length
            ? 'warning'
            : 'error'
          : 'ok';
        status =
          status === 'unknown' ||
          thisStatus === 'error' ||
          (thisStatus === 'warning' && status === 'ok')
            ? thisStatus
            : status;
      }
      if (!any) {
        return {
          health: {
            signal: 'gpu',
            status: 'unknown',
            reason: 'the service asks for no GPUs',
            checkedAt,
          },
        };
      }
      if (prometheus && gpuPods.length) {
        parts.push(await gpuMetricsText(prometheus, gpuPods));
      }
      return {
        health: { signal: 'gpu', status, reason: parts.join('; '), checkedAt },
      };
    },
  };
}

const GPU_METRICS_DEADLINE_MS = 4_000;

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** "llm-0: 87% utilization, 30512 MiB framebuffer used" per pod (DCGM via Prometheus); never changes the status. */
async function gpuMetricsText(
  prometheus: PrometheusReader,
  pods: Array<{ namespace: string; name: string }>,
): Promise<string> {
  const byNamespace = new Map<string, string[]>();
  for (const p of pods)
    byNamespace.set(p.namespace, [
      ...(byNamespace.get(p.namespace) ?? []),
      p.name,
    ]);
  try {
    const rows = (
      await deadline(
        Promise.all(
          [...byNamespace].map(([namespace, names]) =>
            readGpuUsage(prometheus, {
              by: 'pod',
              namespace,
              podRegex: [...new Set(names)].map(escapeRegex).join('|'),
            }),
          ),
        ),
        GPU_METRICS_DEADLINE_MS,
      )
    ).flat();
    if (rows.length === 0) return 'no GPU metrics for its pods yet';
    const multiNamespace = byNamespace.size > 1;
    return rows
      .map((r: GpuUsage) => {
        const facts = [
          r.utilizationPercent !== undefined
            ? `${Math.round(r.utilizationPercent)}% utilization`
            : undefined,
          r.framebufferUsedMiB !== undefined
            ? `${Math.round(r.framebufferUsedMiB)} MiB framebuffer used`
            : undefined,
        ].filter(Boolean);
        return `${multiNamespace ? `${r.namespace}/` : ''}${r.pod}: ${
          facts.join(', ') || 'no values'
        }`;
      })
      .join('; ');
  } catch (e) {
    return metricsUnavailable(e);
  }
}

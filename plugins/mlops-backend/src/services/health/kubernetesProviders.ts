import { Entity } from '@backstage/catalog-model';
import {
  ANNOTATION_KUBERNETES_ID,
  ANNOTATION_KUBERNETES_LABEL_SELECTOR,
  GpuDetail,
  GpuNodeInfo,
  PodSummary,
  SignalHealth,
  UpstreamProblem,
  WorkloadDetail,
  WorkloadSummary,
} from '@internal/plugin-mlops-common';
import {
  EntityClusterObjects,
  EntityWorkloadReport,
  NodeGpu,
  PodDiagnosis,
  ResourceCache,
  WorkloadJudgement,
  entityGpuUsage,
  nodeGpuInventory,
} from '../../upstreams/kubernetes';
import { PrometheusReader } from '../../upstreams/prometheus/PrometheusClient';
import {
  GpuUsage,
  SeriesOptions,
  SeriesPoint,
  readGpuUsage,
  readGpuUtilizationSeries,
} from '../../upstreams/prometheus/readers';
import { RunningFact } from '../delivery/deliveryChain';
import { SignalProvider, SignalReading } from './HealthService';
import {
  deadline,
  metricsProblemOf,
  metricsUnavailable,
} from './inferenceProvider';
import { entityWorkloadMemo } from './entityWorkloadMemo';

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
  const memo = entityWorkloadMemo(cache);
  return {
    signal: 'workload',
    notApplicableReason: () => notAnnotated,
    async read(entity, options): Promise<SignalReading | undefined> {
      if (!hasKubernetesAnnotation(entity)) return undefined;
      const { report } = memo.read(entity, now());
      const detail = options?.details
        ? { detail: { workload: toWorkloadDetail(report) } }
        : {};
      const checkedAt = new Date(now()).toISOString();
      const health: SignalHealth = {
        signal: 'workload',
        status: report.status,
        reason: report.reason,
        checkedAt,
        ...(report.problem ? { problem: report.problem } : {}),
      };
      if (report.problem)
        return {
          health,
          facts: { running: { problem: report.problem } },
          ...detail,
        };
      const running = runningFactOf(report);
      if (!running) return { health, ...detail };
      return { health, facts: { running }, ...detail };
    },
  };
}

const runningFacts = new WeakMap<EntityWorkloadReport, RunningFact | null>();

/** What runs, from a workload report (kept with the memoized report); null when nothing matched. */
function runningFactOf(report: EntityWorkloadReport): RunningFact | null {
  const known = runningFacts.get(report);
  if (known !== undefined) return known;
  const running = computeRunningFact(report);
  runningFacts.set(report, running);
  return running;
}

function computeRunningFact(report: EntityWorkloadReport): RunningFact | null {
  const pods = report.clusters.flatMap(c => c.pods);
  const workloads = report.clusters.flatMap(c => c.workloads);
  if (pods.length === 0 && workloads.length === 0) return null;
  const images = pods.flatMap(p => p.images.filter(i => !i.init));
  const desired =
    workloads.reduce((n, w) => n + (w.desired ?? 0), 0) || pods.length;
  const firstProblem = pods.find(p => p.status !== 'ok');
  return {
    tags: [
      ...new Set(images.map(i => i.tag).filter((t): t is string => Boolean(t))),
    ],
    digests: [
      ...new Set(
        images.map(i => i.digest).filter((d): d is string => Boolean(d)),
      ),
    ],
    ready: pods.filter(p => p.ready).length,
    desired,
    ...(firstProblem ? { reason: firstProblem.reason } : {}),
  };
}

function toWorkloadSummary(w: WorkloadJudgement): WorkloadSummary {
  return {
    kind: w.kind,
    ...(w.namespace !== undefined ? { namespace: w.namespace } : {}),
    name: w.name,
    status: w.status,
    reason: w.reason,
    state: w.state,
    ...(w.ready !== undefined ? { ready: w.ready } : {}),
    ...(w.desired !== undefined ? { desired: w.desired } : {}),
  };
}

function toPodSummary(p: PodDiagnosis): PodSummary {
  return {
    ...(p.namespace !== undefined ? { namespace: p.namespace } : {}),
    name: p.name,
    ...(p.nodeName ? { nodeName: p.nodeName } : {}),
    phase: p.phase,
    // As the signal counts it: a finished pod that failed is history, a warning.
    status: p.phase === 'Failed' && p.status === 'error' ? 'warning' : p.status,
    reason: p.reason,
    ready: p.ready,
    readyContainers: p.readyContainers,
    totalContainers: p.totalContainers,
    restarts: p.restarts,
    problems: p.problems.map(q => ({
      kind: q.kind,
      severity: q.severity,
      message: q.message,
      ...(q.container ? { container: q.container } : {}),
    })),
    insufficient: p.insufficient.map(i => ({
      resource: i.resource,
      nodes: i.nodes,
    })),
    images: p.images.map(i => ({
      container: i.container,
      init: i.init,
      image: i.image,
      repository: i.repository,
      ...(i.tag ? { tag: i.tag } : {}),
      ...(i.digest ? { digest: i.digest } : {}),
    })),
  };
}

/** The workload report as the card reads it: plain summaries per cluster. */
export function toWorkloadDetail(report: EntityWorkloadReport): WorkloadDetail {
  return {
    ...(report.selector ? { selector: report.selector } : {}),
    ...(report.namespace ? { namespace: report.namespace } : {}),
    ...(report.problem ? { problem: report.problem } : {}),
    clusters: report.clusters.map(c => ({
      cluster: c.cluster,
      workloads: c.workloads.map(toWorkloadSummary),
      pods: c.pods.map(toPodSummary),
      problems: c.problems.map(p => ({ ...p })),
      loading: [...c.loading],
    })),
  };
}

function toGpuNodeInfo(
  n: NodeGpu,
  cluster: string,
): GpuNodeInfo & {
  cluster: string;
} {
  return {
    cluster,
    node: n.node,
    capacity: n.capacity,
    allocatable: n.allocatable,
    requested: n.requested,
    free: n.free,
    labels: { ...n.labels },
    taints: n.taints,
    gpuTaints: n.gpuTaints,
    unschedulable: n.unschedulable,
    ...(n.ready !== undefined ? { ready: n.ready } : {}),
    pods: n.pods,
  };
}

function addCounts(into: Record<string, number>, from: Record<string, number>) {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

/** The GPU signal: which GPUs the entity's pods hold, on which nodes; with Prometheus, how busy they are. */
export function gpuSignalProvider(
  cache: ResourceCache,
  now: () => number = Date.now,
  prometheus?: PrometheusReader,
  /** Tests shorten the utilization series; default 1 h at one point a minute. */
  history?: SeriesOptions,
): SignalProvider {
  // The GPU inventory of a cluster (every node and every pod holding GPUs)
  // is the same for every entity: computed once per cluster and kept until a
  // node or pod of that cluster changes (a fleet view of 1,000 entities on
  // 10,000 pods otherwise rescans every pod for each entity).
  const inventories = new Map<string, NodeGpu[]>();
  cache.onChange(change => {
    if (change.kind === 'nodes' || change.kind === 'pods')
      inventories.delete(change.cluster);
  });
  const memo = entityWorkloadMemo(cache);
  const inventoryOf = (cluster: string): NodeGpu[] => {
    let inventory = inventories.get(cluster);
    if (!inventory) {
      inventory = nodeGpuInventory(
        cache.list(cluster, 'nodes'),
        cache.list(cluster, 'pods'),
      );
      inventories.set(cluster, inventory);
    }
    return inventory;
  };
  // An entity's GPU use on a cluster, kept with its memoized objects while
  // the cluster's inventory is the same.
  const usages = new WeakMap<
    EntityClusterObjects,
    { inventory: NodeGpu[]; usage: ReturnType<typeof entityGpuUsage> }
  >();
  const usageOf = (found: EntityClusterObjects) => {
    const inventory = inventoryOf(found.cluster);
    const known = usages.get(found);
    if (known && known.inventory === inventory) return known.usage;
    const usage = entityGpuUsage(found.pods, inventory);
    usages.set(found, { inventory, usage });
    return usage;
  };
  return {
    signal: 'gpu',
    notApplicableReason: () => notAnnotated,
    async read(entity, options): Promise<SignalReading | undefined> {
      if (!hasKubernetesAnnotation(entity)) return undefined;
      const details = options?.details === true;
      const checkedAt = new Date(now()).toISOString();
      const { target, found: clusters } = memo.read(entity, now());
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
      const parts: string[] = [];
      let status: SignalHealth['status'] = 'unknown';
      let any = false;
      const gpuPods: Array<{ namespace: string; name: string }> = [];
      const detail: GpuDetail = { pods: [], nodes: [], held: {}, waiting: {} };
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
        const usage = usageOf(found);
        if (usage.pods.length === 0) continue;
        any = true;
        for (const p of usage.pods) {
          if (p.scheduled && !p.finished && p.namespace)
            gpuPods.push({ namespace: p.namespace, name: p.name });
          // Finished pods hold nothing: the card lists what holds or waits.
          if (details && !p.finished)
            detail.pods.push({
              cluster: found.cluster,
              ...(p.namespace !== undefined ? { namespace: p.namespace } : {}),
              name: p.name,
              ...(p.node ? { node: p.node } : {}),
              scheduled: p.scheduled,
              resources: p.resources,
            });
        }
        // The card's rows (every node with its labels and pods) are built
        // for the entity route only; the fleet reads the reason.
        if (details) {
          detail.nodes.push(
            ...usage.nodes.map(n => toGpuNodeInfo(n, found.cluster)),
          );
          addCounts(detail.held, usage.held);
          addCounts(detail.waiting, usage.waiting);
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
        const metrics = await readGpuMetrics(prometheus, gpuPods, {
          series: details,
          history,
        });
        parts.push(metrics.text);
        if (metrics.problem) detail.metricsProblem = metrics.problem;
        for (const pod of detail.pods) {
          const key = `${pod.namespace ?? ''}/${pod.name}`;
          const row = metrics.rows.get(key);
          if (row?.utilizationPercent !== undefined)
            pod.utilizationPercent = row.utilizationPercent;
          if (row?.framebufferUsedMiB !== undefined)
            pod.framebufferUsedMiB = row.framebufferUsedMiB;
          if (row?.framebufferFreeMiB !== undefined)
            pod.framebufferFreeMiB = row.framebufferFreeMiB;
          const series = metrics.series?.get(key);
          if (pod.scheduled && metrics.series && !metrics.problem)
            pod.utilizationSeries = (series ?? []).map(p => ({
              t: Math.round(p.time * 1000),
              v: p.value,
            }));
        }
      }
      return {
        health: { signal: 'gpu', status, reason: parts.join('; '), checkedAt },
        ...(details ? { detail: { gpu: detail } } : {}),
      };
    },
  };
}

const GPU_METRICS_DEADLINE_MS = 4_000;

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

interface GpuMetrics {
  /** "llm-0: 87% utilization, 30512 MiB framebuffer used" per pod, or why there is none. */
  text: string;
  /** By `namespace/pod`. */
  rows: Map<string, GpuUsage>;
  /** Utilization over time by `namespace/pod`, when asked for. */
  series?: Map<string, SeriesPoint[]>;
  problem?: UpstreamProblem;
}

/** GPU use of the entity's pods from DCGM via Prometheus; never changes the status. */
async function readGpuMetrics(
  prometheus: PrometheusReader,
  pods: Array<{ namespace: string; name: string }>,
  options: { series: boolean; history?: SeriesOptions },
): Promise<GpuMetrics> {
  const byNamespace = new Map<string, string[]>();
  for (const p of pods)
    byNamespace.set(p.namespace, [
      ...(byNamespace.get(p.namespace) ?? []),
      p.name,
    ]);
  const scopes = [...byNamespace].map(([namespace, names]) => ({
    by: 'pod' as const,
    namespace,
    podRegex: [...new Set(names)].map(escapeRegex).join('|'),
  }));
  try {
    const [usage, series] = await deadline(
      Promise.all([
        Promise.all(scopes.map(scope => readGpuUsage(prometheus, scope))),
        options.series
          ? Promise.all(
              scopes.map(scope =>
                readGpuUtilizationSeries(prometheus, scope, options.history),
              ),
            )
          : Promise.resolve(undefined),
      ]),
      GPU_METRICS_DEADLINE_MS,
    );
    const rows = usage.flat();
    const byPod = new Map(rows.map(r => [`${r.namespace}/${r.pod}`, r]));
    const seriesByPod = series
      ? new Map(series.flatMap(m => [...m]))
      : undefined;
    if (rows.length === 0)
      return {
        text: 'no GPU metrics for its pods yet',
        rows: byPod,
        series: seriesByPod,
      };
    const multiNamespace = byNamespace.size > 1;
    const text = rows
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
    return { text, rows: byPod, series: seriesByPod };
  } catch (e) {
    return {
      text: metricsUnavailable(e),
      rows: new Map(),
      problem: metricsProblemOf(e, prometheus.name),
    };
  }
}

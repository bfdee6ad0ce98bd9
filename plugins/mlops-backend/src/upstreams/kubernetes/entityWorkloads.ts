import { Entity } from '@backstage/catalog-model';
import { SignalStatus, UpstreamProblem } from '@internal/plugin-mlops-common';
import {
  EntityClusterObjects,
  ObjectSource,
  entityKubernetesTarget,
  findEntityObjects,
  isOwnedBy,
} from './entityMatch';
import { worstStatus } from './judgement';
import { KindState } from './KindReflector';
import { ResourceKind } from './kinds';
import { PodDiagnosis, diagnosePod } from './podDiagnosis';
import {
  WorkloadJudgement,
  judgeCronJob,
  judgeDeployment,
  judgeInferenceService,
  judgeJob,
  judgeStatefulSet,
} from './workloadHealth';

/** What the workload signal reads: the cache (objects and per-kind state). */
export interface WorkloadSource extends ObjectSource {
  state(cluster: string, kind: ResourceKind): KindState | undefined;
}

export interface ClusterWorkloads {
  cluster: string;
  workloads: WorkloadJudgement[];
  pods: PodDiagnosis[];
  /** Kinds that could not be read on this cluster (forbidden, unreachable…). */
  problems: Array<{ kind: ResourceKind } & UpstreamProblem>;
  /** Kinds still loading (no list completed yet, no error either). */
  loading: ResourceKind[];
}

export interface EntityWorkloadReport {
  status: SignalStatus;
  reason: string;
  /** Set when nothing can be judged for a reason a person can fix. */
  problem?: UpstreamProblem;
  /** The selector used, e.g. `backstage.io/kubernetes-id=fraud-detector`. */
  selector?: string;
  namespace?: string;
  clusters: ClusterWorkloads[];
}

const READ_KINDS: ResourceKind[] = [
  'pods',
  'deployments',
  'statefulsets',
  'jobs',
  'cronjobs',
];

function describe(
  j: { kind?: string; name: string },
  cluster: string,
  multi: boolean,
) {
  return `${multi ? `${cluster}: ` : ''}${j.kind ?? 'Pod'} ${j.name}`;
}

function judgeCluster(
  source: WorkloadSource,
  found: EntityClusterObjects,
  now: number,
): ClusterWorkloads {
  const { cluster } = found;
  const workloads: WorkloadJudgement[] = [
    ...found.deployments.map(judgeDeployment),
    ...found.statefulsets.map(judgeStatefulSet),
    ...found.cronjobs.map(c => judgeCronJob(c, found.jobs)),
    // Jobs of a CronJob are judged through it.
    ...found.jobs
      .filter(j => !found.cronjobs.some(c => isOwnedBy(j, c)))
      .map(judgeJob),
    ...found.inferenceservices.map(judgeInferenceService),
  ];
  const pods = found.pods.map(p => diagnosePod(p, now));
  const problems: ClusterWorkloads['problems'] = [];
  const loading: ResourceKind[] = [];
  for (const kind of [...READ_KINDS, 'inferenceservices'] as ResourceKind[]) {
    const state = source.state(cluster, kind);
    if (!state) continue;
    if (state.lastError) problems.push({ kind, ...state.lastError });
    else if (!state.synced && state.phase !== 'not-served') loading.push(kind);
  }
  return { cluster, workloads, pods, problems, loading };
}

/**
 * The workload signal of one entity across every cluster: rollout state of
 * its Deployments/StatefulSets, Jobs and CronJobs, KServe InferenceServices,
 * and what is wrong with its pods. Unknown (never ok) when nothing matched or
 * a kind could not be read.
 */
export function judgeEntityWorkloads(
  source: WorkloadSource,
  entity: Entity,
  now: number = Date.now(),
  /** The entity's objects when the caller already found them (same source). */
  found?: EntityClusterObjects[],
): EntityWorkloadReport {
  const clusterNames = source.clusterNames();
  if (clusterNames.length === 0) {
    const problem: UpstreamProblem = {
      upstream: 'kubernetes',
      fault: 'not-configured',
      message:
        'no Kubernetes cluster is configured (kubernetes.clusterLocatorMethods with type: config)',
    };
    return {
      status: 'unknown',
      reason: problem.message,
      problem,
      clusters: [],
    };
  }
  const target = entityKubernetesTarget(entity);
  if (!target.ok) {
    const problem: UpstreamProblem = {
      upstream: 'kubernetes',
      fault: 'bad-annotation',
      message: target.message,
    };
    return { status: 'unknown', reason: target.message, problem, clusters: [] };
  }
  const where = target.namespace ? ` in namespace ${target.namespace}` : '';
  const clusters = (found ?? findEntityObjects(source, target)).map(f =>
    judgeCluster(source, f, now),
  );
  const multi = clusters.length > 1;

  const items: Array<{ status: SignalStatus; text: string }> = [];
  for (const c of clusters) {
    for (const w of c.workloads)
      items.push({
        status: w.status,
        text: `${describe(w, c.cluster, multi)}: ${w.reason}`,
      });
    for (const p of c.pods) {
      // A finished pod that failed (evicted, an old Job attempt) is history: a warning, not an outage.
      const status =
        p.phase === 'Failed' && p.status === 'error' ? 'warning' : p.status;
      if (status !== 'ok')
        items.push({
          status,
          text: `${describe(
            { kind: 'Pod', name: p.name },
            c.cluster,
            multi,
          )}: ${p.reason}`,
        });
    }
  }
  const problems = clusters.flatMap(c =>
    c.problems.map(p => ({ cluster: c.cluster, ...p })),
  );
  const problemText = problems.map(
    p => `cannot read ${p.kind} on ${p.cluster}: ${p.message}`,
  );
  const loading = clusters.filter(c => c.loading.length).map(c => c.cluster);
  const matched = clusters.some(c => c.workloads.length || c.pods.length);
  const selector = target.selector.text;

  if (!matched) {
    const reasons = [
      `no workloads match ${selector}${where} on ${clusterNames.join(', ')}`,
      ...problemText,
      ...(loading.length ? [`still loading from ${loading.join(', ')}`] : []),
    ];
    return {
      status: 'unknown',
      reason: reasons.join('; '),
      problem: problems[0]
        ? {
            upstream: problems[0].upstream,
            fault: problems[0].fault,
            message: problems[0].message,
            httpStatus: problems[0].httpStatus,
          }
        : undefined,
      selector,
      namespace: target.namespace,
      clusters,
    };
  }

  let status = worstStatus(items.length ? items.map(i => i.status) : ['ok']);
  if (status === 'ok' && (problems.length || loading.length))
    status = 'unknown';
  const worst = items.filter(i => i.status === status).map(i => i.text);
  let reason: string;
  if (status === 'ok') {
    const ok = clusters.flatMap(c =>
      c.workloads.map(w => `${describe(w, c.cluster, multi)}: ${w.reason}`),
    );
    reason = ok.length
      ? ok.slice(0, 3).join('; ') +
        (ok.length > 3 ? ` (+${ok.length - 3} more)` : '')
      : `${clusters.reduce((n, c) => n + c.pods.length, 0)} pods running`;
  } else {
    reason = [
      ...worst.slice(0, 3),
      ...(worst.length > 3 ? [`+${worst.length - 3} more`] : []),
      ...problemText,
    ].join('; ');
    if (!reason && loading.length)
      reason = `still loading from ${loading.join(', ')}`;
  }
  const first = problems[0];
  return {
    status,
    reason,
    ...(first
      ? {
          problem: {
            upstream: first.upstream,
            fault: first.fault,
            message: first.message,
            httpStatus: first.httpStatus,
          },
        }
      : {}),
    selector,
    namespace: target.namespace,
    clusters,
  };
}

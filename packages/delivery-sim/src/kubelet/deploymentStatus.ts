/**
 * Deployment status as the deployment controller writes it (pure function),
 * from the pods the kubelet stand-in made: the counts, `Available`
 * (MinimumReplicasAvailable / MinimumReplicasUnavailable against
 * maxUnavailable) and `Progressing` (ReplicaSetUpdated while pods progress,
 * NewReplicaSetAvailable once complete, ProgressDeadlineExceeded when no
 * progress was made for the deadline), following the controller's
 * syncRolloutStatus. The "ReplicaSet" the messages name is
 * `<deployment>-<pod-template-hash>`; no ReplicaSet object exists.
 */
import { iso } from './podStatus';
import {
  Condition,
  Deployment,
  DeploymentStatus,
  Pod,
  conditionOf,
  isPodReady,
} from './types';

export interface DeploymentStatusInput {
  deployment: Deployment;
  /** The deployment's pods now (after this tick's creates and deletes). */
  pods: Pod[];
  /** pod-template-hash of the current template. */
  templateHash: string;
  now: number;
  /** Overrides spec.progressDeadlineSeconds (tests). */
  progressDeadlineMs?: number;
}

function scaledValue(
  value: string | number | undefined,
  fallback: string,
  replicas: number,
  roundUp: boolean,
): number {
  const v = value ?? fallback;
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v);
  if (!m) return Number.parseInt(v, 10) || 0;
  const exact = (Number(m[1]) * replicas) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/** deploymentutil.MaxUnavailable: 0 for Recreate, else the resolved rollingUpdate.maxUnavailable. */
export function maxUnavailable(deployment: Deployment): number {
  const replicas = deployment.spec.replicas ?? 1;
  if (deployment.spec.strategy?.type === 'Recreate' || replicas === 0) return 0;
  const ru = deployment.spec.strategy?.rollingUpdate ?? {};
  const surge = scaledValue(ru.maxSurge, '25%', replicas, true);
  let unavailable = scaledValue(ru.maxUnavailable, '25%', replicas, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return Math.min(unavailable, replicas);
}

function isAvailable(pod: Pod, minReadySeconds: number, now: number): boolean {
  if (!isPodReady(pod)) return false;
  if (minReadySeconds <= 0) return true;
  const since = conditionOf(
    pod.status?.conditions,
    'Ready',
  )?.lastTransitionTime;
  return (
    since !== undefined && now - Date.parse(since) >= minReadySeconds * 1000
  );
}

/** SetDeploymentCondition: unchanged status+reason keeps the old condition; same status keeps lastTransitionTime. */
function setCondition(conditions: Condition[], next: Condition): Condition[] {
  const current = conditionOf(conditions, next.type);
  if (
    current &&
    current.status === next.status &&
    current.reason === next.reason
  )
    return conditions;
  const merged =
    current && current.status === next.status
      ? { ...next, lastTransitionTime: current.lastTransitionTime }
      : next;
  return [...conditions.filter(c => c.type !== next.type), merged];
}

export function buildDeploymentStatus(
  input: DeploymentStatusInput,
): DeploymentStatus {
  const { deployment, pods, templateHash, now } = input;
  const t = iso(now);
  const desired = deployment.spec.replicas ?? 1;
  const minReady = deployment.spec.minReadySeconds ?? 0;
  const live = pods.filter(p => !p.metadata.deletionTimestamp);
  const updated = live.filter(
    p => p.metadata.labels?.['pod-template-hash'] === templateHash,
  );
  const ready = live.filter(isPodReady).length;
  const available = live.filter(p => isAvailable(p, minReady, now)).length;
  const old = deployment.status ?? {};
  const status: DeploymentStatus = {
    observedGeneration: deployment.metadata.generation ?? 0,
    replicas: live.length,
    updatedReplicas: updated.length,
    readyReplicas: ready,
    availableReplicas: available,
    unavailableReplicas: Math.max(
      Math.max(desired, live.length) - available,
      0,
    ),
  };

  let conditions = [...(old.conditions ?? [])];
  const minAvailable = available >= desired - maxUnavailable(deployment);
  conditions = setCondition(conditions, {
    type: 'Available',
    status: minAvailable ? 'True' : 'False',
    reason: minAvailable
      ? 'MinimumReplicasAvailable'
      : 'MinimumReplicasUnavailable',
    message: minAvailable
      ? 'Deployment has minimum availability.'
      : 'Deployment does not have minimum availability.',
    lastUpdateTime: t,
    lastTransitionTime: t,
  });

  const rs = `${deployment.metadata.name}-${templateHash}`;
  const progressing = conditionOf(conditions, 'Progressing');
  const newRollout = !progressing?.message?.includes(`"${rs}"`);
  const complete =
    updated.length === desired &&
    live.length === desired &&
    available === desired;
  const progressed =
    newRollout ||
    updated.length > (old.updatedReplicas ?? 0) ||
    ready > (old.readyReplicas ?? 0) ||
    available > (old.availableReplicas ?? 0) ||
    live.length - updated.length <
      (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const deadlineMs =
    input.progressDeadlineMs ??
    (deployment.spec.progressDeadlineSeconds ?? 600) * 1000;

  if (complete) {
    conditions = setCondition(
      newRollout
        ? conditions.filter(c => c.type !== 'Progressing')
        : conditions,
      {
        type: 'Progressing',
        status: 'True',
        reason: 'NewReplicaSetAvailable',
        message: `ReplicaSet "${rs}" has successfully progressed.`,
        lastUpdateTime: t,
        lastTransitionTime: t,
      },
    );
  } else if (progressed) {
    conditions = [
      ...conditions.filter(c => c.type !== 'Progressing'),
      {
        type: 'Progressing',
        status: 'True',
        reason: 'ReplicaSetUpdated',
        message: `ReplicaSet "${rs}" is progressing.`,
        lastUpdateTime: t,
        lastTransitionTime:
          progressing?.status === 'True' && progressing.lastTransitionTime
            ? progressing.lastTransitionTime
            : t,
      },
    ];
  } else if (
    progressing &&
    progressing.reason !== 'NewReplicaSetAvailable' &&
    progressing.lastUpdateTime &&
    Date.parse(progressing.lastUpdateTime) + deadlineMs < now
  ) {
    conditions = setCondition(conditions, {
      type: 'Progressing',
      status: 'False',
      reason: 'ProgressDeadlineExceeded',
      message: `ReplicaSet "${rs}" has timed out progressing.`,
      lastUpdateTime: t,
      lastTransitionTime: t,
    });
  }
  // The controller's order: Available first, then Progressing.
  status.conditions = ['Available', 'Progressing']
    .map(type => conditionOf(conditions, type))
    .filter((c): c is Condition => c !== undefined);
  return status;
}

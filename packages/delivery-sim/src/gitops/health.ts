/**
 * Argo CD's health assessment (gitops-engine `pkg/health`) for the kinds the
 * delivery loop deploys, and the app health as the worst of its managed
 * resources' health.
 */
import type { HealthStatus, HealthStatusCode } from '@internal/simulators';
import { asObj, Obj } from './objects';

const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

function conditions(status: Obj): Condition[] {
  return Array.isArray(status.conditions)
    ? (status.conditions as Condition[])
    : [];
}

/** `getAppsv1DeploymentHealth` (kubectl rollout status logic). */
export function deploymentHealth(live: Obj): HealthStatus {
  const metadata = asObj(live.metadata);
  const spec = asObj(live.spec);
  const status = asObj(live.status);
  const name = String(metadata.name ?? '');
  if (spec.paused === true) {
    return { status: 'Suspended', message: 'Deployment is paused' };
  }
  if (num(metadata.generation) > num(status.observedGeneration)) {
    return {
      status: 'Progressing',
      message:
        'Waiting for rollout to finish: observed deployment generation less than desired generation',
    };
  }
  const progressing = conditions(status).find(c => c.type === 'Progressing');
  const replicas = typeof spec.replicas === 'number' ? spec.replicas : 1;
  const updated = num(status.updatedReplicas);
  const total = num(status.replicas);
  const available = num(status.availableReplicas);
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return {
      status: 'Degraded',
      message: `Deployment "${name}" exceeded its progress deadline`,
    };
  }
  if (updated < replicas) {
    return {
      status: 'Progressing',
      message: `Waiting for rollout to finish: ${updated} out of ${replicas} new replicas have been updated...`,
    };
  }
  if (total > updated) {
    return {
      status: 'Progressing',
      message: `Waiting for rollout to finish: ${
        total - updated
      } old replicas are pending termination...`,
    };
  }
  if (available < updated) {
    return {
      status: 'Progressing',
      message: `Waiting for rollout to finish: ${available} of ${updated} updated replicas are available...`,
    };
  }
  return { status: 'Healthy' };
}

/** `getAppsv1ReplicaSetHealth`. */
export function replicaSetHealth(live: Obj): HealthStatus {
  const metadata = asObj(live.metadata);
  const spec = asObj(live.spec);
  const status = asObj(live.status);
  if (num(metadata.generation) > num(status.observedGeneration)) {
    return {
      status: 'Progressing',
      message:
        'Waiting for rollout to finish: observed replica set generation less than desired generation',
    };
  }
  const failure = conditions(status).find(
    c => c.type === 'ReplicaFailure' && c.status === 'True',
  );
  if (failure) return { status: 'Degraded', message: failure.message };
  const replicas = typeof spec.replicas === 'number' ? spec.replicas : 1;
  const available = num(status.availableReplicas);
  if (available < replicas) {
    return {
      status: 'Progressing',
      message: `Waiting for rollout to finish: ${available} out of ${replicas} new replicas are available...`,
    };
  }
  return { status: 'Healthy' };
}

/** `getCorev1ServiceHealth`: a LoadBalancer waits for its ingress address. */
export function serviceHealth(live: Obj): HealthStatus {
  const spec = asObj(live.spec);
  if (spec.type !== 'LoadBalancer') return { status: 'Healthy' };
  const ingress = asObj(asObj(live.status).loadBalancer).ingress;
  return Array.isArray(ingress) && ingress.length > 0
    ? { status: 'Healthy' }
    : { status: 'Progressing' };
}

const DEGRADED_WAITING = [
  'CrashLoopBackOff',
  'ErrImagePull',
  'ImagePullBackOff',
  'CreateContainerConfigError',
  'InvalidImageName',
  'CreateContainerError',
];

/** `getCorev1PodHealth` (restartPolicy Always). */
export function podHealth(live: Obj): HealthStatus {
  const spec = asObj(live.spec);
  const status = asObj(live.status);
  const statuses = [
    ...((status.initContainerStatuses as Obj[] | undefined) ?? []),
    ...((status.containerStatuses as Obj[] | undefined) ?? []),
  ];
  for (const cs of statuses) {
    const waiting = asObj(asObj(cs.state).waiting);
    const reason = String(waiting.reason ?? '');
    if (DEGRADED_WAITING.includes(reason)) {
      return {
        status: 'Degraded',
        message: String(waiting.message ?? reason),
      };
    }
  }
  switch (status.phase) {
    case 'Succeeded':
      return { status: 'Healthy', message: String(status.message ?? '') };
    case 'Failed':
      return { status: 'Degraded', message: String(status.message ?? '') };
    case 'Running': {
      const restartPolicy = spec.restartPolicy ?? 'Always';
      const ready = conditions(status).some(
        c => c.type === 'Ready' && c.status === 'True',
      );
      if (restartPolicy === 'Always' && ready) return { status: 'Healthy' };
      return { status: 'Progressing', message: String(status.message ?? '') };
    }
    default:
      return { status: 'Progressing', message: String(status.message ?? '') };
  }
}

/** Health of a live object, or undefined when Argo CD has no health check for its kind. */
export function resourceHealth(
  kind: string,
  live: Obj,
): HealthStatus | undefined {
  switch (kind) {
    case 'Deployment':
      return deploymentHealth(live);
    case 'ReplicaSet':
      return replicaSetHealth(live);
    case 'Service':
      return serviceHealth(live);
    case 'Pod':
      return podHealth(live);
    default:
      return undefined;
  }
}

/** Kinds with a health check: a missing one makes the app Missing. */
export function hasHealthCheck(kind: string): boolean {
  return ['Deployment', 'ReplicaSet', 'Service', 'Pod'].includes(kind);
}

/** gitops-engine `healthOrder`: later is worse. */
const HEALTH_ORDER: HealthStatusCode[] = [
  'Healthy',
  'Suspended',
  'Progressing',
  'Missing',
  'Degraded',
  'Unknown',
];

export function isWorse(
  current: HealthStatusCode,
  candidate: HealthStatusCode,
): boolean {
  return HEALTH_ORDER.indexOf(candidate) > HEALTH_ORDER.indexOf(current);
}

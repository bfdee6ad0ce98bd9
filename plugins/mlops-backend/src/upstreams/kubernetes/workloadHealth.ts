import { SignalStatus } from '@internal/plugin-mlops-common';
import { isOwnedBy } from './entityMatch';
import {
  HealthJudgement,
  conditionText,
  findCondition,
  plural,
  worstStatus,
} from './judgement';
import {
  CronJob,
  Deployment,
  InferenceService,
  Job,
  StatefulSet,
} from './types';

/**
 * Workload health, by the rules kubectl's `rollout status` uses (see
 * protocols/kubernetes.md §3) and KServe's status conditions. Pure functions
 * over objects as the apiserver returns them.
 */

export type WorkloadKind =
  | 'Deployment'
  | 'StatefulSet'
  | 'Job'
  | 'CronJob'
  | 'InferenceService';

export interface WorkloadJudgement extends HealthJudgement {
  kind: WorkloadKind;
  namespace?: string;
  name: string;
  /** Machine-readable state, e.g. `progressing`, `complete`, `failed`. */
  state: string;
  ready?: number;
  desired?: number;
}

function base(
  kind: WorkloadKind,
  o: { metadata: { namespace?: string; name: string } },
) {
  return { kind, namespace: o.metadata.namespace, name: o.metadata.name };
}

// ---------------------------------------------------------------------------
// Deployment

export type DeploymentState =
  | 'not-observed'
  | 'failed'
  | 'progressing'
  | 'old-replicas-pending'
  | 'waiting-available'
  | 'complete';

/** kubectl's rollout status, in its order. */
export function judgeDeployment(d: Deployment): WorkloadJudgement {
  const desired = d.spec?.replicas ?? 1;
  const st = d.status ?? {};
  const updated = st.updatedReplicas ?? 0;
  const replicas = st.replicas ?? 0;
  const available = st.availableReplicas ?? 0;
  const ready = st.readyReplicas ?? 0;
  const paused = d.spec?.paused ? ' (rollout paused)' : '';
  const out = (
    state: DeploymentState,
    status: SignalStatus,
    reason: string,
  ): WorkloadJudgement => ({
    ...base('Deployment', d),
    state,
    status,
    reason,
    ready,
    desired,
  });

  const generation = d.metadata.generation;
  if (
    generation !== undefined &&
    (st.observedGeneration === undefined || generation > st.observedGeneration)
  ) {
    return out(
      'not-observed',
      'warning',
      `waiting for the deployment controller to observe generation ${generation} (observed: ${
        st.observedGeneration ?? 'none'
      })${paused}`,
    );
  }
  const progressing = findCondition(st.conditions, 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return out(
      'failed',
      'error',
      `rollout failed: progress deadline exceeded${
        progressing.message ? ` (${progressing.message})` : ''
      }`,
    );
  }
  if (updated < desired) {
    return out(
      'progressing',
      'warning',
      `rolling out: ${updated} of ${plural(
        desired,
        'replica',
      )} updated${paused}`,
    );
  }
  if (replicas > updated) {
    return out(
      'old-replicas-pending',
      'warning',
      `rolling out: ${plural(
        replicas - updated,
        'old replica',
      )} pending termination${paused}`,
    );
  }
  if (available < updated) {
    return out(
      'waiting-available',
      'warning',
      `rolling out: ${available} of ${updated} updated replicas available${paused}`,
    );
  }
  if (desired === 0)
    return out('complete', 'ok', 'scaled to 0 replicas (nothing runs)');
  return out('complete', 'ok', `${available}/${desired} replicas available`);
}

// ---------------------------------------------------------------------------
// StatefulSet

export function judgeStatefulSet(s: StatefulSet): WorkloadJudgement {
  const desired = s.spec?.replicas ?? 1;
  const st = s.status ?? {};
  const ready = st.readyReplicas ?? 0;
  const updated = st.updatedReplicas ?? 0;
  const out = (
    state: string,
    status: SignalStatus,
    reason: string,
  ): WorkloadJudgement => ({
    ...base('StatefulSet', s),
    state,
    status,
    reason,
    ready,
    desired,
  });
  const strategy = s.spec?.updateStrategy?.type ?? 'RollingUpdate';
  if (strategy !== 'RollingUpdate') {
    // kubectl tracks rollouts only for RollingUpdate; judge readiness alone.
    return ready < desired
      ? out(
          'waiting',
          'warning',
          `${ready} of ${plural(
            desired,
            'replica',
          )} ready (updateStrategy ${strategy})`,
        )
      : out(
          'ready',
          'ok',
          `${ready}/${desired} replicas ready (updateStrategy ${strategy})`,
        );
  }
  const generation = s.metadata.generation;
  if (
    !st.observedGeneration ||
    (generation !== undefined && st.observedGeneration < generation)
  ) {
    return out(
      'not-observed',
      'warning',
      `waiting for the statefulset controller to observe generation ${
        generation ?? '?'
      } (observed: ${st.observedGeneration ?? 'none'})`,
    );
  }
  if (ready < desired) {
    return out(
      'waiting',
      'warning',
      `${ready} of ${plural(desired, 'replica')} ready`,
    );
  }
  const partition = s.spec?.updateStrategy?.rollingUpdate?.partition;
  if (partition !== undefined && partition > 0) {
    const target = Math.max(0, desired - partition);
    if (updated < target) {
      return out(
        'progressing',
        'warning',
        `partitioned rollout: ${updated} of ${target} replicas above partition ${partition} updated`,
      );
    }
    return out(
      'complete',
      'ok',
      `partitioned rollout complete: ${updated} updated, ${ready}/${desired} ready`,
    );
  }
  if (st.updateRevision !== st.currentRevision) {
    return out(
      'progressing',
      'warning',
      `rolling update: ${updated} of ${plural(
        desired,
        'replica',
      )} on revision ${st.updateRevision ?? '?'}`,
    );
  }
  if (desired === 0)
    return out('complete', 'ok', 'scaled to 0 replicas (nothing runs)');
  return out('complete', 'ok', `${ready}/${desired} replicas ready`);
}

// ---------------------------------------------------------------------------
// Job

export function judgeJob(j: Job): WorkloadJudgement {
  const st = j.status;
  const active = st?.active ?? 0;
  const succeeded = st?.succeeded ?? 0;
  const failed = st?.failed ?? 0;
  const out = (
    state: string,
    status: SignalStatus,
    reason: string,
  ): WorkloadJudgement => ({
    ...base('Job', j),
    state,
    status,
    reason,
    ready: active,
    desired: j.spec?.parallelism ?? 1,
  });
  const failedCond = st?.conditions?.find(
    c => c.type === 'Failed' && c.status === 'True',
  );
  if (failedCond) {
    return out(
      'failed',
      'error',
      `failed: ${
        conditionText(failedCond) || `${plural(failed, 'pod')} failed`
      }`,
    );
  }
  const complete = st?.conditions?.find(
    c => c.type === 'Complete' && c.status === 'True',
  );
  if (complete) {
    return out(
      'complete',
      'ok',
      `completed (${succeeded} succeeded${
        failed ? `, ${failed} failed before` : ''
      })`,
    );
  }
  if (j.spec?.suspend) return out('suspended', 'warning', 'suspended');
  if (active > 0) {
    if (failed > 0) {
      return out(
        'running',
        'warning',
        `running (${active} active); ${plural(
          failed,
          'pod',
        )} failed so far (backoffLimit ${j.spec?.backoffLimit ?? 6})`,
      );
    }
    return out(
      'running',
      'ok',
      `running (${active} active${
        succeeded ? `, ${succeeded} succeeded` : ''
      })`,
    );
  }
  if (!st || Object.keys(st).length === 0)
    return out(
      'no-status',
      'unknown',
      'no status yet (the job controller has not reported)',
    );
  return out(
    'waiting',
    'unknown',
    `not running, not finished (${succeeded} succeeded, ${failed} failed)`,
  );
}

// ---------------------------------------------------------------------------
// CronJob

function jobTime(j: Job): number {
  const t = j.status?.startTime ?? j.metadata.creationTimestamp;
  const ms = t ? Date.parse(t) : NaN;
  return Number.isNaN(ms) ? 0 : ms;
}

function isFinished(j: Job) {
  return (j.status?.conditions ?? []).some(
    c => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
  );
}

/** Judged from the Jobs it owns: the newest finished run decides; `lastSuccessfulTime` is not in 1.20. */
export function judgeCronJob(c: CronJob, jobs: Job[]): WorkloadJudgement {
  const owned = jobs
    .filter(j => isOwnedBy(j, { ...c, kind: c.kind ?? 'CronJob' }))
    .sort((a, b) => jobTime(b) - jobTime(a));
  const finished = owned.filter(isFinished);
  const running = owned.filter(
    j => !isFinished(j) && (j.status?.active ?? 0) > 0,
  );
  const suspended = Boolean(c.spec?.suspend);
  const out = (
    state: string,
    status: SignalStatus,
    reason: string,
  ): WorkloadJudgement => ({
    ...base('CronJob', c),
    state,
    status,
    reason,
    ready: running.length,
    desired: undefined,
  });
  const runningText = running.length
    ? `; ${running[0].metadata.name} running`
    : '';
  const last = finished[0];
  if (last) {
    const lastJudgement = judgeJob(last);
    if (lastJudgement.state === 'failed') {
      return out(
        'last-run-failed',
        'error',
        `last run ${last.metadata.name} ${lastJudgement.reason}${runningText}`,
      );
    }
    const when = last.status?.completionTime
      ? ` at ${last.status.completionTime}`
      : '';
    if (suspended)
      return out(
        'suspended',
        'warning',
        `suspended (last run ${last.metadata.name} succeeded${when})`,
      );
    return out(
      'last-run-succeeded',
      'ok',
      `last run ${last.metadata.name} succeeded${when}${runningText}`,
    );
  }
  if (suspended)
    return out('suspended', 'warning', 'suspended; no finished run');
  if (running.length)
    return out(
      'first-run',
      'ok',
      `first run ${running[0].metadata.name} in progress`,
    );
  if (c.status?.lastScheduleTime) {
    return out(
      'no-jobs',
      'unknown',
      `last scheduled at ${c.status.lastScheduleTime}, but none of its Jobs is left to judge`,
    );
  }
  return out(
    'never-ran',
    'unknown',
    `has not run yet (schedule ${c.spec?.schedule ?? '?'})`,
  );
}

// ---------------------------------------------------------------------------
// KServe InferenceService

const FAILED_TRANSITIONS = ['BlockedByFailedLoad', 'InvalidSpec'];
const COMPONENT_CONDITIONS = [
  'PredictorReady',
  'TransformerReady',
  'ExplainerReady',
  'IngressReady',
];

/** Judged by its conditions and modelStatus only; a missing or Unknown condition is never ok. */
export function judgeInferenceService(
  isvc: InferenceService,
): WorkloadJudgement {
  const st = isvc.status;
  const out = (
    state: string,
    status: SignalStatus,
    reason: string,
  ): WorkloadJudgement => ({
    ...base('InferenceService', isvc),
    state,
    status,
    reason,
  });
  const conditions = st?.conditions ?? [];
  const ms = st?.modelStatus;
  const failure = ms?.lastFailureInfo;
  const failureText = failure
    ? `${[failure.reason, failure.message].filter(Boolean).join(': ')}`
    : '';
  if (
    ms?.states?.activeModelState === 'FailedToLoad' ||
    FAILED_TRANSITIONS.includes(ms?.transitionStatus ?? '')
  ) {
    return out(
      'model-failed',
      'error',
      `model failed to load (${
        ms?.transitionStatus ?? ms?.states?.activeModelState
      })${failureText ? `: ${failureText}` : ''}`,
    );
  }
  if (conditions.length === 0)
    return out(
      'no-status',
      'unknown',
      'KServe has not reported any condition yet',
    );
  const stale =
    isvc.metadata.generation !== undefined &&
    st?.observedGeneration !== undefined &&
    st.observedGeneration < isvc.metadata.generation;
  const staleText = stale
    ? ` (status is for generation ${st?.observedGeneration}, spec is ${isvc.metadata.generation})`
    : '';

  const stopped = findCondition(conditions, 'Stopped');
  if (stopped?.status === 'True')
    return out(
      'stopped',
      'warning',
      `stopped${conditionText(stopped) ? `: ${conditionText(stopped)}` : ''}`,
    );

  const ready = findCondition(conditions, 'Ready');
  if (!ready)
    return out(
      'no-ready-condition',
      'unknown',
      `no Ready condition reported${staleText}`,
    );
  if (ready.status === 'True') {
    if (stale)
      return out(
        'stale',
        'warning',
        `was ready, but KServe has not processed the latest spec yet${staleText}`,
      );
    const loading =
      ms?.states?.activeModelState && ms.states.activeModelState !== 'Loaded';
    if (loading)
      return out(
        'loading',
        'warning',
        `ready, model state ${ms!.states!.activeModelState}`,
      );
    const url = st?.url ?? st?.address?.url;
    return out('ready', 'ok', `ready${url ? ` at ${url}` : ''}`);
  }
  const failing = COMPONENT_CONDITIONS.map(t => findCondition(conditions, t))
    .filter(c => c && c.status !== 'True')
    .map(
      c =>
        `${c!.type}=${c!.status}${
          conditionText(c) ? ` (${conditionText(c)})` : ''
        }`,
    );
  const detail = failing.length
    ? failing.join('; ')
    : conditionText(ready) || `Ready=${ready.status}`;
  const inProgress =
    ready.status !== 'False' ||
    ms?.transitionStatus === 'InProgress' ||
    ms?.states?.activeModelState === 'Loading' ||
    ms?.states?.activeModelState === 'Pending';
  if (inProgress)
    return out('not-ready', 'warning', `not ready yet: ${detail}${staleText}`);
  return out('not-ready', 'error', `not ready: ${detail}${staleText}`);
}

// ---------------------------------------------------------------------------

/** Worst of several judgements, with the reasons of the worst ones first. */
export function summarize(
  judgements: HealthJudgement[],
  nothingReason: string,
): HealthJudgement {
  if (judgements.length === 0)
    return { status: 'unknown', reason: nothingReason };
  const status = worstStatus(judgements.map(j => j.status));
  const worst = judgements.filter(j => j.status === status);
  const shown = worst.slice(0, 3).map(j => j.reason);
  const more = worst.length > 3 ? ` (+${worst.length - 3} more)` : '';
  return { status, reason: `${shown.join('; ')}${more}` };
}

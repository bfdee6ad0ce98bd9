import { SignalStatus } from '@internal/plugin-mlops-common';
import { RunningImage, runningImages } from './imageId';
import {
  HealthJudgement,
  findCondition,
  plural,
  worstStatus,
} from './judgement';
import { ContainerStatus, Pod } from './types';

export type PodProblemKind =
  | 'evicted'
  | 'failed'
  | 'unschedulable'
  | 'crash-loop'
  | 'oom-killed'
  | 'image-pull'
  | 'config-error'
  | 'not-ready'
  | 'restarted'
  | 'terminating'
  | 'pending'
  | 'unknown';

export interface PodProblem {
  kind: PodProblemKind;
  severity: Exclude<SignalStatus, 'ok'>;
  message: string;
  container?: string;
  /** The previous exit of the container (OOMKilled shows up here during CrashLoopBackOff). */
  lastTermination?: { reason?: string; exitCode?: number; finishedAt?: string };
}

/** `0/5 nodes are available: 5 Insufficient nvidia.com/gpu.` → `{resource: 'nvidia.com/gpu', nodes: 5}` */
export interface InsufficientResource {
  resource: string;
  nodes: number;
}

export interface PodDiagnosis extends HealthJudgement {
  namespace?: string;
  name: string;
  nodeName?: string;
  phase: string;
  ready: boolean;
  readyContainers: number;
  totalContainers: number;
  restarts: number;
  problems: PodProblem[];
  /** From an Unschedulable message: which resources no node had enough of. */
  insufficient: InsufficientResource[];
  /** From the same message: how many nodes the scheduler considered. */
  schedulerNodes?: number;
  images: RunningImage[];
}

const IMAGE_PULL = [
  'ImagePullBackOff',
  'ErrImagePull',
  'InvalidImageName',
  'ErrImageNeverPull',
  'RegistryUnavailable',
];
const CONFIG_ERRORS = [
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
  'PreStartHookError',
  'PostStartHookError',
];
const STARTING = ['ContainerCreating', 'PodInitializing'];
/** A restart this recent makes a running pod a warning. */
const RECENT_RESTART_MS = 60 * 60 * 1000;

/** Parses the scheduler's FitError message (`(\d+) Insufficient <resource>` pairs). */
export function parseInsufficient(message: string | undefined): {
  nodes?: number;
  insufficient: InsufficientResource[];
} {
  if (!message) return { insufficient: [] };
  const total = /(\d+)\/(\d+) nodes are available/.exec(message);
  const insufficient: InsufficientResource[] = [];
  for (const m of message.matchAll(
    /(\d+) Insufficient ([\w./-]+?)(?=[.,;]?(?:\s|$))/g,
  )) {
    insufficient.push({ resource: m[2], nodes: Number(m[1]) });
  }
  return { nodes: total ? Number(total[2]) : undefined, insufficient };
}

function lastExit(
  s: ContainerStatus,
): PodProblem['lastTermination'] | undefined {
  const t = s.lastState?.terminated;
  if (!t) return undefined;
  return { reason: t.reason, exitCode: t.exitCode, finishedAt: t.finishedAt };
}

function exitText(t: PodProblem['lastTermination']): string {
  if (!t) return '';
  const code = t.exitCode !== undefined ? ` (exit code ${t.exitCode})` : '';
  return `${t.reason ?? 'terminated'}${code}`;
}

function containerProblems(
  s: ContainerStatus,
  init: boolean,
  image: string | undefined,
  now: number,
): PodProblem[] {
  const who = `${init ? 'init container' : 'container'} ${s.name}`;
  const problems: PodProblem[] = [];
  const waiting = s.state?.waiting;
  const terminated = s.state?.terminated;
  const previous = lastExit(s);
  const restarts = s.restartCount ?? 0;
  if (waiting?.reason === 'CrashLoopBackOff') {
    const oom = previous?.reason === 'OOMKilled';
    problems.push({
      kind: oom ? 'oom-killed' : 'crash-loop',
      severity: 'error',
      container: s.name,
      lastTermination: previous,
      message: `${who} is crash-looping (${plural(restarts, 'restart')})${
        previous ? `; last exit: ${exitText(previous)}` : ''
      }${
        oom
          ? ' — it ran out of memory: raise its memory limit or reduce the model/batch size'
          : ''
      }`,
    });
  } else if (waiting?.reason && IMAGE_PULL.includes(waiting.reason)) {
    problems.push({
      kind: 'image-pull',
      severity: 'error',
      container: s.name,
      message: `${who} cannot pull image ${image ?? s.image ?? '?'} (${
        waiting.reason
      }${waiting.message ? `: ${waiting.message}` : ''})`,
    });
  } else if (waiting?.reason && CONFIG_ERRORS.includes(waiting.reason)) {
    problems.push({
      kind: 'config-error',
      severity: 'error',
      container: s.name,
      message: `${who} cannot start (${waiting.reason}${
        waiting.message ? `: ${waiting.message}` : ''
      })`,
    });
  } else if (waiting?.reason && !STARTING.includes(waiting.reason)) {
    problems.push({
      kind: 'pending',
      severity: 'warning',
      container: s.name,
      message: `${who} is waiting (${waiting.reason}${
        waiting.message ? `: ${waiting.message}` : ''
      })`,
    });
  } else if (terminated?.reason === 'OOMKilled') {
    problems.push({
      kind: 'oom-killed',
      severity: 'error',
      container: s.name,
      lastTermination: {
        reason: terminated.reason,
        exitCode: terminated.exitCode,
        finishedAt: terminated.finishedAt,
      },
      message: `${who} was OOMKilled${
        terminated.exitCode !== undefined
          ? ` (exit code ${terminated.exitCode})`
          : ''
      }`,
    });
  } else if (s.state?.running && !s.ready && !init) {
    problems.push({
      kind: 'not-ready',
      severity: 'warning',
      container: s.name,
      message: `${who} is running but not ready`,
    });
  }
  if (problems.length === 0 && previous) {
    const recentUntil = restartRecentUntil(s);
    if (recentUntil !== undefined && now < recentUntil) {
      problems.push({
        kind: 'restarted',
        severity: 'warning',
        container: s.name,
        lastTermination: previous,
        message: `${who} restarted ${plural(restarts, 'time')}, last at ${
          previous.finishedAt
        } (${exitText(previous)})`,
      });
    }
  }
  return problems;
}

/**
 * Until when a container's last restart counts as recent (a running pod with
 * one is a warning): its last exit plus an hour; undefined when it never
 * restarted or the exit time is unknown.
 */
function restartRecentUntil(s: ContainerStatus): number | undefined {
  if (!((s.restartCount ?? 0) > 0)) return undefined;
  const finished = Date.parse(s.lastState?.terminated?.finishedAt ?? '');
  return Number.isNaN(finished) ? undefined : finished + RECENT_RESTART_MS;
}

/**
 * The first instant after `now` at which {@link diagnosePod} may judge `pod`
 * differently although the pod did not change: a container's restart stops
 * counting as recent. Undefined when the diagnosis does not depend on the
 * clock any more. Memos of judgements keep them until then.
 */
export function diagnosisChangesAt(pod: Pod, now: number): number | undefined {
  const st = pod.status;
  let first: number | undefined;
  for (const s of [
    ...(st?.initContainerStatuses ?? []),
    ...(st?.containerStatuses ?? []),
  ]) {
    const at = restartRecentUntil(s);
    if (at !== undefined && at > now && (first === undefined || at < first))
      first = at;
  }
  return first;
}

/**
 * What is wrong with a pod, in the words of its status: eviction,
 * Unschedulable (with the `Insufficient nvidia.com/gpu` counts),
 * CrashLoopBackOff with the previous exit (OOMKilled), image pulls, config
 * errors, readiness, recent restarts. Also the images that really run.
 */
export function diagnosePod(pod: Pod, now: number = Date.now()): PodDiagnosis {
  const st = pod.status ?? {};
  const phase = st.phase ?? 'Unknown';
  const statuses = st.containerStatuses ?? [];
  const initStatuses = st.initContainerStatuses ?? [];
  const specImages = new Map(
    [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].map(
      c => [c.name, c.image],
    ),
  );
  const totalContainers = pod.spec?.containers?.length ?? statuses.length;
  const readyContainers = statuses.filter(s => s.ready).length;
  const restarts = [...statuses, ...initStatuses].reduce(
    (n, s) => n + (s.restartCount ?? 0),
    0,
  );
  const problems: PodProblem[] = [];
  let insufficient: InsufficientResource[] = [];
  let schedulerNodes: number | undefined;

  if (phase === 'Failed' && st.reason === 'Evicted') {
    problems.push({
      kind: 'evicted',
      severity: 'error',
      message: `evicted${st.message ? `: ${st.message}` : ''}`,
    });
  } else if (phase === 'Failed') {
    const exits = statuses
      .filter(s => s.state?.terminated && s.state.terminated.exitCode !== 0)
      .map(
        s =>
          `${s.name}: ${exitText({
            reason: s.state!.terminated!.reason,
            exitCode: s.state!.terminated!.exitCode,
          })}`,
      );
    problems.push({
      kind: statuses.some(s => s.state?.terminated?.reason === 'OOMKilled')
        ? 'oom-killed'
        : 'failed',
      severity: 'error',
      message: `failed${st.reason ? ` (${st.reason})` : ''}${failedDetail(
        exits,
        st.message,
      )}`,
    });
  } else if (phase !== 'Succeeded') {
    if (pod.metadata.deletionTimestamp) {
      problems.push({
        kind: 'terminating',
        severity: 'warning',
        message: `terminating since ${pod.metadata.deletionTimestamp}`,
      });
    }
    const scheduled = findCondition(st.conditions, 'PodScheduled');
    if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
      const parsed = parseInsufficient(scheduled.message);
      insufficient = parsed.insufficient;
      schedulerNodes = parsed.nodes;
      const gpu = insufficient.filter(i =>
        i.resource.startsWith('nvidia.com/'),
      );
      const lead = gpu.length
        ? `cannot be scheduled: not enough ${gpu
            .map(g => g.resource)
            .join(', ')} (${gpu
            .map(
              g =>
                `${g.nodes}${
                  parsed.nodes !== undefined ? ` of ${parsed.nodes}` : ''
                } nodes lack ${g.resource}`,
            )
            .join(', ')})`
        : 'cannot be scheduled';
      problems.push({
        kind: 'unschedulable',
        severity: 'error',
        message: `${lead}${scheduled.message ? `: ${scheduled.message}` : ''}`,
      });
    }
    for (const s of initStatuses)
      problems.push(...containerProblems(s, true, specImages.get(s.name), now));
    for (const s of statuses)
      problems.push(
        ...containerProblems(s, false, specImages.get(s.name), now),
      );
    if (
      phase === 'Running' &&
      problems.length === 0 &&
      readyContainers < totalContainers
    ) {
      problems.push({
        kind: 'not-ready',
        severity: 'warning',
        message: `${readyContainers}/${totalContainers} containers ready`,
      });
    }
    if (phase === 'Unknown') {
      problems.push({
        kind: 'unknown',
        severity: 'unknown',
        message: 'phase Unknown: the node stopped reporting this pod',
      });
    } else if (phase === 'Pending' && problems.length === 0) {
      problems.push({
        kind: 'pending',
        severity: 'warning',
        message: pod.spec?.nodeName
          ? `starting on ${pod.spec.nodeName}`
          : 'pending: not scheduled yet',
      });
    }
  }

  const status = problems.length
    ? worstStatus(problems.map(p => p.severity))
    : 'ok';
  let reason: string;
  if (problems.length) {
    reason = problems
      .filter(p => p.severity === status)
      .map(p => p.message)
      .join('; ');
  } else if (phase === 'Succeeded') {
    reason = 'completed';
  } else {
    reason = `running, ${readyContainers}/${totalContainers} containers ready${
      restarts ? `, ${plural(restarts, 'restart')}` : ''
    }`;
  }
  return {
    namespace: pod.metadata.namespace,
    name: pod.metadata.name,
    nodeName: pod.spec?.nodeName,
    phase,
    status,
    reason,
    ready:
      phase === 'Running' &&
      totalContainers > 0 &&
      readyContainers === totalContainers,
    readyContainers,
    totalContainers,
    restarts,
    problems,
    insufficient,
    ...(schedulerNodes !== undefined ? { schedulerNodes } : {}),
    images: runningImages(pod),
  };
}

function failedDetail(exits: string[], message: string | undefined): string {
  if (exits.length) return `: ${exits.join(', ')}`;
  return message ? `: ${message}` : '';
}

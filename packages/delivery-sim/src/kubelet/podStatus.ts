/**
 * Pod status as a kubelet writes it (pure functions): Pending/Unschedulable
 * with the scheduler's message, ImagePullBackOff, CrashLoopBackOff with a
 * rising restart count and the last exit, Running/Ready with the image's
 * registry digest as imageID. Timestamps and counters carry over from the
 * previous status while nothing changes, so an unchanged pod compares equal
 * and is not written again.
 */
import crypto from 'node:crypto';
import {
  Condition,
  ContainerStatus,
  Pod,
  PodStatus,
  conditionOf,
} from './types';

/** What happens to one container of a bound pod. */
export type ContainerPlan =
  | { kind: 'pull-backoff'; name: string; image: string }
  | { kind: 'running'; name: string; image: string; imageID: string }
  | { kind: 'crash'; name: string; image: string; imageID: string };

export type PodPlan =
  | { scheduled: false; message: string }
  | { scheduled: true; hostIP: string; containers: ContainerPlan[] };

export interface PodStatusOptions {
  now: number;
  /** First CrashLoopBackOff delay; doubles per restart up to 5 minutes (kubelet: 10 s). */
  crashBackoffMs: number;
  /** `lastState.terminated.message` of a crashing container. */
  crashMessage?: string;
}

/** RFC 3339 with seconds, as the apiserver stores times. */
export const iso = (ms: number) =>
  new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

const hex = (seed: string, length = 64) =>
  crypto.createHash('sha256').update(seed).digest('hex').slice(0, length);

/** Go's time.Duration String() for whole milliseconds: `500ms`, `10s`, `2m40s`, `5m0s`. */
export function goDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const totalSeconds = ms / 1000;
  const minutes = Math.floor(totalSeconds / 60);
  const seconds = Number((totalSeconds - minutes * 60).toFixed(3));
  return minutes > 0 ? `${minutes}m${seconds}s` : `${seconds}s`;
}

const MAX_BACKOFF_MS = 300_000;

export function crashBackoff(baseMs: number, restartCount: number): number {
  return Math.min(
    baseMs * 2 ** Math.max(restartCount - 1, 0),
    Math.max(MAX_BACKOFF_MS, baseMs),
  );
}

/** A stable made-up pod IP in 10.244.0.0/16. */
export function podIpOf(pod: Pod): string {
  const h = crypto
    .createHash('sha256')
    .update(pod.metadata.uid ?? pod.metadata.name)
    .digest();
  return `10.244.${h[0]}.${(h[1] % 250) + 2}`;
}

function condition(
  previous: Condition[] | undefined,
  type: string,
  ok: boolean,
  now: number,
  reason?: string,
  message?: string,
): Condition {
  const prev = conditionOf(previous, type);
  const status = ok ? 'True' : 'False';
  return {
    type,
    status,
    ...(reason ? { reason } : {}),
    ...(message ? { message } : {}),
    lastProbeTime: null,
    lastTransitionTime:
      prev?.status === status && prev.lastTransitionTime
        ? prev.lastTransitionTime
        : iso(now),
  };
}

function containerStatus(
  pod: Pod,
  plan: ContainerPlan,
  prev: ContainerStatus | undefined,
  options: PodStatusOptions,
): ContainerStatus {
  const now = options.now;
  const podKey = pod.metadata.uid ?? pod.metadata.name;
  const containerId = (restarts: number) =>
    `containerd://${hex(`${podKey}/${plan.name}/${restarts}`)}`;
  const sameImage = prev?.imageID === ('imageID' in plan ? plan.imageID : '');
  const prevCount = prev?.restartCount ?? 0;
  const prevLast = prev?.lastState ?? {};

  if (plan.kind === 'pull-backoff') {
    return {
      name: plan.name,
      ready: false,
      started: false,
      restartCount: prevCount,
      image: plan.image,
      imageID: '',
      state: {
        waiting: {
          reason: 'ImagePullBackOff',
          message: `Back-off pulling image "${plan.image}"`,
        },
      },
      lastState: prevLast,
    };
  }

  if (plan.kind === 'running') {
    if (prev?.state?.running && sameImage) {
      return {
        name: plan.name,
        ready: true,
        started: true,
        restartCount: prevCount,
        image: plan.image,
        imageID: plan.imageID,
        containerID: prev.containerID ?? containerId(prevCount),
        state: { running: { startedAt: prev.state.running.startedAt } },
        lastState: prevLast,
      };
    }
    // First start, or a restart after a crash (which counts as a restart).
    const crashed = Boolean(prev?.state?.waiting && prev.lastState?.terminated);
    const restartCount = crashed ? prevCount + 1 : prevCount;
    return {
      name: plan.name,
      ready: true,
      started: true,
      restartCount,
      image: plan.image,
      imageID: plan.imageID,
      containerID: containerId(restartCount),
      state: { running: { startedAt: iso(now) } },
      lastState: prevLast,
    };
  }

  // Crash loop: the container starts, exits with code 1, and waits its back-off.
  const looping =
    prev?.state?.waiting?.reason === 'CrashLoopBackOff' &&
    sameImage &&
    prev.lastState?.terminated?.finishedAt;
  let restartCount = prevCount + 1;
  let finishedAt = now;
  if (looping) {
    const lastExit = Date.parse(prev!.lastState!.terminated!.finishedAt!);
    if (now - lastExit < crashBackoff(options.crashBackoffMs, prevCount)) {
      restartCount = prevCount;
      finishedAt = lastExit;
    }
  }
  const backoff = crashBackoff(options.crashBackoffMs, restartCount);
  return {
    name: plan.name,
    ready: false,
    started: false,
    restartCount,
    image: plan.image,
    imageID: plan.imageID,
    containerID: containerId(restartCount),
    state: {
      waiting: {
        reason: 'CrashLoopBackOff',
        message: `back-off ${goDuration(backoff)} restarting failed container=${
          plan.name
        } pod=${pod.metadata.name}`,
      },
    },
    lastState: {
      terminated: {
        exitCode: 1,
        reason: 'Error',
        ...(options.crashMessage ? { message: options.crashMessage } : {}),
        startedAt: iso(finishedAt - 1000),
        finishedAt: iso(finishedAt),
        containerID: containerId(restartCount),
      },
    },
  };
}

/** The status the kubelet stand-in writes for `pod` under `plan`. */
export function buildPodStatus(
  pod: Pod,
  plan: PodPlan,
  options: PodStatusOptions,
): PodStatus {
  const now = options.now;
  const previous = pod.status?.conditions;
  if (!plan.scheduled) {
    return {
      phase: 'Pending',
      conditions: [
        condition(
          previous,
          'PodScheduled',
          false,
          now,
          'Unschedulable',
          plan.message,
        ),
      ],
    };
  }
  const prevByName = new Map(
    (pod.status?.containerStatuses ?? []).map(s => [s.name, s]),
  );
  const containerStatuses = plan.containers.map(c =>
    containerStatus(pod, c, prevByName.get(c.name), options),
  );
  const unready = containerStatuses.filter(s => !s.ready).map(s => s.name);
  const ready = unready.length === 0;
  const neverRan = plan.containers.some(
    c =>
      c.kind === 'pull-backoff' &&
      !prevByName.get(c.name)?.lastState?.terminated,
  );
  const ip = podIpOf(pod);
  const notReadyReason = ready ? undefined : 'ContainersNotReady';
  const notReadyMessage = ready
    ? undefined
    : `containers with unready status: [${unready.join(' ')}]`;
  return {
    phase: neverRan ? 'Pending' : 'Running',
    conditions: [
      condition(previous, 'Initialized', true, now),
      condition(previous, 'Ready', ready, now, notReadyReason, notReadyMessage),
      condition(
        previous,
        'ContainersReady',
        ready,
        now,
        notReadyReason,
        notReadyMessage,
      ),
      condition(previous, 'PodScheduled', true, now),
    ],
    hostIP: plan.hostIP,
    podIP: ip,
    podIPs: [{ ip }],
    startTime: pod.status?.startTime ?? iso(now),
    containerStatuses,
  };
}

/**
 * The value as the apiserver would give it back, for comparing: keys sorted,
 * and empty values (null, 0, '', false, {}, []) dropped — Go omits most of
 * them (`omitempty`), so `readyReplicas: 0` reads back as no field at all.
 */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(canonical);
    return items.length ? items : undefined;
  }
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => [k, canonical(v)] as const)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => a.localeCompare(b));
    return entries.length ? Object.fromEntries(entries) : undefined;
  }
  if (value === null || value === 0 || value === '' || value === false)
    return undefined;
  return value;
}

/** True when every field `desired` sets already holds that value in `current`. */
export function statusHolds(
  current: object | undefined,
  desired: object,
): boolean {
  const cur = (current ?? {}) as Record<string, unknown>;
  return Object.entries(desired).every(
    ([k, v]) =>
      JSON.stringify(canonical(cur[k]) ?? null) ===
      JSON.stringify(canonical(v) ?? null),
  );
}

import { LRUCache } from 'lru-cache';
import {
  Condition,
  Container,
  ContainerState,
  ContainerStatus,
  KubeObject,
  ObjectMeta,
  Pod,
  Toleration,
} from './types';

/**
 * What the watch cache keeps of an object. Pods are most of a cluster's
 * objects (10,000 in the benchmark), so what a pod costs decides the
 * backend's memory. Three things keep a pod small (heap per pod measured in
 * slim.test.ts and bench/):
 *
 * - Only what the `Pod` type names is kept: env, volumes, probes, commands,
 *   IPs, QoS class and managedFields are never read.
 * - The parts replicas share (labels, owner references, containers,
 *   tolerations, node selectors) are kept once: pods of one ReplicaSet point at one copy, found by
 *   content. Repeated strings (namespaces, images, node names, reasons) are
 *   kept once too.
 * - Every kept object is an object literal of one fixed shape (absent
 *   fields are `undefined`, which JSON leaves out). Objects built by adding
 *   keys to `{}` one by one, as JSON.parse does, share V8's root transition
 *   tree; in a backend that has parsed many different documents that tree
 *   is full, and each such object then gets a hidden class of its own
 *   (~200 bytes: measured as 100,000 single-use hidden classes in a heap
 *   snapshot of the benchmarked backend).
 *
 * Kept objects are shared between pods and requests: nothing may change them.
 */

/** Strings many objects repeat, one copy each; a value that stops repeating falls out of the pool, never out of an object. */
const strings = new LRUCache<string, string>({ max: 20_000 });

/** Parts replicas repeat (labels, owner references, containers, tolerations), by content. */
const parts = new LRUCache<string, object>({ max: 10_000 });

export function intern<T>(value: T): T {
  if (typeof value !== 'string') return value;
  const kept = strings.get(value);
  if (kept !== undefined) return kept as T;
  strings.set(value, value);
  return value;
}

/** The kept object equal to `value` (compared as JSON), or `value`, now kept. */
export function share<T>(value: T): T {
  if (!value || typeof value !== 'object') return value;
  const key = JSON.stringify(value);
  const kept = parts.get(key);
  if (kept !== undefined) return kept as T;
  parts.set(key, value);
  return value;
}

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

function withoutLastApplied(
  annotations: Record<string, string> | undefined,
): Record<string, string> | undefined {
  if (!annotations || typeof annotations !== 'object') return annotations;
  if (!(LAST_APPLIED in annotations)) return annotations;
  const { [LAST_APPLIED]: _dropped, ...rest } = annotations;
  return rest;
}

const list = <T, R>(
  items: T[] | undefined,
  f: (item: T) => R,
): R[] | undefined =>
  Array.isArray(items)
    ? items.map(i => (i && typeof i === 'object' ? f(i) : (i as unknown as R)))
    : items;

/**
 * Drops what is large and never read (managedFields, kubectl's
 * last-applied copy of the whole object; of a pod everything but what the
 * `Pod` type names) before an object is kept.
 */
export function slim<T extends KubeObject>(o: T): T {
  if (o.kind === 'Pod') return podRead(o as Pod) as T;
  const { managedFields: _managed, ...metadata } = o.metadata as ObjectMeta & {
    managedFields?: unknown;
  };
  if (metadata.annotations)
    metadata.annotations = withoutLastApplied(metadata.annotations);
  return { ...o, metadata };
}

function podRead(o: Pod): Pod {
  const m = o.metadata;
  return {
    apiVersion: intern(o.apiVersion),
    kind: intern(o.kind),
    metadata: {
      name: m.name,
      namespace: intern(m.namespace),
      uid: m.uid,
      resourceVersion: m.resourceVersion,
      generation: m.generation,
      creationTimestamp: m.creationTimestamp,
      deletionTimestamp: m.deletionTimestamp,
      labels: share(m.labels),
      annotations: share(withoutLastApplied(m.annotations)),
      ownerReferences: share(m.ownerReferences),
    },
    spec: podSpecRead(o.spec),
    status: podStatusRead(o.status),
  };
}

function containerRead(c: Container): Container {
  return {
    name: intern(c.name),
    image: intern(c.image),
    resources: c.resources,
  };
}

/** The spec's node is the pod's own; its containers, tolerations and selectors are the ReplicaSet's, kept once. */
function podSpecRead(spec: Pod['spec']): Pod['spec'] {
  if (!spec || typeof spec !== 'object') return spec;
  return {
    nodeName: intern(spec.nodeName),
    containers: share(list(spec.containers, containerRead)),
    initContainers: share(list(spec.initContainers, containerRead)),
    overhead: share(spec.overhead),
    tolerations: share(
      list(
        spec.tolerations,
        (t: Toleration): Toleration => ({
          key: t.key,
          operator: t.operator,
          value: t.value,
          effect: t.effect,
        }),
      ),
    ),
    nodeSelector: share(spec.nodeSelector),
  };
}

function conditionRead(c: Condition): Condition {
  return {
    type: intern(c.type),
    status: intern(c.status),
    reason: intern(c.reason),
    message: intern(c.message),
    lastTransitionTime: intern(c.lastTransitionTime),
    lastUpdateTime: c.lastUpdateTime,
  };
}

function stateRead(s: ContainerState | undefined): ContainerState | undefined {
  if (!s || typeof s !== 'object') return s;
  const { waiting, running, terminated } = s;
  return {
    waiting:
      waiting && typeof waiting === 'object'
        ? { reason: intern(waiting.reason), message: waiting.message }
        : waiting,
    running:
      running && typeof running === 'object'
        ? { startedAt: running.startedAt }
        : running,
    terminated:
      terminated && typeof terminated === 'object'
        ? {
            exitCode: terminated.exitCode,
            signal: terminated.signal,
            reason: intern(terminated.reason),
            message: terminated.message,
            startedAt: terminated.startedAt,
            finishedAt: terminated.finishedAt,
          }
        : terminated,
  };
}

function containerStatusRead(s: ContainerStatus): ContainerStatus {
  return {
    name: intern(s.name),
    ready: s.ready,
    started: s.started,
    restartCount: s.restartCount,
    image: intern(s.image),
    imageID: intern(s.imageID),
    containerID: s.containerID,
    state: stateRead(s.state),
    lastState: stateRead(s.lastState),
  };
}

function podStatusRead(status: Pod['status']): Pod['status'] {
  if (!status || typeof status !== 'object') return status;
  return {
    phase: intern(status.phase),
    reason: intern(status.reason),
    message: status.message,
    conditions: list(status.conditions, conditionRead),
    containerStatuses: list(status.containerStatuses, containerStatusRead),
    initContainerStatuses: list(
      status.initContainerStatuses,
      containerStatusRead,
    ),
    startTime: intern(status.startTime),
  };
}

import { Node, Pod, ResourceList, Taint } from './types';

/**
 * GPUs on nodes and in pods, from what the NVIDIA device plugin and GPU
 * Feature Discovery publish (protocols/inference-gpu.md §7): extended
 * resources `nvidia.com/gpu`, `nvidia.com/gpu.shared` (time-slicing with
 * renameByDefault) and `nvidia.com/mig-<profile>` (MIG mixed), and the
 * `nvidia.com/*` node labels. Pure functions.
 */

export const GPU_RESOURCE = 'nvidia.com/gpu';
export const SHARED_GPU_RESOURCE = 'nvidia.com/gpu.shared';
const MIG_RESOURCE = /^nvidia\.com\/mig-(.+)$/;

export function isGpuResource(name: string): boolean {
  return (
    name === GPU_RESOURCE ||
    name === SHARED_GPU_RESOURCE ||
    MIG_RESOURCE.test(name)
  );
}

const SUFFIX: Record<string, number> = {
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** Parses a Kubernetes quantity (`4`, `500m`, `16Gi`, `1e3`); undefined if it is not one. */
export function parseQuantity(
  q: string | number | undefined,
): number | undefined {
  if (typeof q === 'number') return Number.isFinite(q) ? q : undefined;
  if (typeof q !== 'string') return undefined;
  const m =
    /^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/.exec(
      q.trim(),
    );
  if (!m) return undefined;
  return Number(m[1]) * (m[2] ? SUFFIX[m[2]] : 1);
}

function gpuResources(list: ResourceList | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, value] of Object.entries(list ?? {})) {
    if (!isGpuResource(name)) continue;
    const n = parseQuantity(value);
    if (n !== undefined) out[name] = n;
  }
  return out;
}

function add(into: Record<string, number>, from: Record<string, number>) {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

/**
 * GPU resources a pod asks for, as the scheduler counts them: the sum over
 * containers or the largest init container, whichever is larger, plus pod
 * overhead. For extended resources requests equal limits; a container that
 * sets only the limit requests the limit.
 */
export function podGpuRequests(pod: Pod): Record<string, number> {
  const effective = (c: {
    resources?: { limits?: ResourceList; requests?: ResourceList };
  }) => ({
    ...gpuResources(c.resources?.limits),
    ...gpuResources(c.resources?.requests),
  });
  const sum: Record<string, number> = {};
  for (const c of pod.spec?.containers ?? []) add(sum, effective(c));
  for (const c of pod.spec?.initContainers ?? []) {
    for (const [k, v] of Object.entries(effective(c)))
      sum[k] = Math.max(sum[k] ?? 0, v);
  }
  add(sum, gpuResources(pod.spec?.overhead));
  for (const k of Object.keys(sum)) if (sum[k] === 0) delete sum[k];
  return sum;
}

/** Pods that hold node resources: bound to a node and not finished. */
export function holdsNodeResources(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return (
    Boolean(pod.spec?.nodeName) && phase !== 'Succeeded' && phase !== 'Failed'
  );
}

export interface MigProfile {
  /** e.g. `1g.5gb` */
  profile: string;
  count?: number;
  /** From `mig-<p>.memory` (MB). */
  memoryMB?: number;
  product?: string;
}

/** What GPU Feature Discovery says about a node. */
export interface GpuNodeLabels {
  /** `nvidia.com/gpu.product` as published, e.g. `NVIDIA-GeForce-RTX-4090-SHARED`. */
  product?: string;
  /** Product without the `-SHARED` suffix. */
  model?: string;
  /** Time-sliced or MPS-shared GPUs (product ends in `-SHARED`, or replicas > 1). */
  shared: boolean;
  /** Physical GPUs (`gpu.count`). */
  count?: number;
  /** Memory per GPU in MiB (`gpu.memory`). */
  memoryMiB?: number;
  family?: string;
  /** Replicas per GPU under time-slicing (`gpu.replicas`). */
  replicas?: number;
  sharingStrategy?: string;
  migCapable?: boolean;
  migStrategy?: string;
  migProfiles: MigProfile[];
  driverVersion?: string;
}

function intLabel(
  labels: Record<string, string>,
  key: string,
): number | undefined {
  const v = labels[key];
  if (v === undefined || !/^\d+$/.test(v.trim())) return undefined;
  return Number(v);
}

export function readGpuNodeLabels(
  labels: Record<string, string> = {},
): GpuNodeLabels {
  const product = labels['nvidia.com/gpu.product'];
  const replicas = intLabel(labels, 'nvidia.com/gpu.replicas');
  const suffixed = product?.endsWith('-SHARED') ?? false;
  const profiles = new Map<string, MigProfile>();
  for (const [key, value] of Object.entries(labels)) {
    const m = /^nvidia\.com\/mig-(.+)\.(count|memory|product)$/.exec(key);
    if (!m) continue;
    const p = profiles.get(m[1]) ?? { profile: m[1] };
    if (m[2] === 'count') p.count = intLabel(labels, key);
    if (m[2] === 'memory') p.memoryMB = intLabel(labels, key);
    if (m[2] === 'product') p.product = value;
    profiles.set(m[1], p);
  }
  const major =
    labels['nvidia.com/cuda.driver-version.major'] ??
    labels['nvidia.com/cuda.driver.major'];
  const minor =
    labels['nvidia.com/cuda.driver-version.minor'] ??
    labels['nvidia.com/cuda.driver.minor'];
  const rev =
    labels['nvidia.com/cuda.driver-version.revision'] ??
    labels['nvidia.com/cuda.driver.rev'];
  const migCapable = labels['nvidia.com/mig.capable'];
  return {
    product,
    model: suffixed ? product!.slice(0, -'-SHARED'.length) : product,
    shared: suffixed || (replicas !== undefined && replicas > 1),
    count: intLabel(labels, 'nvidia.com/gpu.count'),
    memoryMiB: intLabel(labels, 'nvidia.com/gpu.memory'),
    family: labels['nvidia.com/gpu.family'],
    replicas,
    sharingStrategy: labels['nvidia.com/gpu.sharing-strategy'],
    migCapable: migCapable === undefined ? undefined : migCapable === 'true',
    migStrategy: labels['nvidia.com/mig.strategy'],
    migProfiles: [...profiles.values()].sort((a, b) =>
      a.profile.localeCompare(b.profile),
    ),
    driverVersion: major
      ? [major, minor, rev].filter(v => v !== undefined).join('.')
      : undefined,
  };
}

export interface PodGpuHolding {
  namespace?: string;
  name: string;
  resources: Record<string, number>;
}

/** One node's GPUs. */
export interface NodeGpu {
  node: string;
  capacity: Record<string, number>;
  allocatable: Record<string, number>;
  /** Held by pods bound to this node that have not finished. */
  requested: Record<string, number>;
  /** allocatable − requested, per resource (negative if over-committed). */
  free: Record<string, number>;
  labels: GpuNodeLabels;
  taints: Taint[];
  /** Taints with an `nvidia.com/` key (pods need a toleration for them). */
  gpuTaints: Taint[];
  /** Cordoned (`spec.unschedulable`). */
  unschedulable: boolean;
  /** The Ready condition; undefined when not reported. */
  ready?: boolean;
  pods: PodGpuHolding[];
}

function hasGpuLabels(labels: Record<string, string> | undefined): boolean {
  return Object.keys(labels ?? {}).some(
    k => k.startsWith('nvidia.com/gpu') || k.startsWith('nvidia.com/mig'),
  );
}

/** Every node that has GPU resources or GPU labels, with what pods hold on it. */
export function nodeGpuInventory(nodes: Node[], pods: Pod[]): NodeGpu[] {
  const holdings = new Map<string, PodGpuHolding[]>();
  for (const pod of pods) {
    if (!holdsNodeResources(pod)) continue;
    const resources = podGpuRequests(pod);
    if (Object.keys(resources).length === 0) continue;
    const list = holdings.get(pod.spec!.nodeName!) ?? [];
    list.push({
      namespace: pod.metadata.namespace,
      name: pod.metadata.name,
      resources,
    });
    holdings.set(pod.spec!.nodeName!, list);
  }
  const out: NodeGpu[] = [];
  for (const node of nodes) {
    const capacity = gpuResources(node.status?.capacity);
    const allocatable = gpuResources(node.status?.allocatable);
    if (
      Object.keys(capacity).length === 0 &&
      Object.keys(allocatable).length === 0 &&
      !hasGpuLabels(node.metadata.labels)
    ) {
      continue;
    }
    const podsHere = holdings.get(node.metadata.name) ?? [];
    const requested: Record<string, number> = {};
    for (const p of podsHere) add(requested, p.resources);
    const free: Record<string, number> = {};
    for (const k of new Set([
      ...Object.keys(allocatable),
      ...Object.keys(requested),
    ])) {
      free[k] = (allocatable[k] ?? 0) - (requested[k] ?? 0);
    }
    const taints = node.spec?.taints ?? [];
    const ready = node.status?.conditions?.find(c => c.type === 'Ready');
    out.push({
      node: node.metadata.name,
      capacity,
      allocatable,
      requested,
      free,
      labels: readGpuNodeLabels(node.metadata.labels),
      taints,
      gpuTaints: taints.filter(t => t.key.startsWith('nvidia.com/')),
      unschedulable: Boolean(node.spec?.unschedulable),
      ready: ready ? ready.status === 'True' : undefined,
      pods: podsHere,
    });
  }
  return out.sort((a, b) => a.node.localeCompare(b.node));
}

/** The GPUs an entity's pods hold (scheduled) or wait for (not scheduled yet). */
export interface EntityGpuUsage {
  /** Per pod that asks for GPUs. */
  pods: Array<
    PodGpuHolding & { node?: string; scheduled: boolean; finished: boolean }
  >;
  /** Held now, by running/pending-on-node pods. */
  held: Record<string, number>;
  /** Asked for by pods no node has taken yet. */
  waiting: Record<string, number>;
  /** The nodes that host the entity's GPU pods. */
  nodes: NodeGpu[];
}

export function entityGpuUsage(
  entityPods: Pod[],
  inventory: NodeGpu[],
): EntityGpuUsage {
  const pods: EntityGpuUsage['pods'] = [];
  const held: Record<string, number> = {};
  const waiting: Record<string, number> = {};
  const nodeNames = new Set<string>();
  for (const pod of entityPods) {
    const resources = podGpuRequests(pod);
    if (Object.keys(resources).length === 0) continue;
    const phase = pod.status?.phase;
    const finished = phase === 'Succeeded' || phase === 'Failed';
    const scheduled = Boolean(pod.spec?.nodeName);
    pods.push({
      namespace: pod.metadata.namespace,
      name: pod.metadata.name,
      node: pod.spec?.nodeName,
      resources,
      scheduled,
      finished,
    });
    if (finished) continue;
    if (scheduled) {
      add(held, resources);
      nodeNames.add(pod.spec!.nodeName!);
    } else {
      add(waiting, resources);
    }
  }
  return {
    pods,
    held,
    waiting,
    nodes: inventory.filter(n => nodeNames.has(n.node)),
  };
}

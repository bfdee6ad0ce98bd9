/**
 * The scheduling part of the kubelet stand-in (pure functions): which node an
 * unbound pod goes to, or kube-scheduler's FitError message when none fits
 * (`0/3 nodes are available: 1 node(s) were unschedulable, 2 Insufficient
 * nvidia.com/gpu.`). Filters, in kube-scheduler 1.20's order, stopping at the
 * first one a node fails: NodeUnschedulable, NodeResourcesFit (GPU resources
 * only: `nvidia.com/gpu`, `nvidia.com/gpu.shared`, `nvidia.com/mig-*`; CPU
 * and memory are not accounted), NodeAffinity (`nodeSelector` only),
 * TaintToleration (NoSchedule/NoExecute taints; a node whose Ready condition
 * is not True counts as tainted `node.kubernetes.io/not-ready`). With no
 * nodes at all: "no nodes available to schedule pods".
 */
import { Node, Pod, ResourceList, Taint, Toleration } from './types';

const MIG_RESOURCE = /^nvidia\.com\/mig-.+$/;

export function isGpuResource(name: string): boolean {
  return (
    name === 'nvidia.com/gpu' ||
    name === 'nvidia.com/gpu.shared' ||
    MIG_RESOURCE.test(name)
  );
}

const SUFFIX: Record<string, number> = {
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};

/** A Kubernetes quantity as a number (0 when it is not one). */
export function parseQuantity(q: string | number | undefined): number {
  if (typeof q === 'number') return Number.isFinite(q) ? q : 0;
  const m =
    /^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(
      (q ?? '').trim(),
    );
  return m ? Number(m[1]) * (m[2] ? SUFFIX[m[2]] : 1) : 0;
}

function gpuOf(list: ResourceList | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(list ?? {}))
    if (isGpuResource(k)) out[k] = parseQuantity(v);
  return out;
}

/**
 * GPU resources a pod asks for, as the scheduler counts them: per container
 * the request (or the limit when only that is set), summed over containers;
 * the largest init container when that is larger.
 */
export function podGpuRequests(pod: Pod): Record<string, number> {
  const effective = (c: {
    resources?: { limits?: ResourceList; requests?: ResourceList };
  }) => ({ ...gpuOf(c.resources?.limits), ...gpuOf(c.resources?.requests) });
  const sum: Record<string, number> = {};
  for (const c of pod.spec.containers ?? []) {
    for (const [k, v] of Object.entries(effective(c)))
      sum[k] = (sum[k] ?? 0) + v;
  }
  for (const c of pod.spec.initContainers ?? []) {
    for (const [k, v] of Object.entries(effective(c)))
      sum[k] = Math.max(sum[k] ?? 0, v);
  }
  for (const k of Object.keys(sum)) if (sum[k] <= 0) delete sum[k];
  return sum;
}

/** GPU resources held per node by the pods bound to it (finished pods hold nothing). */
export function gpuUsageByNode(
  pods: Pod[],
): Map<string, Record<string, number>> {
  const used = new Map<string, Record<string, number>>();
  for (const pod of pods) {
    const node = pod.spec.nodeName;
    const phase = pod.status?.phase;
    if (!node || phase === 'Succeeded' || phase === 'Failed') continue;
    const held = used.get(node) ?? {};
    for (const [k, v] of Object.entries(podGpuRequests(pod)))
      held[k] = (held[k] ?? 0) + v;
    used.set(node, held);
  }
  return used;
}

function tolerates(tolerations: Toleration[], taint: Taint): boolean {
  return tolerations.some(t => {
    if (t.effect && t.effect !== taint.effect) return false;
    if (t.operator === 'Exists') return !t.key || t.key === taint.key;
    return t.key === taint.key && (t.value ?? '') === (taint.value ?? '');
  });
}

const NOT_READY_TAINT: Taint = {
  key: 'node.kubernetes.io/not-ready',
  effect: 'NoSchedule',
};

/**
 * The node's taints, plus `node.kubernetes.io/not-ready:NoSchedule` when its
 * Ready condition is not True (the node lifecycle controller, not running
 * here, would add it).
 */
function effectiveTaints(node: Node): Taint[] {
  const taints = node.spec?.taints ?? [];
  const ready = node.status?.conditions?.find(c => c.type === 'Ready');
  if (
    ready?.status === 'True' ||
    taints.some(t => t.key === NOT_READY_TAINT.key)
  )
    return taints;
  return [...taints, NOT_READY_TAINT];
}

export type ScheduleResult =
  | { node: string }
  | { node?: undefined; message: string };

export interface ScheduleOptions {
  /** GPU resources held per node (updated in place when the pod is placed). */
  used: Map<string, Record<string, number>>;
  /** Treat every node as having no free GPU (break `gpu-unschedulable`). */
  gpusFull?: boolean;
}

/**
 * Picks a node for `pod` (the feasible one with the fewest GPUs held, then by
 * name) and records its GPUs as held there; or says why none fits, in
 * kube-scheduler's words.
 */
export function schedulePod(
  pod: Pod,
  nodes: Node[],
  options: ScheduleOptions,
): ScheduleResult {
  if (nodes.length === 0) {
    return { message: 'no nodes available to schedule pods' };
  }
  const wants = podGpuRequests(pod);
  const tolerations = pod.spec.tolerations ?? [];
  const selector = Object.entries(pod.spec.nodeSelector ?? {});
  const reasons = new Map<string, number>();
  const count = (r: string) => reasons.set(r, (reasons.get(r) ?? 0) + 1);
  const feasible: Node[] = [];
  for (const node of nodes) {
    if (node.spec?.unschedulable) {
      count('node(s) were unschedulable');
      continue;
    }
    const held = options.used.get(node.metadata.name) ?? {};
    const allocatable = node.status?.allocatable ?? {};
    const insufficient = Object.entries(wants).filter(
      ([res, n]) =>
        options.gpusFull ||
        parseQuantity(allocatable[res]) - (held[res] ?? 0) < n,
    );
    if (insufficient.length) {
      for (const [res] of insufficient) count(`Insufficient ${res}`);
      continue;
    }
    const labels = node.metadata.labels ?? {};
    if (selector.some(([k, v]) => labels[k] !== v)) {
      count("node(s) didn't match node selector");
      continue;
    }
    const untolerated = effectiveTaints(node).find(
      t =>
        (t.effect === 'NoSchedule' || t.effect === 'NoExecute') &&
        !tolerates(tolerations, t),
    );
    if (untolerated) {
      count(
        `node(s) had taint {${untolerated.key}: ${
          untolerated.value ?? ''
        }}, that the pod didn't tolerate`,
      );
      continue;
    }
    feasible.push(node);
  }
  if (feasible.length === 0) {
    const parts = [...reasons].map(([r, n]) => `${n} ${r}`).sort();
    return {
      message: `0/${nodes.length} nodes are available: ${parts.join(', ')}.`,
    };
  }
  const heldTotal = (n: Node) =>
    Object.values(options.used.get(n.metadata.name) ?? {}).reduce(
      (a, b) => a + b,
      0,
    );
  feasible.sort(
    (a, b) =>
      heldTotal(a) - heldTotal(b) ||
      a.metadata.name.localeCompare(b.metadata.name),
  );
  const chosen = feasible[0].metadata.name;
  const held = options.used.get(chosen) ?? {};
  for (const [k, v] of Object.entries(wants)) held[k] = (held[k] ?? 0) + v;
  options.used.set(chosen, held);
  return { node: chosen };
}

import { UpstreamProblem } from './health';

/** One GPU node as `GET /fleet/gpu-nodes` returns it (from the watch cache). @public */
export interface GpuNodeInfo {
  node: string;
  /** Per resource (`nvidia.com/gpu`, `nvidia.com/gpu.shared`, `nvidia.com/mig-…`). */
  capacity: Record<string, number>;
  allocatable: Record<string, number>;
  /** Held by pods bound to the node that have not finished. */
  requested: Record<string, number>;
  /** allocatable − requested (negative when over-committed). */
  free: Record<string, number>;
  /** GPU Feature Discovery labels, parsed (product, memory MiB, replicas, MIG strategy, …). */
  labels: Record<string, unknown>;
  taints: Array<{ key: string; value?: string; effect?: string }>;
  gpuTaints: Array<{ key: string; value?: string; effect?: string }>;
  unschedulable: boolean;
  ready?: boolean;
  pods: Array<{ namespace?: string; name: string; resources: Record<string, number> }>;
}

/** Answer of `GET /fleet/gpu-nodes`. @public */
export interface GpuNodesReport {
  /** Set when no cluster is configured. */
  reason?: string;
  clusters: Array<{ cluster: string; problem?: UpstreamProblem; nodes: GpuNodeInfo[] }>;
}

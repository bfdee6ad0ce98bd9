import { GpuNodeInfo } from '@internal/plugin-mlops-common';

/**
 * Reads `GET /fleet/gpu-nodes` defensively: `labels` is untyped on the wire
 * (the backend parses GPU Feature Discovery labels into product, model,
 * memoryMiB, count, replicas, sharingStrategy, migStrategy, migProfiles, …)
 * and a field that is missing or of the wrong type is left out, not guessed.
 */

export const GPU = 'nvidia.com/gpu';
export const SHARED_GPU = 'nvidia.com/gpu.shared';
const MIG = /^nvidia\.com\/mig-(.+)$/;

export interface ResourceCount {
  resource: string;
  count: number;
}

export interface MigProfileView {
  profile: string;
  count?: number;
  memoryMB?: number;
}

export interface NodeView {
  node: string;
  /** Product without the `-SHARED` suffix (GFD `gpu.product`). */
  product?: string;
  /** The product label as published, when it differs (`…-SHARED`). */
  publishedProduct?: string;
  family?: string;
  memoryMiB?: number;
  /** Physical GPUs (GFD `gpu.count`). */
  physical?: number;
  capacity: ResourceCount[];
  allocatable: ResourceCount[];
  requested: ResourceCount[];
  free: ResourceCount[];
  ready?: boolean;
  cordoned: boolean;
  mig?: { strategy?: string; capable?: boolean; profiles: MigProfileView[] };
  sharing?: { strategy?: string; replicas?: number; shared: boolean };
  gpuTaints: string[];
  pods: Array<{ ref: string; resources: ResourceCount[] }>;
}

function record(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function str(labels: Record<string, unknown>, key: string): string | undefined {
  const v = labels[key];
  return typeof v === 'string' && v.trim() ? v.trim() : undefined;
}

function num(value: unknown): number | undefined {
  if (typeof value === 'number')
    return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim()))
    return Number(value);
  return undefined;
}

function bool(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  return undefined;
}

function order(resource: string): string {
  if (resource === GPU) return '0';
  if (resource === SHARED_GPU) return '1';
  if (MIG.test(resource)) return `2${resource}`;
  return `3${resource}`;
}

/** Finite counts of a resource map, `nvidia.com/gpu` first, then shared, then MIG profiles. */
export function resources(value: unknown): ResourceCount[] {
  return Object.entries(record(value))
    .map(([resource, v]) => ({ resource, count: num(v) }))
    .filter((r): r is ResourceCount => r.count !== undefined)
    .sort((a, b) => order(a.resource).localeCompare(order(b.resource)));
}

/** `nvidia.com/gpu` → `GPU`, `nvidia.com/gpu.shared` → `shared GPU`, `nvidia.com/mig-1g.5gb` → `MIG 1g.5gb`. */
export function resourceLabel(resource: string): string {
  if (resource === GPU) return 'GPU';
  if (resource === SHARED_GPU) return 'shared GPU';
  const m = MIG.exec(resource);
  return m ? `MIG ${m[1]}` : resource;
}

/** The same, as a plural noun for totals: `GPUs`, `shared GPU replicas`, `MIG 1g.5gb slices`. */
export function resourceNoun(resource: string): string {
  if (resource === GPU) return 'GPUs';
  if (resource === SHARED_GPU) return 'shared GPU replicas';
  const m = MIG.exec(resource);
  return m ? `MIG ${m[1]} slices` : resource;
}

function taint(value: unknown): string | undefined {
  const t = record(value);
  const key = typeof t.key === 'string' ? t.key : undefined;
  if (!key) return undefined;
  const v = typeof t.value === 'string' && t.value ? `=${t.value}` : '';
  const effect = typeof t.effect === 'string' && t.effect ? `:${t.effect}` : '';
  return `${key}${v}${effect}`;
}

function migProfiles(value: unknown): MigProfileView[] {
  if (!Array.isArray(value)) return [];
  return value
    .map(record)
    .filter(p => typeof p.profile === 'string' && p.profile)
    .map(p => ({
      profile: p.profile as string,
      count: num(p.count),
      memoryMB: num(p.memoryMB),
    }));
}

export function nodeView(info: GpuNodeInfo): NodeView {
  const labels = record(info.labels);
  const published = str(labels, 'product');
  const product = str(labels, 'model') ?? published;
  const replicas = num(labels.replicas);
  const sharingStrategy = str(labels, 'sharingStrategy');
  const shared = bool(labels.shared) ?? false;
  const migStrategy = str(labels, 'migStrategy');
  const migCapable = bool(labels.migCapable);
  const profiles = migProfiles(labels.migProfiles);
  const hasMig =
    profiles.length > 0 ||
    (migStrategy !== undefined && migStrategy !== 'none') ||
    migCapable === true;
  const hasSharing =
    shared ||
    (replicas !== undefined && replicas > 1) ||
    (sharingStrategy !== undefined && sharingStrategy !== 'none');
  const pods = Array.isArray(info.pods) ? info.pods : [];
  return {
    node: typeof info.node === 'string' ? info.node : String(info.node),
    product,
    publishedProduct: published !== product ? published : undefined,
    family: str(labels, 'family'),
    memoryMiB: num(labels.memoryMiB),
    physical: num(labels.count),
    capacity: resources(info.capacity),
    allocatable: resources(info.allocatable),
    requested: resources(info.requested),
    free: resources(info.free),
    ready: typeof info.ready === 'boolean' ? info.ready : undefined,
    cordoned: info.unschedulable === true,
    mig: hasMig
      ? { strategy: migStrategy, capable: migCapable, profiles }
      : undefined,
    sharing: hasSharing
      ? { strategy: sharingStrategy, replicas, shared }
      : undefined,
    gpuTaints: (Array.isArray(info.gpuTaints) ? info.gpuTaints : [])
      .map(taint)
      .filter((t): t is string => t !== undefined),
    pods: pods
      .map(record)
      .filter(p => typeof p.name === 'string')
      .map(p => ({
        ref:
          typeof p.namespace === 'string' && p.namespace
            ? `${p.namespace}/${p.name}`
            : (p.name as string),
        resources: resources(p.resources),
      })),
  };
}

export interface ResourceTotal {
  resource: string;
  capacity: number;
  allocatable: number;
  requested: number;
  /** Sum of what is not requested, per node. */
  idle: number;
  /** Sum of what is requested beyond allocatable, per node. */
  overCommitted: number;
}

/** Totals per resource over the nodes, in resource order. */
export function totals(nodes: NodeView[]): ResourceTotal[] {
  const by = new Map<string, ResourceTotal>();
  const get = (resource: string) => {
    let t = by.get(resource);
    if (!t) {
      t = {
        resource,
        capacity: 0,
        allocatable: 0,
        requested: 0,
        idle: 0,
        overCommitted: 0,
      };
      by.set(resource, t);
    }
    return t;
  };
  for (const n of nodes) {
    for (const r of n.capacity) get(r.resource).capacity += r.count;
    for (const r of n.allocatable) get(r.resource).allocatable += r.count;
    for (const r of n.requested) get(r.resource).requested += r.count;
    for (const r of n.free) {
      if (r.count >= 0) get(r.resource).idle += r.count;
      else get(r.resource).overCommitted += -r.count;
    }
  }
  return [...by.values()].sort((a, b) =>
    order(a.resource).localeCompare(order(b.resource)),
  );
}

/** "24 of 32 GPUs requested, 8 idle" (+ capacity when it differs, + over-commitment). */
export function totalLine(t: ResourceTotal): string {
  const capacity =
    t.capacity !== t.allocatable ? ` (capacity ${t.capacity})` : '';
  const over =
    t.overCommitted > 0 ? `, over-committed by ${t.overCommitted}` : '';
  return `${t.requested} of ${t.allocatable} ${resourceNoun(
    t.resource,
  )} requested${capacity}, ${t.idle} idle${over}`;
}

/** Nodes whose `nvidia.com/gpu` counts time-slice replicas rather than physical GPUs. */
export function timeSlicedGpuNodes(nodes: NodeView[]): number {
  return nodes.filter(
    n =>
      n.sharing?.replicas !== undefined &&
      n.sharing.replicas > 1 &&
      n.capacity.some(r => r.resource === GPU),
  ).length;
}

/**
 * GPU Feature Discovery labels as the backend parsed them. The contract types
 * them `Record<string, unknown>`: every field is read defensively, and a
 * field of the wrong type is treated as absent (never guessed).
 */
type Labels = Record<string, unknown> | undefined;

function record(labels: Labels): Record<string, unknown> {
  return labels && typeof labels === 'object' && !Array.isArray(labels)
    ? labels
    : {};
}

export function labelString(labels: Labels, key: string): string | undefined {
  const v = record(labels)[key];
  return typeof v === 'string' && v.trim() ? v.trim() : undefined;
}

export function labelNumber(labels: Labels, key: string): number | undefined {
  const v = record(labels)[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function labelBoolean(labels: Labels, key: string): boolean | undefined {
  const v = record(labels)[key];
  return typeof v === 'boolean' ? v : undefined;
}

export interface MigProfileLabel {
  profile: string;
  count?: number;
  memoryMB?: number;
}

/** `migProfiles`: `[{ profile: "1g.5gb", count: 1, memoryMB: 4864 }]`; bad entries dropped. */
export function migProfiles(labels: Labels): MigProfileLabel[] {
  const v = record(labels).migProfiles;
  if (!Array.isArray(v)) return [];
  const out: MigProfileLabel[] = [];
  for (const item of v) {
    if (!item || typeof item !== 'object') continue;
    const p = item as Record<string, unknown>;
    if (typeof p.profile !== 'string' || !p.profile.trim()) continue;
    out.push({
      profile: p.profile.trim(),
      ...(typeof p.count === 'number' && Number.isFinite(p.count)
        ? { count: p.count }
        : {}),
      ...(typeof p.memoryMB === 'number' && Number.isFinite(p.memoryMB)
        ? { memoryMB: p.memoryMB }
        : {}),
    });
  }
  return out;
}

/** The GPU model: `model` (product without `-SHARED`), else `product` as published. */
export function gpuProduct(labels: Labels): string | undefined {
  return labelString(labels, 'model') ?? labelString(labels, 'product');
}

/** 81559 → "81,559 MiB". */
export function mebibytes(mib: number | undefined): string | undefined {
  if (mib === undefined || !Number.isFinite(mib) || mib < 0) return undefined;
  return `${Math.round(mib).toLocaleString('en-US')} MiB`;
}

/**
 * MIG and time-slicing as the node's labels say them:
 * "MIG mixed: 1g.5gb ×1, 3g.20gb ×2", "time-slicing, 4 replicas per GPU (shared)",
 * "not shared"; undefined when the labels say nothing about it.
 */
export function sharingText(labels: Labels): string | undefined {
  const parts: string[] = [];
  const strategy = labelString(labels, 'migStrategy');
  const profiles = migProfiles(labels).map(p =>
    p.count !== undefined ? `${p.profile} ×${p.count}` : p.profile,
  );
  if ((strategy && strategy !== 'none') || profiles.length) {
    parts.push(
      `MIG${strategy && strategy !== 'none' ? ` ${strategy}` : ''}${
        profiles.length ? `: ${profiles.join(', ')}` : ''
      }`,
    );
  }
  const sharing = labelString(labels, 'sharingStrategy');
  const replicas = labelNumber(labels, 'replicas');
  const replicaText =
    replicas !== undefined && replicas > 1
      ? `${replicas} replicas per GPU`
      : undefined;
  if (sharing && sharing !== 'none') {
    parts.push([sharing, replicaText].filter(Boolean).join(', '));
  } else if (replicaText) {
    parts.push(replicaText);
  }
  const shared = labelBoolean(labels, 'shared');
  if (shared === true) {
    if (parts.length) parts[parts.length - 1] += ' (shared)';
    else parts.push('shared');
  }
  if (!parts.length && shared === false) parts.push('not shared');
  return parts.length ? parts.join('; ') : undefined;
}

/** `{ "nvidia.com/gpu": 2 }` → "2 nvidia.com/gpu"; empty when nothing is positive. */
export function resourcesText(
  resources: Record<string, number> | undefined,
): string {
  if (!resources || typeof resources !== 'object') return '';
  return Object.entries(resources)
    .filter(([, n]) => typeof n === 'number' && Number.isFinite(n) && n > 0)
    .map(([r, n]) => `${n} ${r}`)
    .join(', ');
}

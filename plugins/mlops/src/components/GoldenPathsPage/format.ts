import { parseEntityRef } from '@backstage/catalog-model';
import { TemplateDrift } from '@internal/plugin-mlops-common';

/**
 * `group:default/ml-platform` → `ml-platform`; `group:ml/ops` → `ml/ops`;
 * another kind keeps it: `user:default/jane` → `user:jane`.
 */
export function shortOwner(ref: string): string {
  try {
    const { kind, namespace, name } = parseEntityRef(ref);
    const local = namespace === 'default' ? name : `${namespace}/${name}`;
    return kind.toLocaleLowerCase('en-US') === 'group'
      ? local
      : `${kind.toLocaleLowerCase('en-US')}:${local}`;
  } catch {
    return ref;
  }
}

/** `1.0.0 → 1.2.0` for an entity behind its template; otherwise the backend's reason. */
export function driftHeadline(drift: TemplateDrift): string {
  if (drift.status === 'behind' && drift.from) {
    return `${drift.from} → ${drift.to}`;
  }
  if (drift.status === 'current') {
    return 'current';
  }
  return drift.reason;
}

/** `2 entities`, `1 entity`. */
export function entityCount(count: number): string {
  return `${count} ${count === 1 ? 'entity' : 'entities'}`;
}

import {
  DEFAULT_NAMESPACE,
  Entity,
  RELATION_OWNED_BY,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { NotificationSendOptions } from '@backstage/plugin-notifications-node';
import { DeliveryView, EntityHealth } from '@internal/plugin-mlops-common';

/** What an owner was last told about a delivery chain. */
export type DeliveryState = 'ok' | 'broken';

/** Topic of every delivery notification (the notifications page filters by it). */
export const DELIVERY_TOPIC = 'mlops-delivery';

/**
 * `ok` when the chain delivers end to end, `broken` when a step is in error
 * or warning, undefined when it cannot be judged: unknown never counts as
 * either, so nobody is told about a chain nobody could read.
 */
export function deliveryStateOf(
  delivery: DeliveryView,
): DeliveryState | undefined {
  if (delivery.status === 'ok') return 'ok';
  if (delivery.status === 'error' || delivery.status === 'warning')
    return 'broken';
  return undefined;
}

/** Scope shared by every notification about one entity, so a new one replaces the last. */
export function deliveryScope(entityRef: string): string {
  return `mlops-delivery:${entityRef}`;
}

/** Owners to notify: the catalog's `ownedBy` relations, else `spec.owner` (a group by default). */
export function ownerRefsOf(entity: Entity): string[] {
  const related = (entity.relations ?? [])
    .filter(r => r.type === RELATION_OWNED_BY)
    .map(r => r.targetRef);
  if (related.length) return [...new Set(related)];
  const owner = (entity.spec as { owner?: unknown } | undefined)?.owner;
  if (typeof owner !== 'string' || !owner.trim()) return [];
  try {
    return [
      stringifyEntityRef(
        parseEntityRef(owner.trim(), {
          defaultKind: 'group',
          defaultNamespace: entity.metadata.namespace ?? DEFAULT_NAMESPACE,
        }),
      ),
    ];
  } catch {
    return [];
  }
}

/** The entity page in the portal, relative so it works behind any base URL. */
export function entityPageLink(entity: Entity): string {
  const namespace = entity.metadata.namespace ?? DEFAULT_NAMESPACE;
  return `/catalog/${encodeURIComponent(namespace)}/${encodeURIComponent(
    entity.kind.toLocaleLowerCase('en-US'),
  )}/${encodeURIComponent(entity.metadata.name)}`;
}

/** The notification for a chain that just broke (`broken`) or just recovered (`ok`). */
export function deliveryNotice(
  entity: Entity,
  health: EntityHealth,
  state: DeliveryState,
): NotificationSendOptions['payload'] {
  const { delivery } = health;
  const name = entity.metadata.name;
  const step = delivery.steps.find(s => s.id === delivery.firstBroken);
  return {
    title:
      state === 'broken'
        ? `${name}: delivery broken${step ? ` at ${step.title}` : ''}`
        : `${name}: delivery recovered`,
    description: delivery.verdict,
    link: entityPageLink(entity),
    severity:
      state === 'broken' && delivery.status === 'error' ? 'high' : 'normal',
    topic: DELIVERY_TOPIC,
    scope: deliveryScope(health.entityRef),
  };
}

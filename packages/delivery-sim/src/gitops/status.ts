/**
 * Turns a comparison into the Application status Argo CD writes: sync
 * (status, revision, comparedTo), health with its transition time,
 * resources, summary images, source type, conditions and reconciledAt; and
 * Argo CD's automated-sync decision (`autoSync` in the app controller).
 */
import type {
  ApplicationStatus,
  ArgoApplication,
  ResourceStatus,
  SyncResourceRef,
} from '@internal/simulators';
import { AppComparison } from './state';

export interface Condition {
  type: string;
  message: string;
  lastTransitionTime?: string;
}

export function rfc3339(d = new Date()): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function primarySource(app: ArgoApplication) {
  return app.spec.sources?.length ? app.spec.sources[0] : app.spec.source;
}

export function isAutomated(app: ArgoApplication): boolean {
  const automated = app.spec.syncPolicy?.automated;
  return Boolean(automated) && automated?.enabled !== false;
}

/** Keeps the transition time of a condition that was already there. */
export function withTimes(
  app: ArgoApplication,
  conditions: Condition[],
): Condition[] {
  const now = rfc3339();
  return conditions.map(c => {
    const prev = app.status?.conditions?.find(
      p => p.type === c.type && p.message === c.message,
    );
    return { ...c, lastTransitionTime: prev?.lastTransitionTime ?? now };
  });
}

/**
 * The status patch for `setStatus`. `images` is what `summary.images` shows;
 * `conditions` replace the app's conditions (none: the key is removed).
 */
export function statusPatch(
  app: ArgoApplication,
  cmp: AppComparison,
  images: string[],
  conditions: Condition[],
): ApplicationStatus {
  const now = rfc3339();
  const source = primarySource(app);
  const prevHealth = app.status?.health;
  const resources: ResourceStatus[] = cmp.resources.map(r => ({
    ...(r.group ? { group: r.group } : {}),
    version: r.version,
    kind: r.kind,
    ...(r.namespace ? { namespace: r.namespace } : {}),
    name: r.name,
    status: r.status,
    ...(r.health ? { health: r.health } : {}),
    ...(r.requiresPruning ? { requiresPruning: true } : {}),
  }));
  const patch: Record<string, unknown> = {
    sync: {
      status: cmp.syncStatus,
      revision: cmp.revision,
      comparedTo: {
        ...(source ? { source } : {}),
        destination: app.spec.destination,
      },
    },
    health: {
      status: cmp.health,
      lastTransitionTime:
        prevHealth?.status === cmp.health && prevHealth.lastTransitionTime
          ? prevHealth.lastTransitionTime
          : now,
    },
    resources,
    summary: { images },
    sourceType: 'Kustomize',
    reconciledAt: now,
    // null removes the key (Argo CD omits empty conditions)
    conditions: conditions.length ? withTimes(app, conditions) : null,
  };
  return patch as ApplicationStatus;
}

function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter(k => o[k] !== undefined && o[k] !== null)
      .sort()
      .map(k => `${JSON.stringify(k)}:${stable(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v ?? null);
}

/** What a status write would change (reconciledAt and resource health aside: health lives in the tree). */
export function statusView(status: ApplicationStatus | undefined): string {
  const s = status ?? {};
  return stable({
    sync: s.sync,
    health: s.health,
    resources: s.resources?.map(({ health: _h, ...r }) => r),
    summary: s.summary,
    sourceType: s.sourceType,
    conditions: s.conditions?.length ? s.conditions : undefined,
  });
}

export function treeView(tree: unknown): string {
  return stable(tree);
}

export type AutoSyncDecision =
  | { kind: 'skip'; condition?: Condition }
  | {
      kind: 'sync';
      prune: boolean;
      selfHeal: boolean;
      resources?: SyncResourceRef[];
    };

/**
 * Argo CD's `autoSync`: only for automated apps that are OutOfSync with no
 * operation running; never twice to the same revision unless the last
 * attempt succeeded and selfHeal is on (then only the drifted resources);
 * a failed attempt to the same revision is reported, not retried.
 */
export function decideAutoSync(
  app: ArgoApplication,
  cmp: AppComparison,
  selfHealAllowed: boolean,
): AutoSyncDecision {
  const automated = app.spec.syncPolicy?.automated;
  if (!automated || !isAutomated(app)) return { kind: 'skip' };
  if (app.operation || app.metadata.deletionTimestamp) return { kind: 'skip' };
  if (cmp.syncStatus !== 'OutOfSync') return { kind: 'skip' };
  const prune = Boolean(automated.prune);
  const outOfSync = cmp.resources.filter(r => r.status !== 'Synced');
  if (!prune && outOfSync.every(r => r.requiresPruning)) {
    return { kind: 'skip' }; // need to prune extra resources only but automated prune is disabled
  }
  const last = app.status?.operationState;
  const attempted =
    Boolean(last?.operation?.sync) &&
    last?.syncResult?.revision === cmp.revision;
  if (attempted && last) {
    if (last.phase !== 'Succeeded') {
      if (last.phase === 'Running' || last.phase === 'Terminating') {
        return { kind: 'skip' };
      }
      return {
        kind: 'skip',
        condition: {
          type: 'SyncError',
          message: `Failed last sync attempt to [${cmp.revision}]: ${
            last.message ?? ''
          }`,
        },
      };
    }
    if (!automated.selfHeal || !selfHealAllowed) return { kind: 'skip' };
    return {
      kind: 'sync',
      prune,
      selfHeal: true,
      resources: outOfSync.map(r => ({
        ...(r.group ? { group: r.group } : {}),
        kind: r.kind,
        name: r.name,
      })),
    };
  }
  return { kind: 'sync', prune, selfHeal: false };
}

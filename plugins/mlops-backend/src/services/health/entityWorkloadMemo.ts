import { Entity } from '@backstage/catalog-model';
import {
  ANNOTATION_KUBERNETES_ID,
  ANNOTATION_KUBERNETES_LABEL_SELECTOR,
  ANNOTATION_KUBERNETES_NAMESPACE,
} from '@internal/plugin-mlops-common';
import { LRUCache } from 'lru-cache';
import {
  EntityClusterObjects,
  EntityTargetResult,
  EntityWorkloadReport,
  ResourceCache,
  WorkloadSource,
  diagnosisChangesAt,
  entityKubernetesTarget,
  findEntityObjects,
  judgeEntityWorkloads,
} from '../../upstreams/kubernetes';

/** What the workload and GPU signals read about one entity from the watch cache. */
export interface EntityKubernetesView {
  target: EntityTargetResult;
  /** The entity's objects per cluster; empty when the target is not valid. */
  found: EntityClusterObjects[];
  report: EntityWorkloadReport;
}

/** What the memo reads: the watch cache (its objects, kind states and revision). */
export type MemoSource = WorkloadSource & Pick<ResourceCache, 'revision'>;

interface Entry {
  revision: string;
  computedAt: number;
  /** When the judgement may change with the clock alone (a restart stops being recent), capped by `maxAgeMs`. */
  validUntil: number;
  view: EntityKubernetesView;
}

/**
 * Keeps each entity's objects and workload judgement until the watch cache
 * changes (any object or any kind's readiness: {@link ResourceCache.revision})
 * or the clock alone would change the judgement: a container restart stops
 * counting as recent ({@link diagnosisChangesAt}); `maxAgeMs` caps how long
 * an answer is kept in any case. A fleet view of 1,000 entities on an
 * unchanged cluster then costs a lookup per entity instead of a selector
 * query and a judgement of every pod; the workload and GPU signals share one
 * lookup.
 */
export class EntityWorkloadMemo {
  private readonly entries: LRUCache<string, Entry>;

  constructor(
    private readonly cache: MemoSource,
    private readonly options: { maxAgeMs: number; max: number } = {
      maxAgeMs: 60_000,
      max: 10_000,
    },
  ) {
    this.entries = new LRUCache({ max: options.max });
  }

  read(entity: Entity, now: number): EntityKubernetesView {
    const key = targetKey(entity);
    const revision = this.cache.revision();
    const hit = this.entries.get(key);
    if (
      hit &&
      hit.revision === revision &&
      now >= hit.computedAt &&
      now < hit.validUntil
    )
      return hit.view;
    const target = entityKubernetesTarget(entity);
    const found = target.ok ? findEntityObjects(this.cache, target) : [];
    const report = judgeEntityWorkloads(
      this.cache,
      entity,
      now,
      target.ok ? found : undefined,
    );
    const view = { target, found, report };
    let validUntil = now + this.options.maxAgeMs;
    for (const cluster of found)
      for (const pod of cluster.pods) {
        const changesAt = diagnosisChangesAt(pod, now);
        if (changesAt !== undefined && changesAt < validUntil)
          validUntil = changesAt;
      }
    this.entries.set(key, { revision, computedAt: now, validUntil, view });
    return view;
  }
}

/** Everything the Kubernetes target of an entity is derived from. */
function targetKey(entity: Entity): string {
  const a = entity.metadata.annotations ?? {};
  return JSON.stringify([
    entity.metadata.name,
    a[ANNOTATION_KUBERNETES_ID] ?? null,
    a[ANNOTATION_KUBERNETES_LABEL_SELECTOR] ?? null,
    a[ANNOTATION_KUBERNETES_NAMESPACE] ?? null,
  ]);
}

const memos = new WeakMap<MemoSource, EntityWorkloadMemo>();

/** The one memo of a cache, shared by the signals that read it. */
export function entityWorkloadMemo(cache: MemoSource): EntityWorkloadMemo {
  let memo = memos.get(cache);
  if (!memo) {
    memo = new EntityWorkloadMemo(cache);
    memos.set(cache, memo);
  }
  return memo;
}

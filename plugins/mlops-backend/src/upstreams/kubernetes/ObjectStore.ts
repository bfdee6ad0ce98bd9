import { LabelSelector, matchesSelector } from './labelSelector';
import { KubeObject } from './types';

export type StoreChangeType = 'added' | 'modified' | 'deleted';

export interface StoreChange<T extends KubeObject = KubeObject> {
  type: StoreChangeType;
  object: T;
  /** The object before a modification. */
  previous?: T;
}

export interface StoreQuery {
  namespace?: string;
  selector?: LabelSelector;
}

/** `namespace/name`, or `name` for cluster-scoped objects. */
export function objectKey(o: KubeObject): string {
  return o.metadata.namespace
    ? `${o.metadata.namespace}/${o.metadata.name}`
    : o.metadata.name;
}

/**
 * The objects of one kind on one cluster, keyed by namespace/name, with
 * indexes by namespace and by label (key → value → keys) so an entity's
 * selector does not scan every pod of a cluster.
 */
export class ObjectStore<T extends KubeObject = KubeObject> {
  private readonly objects = new Map<string, T>();
  private readonly byNamespace = new Map<string, Set<string>>();
  private readonly byLabel = new Map<string, Map<string, Set<string>>>();

  get size(): number {
    return this.objects.size;
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.objects.get(namespace ? `${namespace}/${name}` : name);
  }

  all(): T[] {
    return [...this.objects.values()];
  }

  /** Inserts or replaces; returns the change, or undefined if nothing changed. */
  put(object: T): StoreChange<T> | undefined {
    const key = objectKey(object);
    const previous = this.objects.get(key);
    if (
      previous &&
      previous.metadata.resourceVersion === object.metadata.resourceVersion &&
      previous.metadata.resourceVersion
    ) {
      return undefined;
    }
    if (previous) this.unindex(key, previous);
    this.objects.set(key, object);
    this.index(key, object);
    return previous
      ? { type: 'modified', object, previous }
      : { type: 'added', object };
  }

  remove(
    namespace: string | undefined,
    name: string,
  ): StoreChange<T> | undefined {
    const key = namespace ? `${namespace}/${name}` : name;
    const previous = this.objects.get(key);
    if (!previous) return undefined;
    this.unindex(key, previous);
    this.objects.delete(key);
    return { type: 'deleted', object: previous };
  }

  /**
   * Replaces the content with a fresh list: objects missing from it are
   * deleted, others added or modified (by resourceVersion). Returns the changes.
   */
  replace(objects: Iterable<T>): StoreChange<T>[] {
    const changes: StoreChange<T>[] = [];
    const seen = new Set<string>();
    for (const o of objects) {
      seen.add(objectKey(o));
      const change = this.put(o);
      if (change) changes.push(change);
    }
    for (const [key, o] of [...this.objects]) {
      if (seen.has(key)) continue;
      const change = this.remove(o.metadata.namespace, o.metadata.name);
      if (change) changes.push(change);
    }
    return changes;
  }

  clear(): StoreChange<T>[] {
    return this.replace([]);
  }

  /** Objects in a namespace (all when unset) whose labels match the selector (all when unset). */
  query(q: StoreQuery = {}): T[] {
    let candidates: Iterable<string> | undefined;
    let smallest = Infinity;
    // Narrow by the most selective equality/in requirement, then by namespace.
    for (const r of q.selector?.requirements ?? []) {
      if (r.op !== 'in') continue;
      const values = this.byLabel.get(r.key);
      const keys = new Set<string>();
      for (const v of r.values)
        for (const k of values?.get(v) ?? []) keys.add(k);
      if (keys.size < smallest) {
        smallest = keys.size;
        candidates = keys;
      }
    }
    if (q.namespace !== undefined) {
      const inNamespace =
        this.byNamespace.get(q.namespace) ?? new Set<string>();
      if (inNamespace.size < smallest) candidates = inNamespace;
    }
    const out: T[] = [];
    for (const key of candidates ?? this.objects.keys()) {
      const o = this.objects.get(key);
      if (!o) continue;
      if (q.namespace !== undefined && o.metadata.namespace !== q.namespace)
        continue;
      if (q.selector && !matchesSelector(q.selector, o.metadata.labels))
        continue;
      out.push(o);
    }
    return out;
  }

  private index(key: string, o: T) {
    const ns = o.metadata.namespace ?? '';
    let nsKeys = this.byNamespace.get(ns);
    if (!nsKeys) this.byNamespace.set(ns, (nsKeys = new Set()));
    nsKeys.add(key);
    for (const [k, v] of Object.entries(o.metadata.labels ?? {})) {
      let values = this.byLabel.get(k);
      if (!values) this.byLabel.set(k, (values = new Map()));
      let keys = values.get(v);
      if (!keys) values.set(v, (keys = new Set()));
      keys.add(key);
    }
  }

  private unindex(key: string, o: T) {
    const ns = o.metadata.namespace ?? '';
    const nsKeys = this.byNamespace.get(ns);
    nsKeys?.delete(key);
    if (nsKeys?.size === 0) this.byNamespace.delete(ns);
    for (const [k, v] of Object.entries(o.metadata.labels ?? {})) {
      const values = this.byLabel.get(k);
      const keys = values?.get(v);
      keys?.delete(key);
      if (keys?.size === 0) values!.delete(v);
      if (values?.size === 0) this.byLabel.delete(k);
    }
  }
}

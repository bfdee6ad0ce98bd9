import { LabelSelector, matchesSelector } from './labelSelector';
import { Container, KubeObject, Pod } from './types';

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

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** `namespace/name`, or `name` for cluster-scoped objects. */
export function objectKey(o: KubeObject): string {
  return o.metadata.namespace
    ? `${o.metadata.namespace}/${o.metadata.name}`
    : o.metadata.name;
}

/**
 * Drops what is large and never read (managedFields, kubectl's
 * last-applied copy of the whole object; of a pod's spec everything but
 * what the `Pod` type names) before an object is kept.
 */
export function slim<T extends KubeObject>(o: T): T {
  const metadata = { ...o.metadata } as T['metadata'] & {
    managedFields?: unknown;
  };
  delete metadata.managedFields;
  if (metadata.annotations && LAST_APPLIED in metadata.annotations) {
    const { [LAST_APPLIED]: _dropped, ...rest } = metadata.annotations;
    metadata.annotations = rest;
  }
  if (o.kind === 'Pod') return { ...o, metadata, spec: podSpecRead(o) };
  return { ...o, metadata };
}

/**
 * Of a pod's spec, what this plugin reads (the `Pod` type: node, containers'
 * names, images and resources, overhead, tolerations, node selector). Pods
 * are most of a cluster's objects; their env, volumes, probes and commands
 * are never read, and dropping them keeps a 10,000-pod cache small.
 */
function podSpecRead(o: KubeObject): Pod['spec'] {
  const spec = o.spec as Pod['spec'] | undefined;
  if (!spec || typeof spec !== 'object') return spec;
  const containers = (list: Container[] | undefined) =>
    Array.isArray(list)
      ? list.map(c => ({
          name: c?.name,
          ...(c?.image !== undefined ? { image: c.image } : {}),
          ...(c?.resources !== undefined ? { resources: c.resources } : {}),
        }))
      : list;
  return {
    ...(spec.nodeName !== undefined ? { nodeName: spec.nodeName } : {}),
    ...(spec.containers !== undefined
      ? { containers: containers(spec.containers) }
      : {}),
    ...(spec.initContainers !== undefined
      ? { initContainers: containers(spec.initContainers) }
      : {}),
    ...(spec.overhead !== undefined ? { overhead: spec.overhead } : {}),
    ...(spec.tolerations !== undefined
      ? { tolerations: spec.tolerations }
      : {}),
    ...(spec.nodeSelector !== undefined
      ? { nodeSelector: spec.nodeSelector }
      : {}),
  };
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

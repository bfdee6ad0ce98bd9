import {
  DEFAULT_NAMESPACE,
  Entity,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import {
  ANNOTATION_INFERENCE_PROTOCOL,
  EntityHealth,
  SignalHealth,
  SignalKind,
  SignalStatus,
} from '@internal/plugin-mlops-common';

/** The six signals, in the order of the columns. */
export const SIGNALS: ReadonlyArray<{ kind: SignalKind; title: string }> = [
  { kind: 'build', title: 'Build' },
  { kind: 'image', title: 'Image' },
  { kind: 'sync', title: 'Sync' },
  { kind: 'workload', title: 'Workload' },
  { kind: 'inference', title: 'Inference' },
  { kind: 'gpu', title: 'GPU' },
];

/**
 * Which cluster a service runs on. Neither the fleet health answer nor our
 * own annotations say so; only entities that carry this annotation get a
 * cluster (and only then does the page offer a cluster filter).
 */
export const ANNOTATION_KUBERNETES_CLUSTER = 'backstage.io/kubernetes-cluster';

/**
 * Tags that name the serving runtime. Our template tags each service with
 * its runtime (`vllm`), which says more than the protocol annotation
 * (`openai`), so a runtime tag wins over the annotation.
 */
export const RUNTIME_TAGS: readonly string[] = [
  'torchserve',
  'vllm',
  'triton',
  'kserve-triton',
  'kserve',
  'fastapi',
  'tgi',
  'mlserver',
  'bentoml',
  'tensorflow-serving',
  'onnxruntime',
  'ray-serve',
  'batch-job',
];

/** The catalog fields the page needs (owner, runtime, cluster, title). */
export const CATALOG_FIELDS = [
  'kind',
  'metadata.namespace',
  'metadata.name',
  'metadata.title',
  'metadata.annotations',
  'metadata.tags',
  'spec.owner',
  'spec.type',
];

/** A service's overall status in words: the counts, filter and status column. */
export const STATUS_WORDS: Record<SignalStatus, string> = {
  error: 'Broken',
  warning: 'Degraded',
  unknown: 'Unknown',
  ok: 'Healthy',
};

/** Worst first: error > warning > unknown > ok. */
export const STATUS_RANK: Record<SignalStatus, number> = {
  error: 0,
  warning: 1,
  unknown: 2,
  ok: 3,
};

/** The order of the status counts and of the status filter's options. */
export const STATUS_ORDER: readonly SignalStatus[] = [
  'error',
  'warning',
  'ok',
  'unknown',
];

export interface FleetRow {
  /** Lower-cased entity ref: the React key and the join key. */
  key: string;
  entityRef: string;
  /** What the link says: the catalog title, else the name (with a non-default namespace). */
  label: string;
  /** `{ kind, namespace, name }` for the entity route, if the ref parses. */
  route?: { kind: string; namespace: string; name: string };
  owner?: string;
  ownerLabel?: string;
  /** `{ kind, namespace, name }` of the owner, for its entity page. */
  ownerRoute?: { kind: string; namespace: string; name: string };
  runtime?: string;
  cluster?: string;
  status: SignalStatus;
  signals: Record<SignalKind, SignalHealth>;
  delivery: { status: SignalStatus; verdict: string };
  /** Lower-cased text the search box matches against. */
  haystack: string;
}

function asStatus(value: unknown): SignalStatus {
  return value === 'ok' ||
    value === 'warning' ||
    value === 'error' ||
    value === 'unknown'
    ? value
    : 'unknown';
}

function worst(statuses: SignalStatus[]): SignalStatus {
  return statuses.reduce<SignalStatus>(
    (w, s) => (STATUS_RANK[s] < STATUS_RANK[w] ? s : w),
    'ok',
  );
}

/** One signal as the backend sent it; a missing or garbled one is unknown. */
export function readSignal(
  health: EntityHealth,
  kind: SignalKind,
): SignalHealth {
  const s = (
    health.signals as Partial<Record<SignalKind, SignalHealth>> | undefined
  )?.[kind];
  if (!s || typeof s !== 'object') {
    return {
      signal: kind,
      status: 'unknown',
      reason: 'not in the fleet health answer',
      checkedAt: health.checkedAt,
    };
  }
  return {
    ...s,
    status: asStatus(s.status),
    reason: typeof s.reason === 'string' ? s.reason : '',
  };
}

/**
 * The overall status of a service: the worst of its delivery verdict and of
 * every signal that is broken, degraded, or could not be read (an upstream
 * problem). A signal that is unknown only because it does not apply, without
 * an upstream problem (e.g. "the service asks for no GPUs"), does not make
 * the service unknown; the delivery verdict is only `ok` when every step of
 * the chain was read and healthy, so nothing unread shows as healthy.
 */
export function overallStatus(
  delivery: SignalStatus,
  signals: SignalHealth[],
): SignalStatus {
  return worst([
    delivery,
    ...signals
      .filter(
        s =>
          s.status === 'error' ||
          s.status === 'warning' ||
          (s.status === 'unknown' && s.problem !== undefined),
      )
      .map(s => s.status),
  ]);
}

function lower(s: string): string {
  return s.toLocaleLowerCase('en-US');
}

/** `component:default/x` → `component:default/x` normalised, or the input lower-cased. */
function joinKey(ref: string): string {
  try {
    return lower(stringifyEntityRef(parseEntityRef(ref)));
  } catch {
    return lower(ref);
  }
}

/** `group:default/ml-platform` → `ml-platform`; other kinds and namespaces keep them. */
export function ownerLabel(ref: string): string {
  try {
    const { kind, namespace, name } = parseEntityRef(ref);
    const local =
      namespace === DEFAULT_NAMESPACE ? name : `${namespace}/${name}`;
    return lower(kind) === 'group' ? local : `${lower(kind)}:${local}`;
  } catch {
    return ref;
  }
}

function ownerOf(
  entity: Entity,
): { ref: string; route?: FleetRow['ownerRoute'] } | undefined {
  const owner = (entity.spec as { owner?: unknown } | undefined)?.owner;
  if (typeof owner !== 'string' || !owner.trim()) return undefined;
  try {
    const parsed = parseEntityRef(owner.trim(), {
      defaultKind: 'group',
      defaultNamespace: entity.metadata.namespace ?? DEFAULT_NAMESPACE,
    });
    return { ref: stringifyEntityRef(parsed), route: parsed };
  } catch {
    return { ref: owner.trim() };
  }
}

function annotation(entity: Entity, name: string): string | undefined {
  const v = entity.metadata.annotations?.[name];
  return typeof v === 'string' && v.trim() ? v.trim() : undefined;
}

/** The runtime tag (`vllm`), else the inference protocol annotation (`openai`). */
export function runtimeOf(entity: Entity): string | undefined {
  const tags = Array.isArray(entity.metadata.tags) ? entity.metadata.tags : [];
  const tag = tags
    .filter((t): t is string => typeof t === 'string')
    .map(lower)
    .find(t => RUNTIME_TAGS.includes(t));
  const protocol = annotation(entity, ANNOTATION_INFERENCE_PROTOCOL);
  return tag ?? (protocol && protocol !== 'none' ? protocol : undefined);
}

export function clusterOf(entity: Entity): string | undefined {
  return annotation(entity, ANNOTATION_KUBERNETES_CLUSTER);
}

/** Joins the fleet health answer with the catalog entities (by entity ref). */
export function buildRows(
  items: EntityHealth[],
  entities: Entity[] | undefined,
): FleetRow[] {
  const byRef = new Map<string, Entity>();
  for (const entity of entities ?? []) {
    try {
      byRef.set(lower(stringifyEntityRef(entity)), entity);
    } catch {
      // an entity without kind or name cannot be joined
    }
  }
  return items.map(health => {
    const entityRef = String(health.entityRef);
    const key = joinKey(entityRef);
    const entity = byRef.get(key);
    let route: FleetRow['route'];
    try {
      const parsed = parseEntityRef(entityRef);
      route = {
        kind: parsed.kind,
        namespace: parsed.namespace,
        name: parsed.name,
      };
    } catch {
      route = undefined;
    }
    const title = entity?.metadata.title;
    let local = entityRef;
    if (route) {
      local =
        route.namespace === DEFAULT_NAMESPACE
          ? route.name
          : `${route.namespace}/${route.name}`;
    }
    const label = typeof title === 'string' && title.trim() ? title : local;
    const ownerRef = entity ? ownerOf(entity) : undefined;
    const owner = ownerRef?.ref;
    const runtime = entity ? runtimeOf(entity) : undefined;
    const cluster = entity ? clusterOf(entity) : undefined;
    const signals = Object.fromEntries(
      SIGNALS.map(({ kind }) => [kind, readSignal(health, kind)]),
    ) as Record<SignalKind, SignalHealth>;
    const delivery = {
      status: asStatus(health.delivery?.status),
      verdict:
        typeof health.delivery?.verdict === 'string'
          ? health.delivery.verdict
          : 'no delivery verdict in the answer',
    };
    const status = overallStatus(delivery.status, Object.values(signals));
    const haystack = lower(
      [
        label,
        local,
        entityRef,
        owner ? ownerLabel(owner) : '',
        runtime ?? '',
        cluster ?? '',
        delivery.verdict,
        ...Object.values(signals).map(s => s.reason),
      ].join('\n'),
    );
    return {
      key,
      entityRef,
      label,
      route,
      owner,
      ownerLabel: owner ? ownerLabel(owner) : undefined,
      ownerRoute: ownerRef?.route,
      runtime,
      cluster,
      status,
      signals,
      delivery,
      haystack,
    };
  });
}

export const ALL = '';
export const NONE = ':none';

export interface FleetFilters {
  owner: string;
  runtime: string;
  cluster: string;
  status: string;
  search: string;
}

export const NO_FILTERS: FleetFilters = {
  owner: ALL,
  runtime: ALL,
  cluster: ALL,
  status: ALL,
  search: '',
};

function matches(value: string | undefined, wanted: string): boolean {
  if (wanted === ALL) return true;
  if (wanted === NONE) return value === undefined;
  return value === wanted;
}

export function filterRows(rows: FleetRow[], f: FleetFilters): FleetRow[] {
  const words = lower(f.search).split(/\s+/).filter(Boolean);
  return rows.filter(
    row =>
      matches(row.owner, f.owner) &&
      matches(row.runtime, f.runtime) &&
      matches(row.cluster, f.cluster) &&
      (f.status === ALL || row.status === f.status) &&
      words.every(w => row.haystack.includes(w)),
  );
}

export type SortKey = 'name' | 'owner' | 'status';
export type SortDirection = 'asc' | 'desc';

const collator = new Intl.Collator('en', {
  numeric: true,
  sensitivity: 'base',
});

/**
 * Sorted copy. `status` ascending is worst first (error, warning, unknown,
 * ok); rows without an owner come last in ascending order. Ties by name.
 */
export function sortRows(
  rows: FleetRow[],
  key: SortKey,
  direction: SortDirection,
): FleetRow[] {
  const sign = direction === 'asc' ? 1 : -1;
  const byName = (a: FleetRow, b: FleetRow) =>
    collator.compare(a.label, b.label) || collator.compare(a.key, b.key);
  const primary = (a: FleetRow, b: FleetRow): number => {
    switch (key) {
      case 'status':
        return STATUS_RANK[a.status] - STATUS_RANK[b.status];
      case 'owner':
        if (a.ownerLabel === b.ownerLabel) return 0;
        if (a.ownerLabel === undefined) return 1;
        if (b.ownerLabel === undefined) return -1;
        return collator.compare(a.ownerLabel, b.ownerLabel);
      default:
        return byName(a, b);
    }
  };
  return [...rows].sort((a, b) => sign * primary(a, b) || byName(a, b));
}

/** How many services are in each overall status. */
export function countByStatus(rows: FleetRow[]): Record<SignalStatus, number> {
  const counts: Record<SignalStatus, number> = {
    error: 0,
    warning: 0,
    unknown: 0,
    ok: 0,
  };
  for (const row of rows) counts[row.status] += 1;
  return counts;
}

/** Distinct values, sorted, with `NONE` last when some row has none. */
export function optionsOf(
  rows: FleetRow[],
  pick: (row: FleetRow) => string | undefined,
  noneLabel: string,
  label: (value: string) => string = v => v,
): Array<{ value: string; label: string }> {
  const values = new Set<string>();
  let missing = false;
  for (const row of rows) {
    const v = pick(row);
    if (v === undefined) missing = true;
    else values.add(v);
  }
  const options = [...values]
    .map(v => ({ value: v, label: label(v) }))
    .sort((a, b) => collator.compare(a.label, b.label));
  return missing && options.length > 0
    ? [...options, { value: NONE, label: noneLabel }]
    : options;
}

/** 1000 → "1,000". */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}

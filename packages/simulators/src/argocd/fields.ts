/**
 * The `fields=` query. Two different mechanisms, as in Argo CD:
 *
 * - List (`GET /api/v1/applications`): only an allowlist of paths
 *   (`appFields` in `pkg/apiclient/application/forwarder_overwrite.go`);
 *   anything else is silently dropped. A leading `-` inverts the selection.
 *   Note the upstream quirk reproduced here: `status.operationState.operation.sync`
 *   returns the operation state's `syncResult`.
 * - Streams: a generic path filter over the whole message
 *   (argoproj/pkg `grpc/http/forwarders.go` `processItem`).
 */
import { ArgoApplication, JsonObject } from './types';
import { isRecord } from '../common/respond';

export interface FieldSelection {
  fields: Set<string>;
  exclude: boolean;
}

/** Parses the first `fields` value: comma list, optional leading `-`. */
export function parseFields(
  query: URLSearchParams,
): FieldSelection | undefined {
  let raw = query.get('fields') ?? '';
  if (raw === '') return undefined;
  let exclude = false;
  if (raw.startsWith('-')) {
    exclude = true;
    raw = raw.slice(1);
  }
  return { fields: new Set(raw.split(',')), exclude };
}

type Getter = (app: ArgoApplication) => unknown;

/** `undefined` = Go's untyped nil (skipped); `null` = typed nil (emitted as null). */
const APP_FIELDS: Record<string, Getter> = {
  'metadata.name': a => a.metadata.name,
  'metadata.namespace': a => a.metadata.namespace ?? '',
  'metadata.annotations': a => a.metadata.annotations ?? null,
  'metadata.labels': a => a.metadata.labels ?? null,
  'metadata.creationTimestamp': a => a.metadata.creationTimestamp ?? null,
  'metadata.deletionTimestamp': a => a.metadata.deletionTimestamp ?? null,
  spec: a => a.spec,
  'status.sourceHydrator': a => a.status?.sourceHydrator ?? {},
  'status.sync.status': a => a.status?.sync?.status ?? '',
  'status.health': a => a.status?.health ?? {},
  'status.summary': a => a.status?.summary ?? {},
  'status.operationState.startedAt': a =>
    a.status?.operationState ? a.status.operationState.startedAt : undefined,
  'status.operationState.finishedAt': a =>
    a.status?.operationState
      ? a.status.operationState.finishedAt ?? null
      : undefined,
  'status.resources': a =>
    a.status?.resources && a.status.resources.length > 0
      ? a.status.resources
      : undefined,
  'operation.sync': a => (a.operation ? a.operation.sync ?? null : undefined),
  'status.operationState.phase': a =>
    a.status?.operationState ? a.status.operationState.phase : undefined,
  'status.operationState.operation.sync': a =>
    a.status?.operationState
      ? a.status.operationState.syncResult ?? null
      : undefined,
};

/** Go encodes map[string]any with sorted keys; only the maps built here are sorted. */
function sortMaps(node: Map<string, unknown>): JsonObject {
  const out: JsonObject = {};
  for (const key of [...node.keys()].sort()) {
    const v = node.get(key);
    out[key] = v instanceof Map ? sortMaps(v as Map<string, unknown>) : v;
  }
  return out;
}

export function projectListItem(
  app: ArgoApplication,
  sel: FieldSelection,
): JsonObject {
  const root = new Map<string, unknown>();
  for (const [field, get] of Object.entries(APP_FIELDS)) {
    if (sel.fields.has(`items.${field}`) === sel.exclude) continue;
    const value = get(app);
    if (value === undefined) continue;
    const parts = field.split('.');
    let node = root;
    for (let i = 0; i < parts.length - 1; i++) {
      let next = node.get(parts[i]);
      if (!(next instanceof Map)) {
        next = new Map<string, unknown>();
        node.set(parts[i], next);
      }
      node = next as Map<string, unknown>;
    }
    node.set(parts[parts.length - 1], value);
  }
  return sortMaps(root);
}

/** In-place generic filter used for stream messages. */
export function filterMessage(
  item: unknown,
  sel: FieldSelection,
  path: string[] = [],
): void {
  if (Array.isArray(item)) {
    for (const el of item) filterMessage(el, sel, path);
    return;
  }
  if (!isRecord(item)) return;
  for (const key of Object.keys(item)) {
    const fieldPath = [...path, key].join('.');
    const pathIn = sel.fields.has(fieldPath);
    let parentPathIn = pathIn;
    if (!parentPathIn) {
      for (const f of sel.fields) {
        if (f.startsWith(fieldPath)) {
          parentPathIn = true;
          break;
        }
      }
    }
    const keep = (sel.exclude && !pathIn) || (!sel.exclude && parentPathIn);
    if (keep) {
      if (!pathIn) filterMessage(item[key], sel, [...path, key]);
    } else {
      delete item[key];
    }
  }
}

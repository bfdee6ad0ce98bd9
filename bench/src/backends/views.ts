/**
 * What one page view asks of each backend, and how an answer is judged:
 * ours answers `GET /api/mlops/entities/component/default/<name>/health`
 * (six signals, the delivery chain and the cards' details in one response);
 * Backstage's Kubernetes plugin answers `POST /api/kubernetes/services/<name>`
 * with the entity, as its entity page does. Both requests carry the viewers'
 * static token.
 */
import { CatalogEntity } from '../fleet/catalog';
import { View } from '../measure/viewers';

export const SIGNALS = [
  'build',
  'image',
  'sync',
  'workload',
  'inference',
  'gpu',
] as const;

export function oursView(name: string, token: string): View {
  return {
    method: 'GET',
    path: `/api/mlops/entities/component/default/${encodeURIComponent(
      name,
    )}/health`,
    headers: { authorization: `Bearer ${token}` },
  };
}

export function baselineView(entity: CatalogEntity, token: string): View {
  return {
    method: 'POST',
    path: `/api/kubernetes/services/${encodeURIComponent(
      entity.metadata.name,
    )}`,
    body: JSON.stringify({ entity }),
    headers: { authorization: `Bearer ${token}` },
  };
}

export function fleetView(token: string): View {
  return {
    method: 'GET',
    path: '/api/mlops/fleet/health',
    headers: { authorization: `Bearer ${token}` },
  };
}

/** Cheap per-view check (the full parse is for the probes): an entity health document. */
export function checkOurs(body: string): string | undefined {
  return body.includes('"signals"') && body.includes('"delivery"')
    ? undefined
    : `not an entity health document: ${body.slice(0, 120)}`;
}

/** Cheap per-view check: the objects response, with no per-cluster fetch error. */
export function checkBaseline(body: string): string | undefined {
  if (!body.startsWith('{"items":['))
    return `not an objects response: ${body.slice(0, 120)}`;
  const m = /"errors":\[\{[^\]]{0,300}/.exec(body);
  return m ? `a cluster reported an error: ${m[0]}` : undefined;
}

interface SignalDoc {
  signals?: Record<string, { status?: string; reason?: string }>;
}

/** Every signal judged (none `unknown`); the reasons of the missing ones otherwise. */
export function oursComplete(body: string): { ok: boolean; missing: string[] } {
  let doc: SignalDoc;
  try {
    doc = JSON.parse(body);
  } catch {
    return { ok: false, missing: ['not JSON'] };
  }
  const missing = SIGNALS.filter(
    s => !doc.signals?.[s] || doc.signals[s].status === 'unknown',
  ).map(s => `${s}: ${doc.signals?.[s]?.reason ?? 'absent'}`);
  return { ok: missing.length === 0, missing };
}

interface ObjectsDoc {
  items?: Array<{
    cluster?: { name?: string };
    errors?: unknown[];
    resources?: Array<{ type?: string; resources?: unknown[] }>;
  }>;
}

/**
 * Every cluster that runs the entity answered (Backstage's plugin leaves out
 * clusters where it found nothing), none with an error, and the entity's
 * pods are all there.
 */
export function baselineComplete(
  body: string,
  clusters: number,
  expectedPods: number,
): { ok: boolean; missing: string[] } {
  let doc: ObjectsDoc;
  try {
    doc = JSON.parse(body);
  } catch {
    return { ok: false, missing: ['not JSON'] };
  }
  const items = doc.items ?? [];
  const missing: string[] = [];
  if (items.length < clusters)
    missing.push(`${items.length}/${clusters} clusters answered`);
  for (const item of items)
    if (item.errors?.length)
      missing.push(
        `${item.cluster?.name}: ${JSON.stringify(item.errors[0]).slice(
          0,
          200,
        )}`,
      );
  const pods = items.reduce(
    (n, item) =>
      n +
      (item.resources ?? [])
        .filter(r => r.type === 'pods')
        .reduce((m, r) => m + (r.resources?.length ?? 0), 0),
    0,
  );
  if (pods < expectedPods) missing.push(`${pods}/${expectedPods} pods`);
  return { ok: missing.length === 0, missing };
}

import {
  ArgoHealthStatus,
  ArgoOperationPhase,
  ArgoSyncStatus,
  SyncApp,
  SyncReport,
  SyncSource,
} from '@internal/plugin-mlops-common';
import {
  DesiredFact,
  Fact,
  SyncFact,
} from '../../services/delivery/deliveryChain';
import { UpstreamError } from '../http';
import { ArgoCdClient } from './ArgoCdClient';
import { AppLocator, locateApps, matchApps } from './locator';
import { ArgoApplication, ArgoSource } from './wire';

const SYNC: ArgoSyncStatus[] = ['Synced', 'OutOfSync', 'Unknown'];
const HEALTH: ArgoHealthStatus[] = [
  'Healthy',
  'Progressing',
  'Degraded',
  'Suspended',
  'Missing',
  'Unknown',
];
const PHASES: ArgoOperationPhase[] = [
  'Running',
  'Terminating',
  'Failed',
  'Error',
  'Succeeded',
];

const oneOf = <T extends string>(
  values: T[],
  v: string | null | undefined,
  fallback: T,
): T => (values.includes(v as T) ? (v as T) : fallback);

/** `automated`, or the user name, of an `initiatedBy`. */
function initiator(
  by:
    | { username?: string | null; automated?: boolean | null }
    | null
    | undefined,
): string | undefined {
  if (by?.automated) return 'automated';
  return by?.username ?? undefined;
}

const defined = <T>(v: T | null | undefined): v is T =>
  v !== null && v !== undefined;

/**
 * Splits an image reference into name and tag or digest. Kustomize's
 * `old=new:tag` form names the image that is actually deployed after `=`.
 */
export function splitImage(ref: string): {
  name: string;
  tagOrDigest?: string;
} {
  const deployed = ref.includes('=') ? ref.slice(ref.indexOf('=') + 1) : ref;
  const at = deployed.indexOf('@');
  const named = at >= 0 ? deployed.slice(0, at) : deployed;
  const colon = named.lastIndexOf(':');
  const hasTag = colon > named.lastIndexOf('/');
  const name = hasTag ? named.slice(0, colon) : named;
  if (at >= 0) return { name, tagOrDigest: deployed.slice(at + 1) };
  return hasTag ? { name, tagOrDigest: named.slice(colon + 1) } : { name };
}

function sourcesOf(app: ArgoApplication): ArgoSource[] {
  const spec = app.spec;
  if (spec?.sources?.length) return spec.sources;
  return spec?.source ? [spec.source] : [];
}

/** Images the GitOps source asks for: `kustomize.images`, else Helm parameters like `image.tag`. */
export function desiredImages(app: ArgoApplication): string[] {
  const out: string[] = [];
  for (const source of sourcesOf(app)) {
    for (const image of source.kustomize?.images ?? []) out.push(image);
  }
  if (out.length) return out;
  for (const source of sourcesOf(app)) {
    for (const p of source.helm?.parameters ?? []) {
      if (
        p.name &&
        /(^|\.)image\.tag$|^tag$/i.test(p.name) &&
        (typeof p.value === 'string' || typeof p.value === 'number')
      ) {
        out.push(`:${p.value}`);
      }
    }
  }
  return out;
}

function matchesRepository(
  name: string,
  repository: string | undefined,
): boolean {
  if (!repository || !name) return true;
  const n = name.toLowerCase();
  const r = repository.toLowerCase().replace(/^\/+|\/+$/g, '');
  return n === r || n.endsWith(`/${r}`);
}

/** One application as the report shows it. */
export function toSyncApp(
  app: ArgoApplication,
  client: Pick<ArgoCdClient, 'appUrl' | 'instance'>,
  checkedAt: Date,
): SyncApp {
  const status = app.status ?? {};
  const state = status.operationState;
  const phase = state?.phase ? oneOf(PHASES, state.phase, 'Error') : undefined;
  const automated = app.spec?.syncPolicy?.automated;
  const initiated = state?.operation?.initiatedBy;
  const sources: SyncSource[] = sourcesOf(app)
    .filter(s => s.repoURL)
    .map(s => ({
      repoURL: s.repoURL!,
      ...(s.path ? { path: s.path } : {}),
      ...(s.chart ? { chart: s.chart } : {}),
      ...(s.targetRevision ? { targetRevision: s.targetRevision } : {}),
    }));
  const dest = app.spec?.destination;
  const name = app.metadata.name;
  const namespace = app.metadata.namespace ?? undefined;
  return {
    instance: client.instance.name,
    name,
    ...(namespace ? { namespace } : {}),
    project: app.spec?.project || 'default',
    sync: oneOf(SYNC, status.sync?.status, 'Unknown'),
    health: oneOf(HEALTH, status.health?.status, 'Unknown'),
    ...(status.health?.message ? { healthMessage: status.health.message } : {}),
    ...(status.sync?.revision ? { revision: status.sync.revision } : {}),
    ...(status.sync?.revisions?.length
      ? { revisions: status.sync.revisions }
      : {}),
    autoSync: Boolean(automated) && automated?.enabled !== false,
    operationPending:
      Boolean(app.operation) || phase === 'Running' || phase === 'Terminating',
    ...(phase
      ? {
          operation: {
            phase,
            ...(state?.message ? { message: state.message } : {}),
            ...(state?.startedAt ? { startedAt: state.startedAt } : {}),
            ...(state?.finishedAt ? { finishedAt: state.finishedAt } : {}),
            ...(state?.syncResult?.revision ?? state?.operation?.sync?.revision
              ? {
                  revision: (state?.syncResult?.revision ??
                    state?.operation?.sync?.revision)!,
                }
              : {}),
            ...(initiator(initiated)
              ? { initiatedBy: initiator(initiated)! }
              : {}),
          },
        }
      : {}),
    history: [...(status.history ?? [])]
      .sort((a, b) => a.id - b.id)
      .map(h => ({
        id: h.id,
        ...(h.revision ? { revision: h.revision } : {}),
        ...(h.revisions?.length ? { revisions: h.revisions } : {}),
        ...(h.deployedAt ? { deployedAt: h.deployedAt } : {}),
        ...(h.deployStartedAt ? { deployStartedAt: h.deployStartedAt } : {}),
        ...(initiator(h.initiatedBy)
          ? { initiatedBy: initiator(h.initiatedBy)! }
          : {}),
      })),
    images: (status.summary?.images ?? []).filter(defined),
    desiredImages: desiredImages(app),
    sources,
    ...(dest
      ? {
          destination: {
            ...(dest.server ? { server: dest.server } : {}),
            ...(dest.name ? { name: dest.name } : {}),
            ...(dest.namespace ? { namespace: dest.namespace } : {}),
          },
        }
      : {}),
    conditions: (status.conditions ?? []).map(c => ({
      type: c.type,
      message: c.message ?? '',
    })),
    ...(status.reconciledAt ? { reconciledAt: status.reconciledAt } : {}),
    checkedAt: checkedAt.toISOString(),
    link: {
      title: `${name} in Argo CD ${client.instance.name}`,
      url: client.appUrl(name, namespace),
    },
  };
}

/** The delivery chain's sync fact of one application. */
export function toSyncFact(app: SyncApp): Fact<SyncFact> {
  return {
    sync: app.sync,
    health: app.health,
    autoSync: app.autoSync,
    ...(app.operation ? { operationPhase: app.operation.phase } : {}),
    ...(app.operation?.message
      ? { operationMessage: app.operation.message }
      : {}),
    ...(app.operation?.finishedAt ??
    app.operation?.startedAt ??
    app.reconciledAt
      ? {
          at: (app.operation?.finishedAt ??
            app.operation?.startedAt ??
            app.reconciledAt)!,
        }
      : {}),
    ...(app.link ? { link: app.link } : {}),
  };
}

/**
 * The delivery chain's desired fact: tags (or digests) the GitOps source asks
 * for (`kustomize.images`, Helm `image.tag`), else what `summary.images` says.
 * With `imageRepository`, images of other repositories (sidecars) are left out.
 */
export function toDesiredFact(
  app: SyncApp,
  options: { imageRepository?: string } = {},
): Fact<DesiredFact> {
  const pick = (refs: string[]) =>
    refs
      .map(splitImage)
      .filter(
        i =>
          i.tagOrDigest && matchesRepository(i.name, options.imageRepository),
      )
      .map(i => i.tagOrDigest!);
  let tags = pick(app.desiredImages);
  if (tags.length === 0) tags = pick(app.images);
  return {
    tags: [...new Set(tags)],
    ...(app.revision ? { revision: app.revision } : {}),
    ...(app.link ? { link: app.link } : {}),
  };
}

/**
 * Conversions of the cached list's applications, kept while the list entry
 * is the same object (a re-read list brings new objects): every entity and
 * every fleet request reading one application converts it once.
 */
const converted = new WeakMap<
  ArgoApplication,
  { client: Pick<ArgoCdClient, 'appUrl' | 'instance'>; app: SyncApp }
>();

function convertedApp(
  app: ArgoApplication,
  client: Pick<ArgoCdClient, 'appUrl' | 'instance'>,
  checkedAt: Date,
): SyncApp {
  const kept = converted.get(app);
  if (kept && kept.client === client)
    return { ...kept.app, checkedAt: checkedAt.toISOString() };
  const fresh = toSyncApp(app, client, checkedAt);
  converted.set(app, { client, app: fresh });
  return fresh;
}

/**
 * The sync report of one entity: its applications on each instance it names,
 * found in each instance's shared, cached application list (one list request
 * per instance and refresh interval, whatever the number of entities).
 */
export async function readSyncReport(
  entityRef: string,
  annotations: Record<string, string> | undefined,
  clients: ArgoCdClient[],
  now: () => number = Date.now,
): Promise<SyncReport> {
  const located = locateApps(
    annotations,
    clients.map(c => c.instance.name),
  );
  if (!located.ok) {
    return {
      entityRef,
      apps: [],
      problems: [
        {
          instance: '',
          problem: {
            upstream: located.annotation
              ? `annotation ${located.annotation}`
              : 'Argo CD',
            fault: located.fault,
            message: located.message,
          },
        },
      ],
    };
  }
  const locator: AppLocator = located.locator;
  const chosen = clients.filter(c =>
    locator.instances.includes(c.instance.name),
  );
  const results = await Promise.all(
    chosen.map(async client => {
      try {
        const apps = matchApps(
          candidates(await client.listApplications(), locator),
          locator,
        );
        const at = new Date(now());
        return { client, apps: apps.map(a => convertedApp(a, client, at)) };
      } catch (e) {
        if (e instanceof UpstreamError) return { client, problem: e.problem };
        throw e;
      }
    }),
  );
  const apps = results.flatMap(r => r.apps ?? []);
  const problems = results.flatMap(r =>
    r.problem ? [{ instance: r.client.instance.name, problem: r.problem }] : [],
  );
  if (apps.length === 0 && problems.length === 0) {
    const what = locator.name
      ? `application "${locator.name}"`
      : `application matching "${locator.selector}"`;
    problems.push({
      instance: chosen.map(c => c.instance.name).join(','),
      problem: {
        upstream: `Argo CD ${chosen.map(c => c.instance.name).join(', ')}`,
        fault: 'not-found',
        message: `no ${what}${
          locator.project ? ` in project ${locator.project}` : ''
        } is visible on ${
          chosen.length === 1 ? 'this instance' : 'any of these instances'
        } (it does not exist, or the configured account may not see it)`,
      },
    });
  }
  return { entityRef, apps, problems };
}

const byNameIndexes = new WeakMap<
  ArgoApplication[],
  Map<string, ArgoApplication[]>
>();

/**
 * The applications a name locator can match, from an index built once per
 * cached list (a fleet view matches 1,000 entities against the same list);
 * the whole list for a selector.
 */
function candidates(
  apps: ArgoApplication[],
  locator: AppLocator,
): ArgoApplication[] {
  if (!locator.name) return apps;
  let index = byNameIndexes.get(apps);
  if (!index) {
    index = new Map();
    for (const app of apps) {
      const same = index.get(app.metadata.name);
      if (same) same.push(app);
      else index.set(app.metadata.name, [app]);
    }
    byNameIndexes.set(apps, index);
  }
  return index.get(locator.name) ?? [];
}

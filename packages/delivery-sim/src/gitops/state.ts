/**
 * The comparison of an application's target state (its overlay rendered at
 * a commit) with the live state in the real kube-apiserver, as Argo CD's
 * app state manager does it: per resource Synced/OutOfSync (missing, a field
 * differs, or live but no longer rendered → requires pruning), per resource
 * and app health, and the images the target state runs.
 *
 * "Differs" is judged like Argo CD's server-side diff: the target is applied
 * with `dryRun=All` as the controller's field manager and the result is
 * compared with the live object (spec-like fields, labels, annotations), so
 * the apiserver's defaulting and normalisation never count as drift.
 */
import crypto from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type {
  ArgoApplication,
  HealthStatus,
  HealthStatusCode,
  SyncStatusCode,
} from '@internal/simulators';
import { KubeClient, KubeObject } from '@internal/test-env';
import { GitRepo } from '../git';
import { hasHealthCheck, isWorse, resourceHealth } from './health';
import { asObj, Obj, podSpecOf } from './objects';
import { ManifestRenderer } from './render';

/** Argo CD's default resource tracking label. */
export const TRACKING_LABEL = 'app.kubernetes.io/instance';
/** The field manager Argo CD's server-side apply uses. */
export const FIELD_MANAGER = 'argocd-controller';

export interface ResourceState {
  apiVersion: string;
  group: string;
  version: string;
  kind: string;
  namespace: string;
  name: string;
  /** The rendered object, with namespace and tracking label (absent: only live). */
  target?: KubeObject;
  live?: Obj;
  status: SyncStatusCode;
  requiresPruning: boolean;
  health?: HealthStatus;
}

export interface AppComparison {
  /** The commit compared against. */
  revision: string;
  /** kustomize's (or git's) message when the target state could not be rendered. */
  renderError?: string;
  /** Targets and live-only tracked objects; when rendering failed, the tracked live objects. */
  resources: ResourceState[];
  syncStatus: SyncStatusCode;
  health: HealthStatusCode;
  /** Images of the rendered workloads (sorted). */
  images: string[];
}

export type TargetResult =
  | { ok: true; objects: KubeObject[] }
  | { ok: false; error: string };

/** Kinds listed for tracked objects even before this app renders them. */
const BASE_TRACKED = ['apps/v1|Deployment', 'v1|Service', 'v1|ConfigMap'];
const SYNC_CACHE_LIMIT = 2000;

export function splitApiVersion(apiVersion: string): {
  group: string;
  version: string;
} {
  const i = apiVersion.indexOf('/');
  return i < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

export function keyOf(r: {
  group: string;
  kind: string;
  namespace: string;
  name: string;
}): string {
  return `${r.group}/${r.kind}/${r.namespace}/${r.name}`;
}

export function objectKey(o: {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
}): string {
  return keyOf({
    group: splitApiVersion(o.apiVersion).group,
    kind: o.kind,
    namespace: o.metadata.namespace ?? '',
    name: o.metadata.name,
  });
}

/** Container images of a workload's pod template (or a Pod). */
export function imagesOf(kind: string, o: Obj): string[] {
  const podSpec = podSpecOf(kind, o);
  const containers = [
    ...((podSpec.initContainers as Obj[] | undefined) ?? []),
    ...((podSpec.containers as Obj[] | undefined) ?? []),
  ];
  return containers
    .map(c => c.image)
    .filter((i): i is string => typeof i === 'string');
}

/** What the server-side diff compares: everything but status and server-owned metadata. */
function comparable(o: Obj): Obj {
  const { metadata, status: _status, ...rest } = o;
  const m = asObj(metadata);
  return {
    ...rest,
    labels: m.labels ?? {},
    annotations: m.annotations ?? {},
  };
}

export class AppStateManager {
  private readonly tracked = new Map<string, Set<string>>();
  private readonly syncCache = new Map<string, boolean>();

  constructor(
    private readonly kube: KubeClient,
    private readonly renderer: ManifestRenderer,
  ) {}

  /** The rendered objects of the app at `sha`, with namespace and tracking label added. */
  async targets(
    app: ArgoApplication,
    repo: GitRepo,
    sha: string,
    overlayPath: string,
  ): Promise<TargetResult> {
    const rendered = await this.renderer.render(repo, sha, overlayPath);
    if (!rendered.ok) return rendered;
    const appName = app.metadata.name;
    const destNs = app.spec.destination.namespace ?? '';
    const kinds = this.trackedKinds(appName);
    const objects: KubeObject[] = [];
    for (const o of rendered.objects) {
      const copy = JSON.parse(JSON.stringify(o)) as KubeObject;
      const resource = await this.kube.resourceOf(copy.apiVersion, copy.kind);
      if (
        resource?.namespaced !== false &&
        !copy.metadata.namespace &&
        destNs
      ) {
        copy.metadata.namespace = destNs;
      }
      if (resource && !resource.namespaced) delete copy.metadata.namespace;
      copy.metadata.labels = {
        ...(copy.metadata.labels ?? {}),
        [TRACKING_LABEL]: appName,
      };
      if (resource) kinds.add(`${copy.apiVersion}|${copy.kind}`);
      objects.push(copy);
    }
    return { ok: true, objects };
  }

  private trackedKinds(appName: string): Set<string> {
    let kinds = this.tracked.get(appName);
    if (!kinds) {
      kinds = new Set(BASE_TRACKED);
      this.tracked.set(appName, kinds);
    }
    return kinds;
  }

  /** Live top-level objects carrying the app's tracking label, by key. */
  async liveTracked(
    appName: string,
  ): Promise<Map<string, { apiVersion: string; kind: string; live: Obj }>> {
    const found = new Map<
      string,
      { apiVersion: string; kind: string; live: Obj }
    >();
    for (const entry of this.trackedKinds(appName)) {
      const [apiVersion, kind] = entry.split('|');
      let reply;
      try {
        reply = await this.kube.list(apiVersion, kind, {
          labelSelector: `${TRACKING_LABEL}=${appName}`,
        });
      } catch {
        continue; // the kind is not served (any more)
      }
      if (reply.status !== 200 || !reply.json) {
        throw new Error(
          `listing ${kind} (${apiVersion}) failed: HTTP ${reply.status}`,
        );
      }
      for (const item of (reply.json.items as Obj[] | undefined) ?? []) {
        const metadata = asObj(item.metadata);
        const owners = metadata.ownerReferences;
        if (Array.isArray(owners) && owners.length > 0) continue;
        const live = { apiVersion, kind, ...item };
        found.set(
          keyOf({
            group: splitApiVersion(apiVersion).group,
            kind,
            namespace: String(metadata.namespace ?? ''),
            name: String(metadata.name ?? ''),
          }),
          { apiVersion, kind, live },
        );
      }
    }
    return found;
  }

  /** The live object of a target, or undefined when it does not exist. */
  private async getLive(target: KubeObject): Promise<Obj | undefined> {
    try {
      const reply = await this.kube.get(target);
      if (reply.status === 200 && reply.json) return reply.json;
      if (reply.status === 404) return undefined;
      throw new Error(`GET ${objectKey(target)}: HTTP ${reply.status}`);
    } catch (e) {
      if (/has no kind/.test((e as Error).message)) return undefined;
      throw e;
    }
  }

  /** Whether applying `target` would leave `live` unchanged (server-side dry-run diff). */
  async inSync(target: KubeObject, live: Obj): Promise<boolean> {
    const key = crypto
      .createHash('sha256')
      .update(JSON.stringify(target))
      .update('\0')
      .update(JSON.stringify(comparable(live)))
      .digest('hex');
    const cached = this.syncCache.get(key);
    if (cached !== undefined) return cached;
    const reply = await this.kube.apply(target, {
      fieldManager: FIELD_MANAGER,
      force: true,
      dryRun: true,
    });
    const result =
      reply.status === 200 &&
      reply.json !== undefined &&
      isDeepStrictEqual(comparable(reply.json), comparable(live));
    if (this.syncCache.size >= SYNC_CACHE_LIMIT) this.syncCache.clear();
    this.syncCache.set(key, result);
    return result;
  }

  /** Compares the app's overlay at `sha` with the live state. */
  async compare(
    app: ArgoApplication,
    repo: GitRepo,
    sha: string,
    overlayPath: string,
  ): Promise<AppComparison> {
    const targets = await this.targets(app, repo, sha, overlayPath);
    const tracked = await this.liveTracked(app.metadata.name);
    const resources: ResourceState[] = [];
    const images = new Set<string>();

    if (targets.ok) {
      for (const target of targets.objects) {
        const key = objectKey(target);
        const { group, version } = splitApiVersion(target.apiVersion);
        const live = tracked.get(key)?.live ?? (await this.getLive(target));
        tracked.delete(key);
        const synced = live ? await this.inSync(target, live) : false;
        for (const image of imagesOf(target.kind, target)) images.add(image);
        resources.push({
          apiVersion: target.apiVersion,
          group,
          version,
          kind: target.kind,
          namespace: target.metadata.namespace ?? '',
          name: target.metadata.name,
          target,
          ...(live ? { live } : {}),
          status: synced ? 'Synced' : 'OutOfSync',
          requiresPruning: false,
        });
      }
    }
    for (const { apiVersion, kind, live } of tracked.values()) {
      const metadata = asObj(live.metadata);
      const { group, version } = splitApiVersion(apiVersion);
      resources.push({
        apiVersion,
        group,
        version,
        kind,
        namespace: String(metadata.namespace ?? ''),
        name: String(metadata.name ?? ''),
        live,
        // with no target state, Argo CD cannot judge these
        status: targets.ok ? 'OutOfSync' : 'Unknown',
        requiresPruning: targets.ok,
      });
    }

    let health: HealthStatusCode = 'Healthy';
    for (const r of resources) {
      if (r.live) r.health = resourceHealth(r.kind, r.live);
      else if (hasHealthCheck(r.kind)) r.health = { status: 'Missing' };
      const code = r.health?.status;
      if (code && isWorse(health, code)) health = code;
    }
    resources.sort((a, b) => keyOf(a).localeCompare(keyOf(b)));

    let syncStatus: SyncStatusCode;
    if (!targets.ok) syncStatus = 'Unknown';
    else {
      syncStatus = resources.every(r => r.status === 'Synced')
        ? 'Synced'
        : 'OutOfSync';
    }
    return {
      revision: sha,
      ...(targets.ok ? {} : { renderError: targets.error }),
      resources,
      syncStatus,
      health,
      images: [...images].sort(),
    };
  }
}

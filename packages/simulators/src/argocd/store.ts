/**
 * In-memory Application store: a global resourceVersion, watch events, and
 * the resource-health cache that stands in for Argo CD's tree cache (since 3.0
 * resource health is not stored in the CR; Get and Watch re-fill it).
 */
import crypto from 'node:crypto';
import { clone } from '../common/respond';
import {
  ApplicationInput,
  ApplicationSource,
  ApplicationStatus,
  ApplicationTree,
  ArgoApplication,
  HealthStatus,
  ResourceNode,
  ResourceStatus,
  RevisionMetadata,
  WatchEvent,
} from './types';
import { assertStatusEnums } from './validate';

export const resourceKey = (r: {
  group?: string;
  kind: string;
  namespace?: string;
  name: string;
}) => `${r.group ?? ''}/${r.kind}/${r.namespace ?? ''}/${r.name}`;

interface Entry {
  app: ArgoApplication;
  health: Map<string, HealthStatus>;
  tree?: ApplicationTree;
  failNextSync?: string;
}

export interface StoreOptions {
  namespace: string;
  applicationNamespaces: string[];
  persistResourceHealth: boolean;
}

export class ArgoStore {
  private readonly entries = new Map<string, Entry>();
  private readonly listeners = new Set<(e: WatchEvent) => void>();
  private rv = 1000;
  readonly projects = new Set<string>(['default']);
  readonly revisionMetadata = new Map<string, RevisionMetadata>();

  constructor(readonly options: StoreOptions) {}

  resourceVersion(): string {
    return String(this.rv);
  }

  isNamespaceEnabled(ns: string): boolean {
    return (
      ns === this.options.namespace ||
      this.options.applicationNamespaces.includes('*') ||
      this.options.applicationNamespaces.includes(ns)
    );
  }

  namespaceOrDefault(ns: string | undefined | null): string {
    return ns ? ns : this.options.namespace;
  }

  private key(ns: string, name: string) {
    return `${ns}/${name}`;
  }

  entry(name: string, ns?: string | null): Entry | undefined {
    return this.entries.get(this.key(this.namespaceOrDefault(ns), name));
  }

  get(name: string, ns?: string | null): ArgoApplication | undefined {
    return this.entry(name, ns)?.app;
  }

  all(): ArgoApplication[] {
    return [...this.entries.values()].map(e => e.app);
  }

  subscribe(fn: (e: WatchEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(type: WatchEvent['type'], entry: Entry) {
    const application = this.render(entry.app, 'get');
    for (const l of [...this.listeners]) l({ type, application });
  }

  private bump(app: ArgoApplication) {
    this.rv += 1;
    app.metadata.resourceVersion = String(this.rv);
  }

  /** Moves per-resource health out of the stored status (3.x behaviour). */
  private absorbHealth(entry: Entry) {
    const resources = entry.app.status?.resources;
    if (!resources) return;
    for (const r of resources) {
      if (r.health) entry.health.set(resourceKey(r), r.health);
      if (!this.options.persistResourceHealth) delete r.health;
    }
    if (!this.options.persistResourceHealth && entry.app.status) {
      entry.app.status.resourceHealthSource = 'appTree';
    }
  }

  /** Inserts or replaces an application (seeding and create/upsert). */
  put(input: ApplicationInput, now = new Date()): ArgoApplication {
    const { apiVersion: _a, kind: _k, ...rest } = clone(input);
    const app = rest as ArgoApplication;
    const ns = this.namespaceOrDefault(app.metadata.namespace);
    if (!this.isNamespaceEnabled(ns)) {
      throw new Error(
        `argocd simulator: namespace "${ns}" is not enabled for applications (set applicationNamespaces)`,
      );
    }
    if (!app.spec || typeof app.spec !== 'object') {
      throw new Error('argocd simulator: application needs a spec');
    }
    assertStatusEnums(app.status);
    app.spec.project = app.spec.project || 'default';
    app.metadata.namespace = ns;
    const k = this.key(ns, app.metadata.name);
    const existing = this.entries.get(k);
    app.metadata.uid =
      existing?.app.metadata.uid ?? app.metadata.uid ?? crypto.randomUUID();
    app.metadata.creationTimestamp =
      existing?.app.metadata.creationTimestamp ??
      app.metadata.creationTimestamp ??
      rfc3339(now);
    app.metadata.generation = (existing?.app.metadata.generation ?? 0) + 1;
    this.bump(app);
    const entry: Entry = existing ?? { app, health: new Map() };
    entry.app = app;
    this.absorbHealth(entry);
    this.entries.set(k, entry);
    this.emit(existing ? 'MODIFIED' : 'ADDED', entry);
    return app;
  }

  /** Applies `mutate` to the stored app, bumps resourceVersion, emits MODIFIED. */
  update(
    name: string,
    ns: string | undefined | null,
    mutate: (app: ArgoApplication, entry: Entry) => void,
  ): ArgoApplication | undefined {
    const entry = this.entry(name, ns);
    if (!entry) return undefined;
    mutate(entry.app, entry);
    assertStatusEnums(entry.app.status);
    this.absorbHealth(entry);
    this.bump(entry.app);
    this.emit('MODIFIED', entry);
    return entry.app;
  }

  remove(name: string, ns?: string | null): boolean {
    const k = this.key(this.namespaceOrDefault(ns), name);
    const entry = this.entries.get(k);
    if (!entry) return false;
    this.entries.delete(k);
    this.bump(entry.app);
    this.emit('DELETED', entry);
    return true;
  }

  setTree(name: string, ns: string | undefined, tree: ApplicationTree) {
    const entry = this.entry(name, ns);
    if (!entry) throw new Error(`argocd simulator: no application ${name}`);
    this.replaceTree(entry, tree);
    this.bump(entry.app);
    this.emit('MODIFIED', entry);
  }

  /** Replaces the tree and the health cache it carries (no event; for use inside `update`). */
  replaceTree(entry: Entry, tree: ApplicationTree) {
    entry.tree = clone(tree);
    for (const node of tree.nodes) {
      if (node.health) entry.health.set(resourceKey(node), clone(node.health));
    }
  }

  setResourceHealth(
    entry: Entry,
    resources: ResourceStatus[],
    health: HealthStatus,
  ) {
    for (const r of resources) entry.health.set(resourceKey(r), clone(health));
  }

  /** The resource tree: the seeded one, else one node per status.resources entry. */
  tree(entry: Entry): ApplicationTree {
    if (entry.tree) {
      const t = clone(entry.tree);
      return {
        nodes: t.nodes,
        orphanedNodes: t.orphanedNodes ?? [],
        ...(t.hosts ? { hosts: t.hosts } : {}),
      };
    }
    const nodes: ResourceNode[] = (entry.app.status?.resources ?? []).map(r => {
      const health = entry.health.get(resourceKey(r));
      const uid = crypto
        .createHash('sha1')
        .update(`${entry.app.metadata.uid}/${resourceKey(r)}`)
        .digest('hex');
      return {
        group: r.group ?? '',
        version: r.version,
        kind: r.kind,
        namespace: r.namespace ?? '',
        name: r.name,
        uid: `${uid.slice(0, 8)}-${uid.slice(8, 12)}-${uid.slice(
          12,
          16,
        )}-${uid.slice(16, 20)}-${uid.slice(20, 32)}`,
        resourceVersion: entry.app.metadata.resourceVersion,
        info: [],
        ...(health ? { health: clone(health) } : {}),
        createdAt: entry.app.metadata.creationTimestamp,
      };
    });
    return { nodes, orphanedNodes: [] };
  }

  /**
   * The app as a client sees it. `get` (Get and Watch) re-fills resource
   * health from the tree; `list` leaves it out, as Argo CD 3.x does.
   */
  render(app: ArgoApplication, mode: 'get' | 'list'): ArgoApplication {
    const out = clone(app);
    if (
      mode === 'get' &&
      out.status?.resources &&
      !this.options.persistResourceHealth
    ) {
      const entry = this.entry(app.metadata.name, app.metadata.namespace);
      if (entry) {
        const tree = this.tree(entry);
        for (const r of out.status.resources) {
          const node = tree.nodes.find(n => resourceKey(n) === resourceKey(r));
          if (node?.health) r.health = clone(node.health);
        }
      }
    }
    return out;
  }

  markFailNextSync(name: string, ns: string | undefined, message: string) {
    const entry = this.entry(name, ns);
    if (!entry) throw new Error(`argocd simulator: no application ${name}`);
    entry.failNextSync = message;
  }
}

/** The first source (multi-source apps: `sources[0]`), like `Spec.GetSource()`. */
export function primarySource(
  app: ArgoApplication,
): ApplicationSource | undefined {
  if (app.spec.sources && app.spec.sources.length > 0)
    return app.spec.sources[0];
  return app.spec.source;
}

export function isAutomated(app: ArgoApplication): boolean {
  const automated = app.spec.syncPolicy?.automated;
  return Boolean(automated) && automated?.enabled !== false;
}

export function rfc3339(d = new Date()): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const MERGED_KEYS = ['sync', 'health', 'summary'] as const;

/**
 * Merges `patch` into `status` in place (one level deep for `sync`,
 * `health`, `summary`); a `null` value removes the key (Go's omitempty).
 */
export function mergeStatus(
  status: ApplicationStatus,
  patch: ApplicationStatus,
): ApplicationStatus {
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) {
      delete status[k];
    } else if (
      (MERGED_KEYS as readonly string[]).includes(k) &&
      v &&
      typeof v === 'object'
    ) {
      status[k] = { ...(status[k] as object | undefined), ...(v as object) };
    } else {
      status[k] = v;
    }
  }
  return status;
}

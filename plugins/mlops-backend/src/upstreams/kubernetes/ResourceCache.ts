import { Dispatcher } from 'undici';
import { DEFAULT_RESYNC_SECONDS, KubernetesClusterConfig } from './config';
import { Discovery } from './discovery';
import {
  KindCounters,
  KindReflector,
  KindState,
  ReflectorOptions,
} from './KindReflector';
import { KubeHttp } from './KubeHttp';
import { ALL_KINDS, KIND_SPECS, KindObjects, ResourceKind } from './kinds';
import { StoreChange, StoreQuery } from './ObjectStore';

export type { KindCounters, KindState, KindPhase } from './KindReflector';

export interface ResourceCacheLogger {
  info(message: string): void;
  warn(message: string): void;
}

export interface ResourceCacheOptions {
  clusters: KubernetesClusterConfig[];
  /** Kinds to keep (default: all of {@link ALL_KINDS}). */
  kinds?: ResourceKind[];
  /** Full re-list of every kind this often, as a safety net (0 = never; default 900). */
  resyncSeconds?: number;
  /** `timeoutSeconds` of each watch request (default 300). */
  watchTimeoutSeconds?: number;
  /** A watch with no bytes for this long is aborted and resumed (default: watch timeout + 60 s). */
  watchdogMs?: number;
  /** LIST page size (default 500). */
  pageSize?: number;
  /** Deadline of discovery and list requests (default 30 s). */
  requestTimeoutMs?: number;
  /** Back-off after a failure: first delay about this long (default 1 s)… */
  backoffInitialMs?: number;
  /** …doubling up to this (default 60 s). */
  backoffMaxMs?: number;
  /** How often discovery is asked again for a kind that is not served, e.g. a CRD not installed (default 300 s). */
  rediscoverMs?: number;
  logger?: ResourceCacheLogger;
  /** For tests: one dispatcher per cluster name. */
  dispatchers?: Record<string, Dispatcher>;
}

/** One object that was added, modified or deleted in the cache. */
export interface CacheChange<K extends ResourceKind = ResourceKind>
  extends StoreChange<KindObjects[K]> {
  cluster: string;
  kind: K;
}

export type CacheListener = (change: CacheChange) => void;

/** Upstream traffic, for tests and benchmarks. */
export interface CacheCounters {
  /** Every HTTP request to every apiserver. */
  requests: number;
  discoveryRequests: number;
  totals: KindCounters;
  clusters: Record<
    string,
    {
      requests: number;
      discoveryRequests: number;
      kinds: Partial<Record<ResourceKind, KindCounters>>;
    }
  >;
}

interface ClusterRuntime {
  config: KubernetesClusterConfig;
  http: KubeHttp;
  discovery: Discovery;
  reflectors: Map<ResourceKind, KindReflector>;
}

/**
 * The Kubernetes side of the portal: for each configured cluster and kind,
 * one paged LIST and one long-lived WATCH, whatever the number of viewers.
 * Readers query memory; no viewer request reaches an apiserver.
 */
export class ResourceCache {
  private readonly clusterRuntimes = new Map<string, ClusterRuntime>();
  private readonly listeners = new Set<CacheListener>();
  private readonly stopController = new AbortController();
  private readonly kinds: ResourceKind[];
  private readonly reflectorOptions: ReflectorOptions;
  private readonly logger?: ResourceCacheLogger;
  private runs: Promise<void>[] = [];
  /** Bumped by every batch of object changes (lists and watch events). */
  private changeCount = 0;
  private started = false;
  private stopped?: Promise<void>;

  static create(options: ResourceCacheOptions): ResourceCache {
    return new ResourceCache(options);
  }

  private constructor(options: ResourceCacheOptions) {
    this.kinds = options.kinds ?? ALL_KINDS;
    this.logger = options.logger;
    const watchTimeoutSeconds = options.watchTimeoutSeconds ?? 300;
    this.reflectorOptions = {
      pageSize: options.pageSize ?? 500,
      watchTimeoutSeconds,
      watchdogMs: options.watchdogMs ?? (watchTimeoutSeconds + 60) * 1000,
      resyncMs: (options.resyncSeconds ?? DEFAULT_RESYNC_SECONDS) * 1000,
      backoffInitialMs: options.backoffInitialMs ?? 1000,
      backoffMaxMs: options.backoffMaxMs ?? 60_000,
      rediscoverMs: options.rediscoverMs ?? 300_000,
    };
    for (const config of options.clusters) {
      const http = new KubeHttp(config, {
        requestTimeoutMs: options.requestTimeoutMs,
        dispatcher: options.dispatchers?.[config.name],
      });
      const discovery = new Discovery(http);
      const runtime: ClusterRuntime = {
        config,
        http,
        discovery,
        reflectors: new Map(),
      };
      for (const kind of this.kinds) {
        runtime.reflectors.set(
          kind,
          new KindReflector({
            cluster: config.name,
            spec: KIND_SPECS[kind],
            http,
            discovery,
            signal: this.stopController.signal,
            options: this.reflectorOptions,
            emit: changes => this.emit(config.name, kind, changes),
            log: (level, message) => this.logger?.[level](message),
          }),
        );
      }
      this.clusterRuntimes.set(config.name, runtime);
    }
  }

  /** Starts every list+watch loop. Returns at once; see {@link states}. */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    for (const runtime of this.clusterRuntimes.values()) {
      for (const reflector of runtime.reflectors.values()) {
        this.runs.push(reflector.run());
      }
    }
  }

  /** Ends every request and loop, and closes every connection. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.stopController.abort();
      await Promise.allSettled(this.runs);
      await Promise.allSettled(
        [...this.clusterRuntimes.values()].map(r => r.http.close()),
      );
      this.listeners.clear();
    })();
    return this.stopped;
  }

  clusterNames(): string[] {
    return [...this.clusterRuntimes.keys()];
  }

  clusterConfig(cluster: string): KubernetesClusterConfig | undefined {
    return this.clusterRuntimes.get(cluster)?.config;
  }

  /** Which kinds this cache keeps. */
  keptKinds(): ResourceKind[] {
    return [...this.kinds];
  }

  /** Objects of a kind on a cluster, optionally narrowed by namespace and label selector. */
  list<K extends ResourceKind>(
    cluster: string,
    kind: K,
    query: StoreQuery = {},
  ): KindObjects[K][] {
    const reflector = this.clusterRuntimes.get(cluster)?.reflectors.get(kind);
    return (reflector?.store.query(query) ?? []) as KindObjects[K][];
  }

  get<K extends ResourceKind>(
    cluster: string,
    kind: K,
    namespace: string | undefined,
    name: string,
  ): KindObjects[K] | undefined {
    const reflector = this.clusterRuntimes.get(cluster)?.reflectors.get(kind);
    return reflector?.store.get(namespace, name) as KindObjects[K] | undefined;
  }

  state(cluster: string, kind: ResourceKind): KindState | undefined {
    const state = this.clusterRuntimes
      .get(cluster)
      ?.reflectors.get(kind)?.state;
    return state ? { ...state } : undefined;
  }

  states(): KindState[] {
    const out: KindState[] = [];
    for (const runtime of this.clusterRuntimes.values()) {
      for (const reflector of runtime.reflectors.values())
        out.push({ ...reflector.state });
    }
    return out;
  }

  /** Every kind has either synced, been found not served, or failed at least once. */
  settled(): boolean {
    return this.states().every(
      s => s.synced || s.phase === 'not-served' || s.lastError !== undefined,
    );
  }

  /**
   * Changes whenever anything an entity's judgement reads may have changed:
   * an object of any kind on any cluster, or a kind's readiness (synced,
   * not served, failing and why). Equal revisions mean equal answers from
   * {@link list} and {@link state}'s judged fields, so a result computed from
   * them can be reused.
   */
  revision(): string {
    let stamp = String(this.changeCount);
    for (const runtime of this.clusterRuntimes.values()) {
      for (const reflector of runtime.reflectors.values()) {
        const s = reflector.state;
        stamp += `|${s.synced ? 1 : 0}${s.phase === 'not-served' ? 'n' : ''}${
          s.lastError ? `!${s.lastError.message}` : ''
        }`;
      }
    }
    return stamp;
  }

  /** Subscribe to object changes (from lists and watches). Returns the unsubscribe function. */
  onChange(listener: CacheListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  counters(): CacheCounters {
    const totals = emptyCounters();
    const clusters: CacheCounters['clusters'] = {};
    let requests = 0;
    let discoveryRequests = 0;
    for (const [name, runtime] of this.clusterRuntimes) {
      const kinds: Partial<Record<ResourceKind, KindCounters>> = {};
      for (const [kind, reflector] of runtime.reflectors) {
        kinds[kind] = { ...reflector.counters };
        for (const key of Object.keys(totals) as (keyof KindCounters)[])
          totals[key] += reflector.counters[key];
      }
      clusters[name] = {
        requests: runtime.http.requests,
        discoveryRequests: runtime.discovery.requests,
        kinds,
      };
      requests += runtime.http.requests;
      discoveryRequests += runtime.discovery.requests;
    }
    return { requests, discoveryRequests, totals, clusters };
  }

  private emit(cluster: string, kind: ResourceKind, changes: StoreChange[]) {
    if (changes.length > 0) this.changeCount++;
    for (const change of changes) {
      const event = { ...change, cluster, kind } as CacheChange;
      for (const listener of this.listeners) {
        try {
          listener(event);
        } catch (e) {
          this.logger?.warn(
            `kubernetes cache listener failed: ${(e as Error)?.message ?? e}`,
          );
        }
      }
    }
  }
}

function emptyCounters(): KindCounters {
  return {
    listRequests: 0,
    lists: 0,
    relists: 0,
    watches: 0,
    events: 0,
    bookmarks: 0,
    expired: 0,
    errors: 0,
    watchdogAborts: 0,
  };
}

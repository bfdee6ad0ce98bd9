import { UpstreamProblem } from '@internal/plugin-mlops-common';
import { UpstreamError } from '../http';
import { backoffDelay, sleep } from './backoff';
import { Discovery } from './discovery';
import {
  AbortedError,
  KubeHttp,
  ResourceExpiredError,
  WatchEvent,
} from './KubeHttp';
import { KindSpec, ResourceKind, apiVersionOf, collectionPath } from './kinds';
import { ObjectStore, StoreChange } from './ObjectStore';
import { slim } from './slim';
import { KubeObject } from './types';

export type KindPhase =
  | 'starting'
  | 'listing'
  | 'watching'
  | 'backoff'
  | 'not-served'
  | 'stopped';

/** What a card (or a test) can know about one kind on one cluster. */
export interface KindState {
  cluster: string;
  kind: ResourceKind;
  phase: KindPhase;
  /** `apps/v1`, `batch/v1beta1`: the version discovery chose. */
  apiVersion?: string;
  /** The cache holds a complete list and its watch is current (no error since). */
  synced: boolean;
  objectCount: number;
  /** When the last full list completed. */
  lastSyncAt?: string;
  /** The most recent failure; cleared when a list or watch succeeds again. */
  lastError?: UpstreamProblem;
  lastErrorAt?: string;
  /** Why the kind is not read (e.g. the CRD is not installed). */
  notServedReason?: string;
  resourceVersion?: string;
}

/** Upstream traffic of one kind on one cluster (for tests and benchmarks). */
export interface KindCounters {
  /** LIST requests (every page counts). */
  listRequests: number;
  /** Complete lists. */
  lists: number;
  /** Complete lists after the first (410, resync, recovery). */
  relists: number;
  /** WATCH requests. */
  watches: number;
  /** ADDED/MODIFIED/DELETED events received. */
  events: number;
  bookmarks: number;
  /** 410 Gone/Expired answers (watch ERROR event or HTTP 410). */
  expired: number;
  /** Failures other than 410 (each followed by a back-off). */
  errors: number;
  /** Watches the no-event watchdog aborted. */
  watchdogAborts: number;
}

export interface ReflectorOptions {
  pageSize: number;
  watchTimeoutSeconds: number;
  watchdogMs: number;
  resyncMs: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
  rediscoverMs: number;
}

export interface ReflectorDeps {
  cluster: string;
  spec: KindSpec;
  http: KubeHttp;
  discovery: Discovery;
  signal: AbortSignal;
  options: ReflectorOptions;
  emit(changes: StoreChange[]): void;
  log(level: 'info' | 'warn', message: string): void;
}

interface ListBody {
  metadata?: { resourceVersion?: string; continue?: string };
  items?: KubeObject[] | null;
}

/**
 * Keeps one kind of one cluster in memory: paged LIST, then WATCH from the
 * list's resourceVersion with bookmarks, re-listing on 410 (both forms) and
 * backing off with jitter on every other failure. Never stops by itself;
 * only the signal ends it.
 */
export class KindReflector {
  readonly store = new ObjectStore();
  readonly counters: KindCounters = {
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
  readonly state: KindState;
  private version?: string;
  private kindName?: string;
  private rv?: string;
  private lastListAt = 0;
  private listedOnce = false;
  /** Failures since the apiserver last accepted a list or watch (drives the back-off). */
  private failures = 0;
  private readonly deps: ReflectorDeps;

  constructor(deps: ReflectorDeps) {
    this.deps = deps;
    this.state = {
      cluster: deps.cluster,
      kind: deps.spec.kind,
      phase: 'starting',
      synced: false,
      objectCount: 0,
    };
  }

  async run(): Promise<void> {
    const { signal, options, discovery, spec } = this.deps;
    let expiredInARow = 0;
    let quietWatches = 0;
    let recheck = false;
    while (!signal.aborted) {
      try {
        if (!this.version || recheck) {
          if (recheck) discovery.invalidate(spec.group);
          recheck = false;
          const found = await discovery.resolve(spec, signal);
          if (!found.served) {
            this.setNotServed(found.reason);
            this.failures = 0;
            await sleep(options.rediscoverMs, signal);
            recheck = true;
            continue;
          }
          if (this.version !== found.version) {
            this.version = found.version;
            this.rv = undefined;
          }
          this.kindName = found.kindName;
          this.state.notServedReason = undefined;
          this.state.apiVersion = apiVersionOf(spec, found.version);
        }
        if (this.rv === undefined || this.resyncDue()) await this.list();
        const started = Date.now();
        const received = await this.watchOnce();
        expiredInARow = 0;
        // A server that ends every watch at once would make this loop spin.
        if (received === 0 && Date.now() - started < 1000) {
          quietWatches++;
          if (quietWatches >= 3) {
            await sleep(
              backoffDelay(
                quietWatches - 2,
                options.backoffInitialMs,
                options.backoffMaxMs,
              ),
              signal,
            );
          }
        } else {
          quietWatches = 0;
        }
      } catch (e) {
        if (signal.aborted) break;
        if (e instanceof AbortedError) continue; // the watchdog: reconnect from the RV
        if (e instanceof ResourceExpiredError) {
          this.counters.expired++;
          expiredInARow++;
          this.deps.log('info', `${this.label()}: ${e.message}; re-listing`);
          this.rv = undefined;
          if (expiredInARow > 2) {
            await sleep(
              backoffDelay(
                expiredInARow - 2,
                options.backoffInitialMs,
                options.backoffMaxMs,
              ),
              signal,
            );
          }
          continue;
        }
        this.failures++;
        this.counters.errors++;
        const problem = this.deps.http.problem(e);
        this.setError(problem);
        if (problem.httpStatus === 404) recheck = true;
        this.state.phase = 'backoff';
        await sleep(
          backoffDelay(
            this.failures,
            options.backoffInitialMs,
            options.backoffMaxMs,
          ),
          signal,
        );
      }
    }
    this.state.phase = 'stopped';
  }

  private resyncDue(): boolean {
    const { resyncMs } = this.deps.options;
    return resyncMs > 0 && Date.now() - this.lastListAt >= resyncMs;
  }

  private async list(): Promise<void> {
    const { http, signal, options, spec } = this.deps;
    const path = collectionPath(spec, this.version!);
    const apiVersion = apiVersionOf(spec, this.version!);
    this.state.phase = 'listing';
    const fresh: KubeObject[] = [];
    let token: string | undefined;
    let rv: string | undefined;
    do {
      const query = `?limit=${options.pageSize}${
        token ? `&continue=${encodeURIComponent(token)}` : ''
      }`;
      this.counters.listRequests++;
      const body = (await http.getJson(path + query, signal)) as ListBody;
      if (
        !body ||
        typeof body !== 'object' ||
        (body.items !== null &&
          body.items !== undefined &&
          !Array.isArray(body.items))
      ) {
        throw new UpstreamError({
          upstream: http.upstream,
          fault: 'malformed',
          message: `answered ${path} with no item list`,
        });
      }
      for (const item of body.items ?? []) {
        if (!item?.metadata?.name) continue;
        fresh.push(slim({ ...item, apiVersion, kind: this.kindName }));
      }
      token = body.metadata?.continue || undefined;
      rv = body.metadata?.resourceVersion;
    } while (token);
    if (!rv) {
      throw new UpstreamError({
        upstream: http.upstream,
        fault: 'malformed',
        message: `answered ${path} without a resourceVersion`,
      });
    }
    this.counters.lists++;
    if (this.listedOnce) this.counters.relists++;
    this.listedOnce = true;
    this.lastListAt = Date.now();
    this.rv = rv;
    const changes = this.store.replace(fresh);
    this.state.lastSyncAt = new Date().toISOString();
    this.state.resourceVersion = rv;
    this.markHealthy();
    this.deps.emit(changes);
  }

  /** One watch request; resolves with the number of object events when the server ends it. */
  private async watchOnce(): Promise<number> {
    const { http, signal, options, spec } = this.deps;
    let timeoutSeconds = options.watchTimeoutSeconds;
    if (options.resyncMs > 0) {
      const untilResync = Math.ceil(
        (this.lastListAt + options.resyncMs - Date.now()) / 1000,
      );
      timeoutSeconds = Math.max(1, Math.min(timeoutSeconds, untilResync));
    }
    const path =
      `${collectionPath(
        spec,
        this.version!,
      )}?watch=1&resourceVersion=${encodeURIComponent(this.rv!)}` +
      `&allowWatchBookmarks=true&timeoutSeconds=${timeoutSeconds}`;
    const controller = new AbortController();
    const onStop = () => controller.abort();
    signal.addEventListener('abort', onStop, { once: true });
    let watchdogFired = false;
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        watchdogFired = true;
        controller.abort();
      }, options.watchdogMs);
    };
    let received = 0;
    this.counters.watches++;
    arm();
    try {
      await http.watch(path, controller.signal, {
        onOpen: () => {
          this.state.phase = 'watching';
          this.markHealthy();
        },
        onActivity: arm,
        onEvent: event => {
          if (event.type !== 'BOOKMARK') received++;
          this.apply(event);
        },
      });
      return received;
    } catch (e) {
      if (e instanceof AbortedError && watchdogFired && !signal.aborted) {
        this.counters.watchdogAborts++;
        this.deps.log(
          'warn',
          `${this.label()}: no data for ${
            options.watchdogMs
          } ms; reconnecting the watch`,
        );
      }
      throw e;
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', onStop);
    }
  }

  private apply(event: WatchEvent) {
    const rv = event.object.metadata.resourceVersion;
    if (rv) {
      this.rv = rv;
      this.state.resourceVersion = rv;
    }
    if (event.type === 'BOOKMARK') {
      this.counters.bookmarks++;
      return;
    }
    this.counters.events++;
    const object = slim(event.object);
    const change =
      event.type === 'DELETED'
        ? this.store.remove(object.metadata.namespace, object.metadata.name)
        : this.store.put(object);
    this.state.objectCount = this.store.size;
    if (change) this.deps.emit([change]);
  }

  private markHealthy() {
    this.failures = 0;
    if (this.state.lastError)
      this.deps.log('info', `${this.label()}: recovered`);
    this.state.lastError = undefined;
    this.state.lastErrorAt = undefined;
    this.state.synced = this.listedOnce;
    this.state.objectCount = this.store.size;
  }

  private setError(problem: UpstreamProblem) {
    if (this.state.lastError?.message !== problem.message) {
      this.deps.log('warn', `${this.label()}: ${problem.message}`);
    }
    this.state.lastError = problem;
    this.state.lastErrorAt = new Date().toISOString();
    this.state.synced = false;
  }

  private setNotServed(reason: string) {
    if (this.state.phase !== 'not-served')
      this.deps.log('info', `${this.label()}: ${reason}`);
    this.state.phase = 'not-served';
    this.state.notServedReason = reason;
    this.state.apiVersion = undefined;
    this.state.synced = false;
    this.state.lastError = undefined;
    this.state.lastErrorAt = undefined;
    this.version = undefined;
    this.rv = undefined;
    this.listedOnce = false;
    // The kind is gone (CRD deleted): so are its objects.
    const changes = this.store.clear();
    this.state.objectCount = 0;
    if (changes.length) this.deps.emit(changes);
  }

  private label() {
    return `${this.deps.http.upstream} ${this.deps.spec.plural}`;
  }
}

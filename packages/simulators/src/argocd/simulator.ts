/**
 * Argo CD REST API simulator (not Argo CD): sessions, the Application API,
 * sync/rollback with a simulated controller, the resource tree, revision
 * metadata and the watch stream, on a free 127.0.0.1 port.
 */
import { clone } from '../common/respond';
import { Fault } from '../common/faults';
import { RecordedRequest, startSimServer } from '../common/server';
import { ArgoCluster, ArgoContext } from './context';
import { grpcCodeForHttp, writeArgoError } from './errors';
import { OperationRunner, RevisionResolver } from './operations';
import { createArgoHandler } from './routes';
import { IssueTokenOptions, SessionManager } from './session';
import { RequestSyncOptions, SyncHandler } from './handler';
import { ArgoStore, mergeStatus, primarySource } from './store';
import { assertStatusEnums } from './validate';
import {
  ApplicationInput,
  ApplicationSpec,
  ApplicationStatus,
  ApplicationTree,
  ArgoApplication,
  ArgoPolicy,
  RevisionMetadata,
} from './types';

export interface ArgoCdSimulatorOptions {
  /** Local accounts, name → password. Default `{ admin: 'password' }`. */
  users?: Record<string, string>;
  /** Session JWT lifetime (`users.session.duration`), default 24 h. */
  sessionDurationSec?: number;
  /** Reported by `/api/version`, default `v3.5.1+simulator`. */
  version?: string;
  /** Control-plane namespace, default `argocd`. */
  namespace?: string;
  /** Extra namespaces apps may live in (`application.namespaces`); `*` = all. Default none. */
  applicationNamespaces?: string[];
  /** AppProjects besides `default`. */
  projects?: string[];
  /** Known clusters, default `in-cluster` = `https://kubernetes.default.svc`. */
  clusters?: ArgoCluster[];
  /** RBAC decision; default allows everything. */
  policy?: ArgoPolicy;
  /** Delay before a sync operation turns `Running` (default 20 ms). */
  syncStartDelayMs?: number;
  /** How long a sync stays `Running` (default 500 ms). */
  syncDurationMs?: number;
  /** SSE keep-alive interval (default 15 000 ms, as upstream). */
  keepAliveMs?: number;
  /** Delay of the first reconcile of a created app and of cascading deletes (default 50 ms). */
  reconcileDelayMs?: number;
  /** `controller.resource.health.persist=true`: keep resource health in the stored app. Default false (3.x). */
  persistResourceHealth?: boolean;
  /** Maps branch/tag → commit SHA; default a stable SHA-1 of repo and revision. */
  resolveRevision?: RevisionResolver;
  fault?: Fault;
  port?: number;
}

export interface ArgoCdSimulator {
  /** `http://127.0.0.1:<port>` */
  url: string;
  stop(): Promise<void>;
  setFault(fault: Fault): Promise<void>;
  requests(): RecordedRequest[];
  resetRequests(): void;
  /** Seeds or replaces an application (apiVersion/kind are dropped; enums are checked). */
  putApplication(app: ApplicationInput): ArgoApplication;
  /** The stored app (a copy; resource health lives in the tree, as in 3.x). */
  getApplication(
    name: string,
    appNamespace?: string,
  ): ArgoApplication | undefined;
  applications(): ArgoApplication[];
  deleteApplication(name: string, appNamespace?: string): boolean;
  /** Merges `partial` into `status` (one level deep for `sync`, `health`, `summary`; `null` removes a key). */
  setStatus(
    name: string,
    partial: ApplicationStatus,
    appNamespace?: string,
  ): ArgoApplication;
  setResourceTree(
    name: string,
    tree: ApplicationTree,
    appNamespace?: string,
  ): void;
  putRevisionMetadata(sha: string, metadata: RevisionMetadata): void;
  addProject(name: string): void;
  /** The next sync of this app ends `Failed` with `message`. */
  failNextSync(name: string, message?: string, appNamespace?: string): void;
  /** Mints a token signed by this simulator (e.g. expired or for another subject). */
  issueToken(options?: IssueTokenOptions): string;
  /** Current list resourceVersion. */
  resourceVersion(): string;
  /**
   * Lets an external controller perform sync/rollback operations (undefined:
   * back to the simulated controller). The operation keeps its REST life
   * cycle; its result, history entry and final status are the handler's.
   */
  setSyncHandler(handler: SyncHandler | undefined): void;
  /** Resolves branches/tags for sync requests before `resolveRevision` (undefined: remove). */
  setRevisionResolver(resolver: RevisionResolver | undefined): void;
  /**
   * Starts a sync operation as the application controller does (default an
   * automated one): it shows in `.operation`/`operationState` like one a
   * client requested. Throws when an operation is already in progress.
   */
  requestSync(
    name: string,
    options?: RequestSyncOptions,
    appNamespace?: string,
  ): ArgoApplication;
  /** Replaces the app's spec (e.g. its sync policy), bumping `metadata.generation`. */
  setSpec(
    name: string,
    spec: ApplicationSpec,
    appNamespace?: string,
  ): ArgoApplication;
}

export async function startArgoCdSimulator(
  options: ArgoCdSimulatorOptions = {},
): Promise<ArgoCdSimulator> {
  const store = new ArgoStore({
    namespace: options.namespace ?? 'argocd',
    applicationNamespaces: options.applicationNamespaces ?? [],
    persistResourceHealth: options.persistResourceHealth ?? false,
  });
  for (const p of options.projects ?? []) store.projects.add(p);
  const sessions = new SessionManager(
    options.users ?? { admin: 'password' },
    options.sessionDurationSec ?? 24 * 60 * 60,
  );

  const holder: { ctx?: ArgoContext } = {};
  const server = await startSimServer({
    name: 'argocd',
    handler: (req, res) => createArgoHandler(holder.ctx!)(req, res),
    errorResponse: (_req, res, status) =>
      writeArgoError(
        res,
        grpcCodeForHttp(status),
        `simulated fault: HTTP ${status}`,
        status,
      ),
    malformedBody:
      '{"metadata":{"resourceVersion":"1"},"items":[{"metadata":{"name":"trunc',
    fault: options.fault,
    port: options.port,
  });
  const runner = new OperationRunner(
    store,
    server.timers,
    {
      startDelayMs: options.syncStartDelayMs ?? 20,
      durationMs: options.syncDurationMs ?? 500,
    },
    options.resolveRevision,
  );
  holder.ctx = {
    store,
    sessions,
    runner,
    policy: options.policy ?? (() => true),
    version: options.version ?? 'v3.5.1+simulator',
    clusters: options.clusters ?? [
      { name: 'in-cluster', server: 'https://kubernetes.default.svc' },
    ],
    timers: server.timers,
    keepAliveMs: options.keepAliveMs ?? 15_000,
    reconcileDelayMs: options.reconcileDelayMs ?? 50,
  };

  return {
    url: server.url,
    stop: () => server.stop(),
    setFault: f => server.setFault(f),
    requests: () => server.requests(),
    resetRequests: () => server.resetRequests(),
    putApplication: app => clone(store.put(app)),
    getApplication: (name, ns) => clone(store.get(name, ns)),
    applications: () => store.all().map(a => clone(a)),
    deleteApplication: (name, ns) => store.remove(name, ns),
    setStatus(name, partial, ns) {
      const current = store.get(name, ns);
      if (!current) throw new Error(`argocd simulator: no application ${name}`);
      const merged = mergeStatus(clone(current.status ?? {}), clone(partial));
      assertStatusEnums(merged); // before touching the stored app
      return clone(
        store.update(name, ns, a => {
          a.status = mergeStatus(a.status ?? {}, clone(partial));
        })!,
      );
    },
    setResourceTree: (name, tree, ns) => store.setTree(name, ns, tree),
    putRevisionMetadata: (sha, metadata) =>
      store.revisionMetadata.set(sha.toLowerCase(), clone(metadata)),
    addProject: name => {
      store.projects.add(name);
    },
    failNextSync: (name, message = 'simulated sync failure', ns) =>
      store.markFailNextSync(name, ns, message),
    issueToken: o => sessions.issue(o),
    resourceVersion: () => store.resourceVersion(),
    setSyncHandler: handler => runner.setHandler(handler),
    setRevisionResolver: resolver => runner.setResolverOverride(resolver),
    requestSync(name, o = {}, ns) {
      const app = store.get(name, ns);
      if (!app) throw new Error(`argocd simulator: no application ${name}`);
      const initiatedBy = o.initiatedBy ?? { automated: true };
      // the application controller syncs an automated app to the resolved SHA itself
      runner.checkSyncAllowed(
        app,
        initiatedBy.automated ? undefined : o.revision,
      );
      const syncOptions = app.spec.syncPolicy?.syncOptions;
      const op = {
        sync: {
          revision: runner.resolveRevision(primarySource(app), o.revision),
          ...(o.prune ? { prune: true } : {}),
          ...(o.dryRun ? { dryRun: true } : {}),
          ...(o.resources?.length
            ? { resources: clone(o.resources) as unknown as Record<string, unknown>[] }
            : {}),
          ...(syncOptions?.length ? { syncOptions: [...syncOptions] } : {}),
        },
        initiatedBy: clone(initiatedBy),
        retry: clone(app.spec.syncPolicy?.retry ?? {}),
      };
      runner.start(app, op, 'sync');
      return clone(store.get(name, ns)!);
    },
    setSpec(name, spec, ns) {
      const updated = store.update(name, ns, a => {
        a.spec = { ...clone(spec), project: spec.project || 'default' };
        a.metadata.generation = (a.metadata.generation ?? 1) + 1;
      });
      if (!updated) throw new Error(`argocd simulator: no application ${name}`);
      return clone(updated);
    },
  };
}

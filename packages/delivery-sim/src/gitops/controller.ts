/**
 * The GitOps controller (simulator) of the delivery loop: it plays Argo CD's
 * application controller behind the Argo CD REST API simulator. It keeps one
 * Application per service in the simulator, reads the real GitOps git
 * repository at the app's target revision, renders the overlay with the real
 * kustomize, compares it with the real kube-apiserver, writes the app's
 * sync/health/resources/summary/conditions, runs automated syncs (prune and
 * selfHeal as the app says) and performs every sync/rollback operation —
 * including those requested through the REST API — with server-side apply.
 * Not Argo CD.
 *
 * Bounded: one pass every `pollMs` (never overlapping), services two at a
 * time, renders through a p-limit queue and cached per commit, status
 * written only when it changes (or every 3 minutes, Argo CD's default
 * reconciliation timeout). `stop()` ends its timer and waits for its work.
 */
import pLimit from 'p-limit';
import type {
  ApplicationSpec,
  ApplicationStatus,
  ApplicationTree,
  ArgoApplication,
  ArgoCdSimulator,
  SyncHandler,
  SyncOutcome,
  SyncPolicy,
} from '@internal/simulators';
import { KubeClient } from '@internal/test-env';
import { BreakBoard } from '../breaks';
import { GitRepo } from '../git';
import { LoopLog, LoopService } from '../types';
import { KeyedLock } from './lock';
import { ManifestRenderer } from './render';
import { RevisionCache } from './revisions';
import { AppComparison, AppStateManager } from './state';
import {
  Condition,
  decideAutoSync,
  primarySource,
  rfc3339,
  statusPatch,
  statusView,
  treeView,
  withTimes,
} from './status';
import { runSync } from './sync';
import { buildTree, treeImages } from './tree';

export interface GitOpsControllerOptions {
  argocd: ArgoCdSimulator;
  /** The kube-apiserver, with a token allowed to manage the services' objects. */
  kube: { url: string; ca: string; token: string };
  /** kubectl whose `kustomize` renders the overlays. */
  kubectl: string;
  services: LoopService[];
  breaks: BreakBoard;
  /** What the Application's `source.repoURL` shows; default `file://<gitopsRepo>`. */
  repoURL?: (service: LoopService) => string;
  /** Pause between reconcile passes, default 1000 ms. */
  pollMs?: number;
  log?: LoopLog;
  /**
   * What `status.summary.images` lists: `rendered` (default) the images of
   * the rendered workloads; `live` the images of the pods in the resource
   * tree, as Argo CD computes it (empty until pods exist).
   */
  summaryImages?: 'rendered' | 'live';
  /** kustomize renders at once, default 1. */
  renderConcurrency?: number;
  /** First selfHeal back-off, doubled per attempt up to 60 s; default 2000 ms. */
  selfHealBackoffMs?: number;
}

export interface GitOpsController {
  /** Runs one reconcile pass now (after the one under way, if any). */
  reconcileNow(): Promise<void>;
  /** Ends the timer and waits for passes and operations under way. */
  stop(): Promise<void>;
  /** Completed reconcile passes. */
  passes(): number;
  /** The application names, per service name. */
  applications(): Record<string, string>;
}

const CONTROLLER = 'GitOps controller (simulator)';
const DEFAULT_AUTOMATED = { prune: true, selfHeal: true };
const RECONCILIATION_TIMEOUT_MS = 180_000;
const SELF_HEAL_MAX_MS = 60_000;
const SHA = /^[0-9a-f]{40}$/i;

interface Managed {
  svc: LoopService;
  app: string;
  repo: GitRepo;
  repoURL: string;
  /** the automated policy the `sync-off` break took away */
  removedAutomated?: SyncPolicy['automated'];
  lastTree?: string;
  lastWriteAt: number;
  selfHealAttempts: number;
  lastSelfHealAt: number;
  lastError?: string;
  lastRenderError?: string;
}

const short = (sha: string) => sha.slice(0, 7);

export function startGitOpsController(
  options: GitOpsControllerOptions,
): GitOpsController {
  const sim = options.argocd;
  const pollMs = options.pollMs ?? 1000;
  const selfHealBackoffMs = options.selfHealBackoffMs ?? 2000;
  const kube = new KubeClient(options.kube);
  const renderer = new ManifestRenderer(
    options.kubectl,
    options.renderConcurrency ?? 1,
  );
  const state = new AppStateManager(kube, renderer);
  const revisions = new RevisionCache();
  const locks = new KeyedLock();
  const serviceLimit = pLimit(2);
  const log = (message: string, service?: string) =>
    options.log?.({
      at: Date.now(),
      controller: 'gitops',
      ...(service ? { service } : {}),
      message: `${CONTROLLER}: ${message}`,
    });

  const managed = new Map<string, Managed>();
  const byRepoURL = new Map<string, Managed>();
  for (const svc of options.services) {
    const m: Managed = {
      svc,
      app: svc.argoApp,
      repo: new GitRepo(svc.gitopsRepo),
      repoURL: options.repoURL?.(svc) ?? `file://${svc.gitopsRepo}`,
      lastWriteAt: 0,
      selfHealAttempts: 0,
      lastSelfHealAt: 0,
    };
    managed.set(m.app, m);
    byRepoURL.set(m.repoURL, m);
  }

  // ---- applications and the sync-off break

  const createApp = (m: Managed) => {
    if (sim.getApplication(m.app)) return;
    const off = options.breaks.has(m.svc.name, 'sync-off');
    if (off) m.removedAutomated = { ...DEFAULT_AUTOMATED };
    sim.putApplication({
      metadata: { name: m.app },
      spec: {
        project: 'default',
        source: {
          repoURL: m.repoURL,
          path: m.svc.gitopsPath,
          targetRevision: 'main',
        },
        destination: {
          server: 'https://kubernetes.default.svc',
          namespace: m.svc.namespace,
        },
        ...(off ? {} : { syncPolicy: { automated: { ...DEFAULT_AUTOMATED } } }),
      },
      // what Argo CD shows before its first reconcile (Go zero values)
      status: {
        health: {},
        summary: {},
        sync: {
          comparedTo: { destination: {}, source: { repoURL: '' } },
          status: '',
        },
      },
    });
    log(
      `created Argo CD application ${m.app} (simulator)${
        off ? ' without automated sync (break sync-off)' : ''
      }`,
      m.svc.name,
    );
  };

  /** Applies the `sync-off` break to the stored app's sync policy. */
  const ensurePolicy = (m: Managed) => {
    const app = sim.getApplication(m.app);
    if (!app) return;
    const off = options.breaks.has(m.svc.name, 'sync-off');
    const policy = app.spec.syncPolicy;
    if (off && policy?.automated) {
      m.removedAutomated = policy.automated;
      const { automated: _removed, ...rest } = policy;
      const spec: ApplicationSpec = { ...app.spec, syncPolicy: rest };
      if (Object.keys(rest).length === 0) delete spec.syncPolicy;
      sim.setSpec(m.app, spec);
      log('automated sync turned off (break sync-off)', m.svc.name);
    } else if (!off && !policy?.automated && m.removedAutomated) {
      const spec: ApplicationSpec = {
        ...app.spec,
        syncPolicy: { ...(policy ?? {}), automated: m.removedAutomated },
      };
      m.removedAutomated = undefined;
      sim.setSpec(m.app, spec);
      log('automated sync restored (break sync-off cleared)', m.svc.name);
    }
  };

  for (const m of managed.values()) createApp(m);
  for (const m of managed.values()) ensurePolicy(m);
  const unsubscribe = options.breaks.onChange((service, brk) => {
    if (brk !== 'sync-off') return;
    for (const m of managed.values()) {
      if (m.svc.name === service) ensurePolicy(m);
    }
  });

  // ---- observing: comparison, tree, status

  const overlayPathOf = (m: Managed, app: ArgoApplication) =>
    primarySource(app)?.path ?? m.svc.gitopsPath;

  const observe = async (
    m: Managed,
    app: ArgoApplication,
    sha: string,
  ): Promise<{ cmp: AppComparison; tree: ApplicationTree }> => {
    const cmp = await state.compare(app, m.repo, sha, overlayPathOf(m, app));
    const tree = await buildTree(kube, cmp);
    if (cmp.renderError && cmp.renderError !== m.lastRenderError) {
      log(
        `cannot render ${m.svc.gitopsPath} at ${short(sha)}: ${
          cmp.renderError
        }`,
        m.svc.name,
      );
    }
    m.lastRenderError = cmp.renderError;
    if (cmp.syncStatus === 'Synced') m.selfHealAttempts = 0;
    return { cmp, tree };
  };

  const conditionsOf = (cmp: AppComparison, extra?: Condition): Condition[] => [
    ...(cmp.renderError
      ? [
          {
            type: 'ComparisonError',
            message: `Failed to load target state: failed to generate manifest for source 1 of 1: ${cmp.renderError}`,
          },
        ]
      : []),
    ...(extra ? [extra] : []),
  ];

  const patchOf = (
    app: ArgoApplication,
    cmp: AppComparison,
    tree: ApplicationTree,
    extra?: Condition,
  ): ApplicationStatus =>
    statusPatch(
      app,
      cmp,
      options.summaryImages === 'live' ? treeImages(tree) : cmp.images,
      conditionsOf(cmp, extra),
    );

  const write = (
    m: Managed,
    app: ArgoApplication,
    patch: ApplicationStatus,
    tree: ApplicationTree,
  ) => {
    const treeJson = treeView(tree);
    const changed =
      statusView(app.status) !==
        statusView({
          ...(app.status ?? {}),
          ...patch,
          conditions: patch.conditions ?? undefined,
        }) ||
      treeJson !== m.lastTree ||
      Date.now() - m.lastWriteAt > RECONCILIATION_TIMEOUT_MS;
    if (!changed) return;
    sim.setResourceTree(m.app, tree);
    sim.setStatus(m.app, patch);
    m.lastTree = treeJson;
    m.lastWriteAt = Date.now();
  };

  const reconcileApp = async (m: Managed) => {
    ensurePolicy(m);
    const app = sim.getApplication(m.app);
    if (!app) return;
    const rev = primarySource(app)?.targetRevision || 'HEAD';
    let sha: string;
    try {
      sha = await revisions.resolve(m.repo, rev);
    } catch (e) {
      const message = `Failed to load target state: unable to resolve '${rev}' to a commit SHA: ${
        (e as Error).message
      }`;
      const known = app.status?.conditions?.some(c => c.message === message);
      if (app.status?.sync?.status !== 'Unknown' || !known) {
        sim.setStatus(m.app, {
          sync: { status: 'Unknown' },
          conditions: withTimes(app, [{ type: 'ComparisonError', message }]),
          reconciledAt: rfc3339(),
        });
      }
      return;
    }
    const { cmp, tree } = await observe(m, app, sha);
    const selfHealDue =
      Date.now() - m.lastSelfHealAt >=
      Math.min(selfHealBackoffMs * 2 ** m.selfHealAttempts, SELF_HEAL_MAX_MS);
    const decision = decideAutoSync(app, cmp, selfHealDue);
    write(
      m,
      app,
      patchOf(
        app,
        cmp,
        tree,
        decision.kind === 'skip' ? decision.condition : undefined,
      ),
      tree,
    );
    if (decision.kind !== 'sync') return;
    try {
      sim.requestSync(m.app, {
        revision: sha,
        prune: decision.prune,
        ...(decision.resources ? { resources: decision.resources } : {}),
        initiatedBy: { automated: true },
      });
    } catch {
      return; // an operation started meanwhile
    }
    if (decision.selfHeal) {
      m.selfHealAttempts += 1;
      m.lastSelfHealAt = Date.now();
    }
    log(
      `${decision.selfHeal ? 'self-heal' : 'automated'} sync of ${
        m.app
      } to ${short(sha)} started`,
      m.svc.name,
    );
  };

  // ---- operations requested through the simulator (REST API or automated)

  let stopped = false;
  const inflight = new Set<Promise<unknown>>();

  const handler: SyncHandler = async (app, request) => {
    const m = managed.get(app.metadata.name);
    if (!m) return undefined; // not one of the loop's apps: simulated as before
    if (stopped) {
      return {
        phase: 'Error',
        message: `${CONTROLLER} stopped`,
        resources: [],
        revision: request.revision,
      };
    }
    const work = locks.run(m.app, async (): Promise<SyncOutcome> => {
      const source = request.source ?? primarySource(app);
      const path = source?.path ?? m.svc.gitopsPath;
      const revision = SHA.test(request.revision)
        ? request.revision.toLowerCase()
        : await revisions.resolve(m.repo, request.revision);
      const run = await runSync(
        kube,
        state,
        app,
        m.repo,
        path,
        revision,
        request,
      );
      log(
        `${request.kind} of ${m.app} to ${short(revision)}${
          request.dryRun ? ' (dry run)' : ''
        } ${run.phase}: ${run.message}`,
        m.svc.name,
      );
      // the fresh comparison with the app's target, written with the result
      const current = sim.getApplication(m.app) ?? app;
      const targetSha = await revisions
        .resolve(m.repo, primarySource(current)?.targetRevision || 'HEAD')
        .catch(() => revision);
      const { cmp, tree } = await observe(m, current, targetSha);
      m.lastTree = treeView(tree);
      m.lastWriteAt = Date.now();
      return { ...run, status: patchOf(current, cmp, tree), tree };
    });
    inflight.add(work);
    try {
      return await work;
    } finally {
      inflight.delete(work);
    }
  };
  sim.setSyncHandler(handler);
  sim.setRevisionResolver((repoURL, revision) => {
    const m = byRepoURL.get(repoURL);
    return m ? revisions.resolveSync(m.repo.dir, revision) : undefined;
  });

  // ---- the loop

  let passes = 0;
  let chain: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;

  const runPass = async () => {
    await Promise.all(
      [...managed.values()].map(m =>
        serviceLimit(() =>
          locks
            .run(m.app, () => reconcileApp(m))
            .then(() => {
              m.lastError = undefined;
            })
            .catch(e => {
              const message = (e as Error).message;
              if (message !== m.lastError) {
                log(`reconcile of ${m.app} failed: ${message}`, m.svc.name);
              }
              m.lastError = message;
            }),
        ),
      ),
    );
    passes += 1;
  };

  const pass = (): Promise<void> => {
    const p = chain.then(runPass);
    chain = p.catch(() => undefined);
    return p;
  };

  const schedule = (delay: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      timer = undefined;
      void pass().finally(() => schedule(pollMs));
    }, delay);
  };
  schedule(0);

  return {
    reconcileNow: () => (stopped ? Promise.resolve() : pass()),
    async stop() {
      if (stopped) return;
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      unsubscribe();
      await chain;
      await Promise.allSettled([...inflight]);
      sim.setSyncHandler(undefined);
      sim.setRevisionResolver(undefined);
    },
    passes: () => passes,
    applications: () =>
      Object.fromEntries([...managed.values()].map(m => [m.svc.name, m.app])),
  };
}

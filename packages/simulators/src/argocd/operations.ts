/**
 * The simulated application controller for sync and rollback operations:
 * `.operation` set → `operationState.phase: Running` → `Succeeded`/`Failed`,
 * `.operation` cleared, history appended (id from 0, oldest first, cut to
 * `revisionHistoryLimit`, default 10). With a sync handler set, an external
 * controller performs the operation and the result is the handler's.
 */
import crypto from 'node:crypto';
import { clone } from '../common/respond';
import { TimerSet } from '../common/timers';
import { ArgoError, GrpcCode } from './errors';
import { SyncHandler, SyncOutcome, SyncResourceRef } from './handler';
import {
  ArgoStore,
  isAutomated,
  mergeStatus,
  primarySource,
  resourceKey,
  rfc3339,
} from './store';
import {
  ApplicationSource,
  ArgoApplication,
  Operation,
  ResourceResult,
} from './types';

export type RevisionResolver = (
  repoURL: string,
  revision: string,
) => string | undefined;

export interface OperationTiming {
  startDelayMs: number;
  durationMs: number;
}

const SHA = /^[0-9a-f]{40}$/i;
const DEFAULT_HISTORY_LIMIT = 10;

export class OperationRunner {
  private readonly pending = new Map<string, () => void>();
  private handler?: SyncHandler;
  private resolverOverride?: RevisionResolver;

  constructor(
    private readonly store: ArgoStore,
    private readonly timers: TimerSet,
    private readonly timing: OperationTiming,
    private readonly resolver?: RevisionResolver,
  ) {}

  /** An external controller that performs operations (undefined: simulate them). */
  setHandler(handler: SyncHandler | undefined): void {
    this.handler = handler;
  }

  /** A resolver consulted before the one given at start (undefined: remove it). */
  setResolverOverride(resolver: RevisionResolver | undefined): void {
    this.resolverOverride = resolver;
  }

  /** Resolves a branch/tag to a commit SHA; Helm chart sources keep the chart version. */
  resolveRevision(
    source: ApplicationSource | undefined,
    revision?: string,
  ): string {
    const rev = revision || source?.targetRevision || 'HEAD';
    if (source?.chart) return rev;
    if (SHA.test(rev)) return rev.toLowerCase();
    const repo = source?.repoURL ?? '';
    return (
      this.resolverOverride?.(repo, rev) ??
      this.resolver?.(repo, rev) ??
      crypto.createHash('sha1').update(`${repo}#${rev}`).digest('hex')
    );
  }

  private key(app: ArgoApplication) {
    return `${app.metadata.namespace}/${app.metadata.name}`;
  }

  /** Sets `.operation` (400/9 when one is already there) and schedules the run. */
  start(
    app: ArgoApplication,
    op: Operation,
    kind: 'sync' | 'rollback',
    extra: { historyId?: number } = {},
  ): ArgoApplication {
    if (app.operation) {
      throw new ArgoError(
        GrpcCode.FailedPrecondition,
        'another operation is already in progress',
      );
    }
    const { name, namespace } = app.metadata;
    const updated = this.store.update(name, namespace, a => {
      a.operation = op;
    })!;
    const key = this.key(app);
    const cancelStart = this.timers.after(this.timing.startDelayMs, () => {
      this.store.update(name, namespace, a => {
        if (a.operation !== op) return;
        a.status = a.status ?? {};
        a.status.operationState = {
          operation: op,
          phase: 'Running',
          message: 'one or more tasks are running',
          startedAt: rfc3339(),
        };
      });
      const simulate = () => {
        const cancelFinish = this.timers.after(this.timing.durationMs, () => {
          this.pending.delete(key);
          this.finish(name, namespace, op, kind);
        });
        this.pending.set(key, cancelFinish);
      };
      const handler = this.handler;
      const entry = this.store.entry(name, namespace);
      if (
        !handler ||
        !entry ||
        entry.app.operation !== op ||
        entry.failNextSync
      ) {
        simulate();
        return;
      }
      this.pending.delete(key);
      void this.runHandler(handler, entry.app, op, kind, extra.historyId).then(
        outcome => {
          if (outcome) this.finishWith(name, namespace, op, outcome);
          else simulate();
        },
      );
    });
    this.pending.set(key, cancelStart);
    return updated;
  }

  private finish(
    name: string,
    namespace: string | undefined,
    op: Operation,
    kind: 'sync' | 'rollback',
  ) {
    this.store.update(name, namespace, (a, entry) => {
      if (a.operation !== op) return;
      const status = (a.status = a.status ?? {});
      const now = rfc3339();
      const opState = status.operationState ?? {
        operation: op,
        phase: 'Running',
        startedAt: now,
      };
      status.operationState = opState;
      const sync = op.sync ?? {};
      const source = sync.source ?? primarySource(a);
      const revision = this.resolveRevision(source, sync.revision);
      const failure = entry.failNextSync;
      entry.failNextSync = undefined;
      const wanted = sync.resources as
        | Array<{
            group?: string;
            kind: string;
            namespace?: string;
            name: string;
          }>
        | undefined;
      const selected = (status.resources ?? []).filter(
        r =>
          !wanted ||
          wanted.some(
            w =>
              resourceKey({ ...w, group: w.group ?? '' }) ===
              resourceKey({ ...r, group: r.group ?? '' }),
          ),
      );
      const results: ResourceResult[] = selected.map(r => ({
        group: r.group ?? '',
        version: r.version,
        kind: r.kind,
        namespace: r.namespace ?? '',
        name: r.name,
        status: failure ? 'SyncFailed' : 'Synced',
        message: failure
          ? failure
          : `${r.kind.toLowerCase()}${r.group ? `.${r.group}` : ''}/${r.name} ${
              sync.dryRun ? 'configured (dry run)' : 'configured'
            }`,
        hookPhase: failure ? 'Failed' : 'Running',
        syncPhase: 'Sync',
      }));
      opState.finishedAt = now;
      opState.syncResult = {
        resources: results,
        revision,
        ...(source ? { source } : {}),
      };
      opState.phase = failure ? 'Failed' : 'Succeeded';
      opState.message = failure
        ? `one or more objects failed to apply, reason: ${failure}`
        : 'successfully synced (all tasks run)';
      delete a.operation;
      status.reconciledAt = now;
      if (failure || sync.dryRun) return;

      const history = (status.history = status.history ?? []);
      const nextId = history.length ? history[history.length - 1].id + 1 : 0;
      history.push({
        revision,
        deployedAt: now,
        id: nextId,
        ...(source ? { source } : {}),
        deployStartedAt: opState.startedAt,
        initiatedBy: op.initiatedBy ?? {},
      });
      const limit = a.spec.revisionHistoryLimit ?? DEFAULT_HISTORY_LIMIT;
      if (history.length > limit) history.splice(0, history.length - limit);

      const target = primarySource(a);
      const inSync =
        kind === 'sync' &&
        revision === this.resolveRevision(target, target?.targetRevision);
      status.sync = {
        status: inSync ? 'Synced' : 'OutOfSync',
        revision,
        comparedTo: {
          ...(target ? { source: target } : {}),
          destination: a.spec.destination,
        },
      };
      for (const r of selected) r.status = 'Synced';
      this.store.setResourceHealth(entry, selected, { status: 'Healthy' });
      if (status.health?.status !== 'Healthy') {
        status.health = { status: 'Healthy', lastTransitionTime: now };
      }
    });
  }

  private async runHandler(
    handler: SyncHandler,
    app: ArgoApplication,
    op: Operation,
    kind: 'sync' | 'rollback',
    historyId: number | undefined,
  ): Promise<SyncOutcome | undefined> {
    const sync = op.sync ?? {};
    const source = sync.source ?? primarySource(app);
    const revision = this.resolveRevision(source, sync.revision);
    try {
      return await handler(clone(app), {
        kind,
        revision,
        prune: Boolean(sync.prune),
        dryRun: Boolean(sync.dryRun),
        ...(sync.resources
          ? { resources: sync.resources as unknown as SyncResourceRef[] }
          : {}),
        ...(sync.source ? { source: clone(sync.source) } : {}),
        ...(historyId !== undefined ? { historyId } : {}),
        initiatedBy: { ...(op.initiatedBy ?? {}) },
      });
    } catch (e) {
      return {
        phase: 'Error',
        message: (e as Error).message,
        resources: [],
        revision,
      };
    }
  }

  /** Ends the operation with the handler's outcome (one store update). */
  private finishWith(
    name: string,
    namespace: string | undefined,
    op: Operation,
    outcome: SyncOutcome,
  ) {
    this.store.update(name, namespace, (a, entry) => {
      if (a.operation !== op) return;
      const status = (a.status = a.status ?? {});
      const now = rfc3339();
      const opState = status.operationState ?? {
        operation: op,
        phase: 'Running',
        startedAt: now,
      };
      status.operationState = opState;
      const sync = op.sync ?? {};
      const source = sync.source ?? primarySource(a);
      opState.phase = outcome.phase;
      opState.message = outcome.message;
      opState.finishedAt = now;
      opState.syncResult = {
        resources: clone(outcome.resources),
        revision: outcome.revision,
        ...(source ? { source: clone(source) } : {}),
      };
      delete a.operation;
      status.reconciledAt = now;
      if (outcome.status) mergeStatus(status, clone(outcome.status));
      if (outcome.tree) this.store.replaceTree(entry, outcome.tree);
      // Argo records history only for full, real, successful syncs.
      if (
        outcome.phase !== 'Succeeded' ||
        sync.dryRun ||
        (sync.resources && sync.resources.length > 0)
      ) {
        return;
      }
      const history = (status.history = status.history ?? []);
      const nextId = history.length ? history[history.length - 1].id + 1 : 0;
      history.push({
        revision: outcome.revision,
        deployedAt: now,
        id: nextId,
        ...(source ? { source: clone(source) } : {}),
        deployStartedAt: opState.startedAt,
        initiatedBy: op.initiatedBy ?? {},
      });
      const limit = a.spec.revisionHistoryLimit ?? DEFAULT_HISTORY_LIMIT;
      if (history.length > limit) history.splice(0, history.length - limit);
    });
  }

  /** `DELETE /applications/{name}/operation`. */
  terminate(app: ArgoApplication): void {
    if (!app.operation || !app.status?.operationState) {
      throw new ArgoError(
        GrpcCode.InvalidArgument,
        'Unable to terminate operation. No operation is in progress',
      );
    }
    const { name, namespace } = app.metadata;
    const op = app.operation;
    this.pending.get(this.key(app))?.();
    this.pending.delete(this.key(app));
    this.store.update(name, namespace, a => {
      if (a.status?.operationState)
        a.status.operationState.phase = 'Terminating';
    });
    this.timers.after(this.timing.startDelayMs, () => {
      this.store.update(name, namespace, a => {
        if (a.operation !== op || !a.status?.operationState) return;
        a.status.operationState.phase = 'Failed';
        a.status.operationState.message = 'Operation terminated';
        a.status.operationState.finishedAt = rfc3339();
        delete a.operation;
      });
    });
  }

  /** Rejections a sync request meets before `.operation` is set. */
  checkSyncAllowed(app: ArgoApplication, revision: string | undefined) {
    if (app.metadata.deletionTimestamp) {
      throw new ArgoError(
        GrpcCode.FailedPrecondition,
        'application is being deleted',
      );
    }
    const target = primarySource(app)?.targetRevision ?? '';
    if (
      isAutomated(app) &&
      revision &&
      revision !== target &&
      !(target === '' && revision === 'HEAD')
    ) {
      throw new ArgoError(
        GrpcCode.FailedPrecondition,
        `Cannot sync to ${revision}: auto-sync currently set to ${target}`,
      );
    }
  }
}

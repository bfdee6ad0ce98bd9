/**
 * The simulated application controller for sync and rollback operations:
 * `.operation` set → `operationState.phase: Running` → `Succeeded`/`Failed`,
 * `.operation` cleared, history appended (id from 0, oldest first, cut to
 * `revisionHistoryLimit`, default 10).
 */
import crypto from 'node:crypto';
import { TimerSet } from '../common/timers';
import { ArgoError, GrpcCode } from './errors';
import {
  ArgoStore,
  isAutomated,
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

  constructor(
    private readonly store: ArgoStore,
    private readonly timers: TimerSet,
    private readonly timing: OperationTiming,
    private readonly resolver?: RevisionResolver,
  ) {}

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
      const cancelFinish = this.timers.after(this.timing.durationMs, () => {
        this.pending.delete(key);
        this.finish(name, namespace, op, kind);
      });
      this.pending.set(key, cancelFinish);
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

/**
 * The hook through which an external controller (e.g. the delivery loop's
 * GitOps controller) performs what a sync or rollback operation does, while
 * the simulator keeps the operation's REST life cycle (`.operation`,
 * `operationState` Running → result, history).
 */
import {
  ApplicationSource,
  ApplicationStatus,
  ApplicationTree,
  ArgoApplication,
  ResourceResult,
} from './types';

/** A resource a selective sync names (`SyncOperationResource`). */
export interface SyncResourceRef {
  group?: string;
  kind: string;
  namespace?: string;
  name: string;
}

/** What the operation asks the controller to do. */
export interface SyncRequest {
  kind: 'sync' | 'rollback';
  /** The operation's revision (resolved to a commit SHA for git sources when it was requested). */
  revision: string;
  prune: boolean;
  dryRun: boolean;
  /** Only these resources (selective sync); undefined = all. */
  resources?: SyncResourceRef[];
  /** The source to sync (a rollback's history entry source), else the app's. */
  source?: ApplicationSource;
  /** Rollbacks: the history id rolled back to. */
  historyId?: number;
  initiatedBy: { username?: string; automated?: boolean };
}

/** How the operation ended. */
export interface SyncOutcome {
  phase: 'Succeeded' | 'Failed' | 'Error';
  message: string;
  resources: ResourceResult[];
  /** The revision that was synced (goes to `syncResult.revision` and the history entry). */
  revision: string;
  /**
   * Merged into `status` in the same update that ends the operation (one
   * level deep for `sync`, `health`, `summary`), e.g. the fresh comparison.
   */
  status?: ApplicationStatus;
  /** Replaces the resource tree in the same update. */
  tree?: ApplicationTree;
}

/**
 * Performs a sync/rollback for `app` (a copy). Resolve `undefined` to leave
 * this app to the simulated controller; a rejection ends the operation with
 * phase `Error` and the error's message.
 */
export type SyncHandler = (
  app: ArgoApplication,
  request: SyncRequest,
) => Promise<SyncOutcome | undefined>;

/** Options of {@link ArgoCdSimulator.requestSync}: an operation started by a controller, not a REST client. */
export interface RequestSyncOptions {
  /** Branch/tag/SHA; default the app's target revision. */
  revision?: string;
  prune?: boolean;
  dryRun?: boolean;
  resources?: SyncResourceRef[];
  /** Default `{ automated: true }` (an automated sync). */
  initiatedBy?: { username?: string; automated?: boolean };
}

/**
 * Write actions of the mlops backend (`POST /entities/:kind/:namespace/:name/actions/*`).
 * Each one is decided by Backstage's permission framework before any
 * upstream is contacted, and only ever acts on what the entity's annotations
 * name.
 */

import { QueuedBuild } from './build';
import { SyncRequested } from './sync';

/** The template annotation `kubectl rollout restart` sets. @public */
export const RESTARTED_AT_ANNOTATION = 'kubectl.kubernetes.io/restartedAt';

/** Body of `POST …/actions/rebuild` (permission `mlops.build.trigger`). @public */
export interface RebuildActionRequest {
  /** One of the jobs `jenkins.io/job-full-name` names (`folder/job` or `instance:folder/job`); default: the first. */
  job?: string;
  /** Build parameters (`buildWithParameters`); omit for a job without parameters. */
  parameters?: Record<string, string>;
}

/** Answer to a rebuild: where the build waits in Jenkins' queue. @public */
export type RebuildActionResponse = QueuedBuild;

/** Body of `POST …/actions/sync` (permission `mlops.argocd.sync`). @public */
export interface SyncActionRequest {
  /** One of the applications the entity's Argo CD annotations resolve to; default: the only one. */
  app?: string;
  /** Argo CD instance (config name); needed when the application exists on several. */
  instance?: string;
  /** Revision to sync to (default: the application's target revision). */
  revision?: string;
  /** Delete resources that are no longer in Git (default false). */
  prune?: boolean;
}

/** Body of `POST …/actions/rollback` (permission `mlops.argocd.sync`). @public */
export interface RollbackActionRequest {
  app?: string;
  instance?: string;
  /** Argo CD history id to roll back to (`SyncHistoryEntry.id`). */
  id: number;
}

/** Answer to a sync or rollback. @public */
export type SyncActionResponse = SyncRequested;

/** Workload kinds the restart action patches. @public */
export type RestartableKind = 'Deployment' | 'StatefulSet';

/** Body of `POST …/actions/restart` (permission `mlops.workload.restart`). @public */
export interface RestartActionRequest {
  /** Cluster (config name); needed when the entity has the workload on several. */
  cluster?: string;
  namespace: string;
  name: string;
  /** Needed only when a Deployment and a StatefulSet share the name. */
  kind?: RestartableKind;
}

/** Answer to a restart: the PATCH was accepted, the rollout is up to the cluster. @public */
export interface RestartActionResponse {
  cluster: string;
  namespace: string;
  name: string;
  kind: RestartableKind;
  /** Value written to the pod template's `kubectl.kubernetes.io/restartedAt` (RFC 3339). */
  restartedAt: string;
  /** `metadata.generation` after the patch. */
  generation?: number;
  /** Something a person should know, e.g. a StatefulSet with `OnDelete` only restarts deleted pods. */
  note?: string;
}

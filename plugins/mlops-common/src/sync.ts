import { SignalHealth, UpstreamLink, UpstreamProblem } from './health';

/** Argo CD sync status. @public */
export type ArgoSyncStatus = 'Synced' | 'OutOfSync' | 'Unknown';

/** Argo CD health status (gitops-engine). @public */
export type ArgoHealthStatus =
  | 'Healthy'
  | 'Progressing'
  | 'Degraded'
  | 'Suspended'
  | 'Missing'
  | 'Unknown';

/** Phase of an Argo CD operation. @public */
export type ArgoOperationPhase =
  | 'Running'
  | 'Terminating'
  | 'Failed'
  | 'Error'
  | 'Succeeded';

/** The last (or running) operation of an application. @public */
export interface SyncOperation {
  phase: ArgoOperationPhase;
  message?: string;
  startedAt?: string;
  finishedAt?: string;
  /** Revision the operation syncs to. */
  revision?: string;
  /** User name, or `automated`. */
  initiatedBy?: string;
}

/** One deployment in the application's history. @public */
export interface SyncHistoryEntry {
  /** Argo CD's id: 0 for the first deployment, +1 each. */
  id: number;
  /** Commit SHA, or the chart version for Helm charts. */
  revision?: string;
  /** Multi-source applications: one revision per source. */
  revisions?: string[];
  deployedAt?: string;
  deployStartedAt?: string;
  initiatedBy?: string;
}

/** Where an application's manifests come from. @public */
export interface SyncSource {
  repoURL: string;
  path?: string;
  chart?: string;
  targetRevision?: string;
}

/** One Argo CD application on one Argo CD instance. @public */
export interface SyncApp {
  /** Name of the Argo CD instance in config. */
  instance: string;
  name: string;
  /** Namespace of the Application object (apps in any namespace). */
  namespace?: string;
  project: string;
  sync: ArgoSyncStatus;
  health: ArgoHealthStatus;
  healthMessage?: string;
  /** Revision the application is synced to (commit SHA, or chart version). */
  revision?: string;
  revisions?: string[];
  autoSync: boolean;
  /** True while an operation is requested or running (a new sync would be refused). */
  operationPending: boolean;
  operation?: SyncOperation;
  /** Oldest first. */
  history: SyncHistoryEntry[];
  /** `status.summary.images`: what the application's resources run. */
  images: string[];
  /** Images the GitOps source asks for (`kustomize.images`, Helm `image.tag` parameters). */
  desiredImages: string[];
  sources: SyncSource[];
  destination?: { server?: string; name?: string; namespace?: string };
  /** `type: message` of each condition (errors and warnings). */
  conditions: Array<{ type: string; message: string }>;
  reconciledAt?: string;
  /** Time the application was read (ISO). */
  checkedAt: string;
  link?: UpstreamLink;
}

/** An instance that could not be read for this entity. @public */
export interface SyncInstanceProblem {
  instance: string;
  problem: UpstreamProblem;
}

/** The sync signal of one entity: its applications on each instance. @public */
export interface SyncReport {
  entityRef: string;
  apps: SyncApp[];
  problems: SyncInstanceProblem[];
  health?: SignalHealth;
}

/** Answer to a sync or rollback request. @public */
export interface SyncRequested {
  instance: string;
  name: string;
  /** Phase right after the request (usually Running). */
  phase?: ArgoOperationPhase;
  revision?: string;
}

/**
 * The parts of the Argo CD Application (argoproj.io/v1alpha1) the simulator
 * stores and serves, with the real enum values
 * (gitops-engine `health.go`, `types.go`).
 */

export const SYNC_STATUSES = ['Synced', 'OutOfSync', 'Unknown'] as const;
export type SyncStatusCode = (typeof SYNC_STATUSES)[number];

export const HEALTH_STATUSES = [
  'Healthy',
  'Progressing',
  'Degraded',
  'Suspended',
  'Missing',
  'Unknown',
] as const;
export type HealthStatusCode = (typeof HEALTH_STATUSES)[number];

export const OPERATION_PHASES = [
  'Running',
  'Terminating',
  'Failed',
  'Error',
  'Succeeded',
] as const;
export type OperationPhase = (typeof OPERATION_PHASES)[number];

export const RESULT_CODES = [
  'Synced',
  'SyncFailed',
  'Pruned',
  'PruneSkipped',
] as const;
export type ResultCode = (typeof RESULT_CODES)[number];

export type JsonObject = { [key: string]: unknown };

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  [key: string]: unknown;
}

export interface ApplicationSource {
  repoURL: string;
  path?: string;
  chart?: string;
  ref?: string;
  targetRevision?: string;
  helm?: JsonObject;
  kustomize?: JsonObject;
  [key: string]: unknown;
}

export interface ApplicationDestination {
  server?: string;
  name?: string;
  namespace?: string;
}

export interface SyncPolicy {
  automated?: {
    prune?: boolean;
    selfHeal?: boolean;
    allowEmpty?: boolean;
    enabled?: boolean;
  };
  syncOptions?: string[];
  retry?: JsonObject;
}

export interface ApplicationSpec {
  project: string;
  source?: ApplicationSource;
  sources?: ApplicationSource[];
  destination: ApplicationDestination;
  syncPolicy?: SyncPolicy;
  revisionHistoryLimit?: number;
  [key: string]: unknown;
}

export interface HealthStatus {
  status?: HealthStatusCode;
  message?: string;
  lastTransitionTime?: string;
}

export interface ResourceStatus {
  group?: string;
  version: string;
  kind: string;
  namespace?: string;
  name: string;
  status?: SyncStatusCode;
  health?: HealthStatus;
  syncWave?: number;
  requiresPruning?: boolean;
  hook?: boolean;
}

export interface SyncOperation {
  revision?: string;
  revisions?: string[];
  prune?: boolean;
  dryRun?: boolean;
  syncStrategy?: JsonObject;
  resources?: JsonObject[];
  syncOptions?: string[];
  source?: ApplicationSource;
  [key: string]: unknown;
}

export interface Operation {
  sync?: SyncOperation;
  initiatedBy?: { username?: string; automated?: boolean };
  info?: JsonObject[];
  retry?: JsonObject;
}

export interface ResourceResult {
  group: string;
  version: string;
  kind: string;
  namespace: string;
  name: string;
  status?: ResultCode;
  message?: string;
  hookPhase?: string;
  syncPhase?: string;
}

export interface OperationState {
  operation: Operation;
  phase: OperationPhase;
  message?: string;
  startedAt: string;
  finishedAt?: string;
  syncResult?: {
    resources?: ResourceResult[];
    revision: string;
    source?: ApplicationSource;
  };
}

export interface RevisionHistory {
  id: number;
  revision?: string;
  revisions?: string[];
  deployedAt: string;
  deployStartedAt?: string;
  source?: ApplicationSource;
  sources?: ApplicationSource[];
  initiatedBy?: { username?: string; automated?: boolean };
}

export interface ApplicationStatus {
  resources?: ResourceStatus[];
  sync?: {
    status?: SyncStatusCode | '';
    revision?: string;
    revisions?: string[];
    comparedTo?: JsonObject;
  };
  health?: HealthStatus;
  history?: RevisionHistory[];
  conditions?: Array<{
    type: string;
    message: string;
    lastTransitionTime?: string;
  }>;
  reconciledAt?: string;
  operationState?: OperationState;
  sourceType?: string;
  summary?: {
    images?: string[];
    externalURLs?: string[];
    [key: string]: unknown;
  };
  resourceHealthSource?: string;
  [key: string]: unknown;
}

/** An Application as the REST API serves it: no apiVersion/kind. */
export interface ArgoApplication {
  metadata: ObjectMeta;
  spec: ApplicationSpec;
  status?: ApplicationStatus;
  operation?: Operation;
}

/** What seeding accepts: apiVersion/kind are allowed and dropped. */
export type ApplicationInput = Omit<ArgoApplication, 'metadata' | 'status'> & {
  apiVersion?: string;
  kind?: string;
  metadata: Partial<ObjectMeta> & { name: string };
  status?: ApplicationStatus;
};

export interface ResourceNode {
  group?: string;
  version: string;
  kind: string;
  namespace?: string;
  name: string;
  uid?: string;
  resourceVersion?: string;
  parentRefs?: Array<{
    group?: string;
    kind: string;
    namespace?: string;
    name: string;
    uid?: string;
  }>;
  info?: Array<{ name: string; value: string }>;
  images?: string[];
  health?: HealthStatus;
  createdAt?: string;
  networkingInfo?: JsonObject;
}

export interface ApplicationTree {
  nodes: ResourceNode[];
  orphanedNodes?: ResourceNode[];
  hosts?: JsonObject[];
}

export interface RevisionMetadata {
  author?: string;
  date: string;
  tags?: string[];
  message?: string;
  signatureInfo?: string;
}

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  application: ArgoApplication;
}

/** RBAC actions on `applications` (Argo CD `rbacpolicy`). */
export type ArgoAction =
  | 'get'
  | 'create'
  | 'update'
  | 'delete'
  | 'sync'
  | 'override'
  | 'action';

/** Decides one RBAC check; the default allows everything. */
export type ArgoPolicy = (check: {
  /** JWT `sub`, e.g. `admin:login`. */
  subject: string;
  /** The account name (`sub` up to the first `:`). */
  username: string;
  action: ArgoAction;
  project: string;
  namespace: string;
  name: string;
}) => boolean;

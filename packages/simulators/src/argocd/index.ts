export { startArgoCdSimulator } from './simulator';
export type { ArgoCdSimulator, ArgoCdSimulatorOptions } from './simulator';
export type { ArgoCluster } from './context';
export type { IssueTokenOptions } from './session';
export type { RevisionResolver } from './operations';
export type {
  RequestSyncOptions,
  SyncHandler,
  SyncOutcome,
  SyncRequest,
  SyncResourceRef,
} from './handler';
export * from './types';
export { exampleApplication } from './fixtures';

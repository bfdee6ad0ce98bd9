export { startArgoCdSimulator } from './simulator';
export type { ArgoCdSimulator, ArgoCdSimulatorOptions } from './simulator';
export type { ArgoCluster } from './context';
export type { IssueTokenOptions } from './session';
export type { RevisionResolver } from './operations';
export * from './types';
export { exampleApplication } from './fixtures';

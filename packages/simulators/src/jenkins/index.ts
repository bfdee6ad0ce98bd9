export { startJenkinsSimulator } from './simulator';
export type {
  JenkinsSimulator,
  JenkinsSimulatorOptions,
  JenkinsJobInfo,
  TriggerBuildOptions,
  TriggeredBuild,
} from './simulator';
export type {
  BuildHandle,
  BuildRunner,
  RunnerStageEnd,
  RunnerStageError,
  TriggerCause,
} from './runner';
export type { JenkinsBuild, Cause } from './state';
export { CHECKOUT_STAGE, encodeBranchName } from './state';
export * from './types';

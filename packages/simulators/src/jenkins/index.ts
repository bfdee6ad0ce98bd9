export { startJenkinsSimulator } from './simulator';
export type {
  JenkinsSimulator,
  JenkinsSimulatorOptions,
  JenkinsJobInfo,
} from './simulator';
export type { JenkinsBuild, Cause } from './state';
export { encodeBranchName } from './state';
export * from './types';

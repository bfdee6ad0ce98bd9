/**
 * Scaffolder actions of the ML model service portal.
 *
 * @packageDocumentation
 */
export { scaffolderModuleMlops as default } from './module';
export { createValidateModelServiceAction } from './actions/validateModelService';
export { createGitopsRegisterAction } from './actions/gitopsRegister';
export { createArgocdCreateApplicationAction } from './actions/argocdCreateApplication';
export { createJenkinsCreateJobAction } from './actions/jenkinsCreateJob';
export { createHarborEnsureProjectAction } from './actions/harborEnsureProject';
export { ArgocdSessionCache } from './lib/argocd/ArgocdClient';

/** The delivery loop's GitOps controller (simulator), behind the Argo CD REST API simulator. */
export { startGitOpsController } from './controller';
export type { GitOpsController, GitOpsControllerOptions } from './controller';
export { FIELD_MANAGER as ARGOCD_FIELD_MANAGER, TRACKING_LABEL } from './state';

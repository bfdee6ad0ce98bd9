/** The build controller (simulator) of the delivery loop. */
export { startBuildController } from './controller';
export type { BuildController, BuildControllerOptions } from './controller';
export {
  GITOPS_STAGE,
  IMAGE_STAGE,
  PIPELINE_STAGES,
  failingStage,
} from './pipeline';
export { setImageTag } from './kustomization';
export type { ImageTagEdit } from './kustomization';
export { GITOPS_AUTHOR } from './gitops';

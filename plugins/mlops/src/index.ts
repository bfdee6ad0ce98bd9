/**
 * Frontend of the mlops plugins, for apps on the legacy frontend system.
 * Apps on the new frontend system import the default export of
 * `@internal/plugin-mlops/alpha` instead.
 *
 * @packageDocumentation
 */
export { mlopsPlugin, EntityImageCard } from './plugin';
export { MlopsGoldenPathsPage } from './plugin';
export { MlopsFleetPage, MlopsGpuFleetPage } from './plugin';
export {
  fleetRouteRef,
  goldenPathsRouteRef,
  gpuFleetRouteRef,
} from './routes';
export {
  EntityDeliveryCard,
  EntityBuildCard,
  EntitySyncCard,
  EntityInferenceCard,
  EntityGpuCard,
} from './plugin';
export { mlopsApiRef, mlopsHealthApiRef, mlopsActionsApiRef } from './api';
export type { DeliveryCardProps } from './components/DeliveryCard';
export type { BuildCardProps } from './components/BuildCard';
export type { SyncCardProps } from './components/SyncCard';
export type { InferenceCardProps } from './components/InferenceCard';
export type { GpuCardProps } from './components/GpuCard';
export type { ImageCardProps } from './components/ImageCard';
export {
  isBuildAvailable,
  isDeliveryAvailable,
  isInferenceAvailable,
  isKubernetesAvailable,
  isSyncAvailable,
  isImageRepositoryAvailable,
  isImageRepositoryAvailable as isPluginApplicableToEntity,
} from '@internal/plugin-mlops-common';

/**
 * Frontend of the mlops plugins, for apps on the legacy frontend system.
 * Apps on the new frontend system import the default export of
 * `@internal/plugin-mlops/alpha` instead.
 *
 * @packageDocumentation
 */
export { mlopsPlugin, EntityImageCard } from './plugin';
export { MlopsGoldenPathsPage } from './plugin';
export { goldenPathsRouteRef } from './routes';
export { mlopsApiRef } from './api';
export type { ImageCardProps } from './components/ImageCard';
export {
  isImageRepositoryAvailable,
  isImageRepositoryAvailable as isPluginApplicableToEntity,
} from '@internal/plugin-mlops-common';

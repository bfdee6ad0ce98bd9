import {
  createApiFactory,
  createComponentExtension,
  createPlugin,
  createRoutableExtension,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import { MlopsClient } from '@internal/plugin-mlops-common';
import { mlopsActionsApiRef, mlopsApiRef, mlopsHealthApiRef } from './api';
import { fleetRouteRef, goldenPathsRouteRef, gpuFleetRouteRef } from './routes';

/**
 * The mlops plugin for apps on the legacy frontend system.
 *
 * @public
 */
export const mlopsPlugin = createPlugin({
  id: 'mlops',
  routes: {
    goldenPaths: goldenPathsRouteRef,
    fleet: fleetRouteRef,
    gpuFleet: gpuFleetRouteRef,
  },
  apis: [
    createApiFactory({
      api: mlopsApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new MlopsClient({ discoveryApi, fetchApi }),
    }),
    createApiFactory({
      api: mlopsHealthApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new MlopsClient({ discoveryApi, fetchApi }),
    }),
    createApiFactory({
      api: mlopsActionsApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new MlopsClient({ discoveryApi, fetchApi }),
    }),
  ],
});

/**
 * Entity card listing the tags of the entity's container image repository.
 *
 * @public
 */
export const EntityImageCard = mlopsPlugin.provide(
  createComponentExtension({
    name: 'EntityImageCard',
    component: {
      lazy: () => import('./components/ImageCard').then(m => m.ImageCard),
    },
  }),
);

/**
 * Entity card: the delivery chain commit → build → image → desired in GitOps
 * → synced → running → serving, each step with status, age and link, and
 * the first broken step in words.
 *
 * @public
 */
export const EntityDeliveryCard = mlopsPlugin.provide(
  createComponentExtension({
    name: 'EntityDeliveryCard',
    component: {
      lazy: () =>
        import('./components/DeliveryCard').then(m => m.DeliveryCard),
    },
  }),
);

/**
 * Entity card: the entity's Jenkins jobs and last builds (result, duration
 * vs estimate, commit, branch, stages), with Rebuild when permitted.
 *
 * @public
 */
export const EntityBuildCard = mlopsPlugin.provide(
  createComponentExtension({
    name: 'EntityBuildCard',
    component: {
      lazy: () => import('./components/BuildCard').then(m => m.BuildCard),
    },
  }),
);

/**
 * Entity card: the entity's Argo CD applications per instance (sync,
 * health, revision, images, last operation, history), with Sync and
 * Rollback when permitted.
 *
 * @public
 */
export const EntitySyncCard = mlopsPlugin.provide(
  createComponentExtension({
    name: 'EntitySyncCard',
    component: {
      lazy: () => import('./components/SyncCard').then(m => m.SyncCard),
    },
  }),
);

/**
 * Entity card: whether the model server is live and ready with its model
 * loaded, and (with Prometheus) its request rate, error rate and latency.
 *
 * @public
 */
export const EntityInferenceCard = mlopsPlugin.provide(
  createComponentExtension({
    name: 'EntityInferenceCard',
    component: {
      lazy: () =>
        import('./components/InferenceCard').then(m => m.InferenceCard),
    },
  }),
);

/**
 * Entity card: the GPUs the entity's pods hold and wait for, their nodes,
 * and (with Prometheus + DCGM exporter) their utilization.
 *
 * @public
 */
export const EntityGpuCard = mlopsPlugin.provide(
  createComponentExtension({
    name: 'EntityGpuCard',
    component: {
      lazy: () => import('./components/GpuCard').then(m => m.GpuCard),
    },
  }),
);

/**
 * The platform owners' "Golden paths" page: software templates with version
 * and owner, the entities created from each, their drift and checks.
 *
 * @public
 */
export const MlopsGoldenPathsPage = mlopsPlugin.provide(
  createRoutableExtension({
    name: 'MlopsGoldenPathsPage',
    component: () =>
      import('./components/GoldenPathsPage').then(m => m.GoldenPathsPage),
    mountPoint: goldenPathsRouteRef,
  }),
);

/**
 * The platform owners' "Model services" page: every model service with its
 * six signals, filterable by owner, runtime, cluster and status.
 *
 * @public
 */
export const MlopsFleetPage = mlopsPlugin.provide(
  createRoutableExtension({
    name: 'MlopsFleetPage',
    component: () => import('./components/FleetPage').then(m => m.FleetPage),
    mountPoint: fleetRouteRef,
  }),
);

/**
 * The "GPU fleet" page: GPU nodes across clusters and the pods that hold them.
 *
 * @public
 */
export const MlopsGpuFleetPage = mlopsPlugin.provide(
  createRoutableExtension({
    name: 'MlopsGpuFleetPage',
    component: () =>
      import('./components/GpuFleetPage').then(m => m.GpuFleetPage),
    mountPoint: gpuFleetRouteRef,
  }),
);

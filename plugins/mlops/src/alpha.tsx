import {
  ApiBlueprint,
  PageBlueprint,
  createFrontendPlugin,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/frontend-plugin-api';
import { Content } from '@backstage/core-components';
import { EntityCardBlueprint } from '@backstage/plugin-catalog-react/alpha';
import {
  MlopsClient,
  isBuildAvailable,
  isDeliveryAvailable,
  isImageRepositoryAvailable,
  isInferenceAvailable,
  isKubernetesAvailable,
  isModelService,
  isSyncAvailable,
} from '@internal/plugin-mlops-common';
import { mlopsActionsApiRef, mlopsApiRef, mlopsHealthApiRef } from './api';
import { GoldenPathsIcon } from './components/GoldenPathsPage/GoldenPathsIcon';
import { FleetIcon } from './components/FleetPage/FleetIcon';
import { GpuFleetIcon } from './components/GpuFleetPage/GpuFleetIcon';
import { fleetRouteRef, goldenPathsRouteRef, gpuFleetRouteRef } from './routes';

/** @alpha */
export const mlopsApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: mlopsApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new MlopsClient({ discoveryApi, fetchApi }),
    }),
});

/** @alpha */
export const mlopsHealthApi = ApiBlueprint.make({
  name: 'health',
  params: defineParams =>
    defineParams({
      api: mlopsHealthApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new MlopsClient({ discoveryApi, fetchApi }),
    }),
});

/** @alpha */
export const mlopsActionsApi = ApiBlueprint.make({
  name: 'actions',
  params: defineParams =>
    defineParams({
      api: mlopsActionsApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new MlopsClient({ discoveryApi, fetchApi }),
    }),
});

/**
 * Entity card listing the tags of the entity's container image repository.
 * Shown on entities that carry an image repository annotation.
 *
 * @alpha
 */
export const entityImageCard = EntityCardBlueprint.make({
  name: 'image',
  params: {
    filter: isImageRepositoryAvailable,
    loader: () => import('./components/ImageCard').then(m => <m.ImageCard />),
  },
});

/**
 * Entity card: the delivery chain and where it breaks. Shown on entities
 * that name at least one step's upstream.
 *
 * @alpha
 */
export const entityDeliveryCard = EntityCardBlueprint.make({
  name: 'delivery',
  params: {
    filter: isDeliveryAvailable,
    loader: () =>
      import('./components/DeliveryCard').then(m => <m.DeliveryCard />),
  },
});

/**
 * Entity card: Jenkins builds, with Rebuild when permitted. Shown on
 * entities with `jenkins.io/job-full-name`.
 *
 * @alpha
 */
export const entityBuildCard = EntityCardBlueprint.make({
  name: 'build',
  params: {
    filter: isBuildAvailable,
    loader: () => import('./components/BuildCard').then(m => <m.BuildCard />),
  },
});

/**
 * Entity card: Argo CD sync and health, with Sync and Rollback when
 * permitted. Shown on entities with `argocd/app-name` or `argocd/app-selector`.
 *
 * @alpha
 */
export const entitySyncCard = EntityCardBlueprint.make({
  name: 'sync',
  params: {
    filter: isSyncAvailable,
    loader: () => import('./components/SyncCard').then(m => <m.SyncCard />),
  },
});

/**
 * Entity card: live / ready / model-ready probes and request metrics.
 * Shown on entities with an inference endpoint (or protocol + Kubernetes) annotation.
 *
 * @alpha
 */
export const entityInferenceCard = EntityCardBlueprint.make({
  name: 'inference',
  params: {
    filter: isInferenceAvailable,
    loader: () =>
      import('./components/InferenceCard').then(m => <m.InferenceCard />),
  },
});

/**
 * Entity card: GPUs held and waiting, their nodes and utilization. Shown on
 * model services with a Kubernetes annotation.
 *
 * @alpha
 */
export const entityGpuCard = EntityCardBlueprint.make({
  name: 'gpu',
  params: {
    filter: entity => isModelService(entity) && isKubernetesAvailable(entity),
    loader: () => import('./components/GpuCard').then(m => <m.GpuCard />),
  },
});

/**
 * The platform owners' "Golden paths" page: templates, adoption, drift and
 * per-entity checks. In the nav through its title and icon.
 *
 * @alpha
 */
export const goldenPathsPage = PageBlueprint.make({
  name: 'golden-paths',
  params: {
    path: '/golden-paths',
    title: 'Golden paths',
    icon: <GoldenPathsIcon />,
    routeRef: goldenPathsRouteRef,
    loader: () =>
      import('./components/GoldenPathsPage').then(m => (
        <Content>
          <m.GoldenPathsContent />
        </Content>
      )),
  },
});

/**
 * The platform owners' "Model services" page: every model service with its
 * six signals. In the nav through its title and icon.
 *
 * @alpha
 */
export const fleetPage = PageBlueprint.make({
  name: 'model-services',
  params: {
    path: '/model-services',
    title: 'Model services',
    icon: <FleetIcon />,
    routeRef: fleetRouteRef,
    loader: () =>
      import('./components/FleetPage').then(m => (
        <Content>
          <m.FleetContent />
        </Content>
      )),
  },
});

/**
 * The "GPU fleet" page: GPU nodes across clusters, what holds them, MIG and
 * time-slicing as configured. In the nav through its title and icon.
 *
 * @alpha
 */
export const gpuFleetPage = PageBlueprint.make({
  name: 'gpu-fleet',
  params: {
    path: '/gpu-fleet',
    title: 'GPU fleet',
    icon: <GpuFleetIcon />,
    routeRef: gpuFleetRouteRef,
    loader: () =>
      import('./components/GpuFleetPage').then(m => (
        <Content>
          <m.GpuFleetContent />
        </Content>
      )),
  },
});

/**
 * The mlops plugin for apps on the new frontend system.
 *
 * @alpha
 */
export default createFrontendPlugin({
  pluginId: 'mlops',
  routes: {
    goldenPaths: goldenPathsRouteRef,
    fleet: fleetRouteRef,
    gpuFleet: gpuFleetRouteRef,
  },
  extensions: [
    mlopsApi,
    mlopsHealthApi,
    mlopsActionsApi,
    entityDeliveryCard,
    entityBuildCard,
    entityImageCard,
    entitySyncCard,
    entityInferenceCard,
    entityGpuCard,
    goldenPathsPage,
    fleetPage,
    gpuFleetPage,
  ],
});

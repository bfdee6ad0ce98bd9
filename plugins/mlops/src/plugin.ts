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
import { goldenPathsRouteRef } from './routes';

/**
 * The mlops plugin for apps on the legacy frontend system.
 *
 * @public
 */
export const mlopsPlugin = createPlugin({
  id: 'mlops',
  routes: { goldenPaths: goldenPathsRouteRef },
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

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
  isImageRepositoryAvailable,
} from '@internal/plugin-mlops-common';
import { mlopsActionsApiRef, mlopsApiRef, mlopsHealthApiRef } from './api';
import { GoldenPathsIcon } from './components/GoldenPathsPage/GoldenPathsIcon';
import { goldenPathsRouteRef } from './routes';

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
 * The mlops plugin for apps on the new frontend system.
 *
 * @alpha
 */
export default createFrontendPlugin({
  pluginId: 'mlops',
  routes: { goldenPaths: goldenPathsRouteRef },
  extensions: [
    mlopsApi,
    mlopsHealthApi,
    mlopsActionsApi,
    entityImageCard,
    goldenPathsPage,
  ],
});

import {
  ApiBlueprint,
  createFrontendPlugin,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/frontend-plugin-api';
import { EntityCardBlueprint } from '@backstage/plugin-catalog-react/alpha';
import {
  MlopsClient,
  isImageRepositoryAvailable,
} from '@internal/plugin-mlops-common';
import { mlopsApiRef } from './api';

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
 * The mlops plugin for apps on the new frontend system.
 *
 * @alpha
 */
export default createFrontendPlugin({
  pluginId: 'mlops',
  extensions: [mlopsApi, entityImageCard],
});

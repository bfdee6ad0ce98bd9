import {
  createApiFactory,
  createComponentExtension,
  createPlugin,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import { MlopsClient } from '@internal/plugin-mlops-common';
import { mlopsApiRef } from './api';

/**
 * The mlops plugin for apps on the legacy frontend system.
 *
 * @public
 */
export const mlopsPlugin = createPlugin({
  id: 'mlops',
  apis: [
    createApiFactory({
      api: mlopsApiRef,
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

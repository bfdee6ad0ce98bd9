import { createApiRef } from '@backstage/core-plugin-api';
import { MlopsApi } from '@internal/plugin-mlops-common';

/**
 * Utility API reference for the mlops backend client.
 *
 * The `plugin.mlops.*` id lets the new frontend system infer the owning plugin.
 *
 * @public
 */
export const mlopsApiRef = createApiRef<MlopsApi>({
  id: 'plugin.mlops.service',
});

import { createApiRef } from '@backstage/core-plugin-api';
import {
  MlopsActionsApi,
  MlopsApi,
  MlopsHealthApi,
} from '@internal/plugin-mlops-common';

/**
 * Utility API reference for the mlops backend client: image reports and
 * golden paths.
 *
 * The `plugin.mlops.*` ids let the new frontend system infer the owning plugin.
 *
 * @public
 */
export const mlopsApiRef = createApiRef<MlopsApi>({
  id: 'plugin.mlops.service',
});

/** Health of one entity (all signals, delivery chain, card details), of the fleet and of GPU nodes. @public */
export const mlopsHealthApiRef = createApiRef<MlopsHealthApi>({
  id: 'plugin.mlops.health',
});

/** Rebuild, sync, rollback and restart (each decided by the backend's permission policy). @public */
export const mlopsActionsApiRef = createApiRef<MlopsActionsApi>({
  id: 'plugin.mlops.actions',
});

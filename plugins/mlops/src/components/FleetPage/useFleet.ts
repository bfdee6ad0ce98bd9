import { useApi } from '@backstage/core-plugin-api';
import { catalogApiRef } from '@backstage/plugin-catalog-react';
import { MODEL_SERVICE_COMPONENT_TYPES } from '@internal/plugin-mlops-common';
import { useCallback } from 'react';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { mlopsHealthApiRef } from '../../api';
import { CATALOG_FIELDS } from './fleetRows';

/**
 * Loads the fleet health answer and, next to it, the model services' catalog
 * entries (owner, runtime, cluster are not in the health answer). The health
 * answer is what the page stands on; a catalog failure only leaves those
 * three columns empty. `retry()` asks both again.
 */
export function useFleet() {
  const healthApi = useApi(mlopsHealthApiRef);
  const catalogApi = useApi(catalogApiRef);
  const health = useAsyncRetry(() => healthApi.getFleetHealth(), [healthApi]);
  const catalog = useAsyncRetry(
    () =>
      catalogApi.getEntities({
        filter: {
          kind: 'Component',
          'spec.type': [...MODEL_SERVICE_COMPONENT_TYPES],
        },
        fields: CATALOG_FIELDS,
      }),
    [catalogApi],
  );
  const { retry: retryHealth } = health;
  const { retry: retryCatalog } = catalog;
  const retry = useCallback(() => {
    retryHealth();
    retryCatalog();
  }, [retryHealth, retryCatalog]);
  return {
    loading: health.loading || catalog.loading,
    error: health.error,
    catalogError: catalog.error,
    items: health.value?.items,
    entities: catalog.value?.items,
    retry,
  };
}

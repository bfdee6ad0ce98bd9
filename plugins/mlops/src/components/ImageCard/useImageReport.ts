import {
  Entity,
  getCompoundEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { useApi } from '@backstage/core-plugin-api';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { mlopsApiRef } from '../../api';

/** Loads the image report of an entity; `retry()` asks the backend again. */
export function useImageReport(entity: Entity) {
  const mlopsApi = useApi(mlopsApiRef);
  const entityRef = stringifyEntityRef(entity);
  return useAsyncRetry(
    () => mlopsApi.getImageReport(getCompoundEntityRef(entity)),
    // the entity object may be re-created on each render; its ref is stable
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [mlopsApi, entityRef],
  );
}

import { useApi } from '@backstage/core-plugin-api';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { mlopsApiRef } from '../../api';

/** Loads the golden-paths report; `retry()` asks the backend again. */
export function useGoldenPaths() {
  const mlopsApi = useApi(mlopsApiRef);
  return useAsyncRetry(() => mlopsApi.getGoldenPaths(), [mlopsApi]);
}

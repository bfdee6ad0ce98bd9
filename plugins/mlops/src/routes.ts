import { createRouteRef } from '@backstage/core-plugin-api';

/**
 * The platform owners' "Golden paths" page. A legacy route ref; the new
 * frontend system accepts it as is.
 *
 * @public
 */
export const goldenPathsRouteRef = createRouteRef({ id: 'mlops:golden-paths' });

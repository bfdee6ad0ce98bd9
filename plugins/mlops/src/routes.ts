import { createRouteRef } from '@backstage/core-plugin-api';

/**
 * The platform owners' "Golden paths" page. A legacy route ref; the new
 * frontend system accepts it as is.
 *
 * @public
 */
export const goldenPathsRouteRef = createRouteRef({ id: 'mlops:golden-paths' });

/** The "Model services" fleet page: every model service with its six signals. @public */
export const fleetRouteRef = createRouteRef({ id: 'mlops:fleet' });

/** The "GPU fleet" page: GPU nodes across clusters and what holds them. @public */
export const gpuFleetRouteRef = createRouteRef({ id: 'mlops:gpu-fleet' });

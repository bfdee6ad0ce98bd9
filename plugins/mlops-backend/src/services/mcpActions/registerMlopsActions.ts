import { registerGetModelServiceHealthAction } from './getModelServiceHealthAction';
import { registerListGpuNodesAction } from './listGpuNodesAction';
import { registerListModelServicesAction } from './listModelServicesAction';
import { MlopsActionsOptions } from './types';

/**
 * Registers the read-only mlops actions with the actions registry (served to
 * MCP clients by the mcp-actions backend): `mlops:get-model-service-health`,
 * `mlops:list-model-services`, `mlops:list-gpu-nodes`. Catalog reads use
 * the caller's credentials, so nobody sees a service they cannot see in the
 * catalog.
 */
export function registerMlopsActions(options: MlopsActionsOptions): void {
  registerGetModelServiceHealthAction(options);
  registerListModelServicesAction(options);
  registerListGpuNodesAction(options);
}

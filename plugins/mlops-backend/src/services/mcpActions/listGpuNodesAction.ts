import { nodeGpuInventory } from '../../upstreams/kubernetes';
import { gpuNodeSchema, problemOf } from './schemas';
import { MlopsActionsOptions } from './types';

export const GPU_NOT_CONFIGURED =
  'no Kubernetes cluster is configured for the portal (kubernetes.clusterLocatorMethods with type: config), so GPU nodes cannot be listed';

/** `mlops:list-gpu-nodes`: GPU nodes from the watch cache, with what holds their GPUs. */
export function registerListGpuNodesAction(
  options: Pick<MlopsActionsOptions, 'actionsRegistry' | 'cache'>,
): void {
  const { actionsRegistry, cache } = options;
  actionsRegistry.register({
    name: 'list-gpu-nodes',
    title: 'List GPU nodes',
    description:
      'Lists the Kubernetes nodes with GPUs on every cluster the portal watches: GPU product and memory, capacity, allocatable, requested (held by pods) and free GPUs per resource (e.g. nvidia.com/gpu, MIG profiles), readiness, cordoning, GPU taints, and the pods holding GPUs. When no cluster is configured it says so in "reason" and returns no clusters.',
    attributes: { readOnly: true, destructive: false, idempotent: true },
    schema: {
      input: z =>
        z.object({
          cluster: z
            .string()
            .min(1)
            .optional()
            .describe('Only this cluster (as named in the portal config)'),
        }),
      output: z =>
        z.object({
          configured: z
            .boolean()
            .describe('False when the portal watches no Kubernetes cluster'),
          reason: z.string().optional(),
          clusters: z.array(
            z.object({
              cluster: z.string(),
              synced: z
                .boolean()
                .describe('The node list is complete and current'),
              problem: problemOf(z).optional(),
              nodes: z.array(gpuNodeSchema(z)),
            }),
          ),
        }),
    },
    action: async ({ input }) => {
      if (!cache || cache.clusterNames().length === 0) {
        return {
          output: {
            configured: false,
            reason: GPU_NOT_CONFIGURED,
            clusters: [],
          },
        };
      }
      const names = cache
        .clusterNames()
        .filter(c => !input.cluster || c === input.cluster);
      if (input.cluster && names.length === 0) {
        return {
          output: {
            configured: true,
            reason: `no cluster named "${input.cluster}" (configured: ${cache
              .clusterNames()
              .join(', ')})`,
            clusters: [],
          },
        };
      }
      const clusters = names.map(cluster => {
        const state = cache.state(cluster, 'nodes');
        const nodes = nodeGpuInventory(
          cache.list(cluster, 'nodes'),
          cache.list(cluster, 'pods'),
        ).map(n => ({
          node: n.node,
          ...(n.ready !== undefined ? { ready: n.ready } : {}),
          unschedulable: n.unschedulable,
          ...(n.labels.product ? { product: n.labels.product } : {}),
          ...(n.labels.memoryMiB !== undefined
            ? { memoryMiB: n.labels.memoryMiB }
            : {}),
          shared: n.labels.shared,
          capacity: n.capacity,
          allocatable: n.allocatable,
          requested: n.requested,
          free: n.free,
          gpuTaints: n.gpuTaints,
          pods: n.pods,
        }));
        return {
          cluster,
          synced: state?.synced ?? false,
          ...(state?.lastError ? { problem: state.lastError } : {}),
          nodes,
        };
      });
      return { output: { configured: true, clusters } };
    },
  });
}

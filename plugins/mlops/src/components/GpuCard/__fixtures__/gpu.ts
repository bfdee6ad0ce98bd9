import {
  EntityGpuPod,
  EntityHealth,
  GpuDetail,
  GpuNodeInfo,
  SignalHealth,
  WorkloadDetail,
} from '@internal/plugin-mlops-common';
import { entityHealth, entityWith } from '../../../__fixtures__/health';
import {
  H100_LABELS as H100_NODE_LABELS,
  RTX_4090_SHARED_LABELS,
} from '../../../__fixtures__/gpu';
import { minuteSeries } from '../../InferenceCard/__fixtures__/inference';

export const entityWithKubernetes = entityWith({
  'backstage.io/kubernetes-id': 'fraud-detector',
});

export const entityWithoutKubernetes = entityWith({
  'mlops.io/image-repository': '127.0.0.1:5000/ml/fraud-detector',
});

export const CLUSTER = 'kind-ml';

export function gpuNode(
  node: string,
  labels: Record<string, unknown>,
  overrides: Partial<GpuNodeInfo> = {},
): GpuNodeInfo & { cluster: string } {
  return {
    cluster: CLUSTER,
    node,
    capacity: { 'nvidia.com/gpu': 8 },
    allocatable: { 'nvidia.com/gpu': 8 },
    requested: { 'nvidia.com/gpu': 2 },
    free: { 'nvidia.com/gpu': 6 },
    labels,
    taints: [],
    gpuTaints: [],
    unschedulable: false,
    ready: true,
    pods: [],
    ...overrides,
  };
}

/** As the backend parses GPU Feature Discovery labels of an H100 node. */
export const H100_LABELS = {
  ...H100_NODE_LABELS,
  driverVersion: '550.54.15',
};

export const RTX_SHARED_LABELS = RTX_4090_SHARED_LABELS;

export const A100_MIG_LABELS = {
  product: 'NVIDIA-A100-SXM4-40GB',
  model: 'NVIDIA-A100-SXM4-40GB',
  shared: false,
  migCapable: true,
  migStrategy: 'mixed',
  migProfiles: [
    { profile: '1g.5gb', count: 1, memoryMB: 4864 },
    { profile: '3g.20gb', count: 2 },
  ],
};

export function gpuPod(
  name: string,
  overrides: Partial<EntityGpuPod> = {},
): EntityGpuPod {
  return {
    cluster: CLUSTER,
    namespace: 'ml-serving',
    name,
    node: 'gpu-node-1',
    scheduled: true,
    resources: { 'nvidia.com/gpu': 1 },
    ...overrides,
  };
}

export function gpuHealth(
  signal: Partial<SignalHealth>,
  gpu?: GpuDetail,
  workload?: WorkloadDetail,
): EntityHealth {
  return entityHealth(
    { gpu: signal },
    gpu || workload
      ? { ...(gpu ? { gpu } : {}), ...(workload ? { workload } : {}) }
      : undefined,
  );
}

/** Two pods on an H100 node, each with one GPU, DCGM metrics via Prometheus. */
export function healthyGpu(): EntityHealth {
  return gpuHealth(
    {
      status: 'ok',
      reason:
        'holds 2 nvidia.com/gpu (NVIDIA-H100-80GB-HBM3) on gpu-node-1; fraud-detector-0: 87% utilization',
    },
    {
      pods: [
        gpuPod('fraud-detector-0', {
          utilizationPercent: 87.2,
          framebufferUsedMiB: 30512,
          framebufferFreeMiB: 51047,
          // 60% … 89%, latest 87%
          utilizationSeries: minuteSeries(i => (i === 59 ? 87 : 60 + (i % 30))),
        }),
        gpuPod('fraud-detector-1', {
          utilizationPercent: 12,
          framebufferUsedMiB: 1024,
        }),
      ],
      nodes: [gpuNode('gpu-node-1', H100_LABELS)],
      held: { 'nvidia.com/gpu': 2 },
      waiting: {},
    },
  );
}

/** One pod holds a GPU, a second waits: no node has a free GPU. */
export function waitingGpu(
  status: 'warning' | 'error' = 'warning',
): EntityHealth {
  const holding = status === 'warning';
  return gpuHealth(
    {
      status,
      reason: holding
        ? 'holds 1 nvidia.com/gpu (NVIDIA-GeForce-RTX-4090-SHARED) on gpu-node-2; waiting for 1 nvidia.com/gpu'
        : 'holds no GPUs on no node; waiting for 1 nvidia.com/gpu',
    },
    {
      pods: [
        ...(holding
          ? [gpuPod('fraud-detector-0', { node: 'gpu-node-2' })]
          : []),
        gpuPod('fraud-detector-1', { node: undefined, scheduled: false }),
      ],
      nodes: holding ? [gpuNode('gpu-node-2', RTX_SHARED_LABELS)] : [],
      held: holding ? { 'nvidia.com/gpu': 1 } : {},
      waiting: { 'nvidia.com/gpu': 1 },
    },
    {
      selector: 'backstage.io/kubernetes-id=fraud-detector',
      clusters: [
        {
          cluster: CLUSTER,
          workloads: [],
          loading: [],
          problems: [],
          pods: [
            {
              namespace: 'ml-serving',
              name: 'fraud-detector-1',
              phase: 'Pending',
              status: 'error',
              reason:
                'Unschedulable: 0/3 nodes are available: 3 Insufficient nvidia.com/gpu.',
              ready: false,
              readyContainers: 0,
              totalContainers: 1,
              restarts: 0,
              problems: [],
              insufficient: [{ resource: 'nvidia.com/gpu', nodes: 3 }],
              images: [],
            },
          ],
        },
      ],
    },
  );
}

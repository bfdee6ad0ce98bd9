import {
  GpuNodeInfo,
  GpuNodesReport,
  MlopsHealthApi,
  UpstreamProblem,
} from '@internal/plugin-mlops-common';
import { answersInTurn } from '../../../__fixtures__/responses';
import { H100_LABELS, RTX_4090_SHARED_LABELS } from '../../../__fixtures__/gpu';

/** A100 with MIG mixed: 4 whole GPUs plus 1g.5gb and 3g.20gb slices. */
export function a100MigNode(): GpuNodeInfo {
  return {
    node: 'gpu-a100-0',
    capacity: {
      'nvidia.com/gpu': 4,
      'nvidia.com/mig-1g.5gb': 7,
      'nvidia.com/mig-3g.20gb': 2,
    },
    allocatable: {
      'nvidia.com/gpu': 4,
      'nvidia.com/mig-1g.5gb': 7,
      'nvidia.com/mig-3g.20gb': 2,
    },
    requested: { 'nvidia.com/gpu': 4, 'nvidia.com/mig-1g.5gb': 2 },
    free: {
      'nvidia.com/gpu': 0,
      'nvidia.com/mig-1g.5gb': 5,
      'nvidia.com/mig-3g.20gb': 2,
    },
    labels: {
      product: 'NVIDIA-A100-SXM4-40GB',
      model: 'NVIDIA-A100-SXM4-40GB',
      shared: false,
      count: 8,
      memoryMiB: 40960,
      family: 'ampere',
      migCapable: true,
      migStrategy: 'mixed',
      migProfiles: [
        { profile: '1g.5gb', count: 7, memoryMB: 4864 },
        { profile: '3g.20gb', count: 2, memoryMB: 19968 },
      ],
    },
    taints: [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }],
    gpuTaints: [
      { key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' },
    ],
    unschedulable: false,
    ready: true,
    pods: [
      {
        namespace: 'genai',
        name: 'llm-chat-7d9f',
        resources: { 'nvidia.com/gpu': 4 },
      },
      {
        namespace: 'vision',
        name: 'image-classifier-5c4b',
        resources: { 'nvidia.com/mig-1g.5gb': 2 },
      },
    ],
  };
}

/** H100, cordoned, two GPUs gone from allocatable while a pod still holds 8. */
export function h100OverCommittedNode(): GpuNodeInfo {
  return {
    node: 'gpu-h100-1',
    capacity: { 'nvidia.com/gpu': 8 },
    allocatable: { 'nvidia.com/gpu': 6 },
    requested: { 'nvidia.com/gpu': 8 },
    free: { 'nvidia.com/gpu': -2 },
    labels: { ...H100_LABELS },
    taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }],
    gpuTaints: [],
    unschedulable: true,
    ready: true,
    pods: [
      {
        namespace: 'ml',
        name: 'trainer-0',
        resources: { 'nvidia.com/gpu': 8 },
      },
    ],
  };
}

/** RTX 4090 time-sliced ×4 (not renamed: capacity nvidia.com/gpu is 4). */
export function rtx4090TimeSlicedNode(): GpuNodeInfo {
  return {
    node: 'edge-4090',
    capacity: { 'nvidia.com/gpu': 4 },
    allocatable: { 'nvidia.com/gpu': 4 },
    requested: { 'nvidia.com/gpu': 3 },
    free: { 'nvidia.com/gpu': 1 },
    labels: {
      ...RTX_4090_SHARED_LABELS,
      memoryMiB: 24564,
      family: 'ada-lovelace',
    },
    taints: [],
    gpuTaints: [],
    unschedulable: false,
    pods: [
      {
        namespace: 'ml',
        name: 'fraud-detector-1',
        resources: { 'nvidia.com/gpu': 1 },
      },
      {
        namespace: 'ml',
        name: 'fraud-detector-2',
        resources: { 'nvidia.com/gpu': 1 },
      },
      { name: 'debug-shell', resources: { 'nvidia.com/gpu': 1 } },
    ],
  };
}

export const UNAUTHORIZED: UpstreamProblem = {
  upstream: 'Kubernetes gpu-us (127.0.0.1:6443)',
  fault: 'unauthorized',
  message: 'The service account token was rejected: check its secret.',
  httpStatus: 401,
};

/** Three clusters: two read, one answering 401. */
export function gpuReport(): GpuNodesReport {
  return {
    clusters: [
      { cluster: 'prod-eu', nodes: [a100MigNode(), h100OverCommittedNode()] },
      { cluster: 'edge', nodes: [rtx4090TimeSlicedNode()] },
      { cluster: 'gpu-us', problem: UNAUTHORIZED, nodes: [] },
    ],
  };
}

export const NO_CLUSTER_REASON =
  'no Kubernetes cluster is configured (kubernetes.clusterLocatorMethods with type: config)';

/** A health API answering `getGpuNodes` with each answer in turn. */
export function fakeGpuApi(
  ...answers: Array<GpuNodesReport | Error>
): MlopsHealthApi & { getGpuNodes: jest.Mock } {
  return {
    getGpuNodes: answersInTurn(answers),
    getEntityHealth: jest.fn(),
    getFleetHealth: jest.fn(),
  };
}

import {
  entityGpuUsage,
  nodeGpuInventory,
  parseQuantity,
  podGpuRequests,
  readGpuNodeLabels,
} from './gpu';
import { Node, Pod } from './types';

function node(
  name: string,
  capacity: Record<string, string>,
  labels: Record<string, string> = {},
  extra: Partial<Node['spec']> = {},
): Node {
  return {
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } },
    spec: { ...extra },
    status: {
      capacity: { cpu: '64', memory: '527950232Ki', pods: '110', ...capacity },
      allocatable: {
        cpu: '63500m',
        memory: '515367320Ki',
        pods: '110',
        ...capacity,
      },
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }],
    },
  };
}

function pod(
  name: string,
  nodeName: string | undefined,
  phase: string,
  limits: Record<string, string>,
  init?: Record<string, string>,
): Pod {
  return {
    kind: 'Pod',
    metadata: { name, namespace: 'ml' },
    spec: {
      nodeName,
      containers: [
        {
          name: 'model',
          image: 'x',
          resources: { limits: { cpu: '4', ...limits } },
        },
      ],
      initContainers: init
        ? [{ name: 'warmup', image: 'x', resources: { limits: init } }]
        : undefined,
    },
    status: { phase },
  };
}

const H100 = {
  'nvidia.com/gpu.present': 'true',
  'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3',
  'nvidia.com/gpu.count': '8',
  'nvidia.com/gpu.memory': '81559',
  'nvidia.com/gpu.family': 'hopper',
  'nvidia.com/gpu.replicas': '1',
  'nvidia.com/gpu.sharing-strategy': 'none',
  'nvidia.com/cuda.driver-version.major': '550',
  'nvidia.com/cuda.driver-version.minor': '54',
  'nvidia.com/cuda.driver-version.revision': '15',
};

describe('parseQuantity', () => {
  it.each([
    ['4', 4],
    ['500m', 0.5],
    ['16Gi', 16 * 2 ** 30],
    ['1k', 1000],
    ['1e3', 1000],
    ['abc', undefined],
  ])('%s', (q, n) => expect(parseQuantity(q)).toBe(n));
});

describe('podGpuRequests', () => {
  it('sums containers, takes the largest init container if larger, counts limit-only as request', () => {
    const p: Pod = {
      metadata: { name: 'p' },
      spec: {
        containers: [
          { name: 'a', resources: { limits: { 'nvidia.com/gpu': '1' } } },
          {
            name: 'b',
            resources: {
              requests: { 'nvidia.com/gpu': '2' },
              limits: { 'nvidia.com/gpu': '2' },
            },
          },
          { name: 'c', resources: { limits: { cpu: '2' } } },
        ],
        initContainers: [
          { name: 'i', resources: { limits: { 'nvidia.com/gpu': '4' } } },
        ],
      },
    };
    expect(podGpuRequests(p)).toEqual({ 'nvidia.com/gpu': 4 });
    expect(
      podGpuRequests({ ...p, spec: { ...p.spec, initContainers: [] } }),
    ).toEqual({ 'nvidia.com/gpu': 3 });
    expect(
      podGpuRequests(
        pod('mig', 'n', 'Running', { 'nvidia.com/mig-1g.5gb': '2' }),
      ),
    ).toEqual({ 'nvidia.com/mig-1g.5gb': 2 });
  });
});

describe('readGpuNodeLabels', () => {
  it('reads GFD labels of an H100 node', () => {
    expect(readGpuNodeLabels(H100)).toMatchObject({
      product: 'NVIDIA-H100-80GB-HBM3',
      model: 'NVIDIA-H100-80GB-HBM3',
      shared: false,
      count: 8,
      memoryMiB: 81559,
      family: 'hopper',
      replicas: 1,
      sharingStrategy: 'none',
      driverVersion: '550.54.15',
      migProfiles: [],
    });
  });
  it('recognises time-slicing (-SHARED, replicas)', () => {
    expect(
      readGpuNodeLabels({
        'nvidia.com/gpu.product': 'NVIDIA-GeForce-RTX-4090-SHARED',
        'nvidia.com/gpu.count': '1',
        'nvidia.com/gpu.replicas': '4',
        'nvidia.com/gpu.sharing-strategy': 'time-slicing',
      }),
    ).toMatchObject({
      product: 'NVIDIA-GeForce-RTX-4090-SHARED',
      model: 'NVIDIA-GeForce-RTX-4090',
      shared: true,
      replicas: 4,
      sharingStrategy: 'time-slicing',
    });
  });
  it('reads MIG mixed profiles', () => {
    const l = readGpuNodeLabels({
      'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-40GB',
      'nvidia.com/mig.capable': 'true',
      'nvidia.com/mig.strategy': 'mixed',
      'nvidia.com/mig-3g.20gb.count': '2',
      'nvidia.com/mig-1g.5gb.count': '1',
      'nvidia.com/mig-1g.5gb.memory': '4864',
      'nvidia.com/mig-1g.5gb.product': 'NVIDIA-A100-SXM4-40GB-MIG-1g.5gb',
    });
    expect(l).toMatchObject({
      migCapable: true,
      migStrategy: 'mixed',
      shared: false,
    });
    expect(l.migProfiles).toEqual([
      {
        profile: '1g.5gb',
        count: 1,
        memoryMB: 4864,
        product: 'NVIDIA-A100-SXM4-40GB-MIG-1g.5gb',
      },
      { profile: '3g.20gb', count: 2 },
    ]);
  });
});

describe('nodeGpuInventory', () => {
  const nodes = [
    node('gpu-a', { 'nvidia.com/gpu': '8' }, H100, {
      taints: [
        { key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' },
        { key: 'dedicated', value: 'ml', effect: 'NoSchedule' },
      ],
    }),
    node(
      'gpu-b',
      { 'nvidia.com/gpu.shared': '4' },
      {
        'nvidia.com/gpu.product': 'NVIDIA-L4-SHARED',
        'nvidia.com/gpu.replicas': '4',
      },
    ),
    node(
      'mig-c',
      { 'nvidia.com/mig-1g.5gb': '7' },
      { 'nvidia.com/mig.strategy': 'mixed' },
      { unschedulable: true },
    ),
    node('cpu-d', {}),
  ];
  const pods = [
    pod('llm-0', 'gpu-a', 'Running', { 'nvidia.com/gpu': '4' }),
    pod('llm-1', 'gpu-a', 'Pending', { 'nvidia.com/gpu': '2' }), // bound, still starting: holds them
    pod('train-old', 'gpu-a', 'Succeeded', { 'nvidia.com/gpu': '8' }), // finished: holds nothing
    pod('evicted', 'gpu-a', 'Failed', { 'nvidia.com/gpu': '1' }),
    pod('waiting', undefined, 'Pending', { 'nvidia.com/gpu': '1' }), // not scheduled
    pod('chat', 'gpu-b', 'Running', { 'nvidia.com/gpu.shared': '1' }),
    pod('web', 'cpu-d', 'Running', {}),
  ];

  it('lists GPU nodes with capacity, allocatable, requested, free, labels and taints', () => {
    const inv = nodeGpuInventory(nodes, pods);
    expect(inv.map(n => n.node)).toEqual(['gpu-a', 'gpu-b', 'mig-c']);
    const a = inv[0];
    expect(a).toMatchObject({
      capacity: { 'nvidia.com/gpu': 8 },
      allocatable: { 'nvidia.com/gpu': 8 },
      requested: { 'nvidia.com/gpu': 6 },
      free: { 'nvidia.com/gpu': 2 },
      ready: true,
      unschedulable: false,
      gpuTaints: [
        { key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' },
      ],
    });
    expect(a.taints).toHaveLength(2);
    expect(a.pods.map(p => p.name)).toEqual(['llm-0', 'llm-1']);
    expect(inv[1]).toMatchObject({
      requested: { 'nvidia.com/gpu.shared': 1 },
      free: { 'nvidia.com/gpu.shared': 3 },
    });
    expect(inv[1].labels).toMatchObject({ shared: true, model: 'NVIDIA-L4' });
    expect(inv[2]).toMatchObject({
      unschedulable: true,
      allocatable: { 'nvidia.com/mig-1g.5gb': 7 },
    });
  });

  it('per entity: GPUs held on nodes and GPUs waited for', () => {
    const inv = nodeGpuInventory(nodes, pods);
    const usage = entityGpuUsage(
      pods.filter(p =>
        ['llm-0', 'llm-1', 'waiting', 'train-old'].includes(p.metadata.name),
      ),
      inv,
    );
    expect(usage.held).toEqual({ 'nvidia.com/gpu': 6 });
    expect(usage.waiting).toEqual({ 'nvidia.com/gpu': 1 });
    expect(usage.nodes.map(n => n.node)).toEqual(['gpu-a']);
    expect(usage.pods.find(p => p.name === 'train-old')).toMatchObject({
      finished: true,
    });
  });
});

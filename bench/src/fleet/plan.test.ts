import {
  FULL_SIZE,
  GPU_PRODUCTS,
  QUICK_SIZE,
  apportion,
  planFleet,
} from './plan';

describe('apportion', () => {
  it('splits a total exactly, proportionally, with a minimum per part', () => {
    const parts = apportion(100, [1, 1, 2]);
    expect(parts.reduce((a, b) => a + b, 0)).toBe(100);
    expect(parts[2]).toBeGreaterThan(parts[0]);
    expect(apportion(10, [0, 0, 100], 1)).toEqual([1, 1, 8]);
  });
});

describe('planFleet (the issue-6 size)', () => {
  const plan = planFleet(FULL_SIZE);

  it('has exactly the requested services, pods, clusters and GPU nodes', () => {
    expect(plan.services).toHaveLength(500);
    expect(plan.pods).toHaveLength(10_000);
    expect(plan.clusters.map(c => c.name)).toEqual([
      'prod-eu',
      'prod-us',
      'prod-ap',
    ]);
    const gpuNodes = plan.clusters.flatMap(c => c.nodes).filter(n => n.product);
    expect(gpuNodes).toHaveLength(60);
  });

  it('mixes GPU products: MIG, time-sliced and whole GPUs, in every cluster', () => {
    for (const c of plan.clusters) {
      const products = new Set(
        c.nodes.filter(n => n.product).map(n => n.product),
      );
      expect(products).toEqual(
        new Set(['a100-mig', 'h100', 'l4-shared', 'a10g']),
      );
    }
    const mig = plan.clusters[0].nodes.find(n => n.product === 'a100-mig')!;
    expect(mig.capacity['nvidia.com/mig-1g.10gb']).toBe('7');
    expect(mig.labels['nvidia.com/mig.strategy']).toBe('mixed');
    const shared = plan.clusters[0].nodes.find(n => n.product === 'l4-shared')!;
    expect(shared.labels['nvidia.com/gpu.sharing-strategy']).toBe(
      'time-slicing',
    );
    expect(shared.labels['nvidia.com/gpu.product']).toBe(
      GPU_PRODUCTS['l4-shared'].product,
    );
  });

  it('never binds more pods or GPUs to a node than it has', () => {
    for (const c of plan.clusters) {
      for (const node of c.nodes) {
        const pods = plan.pods.filter(
          p => p.cluster === c.name && p.node === node.name,
        );
        expect(pods.length).toBeLessThanOrEqual(Number(node.capacity.pods));
        const used: Record<string, number> = {};
        for (const p of pods) {
          const gpu =
            p.service !== undefined ? plan.services[p.service].gpu : undefined;
          if (gpu) used[gpu.resource] = (used[gpu.resource] ?? 0) + gpu.count;
        }
        for (const [resource, n] of Object.entries(used))
          expect(n).toBeLessThanOrEqual(Number(node.capacity[resource] ?? 0));
      }
    }
  });

  it('binds GPU pods only to GPU nodes that match their selector', () => {
    for (const p of plan.pods) {
      const s = p.service !== undefined ? plan.services[p.service] : undefined;
      if (!s?.gpu || !p.node) continue;
      const node = plan.clusters
        .find(c => c.name === p.cluster)!
        .nodes.find(n => n.name === p.node)!;
      expect(node.product).toBeDefined();
      for (const [k, v] of Object.entries(s.gpu.nodeSelector ?? {}))
        expect(node.labels[k]).toBe(v);
    }
  });

  it('gives unschedulable pods no node and a scheduler message; mostly pods run', () => {
    const pending = plan.pods.filter(p => p.state === 'unschedulable');
    expect(pending.length).toBeGreaterThan(0);
    for (const p of pending) {
      expect(p.node).toBeUndefined();
      expect(p.schedulerMessage).toMatch(/^0\/\d+ nodes are available: /);
    }
    const running = plan.pods.filter(p => p.state === 'running').length;
    expect(running / plan.pods.length).toBeGreaterThan(0.95);
    expect(plan.pods.some(p => p.state === 'crash-loop')).toBe(true);
  });

  it('matches replicas per cluster with the pods it made, and names pods uniquely', () => {
    for (const s of plan.services) {
      for (const [cluster, n] of Object.entries(s.replicas)) {
        expect(
          plan.pods.filter(p => p.service === s.index && p.cluster === cluster),
        ).toHaveLength(n);
      }
    }
    const keys = new Set(
      plan.pods.map(p => `${p.cluster}/${p.namespace}/${p.name}`),
    );
    expect(keys.size).toBe(plan.pods.length);
  });

  it('is deterministic', () => {
    const again = planFleet(FULL_SIZE);
    expect(again.pods.map(p => p.name)).toEqual(plan.pods.map(p => p.name));
    expect(again.services.map(s => s.build)).toEqual(
      plan.services.map(s => s.build),
    );
  });
});

describe('planFleet (quick size)', () => {
  it('keeps the exact pod count and a node-exporter per node', () => {
    const plan = planFleet(QUICK_SIZE);
    expect(plan.pods).toHaveLength(QUICK_SIZE.pods);
    const nodes = plan.clusters.reduce((n, c) => n + c.nodes.length, 0);
    expect(plan.pods.filter(p => p.service === undefined)).toHaveLength(nodes);
  });

  it('refuses a size with too few pods for its services', () => {
    expect(() =>
      planFleet({ ...QUICK_SIZE, services: 500, pods: 300 }),
    ).toThrow(/too few/);
  });
});

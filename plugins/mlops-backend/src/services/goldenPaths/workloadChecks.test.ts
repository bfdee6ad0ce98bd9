import { Entity } from '@backstage/catalog-model';
import { ObjectSource } from '../../upstreams/kubernetes';
import { workloadChecks } from './workloadChecks';

const entity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'llm',
    annotations: { 'backstage.io/kubernetes-id': 'llm' },
  },
  spec: { type: 'model-service' },
};

const labels = { 'backstage.io/kubernetes-id': 'llm' };

/** An in-memory cluster with the objects given (the cache's read interface). */
function cluster(objects: {
  deployments?: object[];
  nodes?: object[];
}): ObjectSource {
  return {
    clusterNames: () => ['prod'],
    list: ((
      _: string,
      kind: string,
      query?: {
        selector?: { matches?: (l: Record<string, string>) => boolean };
      },
    ) => {
      const all = ((objects as Record<string, object[]>)[kind] ?? []) as Array<{
        metadata: { labels?: Record<string, string> };
      }>;
      if (kind === 'nodes' || !query?.selector) return all;
      return all.filter(
        o => o.metadata.labels?.['backstage.io/kubernetes-id'] === 'llm',
      );
    }) as ObjectSource['list'],
  };
}

const deployment = (
  container: object,
  nodeSelector?: Record<string, string>,
) => ({
  metadata: { name: 'llm', namespace: 'ml', labels },
  spec: {
    template: {
      metadata: { labels },
      spec: {
        containers: [{ name: 'model', ...container }],
        ...(nodeSelector ? { nodeSelector } : {}),
      },
    },
  },
});

const a100 = {
  metadata: {
    name: 'gpu-1',
    labels: { 'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-40GB' },
  },
};

describe('workloadChecks', () => {
  it('is unknown without a cluster, never ok', () => {
    expect(workloadChecks(entity, undefined).map(c => c.status)).toEqual([
      'unknown',
      'unknown',
    ]);
  });

  it('is ok when limits are set and the GPU product exists on a node', () => {
    const checks = workloadChecks(
      entity,
      cluster({
        deployments: [
          deployment(
            {
              resources: {
                requests: { cpu: '2' },
                limits: { memory: '16Gi', 'nvidia.com/gpu': '1' },
              },
            },
            { 'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-40GB' },
          ),
        ],
        nodes: [a100],
      }),
    );
    expect(checks).toEqual([
      expect.objectContaining({ id: 'resources', status: 'ok' }),
      expect.objectContaining({
        id: 'gpu',
        status: 'ok',
        reason: 'prod: Deployment llm: 1 × NVIDIA-A100-SXM4-40GB',
      }),
    ]);
  });

  it('names containers without limits and GPU requests without a product', () => {
    const checks = workloadChecks(
      entity,
      cluster({
        deployments: [
          deployment({ resources: { limits: { 'nvidia.com/gpu': '2' } } }),
        ],
        nodes: [a100],
      }),
    );
    expect(checks[0]).toMatchObject({
      status: 'error',
      reason:
        'prod: Deployment llm container model has no memory limit or CPU request',
    });
    expect(checks[1]).toMatchObject({
      status: 'error',
      reason:
        'prod: Deployment llm requests 2 GPU(s) but selects no nvidia.com/gpu.product',
    });
  });

  it('flags a product no node has, and a product selected without a GPU request', () => {
    const h100 = workloadChecks(
      entity,
      cluster({
        deployments: [
          deployment(
            {
              resources: {
                requests: { cpu: '1' },
                limits: { memory: '1Gi', 'nvidia.com/gpu': '1' },
              },
            },
            { 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3' },
          ),
        ],
        nodes: [a100],
      }),
    );
    expect(h100[1]).toMatchObject({
      status: 'error',
      reason:
        'prod: Deployment llm selects NVIDIA-H100-80GB-HBM3, which no node in prod has',
    });
    const noGpu = workloadChecks(
      entity,
      cluster({
        deployments: [
          deployment(
            {
              resources: { requests: { cpu: '1' }, limits: { memory: '1Gi' } },
            },
            { 'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-40GB' },
          ),
        ],
        nodes: [a100],
      }),
    );
    expect(noGpu[1]).toMatchObject({
      status: 'error',
      reason:
        'prod: Deployment llm selects NVIDIA-A100-SXM4-40GB nodes but requests no GPU',
    });
  });

  it('is unknown when the service has no workload in the clusters yet', () => {
    expect(workloadChecks(entity, cluster({})).map(c => c.reason)).toEqual([
      'no workload of this service is in the clusters (yet)',
      'no workload of this service is in the clusters (yet)',
    ]);
  });
});

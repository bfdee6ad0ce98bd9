import { Entity } from '@backstage/catalog-model';
import { KindState } from './KindReflector';
import { WorkloadSource, judgeEntityWorkloads } from './entityWorkloads';
import { KindObjects, ResourceKind } from './kinds';
import { ObjectStore } from './ObjectStore';
import { KubeObject } from './types';

const entity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'fraud-detector' },
  spec: {},
};
const id = { 'backstage.io/kubernetes-id': 'fraud-detector' };

function source(
  clusters: Record<string, Partial<Record<ResourceKind, KubeObject[]>>>,
  states: Record<
    string,
    Partial<Record<ResourceKind, Partial<KindState>>>
  > = {},
): WorkloadSource {
  const stores = new Map<string, ObjectStore>();
  for (const [cluster, kinds] of Object.entries(clusters)) {
    for (const [kind, list] of Object.entries(kinds)) {
      const store = new ObjectStore();
      store.replace(list!);
      stores.set(`${cluster}/${kind}`, store);
    }
  }
  return {
    clusterNames: () => Object.keys(clusters),
    list: <K extends ResourceKind>(
      c: string,
      kind: K,
      q?: Parameters<ObjectStore['query']>[0],
    ) => (stores.get(`${c}/${kind}`)?.query(q) ?? []) as KindObjects[K][],
    state: (c, kind) =>
      ({
        cluster: c,
        kind,
        phase: 'watching',
        synced: true,
        objectCount: 0,
        ...states[c]?.[kind],
      } as KindState),
  };
}

const healthyDeployment: KubeObject = {
  kind: 'Deployment',
  metadata: {
    name: 'fraud-detector',
    namespace: 'ml',
    generation: 1,
    labels: id,
  },
  spec: { replicas: 1 },
  status: {
    observedGeneration: 1,
    replicas: 1,
    updatedReplicas: 1,
    readyReplicas: 1,
    availableReplicas: 1,
  },
};

describe('judgeEntityWorkloads', () => {
  it('no cluster configured → unknown, not-configured', () => {
    const r = judgeEntityWorkloads(source({}), entity);
    expect(r).toMatchObject({
      status: 'unknown',
      problem: { fault: 'not-configured' },
    });
  });

  it('nothing matched → unknown, naming the selector', () => {
    const r = judgeEntityWorkloads(source({ prod: {} }), entity);
    expect(r.status).toBe('unknown');
    expect(r.reason).toBe(
      'no workloads match backstage.io/kubernetes-id=fraud-detector on prod',
    );
  });

  it('a healthy Deployment is ok with ready/desired in the reason', () => {
    const r = judgeEntityWorkloads(
      source({ prod: { deployments: [healthyDeployment] } }),
      entity,
    );
    expect(r).toMatchObject({
      status: 'ok',
      reason: 'Deployment fraud-detector: 1/1 replicas available',
    });
  });

  it('a crash-looping pod makes it an error, with the cluster named when there are several', () => {
    const crashing: KubeObject = {
      kind: 'Pod',
      metadata: { name: 'fraud-detector-abc', namespace: 'ml', labels: id },
      spec: { containers: [{ name: 'model', image: 'x:v1' }] },
      status: {
        phase: 'Running',
        containerStatuses: [
          {
            name: 'model',
            ready: false,
            restartCount: 5,
            state: { waiting: { reason: 'CrashLoopBackOff' } },
          },
        ],
      },
    };
    const r = judgeEntityWorkloads(
      source({
        prod: { deployments: [healthyDeployment] },
        edge: { pods: [crashing] },
      }),
      entity,
    );
    expect(r.status).toBe('error');
    expect(r.reason).toContain(
      'edge: Pod fraud-detector-abc: container model is crash-looping',
    );
  });

  it('a kind that cannot be read keeps the signal from being ok and names the problem', () => {
    const forbidden = {
      lastError: {
        upstream: 'kubernetes prod (10.0.0.1:6443)',
        fault: 'forbidden' as const,
        message: 'answered 403 Forbidden: pods is forbidden',
        httpStatus: 403,
      },
      synced: false,
    };
    const r = judgeEntityWorkloads(
      source(
        { prod: { deployments: [healthyDeployment] } },
        { prod: { pods: forbidden } },
      ),
      entity,
    );
    expect(r.status).toBe('unknown');
    expect(r.problem).toMatchObject({ fault: 'forbidden', httpStatus: 403 });
    expect(r.reason).toContain('cannot read pods on prod');
  });

  it('an old evicted pod is a warning, not an outage', () => {
    const evicted: KubeObject = {
      kind: 'Pod',
      metadata: { name: 'fraud-detector-old', namespace: 'ml', labels: id },
      status: {
        phase: 'Failed',
        reason: 'Evicted',
        message: 'The node was low on resource: memory.',
      },
    };
    const r = judgeEntityWorkloads(
      source({ prod: { deployments: [healthyDeployment], pods: [evicted] } }),
      entity,
    );
    expect(r.status).toBe('warning');
    expect(r.clusters[0].pods[0].status).toBe('error');
  });
});

import { Entity } from '@backstage/catalog-model';
import {
  RunningKubeApiserver,
  startKubeApiserver,
  waitFor,
} from '@internal/test-env';
import {
  CacheChange,
  ResourceCache,
  ResourceCacheOptions,
} from './ResourceCache';
import { judgeEntityWorkloads } from './entityWorkloads';
import { nodeGpuInventory } from './gpu';
import { judgeInferenceService } from './workloadHealth';
import {
  KubeClients,
  clusterConfig,
  createGpuNode,
  createNamespace,
  createPod,
  installCrds,
  kubeClients,
  mergePatch,
  patchPodStatus,
} from './__testUtils__/kubeAdmin';
import { startTcpProxy } from './__testUtils__/tcpProxy';

jest.setTimeout(120_000);

/** Fast loops for tests; production defaults are seconds to minutes. */
const FAST: Partial<ResourceCacheOptions> = {
  backoffInitialMs: 100,
  backoffMaxMs: 400,
  rediscoverMs: 300,
  requestTimeoutMs: 5_000,
};

const caches: ResourceCache[] = [];
function startCache(options: ResourceCacheOptions): ResourceCache {
  const cache = ResourceCache.create({ ...FAST, ...options });
  caches.push(cache);
  cache.start();
  return cache;
}

function entity(
  name: string,
  annotations: Record<string, string> = {},
): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name, namespace: 'default', annotations },
    spec: { type: 'service', owner: 'ml', lifecycle: 'production' },
  };
}

let a: RunningKubeApiserver;
let b: RunningKubeApiserver;
let adminA: KubeClients;
let adminB: KubeClients;

beforeAll(async () => {
  [a, b] = await Promise.all([startKubeApiserver(), startKubeApiserver()]);
  adminA = kubeClients(a);
  adminB = kubeClients(b);
  await createNamespace(adminA, 'ml');
  // Seven pods and a page size of 3: the first list needs three pages.
  for (let i = 0; i < 7; i++) {
    await createPod(adminA, {
      namespace: 'ml',
      name: `fraud-${i}`,
      labels: { 'backstage.io/kubernetes-id': 'fraud-detector', app: 'fraud' },
      nodeName: 'gpu-1',
      gpus: 1,
    });
  }
  await adminA.apps.createNamespacedDeployment({
    namespace: 'ml',
    body: {
      metadata: {
        name: 'fraud-detector',
        labels: { 'backstage.io/kubernetes-id': 'fraud-detector' },
      },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'fraud' } },
        template: {
          metadata: { labels: { app: 'fraud' } },
          spec: {
            containers: [
              {
                name: 'model',
                image: 'registry.ml.internal/ml/fraud-detector:v1',
              },
            ],
          },
        },
      },
    },
  });
  await createGpuNode(adminA, {
    name: 'gpu-1',
    product: 'NVIDIA-A100-SXM4-80GB',
    capacity: { 'nvidia.com/gpu': '8' },
  });
});

afterEach(async () => {
  await Promise.all(caches.splice(0).map(c => c.stop()));
});

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
});

describe('ResourceCache against a real kube-apiserver 1.20', () => {
  it('fills the cache with a paged list, discovers versions, and serves viewers without upstream requests', async () => {
    const cache = startCache({
      clusters: [clusterConfig(a, 'prod')],
      pageSize: 3,
    });
    await waitFor('every kind settled', async () => cache.settled(), 20_000);

    const pods = cache.state('prod', 'pods')!;
    expect(pods).toMatchObject({
      synced: true,
      apiVersion: 'v1',
      objectCount: 7,
    });
    expect(pods.lastError).toBeUndefined();
    // 7 pods, pages of 3: three LIST requests, one list, one watch.
    expect(cache.counters().clusters.prod.kinds.pods).toMatchObject({
      listRequests: 3,
      lists: 1,
      relists: 0,
    });
    expect(cache.state('prod', 'cronjobs')).toMatchObject({
      synced: true,
      apiVersion: 'batch/v1beta1',
    });
    expect(cache.state('prod', 'ingresses')).toMatchObject({
      synced: true,
      apiVersion: 'networking.k8s.io/v1',
    });
    expect(cache.state('prod', 'inferenceservices')).toMatchObject({
      phase: 'not-served',
      synced: false,
    });
    expect(cache.state('prod', 'inferenceservices')!.notServedReason).toContain(
      'serving.kserve.io',
    );

    const listed = cache.list('prod', 'pods', { namespace: 'ml' });
    expect(listed.map(p => p.metadata.name).sort()).toEqual(
      [0, 1, 2, 3, 4, 5, 6].map(i => `fraud-${i}`),
    );
    expect(listed[0]).toMatchObject({ kind: 'Pod', apiVersion: 'v1' });
    expect(
      (listed[0].metadata as unknown as Record<string, unknown>).managedFields,
    ).toBeUndefined();

    const gpu = nodeGpuInventory(
      cache.list('prod', 'nodes'),
      cache.list('prod', 'pods'),
    );
    expect(gpu).toEqual([
      expect.objectContaining({
        node: 'gpu-1',
        allocatable: { 'nvidia.com/gpu': 8 },
        requested: { 'nvidia.com/gpu': 7 },
      }),
    ]);

    // Viewer traffic: a hundred entity views cost no upstream request.
    await new Promise(r => setTimeout(r, 200));
    const before = cache.counters().requests;
    for (let i = 0; i < 100; i++) {
      const report = judgeEntityWorkloads(cache, entity('fraud-detector'));
      expect(report.clusters[0].pods).toHaveLength(7);
    }
    expect(cache.counters().requests).toBe(before);
  });

  it('applies watch events: a pod status change within 2 s, a delete removes the object', async () => {
    const cache = startCache({
      clusters: [clusterConfig(a, 'prod')],
      kinds: ['pods', 'deployments'],
    });
    await waitFor(
      'pods synced',
      async () => cache.state('prod', 'pods')?.phase === 'watching',
      20_000,
    );
    const changes: CacheChange[] = [];
    cache.onChange(c => changes.push(c));
    // What memoized judgements are keyed on: unchanged while nothing changes.
    const revisionBefore = cache.revision();
    expect(cache.revision()).toBe(revisionBefore);

    const started = Date.now();
    await patchPodStatus(adminA, 'ml', 'fraud-0', {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'False' }],
      containerStatuses: [
        {
          name: 'model',
          ready: false,
          restartCount: 4,
          image: 'registry.ml.internal/ml/fraud-detector:v1',
          imageID: `docker-pullable://registry.ml.internal/ml/fraud-detector@sha256:${'a'.repeat(
            64,
          )}`,
          state: {
            waiting: {
              reason: 'CrashLoopBackOff',
              message: 'back-off 1m20s restarting failed container',
            },
          },
          lastState: { terminated: { reason: 'OOMKilled', exitCode: 137 } },
        },
      ],
    });
    await waitFor(
      'the status in the cache',
      async () =>
        (cache.get('prod', 'pods', 'ml', 'fraud-0')?.status
          ?.containerStatuses?.[0]?.restartCount ?? 0) === 4,
      2_000,
      20,
    );
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(changes).toContainEqual(
      expect.objectContaining({
        cluster: 'prod',
        kind: 'pods',
        type: 'modified',
      }),
    );

    expect(cache.revision()).not.toBe(revisionBefore);
    const report = judgeEntityWorkloads(cache, entity('fraud-detector'));
    expect(report.status).toBe('error');
    expect(report.reason).toContain('OOMKilled');

    await adminA.core.deleteNamespacedPod({
      namespace: 'ml',
      name: 'fraud-6',
      gracePeriodSeconds: 0,
    });
    await waitFor(
      'the delete in the cache',
      async () => !cache.get('prod', 'pods', 'ml', 'fraud-6'),
      2_000,
      20,
    );
    expect(changes).toContainEqual(
      expect.objectContaining({
        type: 'deleted',
        object: expect.objectContaining({
          metadata: expect.objectContaining({ name: 'fraud-6' }),
        }),
      }),
    );
    expect(cache.counters().clusters.prod.kinds.pods).toMatchObject({
      lists: 1,
      watches: 1,
      expired: 0,
      errors: 0,
    });
  });

  it('re-lists after a 410 (too old resourceVersion after a partition) and drops what vanished meanwhile', async () => {
    await installCrds(adminA);
    const app = (name: string) => ({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: {
        name,
        labels: { 'backstage.io/kubernetes-id': 'fraud-detector' },
      },
      spec: { project: 'default' },
    });
    const crud = {
      group: 'argoproj.io',
      version: 'v1alpha1',
      namespace: 'ml',
      plural: 'applications',
    };
    await adminA.custom.createNamespacedCustomObject({
      ...crud,
      body: app('fraud-staging'),
    });
    await adminA.custom.createNamespacedCustomObject({
      ...crud,
      body: app('fraud-prod'),
    });

    const proxy = await startTcpProxy(Number(new URL(a.url).port));
    try {
      const cache = startCache({
        clusters: [
          clusterConfig(
            a,
            'prod',
            a.readOnlyToken,
            `https://127.0.0.1:${proxy.port}`,
          ),
        ],
        kinds: ['applications'],
      });
      await waitFor(
        'applications watched',
        async () => cache.state('prod', 'applications')?.phase === 'watching',
        20_000,
      );
      expect(
        cache
          .list('prod', 'applications')
          .map(o => o.metadata.name)
          .sort(),
      ).toEqual(['fraud-prod', 'fraud-staging']);

      // Partition: while the cache is cut off, an app is deleted, one is
      // created, and the CRD changes. A CRD spec change makes the apiserver
      // build a new watch cache for the resource, so the cache's old
      // resourceVersion is now "too old": HTTP 200 + ERROR event with 410.
      proxy.pause();
      await adminA.custom.deleteNamespacedCustomObject({
        ...crud,
        name: 'fraud-staging',
      });
      await adminA.custom.createNamespacedCustomObject({
        ...crud,
        body: app('fraud-canary'),
      });
      await adminA.crds.patchCustomResourceDefinition(
        {
          name: 'applications.argoproj.io',
          body: { spec: { names: { shortNames: ['app', 'apps'] } } },
        },
        mergePatch,
      );
      await new Promise(r => setTimeout(r, 500));
      expect(cache.state('prod', 'applications')!.lastError?.fault).toBe(
        'unreachable',
      );
      proxy.resume();

      await waitFor(
        'the cache to re-list',
        async () =>
          cache.state('prod', 'applications')!.synced &&
          cache
            .list('prod', 'applications')
            .map(o => o.metadata.name)
            .sort()
            .join() === 'fraud-canary,fraud-prod',
        15_000,
        50,
      );
      const counters = cache.counters().clusters.prod.kinds.applications!;
      expect(counters.expired).toBeGreaterThanOrEqual(1);
      expect(counters.relists).toBeGreaterThanOrEqual(1);
      expect(cache.state('prod', 'applications')!.lastError).toBeUndefined();
    } finally {
      await Promise.all(caches.splice(0).map(c => c.stop()));
      await proxy.close();
    }
  });

  it('finds a CRD installed after start and judges an InferenceService by its status conditions', async () => {
    // The CRDs were installed by the previous test on this apiserver; B has none yet.
    const cache = startCache({
      clusters: [clusterConfig(b, 'edge')],
      kinds: ['inferenceservices'],
    });
    await waitFor(
      'not served',
      async () =>
        cache.state('edge', 'inferenceservices')?.phase === 'not-served',
      20_000,
    );
    await installCrds(adminB);
    await createNamespace(adminB, 'serving');
    await adminB.custom.createNamespacedCustomObject({
      group: 'serving.kserve.io',
      version: 'v1beta1',
      namespace: 'serving',
      plural: 'inferenceservices',
      body: {
        apiVersion: 'serving.kserve.io/v1beta1',
        kind: 'InferenceService',
        metadata: {
          name: 'llm',
          labels: { 'backstage.io/kubernetes-id': 'llm' },
        },
        spec: {
          predictor: {
            model: {
              modelFormat: { name: 'pytorch' },
              storageUri: 'pvc://models/llm',
            },
          },
        },
      },
    });
    await waitFor(
      'isvc cached',
      async () =>
        Boolean(cache.get('edge', 'inferenceservices', 'serving', 'llm')),
      15_000,
    );
    expect(cache.state('edge', 'inferenceservices')).toMatchObject({
      synced: true,
      apiVersion: 'serving.kserve.io/v1beta1',
    });
    expect(
      cache.get('edge', 'inferenceservices', 'serving', 'llm')!.spec?.predictor
        ?.model?.storageUri,
    ).toBe('pvc://models/llm');
    // No controller: no conditions yet → unknown, never ok.
    expect(
      judgeInferenceService(
        cache.get('edge', 'inferenceservices', 'serving', 'llm')!,
      ).status,
    ).toBe('unknown');

    await adminB.custom.patchNamespacedCustomObjectStatus(
      {
        group: 'serving.kserve.io',
        version: 'v1beta1',
        namespace: 'serving',
        plural: 'inferenceservices',
        name: 'llm',
        body: {
          status: {
            url: 'http://llm.serving.example.com',
            conditions: [
              { type: 'IngressReady', status: 'True' },
              { type: 'PredictorReady', status: 'True' },
              { type: 'Ready', status: 'True' },
            ],
            modelStatus: {
              transitionStatus: 'UpToDate',
              states: { activeModelState: 'Loaded' },
            },
          },
        },
      },
      mergePatch,
    );
    await waitFor(
      'ready isvc',
      async () =>
        judgeInferenceService(
          cache.get('edge', 'inferenceservices', 'serving', 'llm')!,
        ).status === 'ok',
      2_000,
      20,
    );
  });

  it('reads with the read-only token, and reports 403 per kind (with the apiserver message) and 401 per cluster', async () => {
    await createNamespace(adminA, 'mlops-rbac');
    await adminA.core.createNamespacedServiceAccount({
      namespace: 'mlops-rbac',
      body: {
        metadata: { name: 'portal' },
        automountServiceAccountToken: false,
      },
    });
    await adminA.rbac.createClusterRole({
      body: {
        metadata: { name: 'portal-partial' },
        rules: [
          {
            apiGroups: ['apps'],
            resources: ['deployments'],
            verbs: ['get', 'list', 'watch'],
          },
        ],
      },
    });
    await adminA.rbac.createClusterRoleBinding({
      body: {
        metadata: { name: 'portal-partial' },
        roleRef: {
          apiGroup: 'rbac.authorization.k8s.io',
          kind: 'ClusterRole',
          name: 'portal-partial',
        },
        subjects: [
          { kind: 'ServiceAccount', name: 'portal', namespace: 'mlops-rbac' },
        ],
      },
    });
    const tokenRequest = await adminA.core.createNamespacedServiceAccountToken({
      namespace: 'mlops-rbac',
      name: 'portal',
      body: {
        spec: {
          audiences: ['https://kubernetes.default.svc.cluster.local'],
          expirationSeconds: 3600,
        },
      },
    });
    const partialToken = tokenRequest.status!.token;

    const cache = startCache({
      clusters: [
        clusterConfig(a, 'read-only', a.readOnlyToken),
        clusterConfig(a, 'partial', partialToken),
        clusterConfig(a, 'wrong', 'not-a-token'),
      ],
      kinds: ['pods', 'deployments'],
    });
    await waitFor('every kind settled', async () => cache.settled(), 20_000);

    expect(cache.state('read-only', 'pods')).toMatchObject({ synced: true });
    expect(cache.state('read-only', 'deployments')).toMatchObject({
      synced: true,
    });

    expect(cache.state('partial', 'deployments')).toMatchObject({
      synced: true,
      objectCount: 1,
    });
    const forbidden = cache.state('partial', 'pods')!;
    expect(forbidden.synced).toBe(false);
    expect(forbidden.lastError).toMatchObject({
      fault: 'forbidden',
      httpStatus: 403,
    });
    expect(forbidden.lastError!.message).toContain(
      'pods is forbidden: User "system:serviceaccount:mlops-rbac:portal" cannot list resource "pods" in API group "" at the cluster scope',
    );
    expect(forbidden.lastError!.upstream).toBe(
      `kubernetes partial (${new URL(a.url).host})`,
    );

    // The entity signal names the problem instead of claiming health.
    const report = judgeEntityWorkloads(
      {
        clusterNames: () => ['partial'],
        list: (c, k, q) => cache.list(c, k, q),
        state: (c, k) => cache.state(c, k),
      },
      entity('fraud-detector'),
    );
    expect(report.status).not.toBe('ok');
    expect(report.problem).toMatchObject({ fault: 'forbidden' });

    for (const kind of ['pods', 'deployments'] as const) {
      const state = cache.state('wrong', kind)!;
      expect(state.lastError).toMatchObject({
        fault: 'unauthorized',
        httpStatus: 401,
      });
      expect(state.lastError!.message).not.toContain('not-a-token');
    }
  });

  it('keeps two clusters apart', async () => {
    await createNamespace(adminB, 'ml');
    await createPod(adminB, {
      namespace: 'ml',
      name: 'fraud-0',
      labels: { 'backstage.io/kubernetes-id': 'fraud-detector' },
      image: 'registry.ml.internal/ml/fraud-detector:v2',
    });
    const cache = startCache({
      clusters: [clusterConfig(a, 'prod'), clusterConfig(b, 'edge')],
      kinds: ['pods'],
    });
    await waitFor(
      'both synced',
      async () => cache.states().every(s => s.synced),
      20_000,
    );

    expect(cache.list('edge', 'pods').map(p => p.metadata.name)).toEqual([
      'fraud-0',
    ]);
    expect(
      cache.get('edge', 'pods', 'ml', 'fraud-0')!.spec!.containers![0].image,
    ).toBe('registry.ml.internal/ml/fraud-detector:v2');
    expect(
      cache.get('prod', 'pods', 'ml', 'fraud-0')!.spec!.containers![0].image,
    ).toBe('registry.ml.internal/ml/fraud-detector:v1');

    await createPod(adminB, {
      namespace: 'ml',
      name: 'only-on-edge',
      labels: { 'backstage.io/kubernetes-id': 'fraud-detector' },
    });
    await waitFor(
      'edge pod',
      async () => Boolean(cache.get('edge', 'pods', 'ml', 'only-on-edge')),
      2_000,
      20,
    );
    expect(cache.get('prod', 'pods', 'ml', 'only-on-edge')).toBeUndefined();

    const report = judgeEntityWorkloads(cache, entity('fraud-detector'));
    expect(report.clusters.map(c => [c.cluster, c.pods.length])).toEqual([
      ['prod', cache.list('prod', 'pods', { namespace: 'ml' }).length],
      ['edge', 2],
    ]);
  });

  it('stop() ends every request: no connection, socket or timer is left', async () => {
    const countHandles = () =>
      process
        .getActiveResourcesInfo()
        .filter(r => r === 'TCPSocketWrap' || r === 'Timeout').length;
    const proxies = await Promise.all(
      [a, b].map(k => startTcpProxy(Number(new URL(k.url).port))),
    );
    try {
      // Let earlier keep-alive sockets of the test's own client settle first.
      await new Promise(r => setTimeout(r, 100));
      const baseline = countHandles();
      const cache = ResourceCache.create({
        ...FAST,
        clusters: [
          clusterConfig(
            a,
            'prod',
            a.readOnlyToken,
            `https://127.0.0.1:${proxies[0].port}`,
          ),
          clusterConfig(
            b,
            'edge',
            b.readOnlyToken,
            `https://127.0.0.1:${proxies[1].port}`,
          ),
        ],
      });
      cache.start();
      await waitFor('settled', async () => cache.settled(), 20_000);
      // One long-lived watch per served kind, plus idle keep-alive connections.
      expect(proxies[0].connections()).toBeGreaterThanOrEqual(8);
      const t = Date.now();
      await cache.stop();
      expect(Date.now() - t).toBeLessThan(1_000);
      expect(cache.states().every(s => s.phase === 'stopped')).toBe(true);
      await waitFor(
        'connections closed',
        async () => proxies.every(p => p.connections() === 0),
        1_000,
        10,
      );
      await waitFor(
        'handles released',
        async () => countHandles() <= baseline,
        2_000,
        20,
      );
    } finally {
      await Promise.all(proxies.map(p => p.close()));
    }
  });
});

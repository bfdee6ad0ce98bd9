import {
  BackstageCredentials,
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { actionsRegistryServiceRef } from '@backstage/backend-plugin-api/alpha';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { EntityHealth } from '@internal/plugin-mlops-common';
import { startJenkinsSimulator } from '@internal/simulators';
import {
  RunningKubeApiserver,
  startKubeApiserver,
  waitFor,
} from '@internal/test-env';
import request from 'supertest';
import { readJenkinsConfig } from '../../upstreams/jenkins/config';
import { JenkinsClient } from '../../upstreams/jenkins/JenkinsClient';
import { ResourceCache } from '../../upstreams/kubernetes';
import {
  clusterConfig,
  createNamespace,
  createPod,
  jsonPatch,
  kubeClients,
} from '../../upstreams/kubernetes/__testUtils__/kubeAdmin';
import { buildSignalProvider } from '../health/cicdProviders';
import { HealthService } from '../health/HealthService';
import { registerMlopsActions } from './registerMlopsActions';

jest.setTimeout(120_000);

const REV = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';

const modelService = (
  name: string,
  owner: string,
  job: string,
  type = 'model-service',
): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name,
    namespace: 'default',
    title: `${name} title`,
    annotations: { 'jenkins.io/job-full-name': job },
  },
  spec: { type, owner, lifecycle: 'production' },
});

const credentialsOf = (options: unknown) =>
  (options as { credentials: BackstageCredentials }).credentials;

const ENTITIES = [
  modelService('fraud-detector', 'ml-platform', 'ml/fraud-detector'),
  modelService('churn-scoring', 'group:default/analytics', 'ml/churn-scoring'),
  modelService('web-shop', 'ml-platform', 'web/shop', 'website'),
];

/**
 * The actions as an MCP client reaches them: through the real actions
 * registry's HTTP routes of a backend whose plugin registers them exactly as
 * plugin.ts does, with the build signal read from a Jenkins simulator and GPU
 * nodes from the watch cache of a real kube-apiserver. The catalog (Backstage's
 * service) records the credentials it is called with.
 */
describe('mlops actions (actions registry)', () => {
  let jenkins: Awaited<ReturnType<typeof startJenkinsSimulator>>;
  let kube: RunningKubeApiserver;
  let cache: ResourceCache;
  const seen: BackstageCredentials[] = [];
  let withCluster: Awaited<ReturnType<typeof startTestBackend>>;
  let withoutCluster: Awaited<ReturnType<typeof startTestBackend>>;

  const startWith = (withCache?: ResourceCache) => {
    const inner = catalogServiceMock({ entities: ENTITIES });
    const catalog = catalogServiceMock.mock({
      getEntities: async (req, options) => {
        seen.push(credentialsOf(options));
        return inner.getEntities(req, options);
      },
      getEntityByRef: async (ref, options) => {
        seen.push(credentialsOf(options));
        return inner.getEntityByRef(ref, options);
      },
    });
    const plugin = createBackendPlugin({
      pluginId: 'mlops',
      register(env) {
        env.registerInit({
          deps: {
            logger: coreServices.logger,
            rootConfig: coreServices.rootConfig,
            actionsRegistry: actionsRegistryServiceRef,
            catalog: catalogServiceRef,
          },
          async init({ logger, rootConfig, actionsRegistry, catalog: c }) {
            const health = new HealthService(
              [
                buildSignalProvider(
                  JenkinsClient.create(readJenkinsConfig(rootConfig)),
                ),
              ],
              logger,
              { providerTimeoutMs: 5000 },
            );
            registerMlopsActions({
              actionsRegistry,
              catalog: c,
              health,
              cache: withCache,
            });
          },
        });
      },
    });
    return startTestBackend({
      features: [
        plugin,
        catalog.factory,
        mockServices.rootConfig.factory({
          data: {
            jenkins: {
              instances: [
                {
                  name: 'ci',
                  baseUrl: jenkins.url,
                  username: 'admin',
                  apiKey: '11simulatortoken',
                },
              ],
            },
          },
        }),
      ],
    });
  };

  beforeAll(async () => {
    [jenkins, kube] = await Promise.all([
      startJenkinsSimulator(),
      startKubeApiserver(),
    ]);
    jenkins.addJob('ml/fraud-detector', {
      type: 'pipeline',
      builds: [
        {
          number: 12,
          result: 'SUCCESS',
          duration: 1000,
          scm: [
            {
              remoteUrl: 'https://git.example.test/ml/fraud-detector.git',
              sha: REV,
              branch: 'main',
            },
          ],
        },
      ],
    });
    jenkins.addJob('ml/churn-scoring', {
      type: 'pipeline',
      builds: [{ number: 3, result: 'FAILURE', duration: 1000 }],
    });

    const k = kubeClients(kube);
    await createNamespace(k, 'ml');
    await k.core.createNode({
      body: {
        metadata: {
          name: 'gpu-1',
          labels: {
            'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-40GB',
            'nvidia.com/gpu.memory': '40960',
          },
        },
      },
    });
    const gpus = {
      'nvidia.com/gpu': '4',
      cpu: '32',
      memory: '256Gi',
      pods: '110',
    };
    await k.core.patchNodeStatus(
      {
        name: 'gpu-1',
        body: [
          { op: 'add', path: '/status/capacity', value: gpus },
          { op: 'add', path: '/status/allocatable', value: gpus },
        ],
      },
      jsonPatch,
    );
    await k.core.createNode({ body: { metadata: { name: 'cpu-1' } } });
    await createPod(k, {
      namespace: 'ml',
      name: 'llm-0',
      nodeName: 'gpu-1',
      gpus: 1,
    });

    cache = ResourceCache.create({
      clusters: [clusterConfig(kube, 'test')],
      resyncSeconds: 0,
    });
    cache.start();
    await waitFor(
      'the watch cache to hold the GPU pod',
      async () => cache.settled() && cache.list('test', 'pods').length === 1,
      30_000,
      100,
    );
    [withCluster, withoutCluster] = await Promise.all([
      startWith(cache),
      startWith(undefined),
    ]);
  });

  afterAll(async () => {
    await withCluster?.stop();
    await withoutCluster?.stop();
    await cache?.stop();
    await Promise.all([jenkins?.stop(), kube?.stop()]);
  });

  const invoke = (
    backend: Awaited<ReturnType<typeof startTestBackend>>,
    id: string,
    input: unknown,
    user = 'user:default/ada',
  ) =>
    request(backend.server)
      .post(`/api/mlops/.backstage/actions/v1/actions/${id}/invoke`)
      .set('Authorization', mockCredentials.user.header(user))
      .send(input as object);

  it('lists the three actions as read-only, non-destructive and idempotent', async () => {
    const res = await request(withCluster.server)
      .get('/api/mlops/.backstage/actions/v1/actions')
      .set('Authorization', mockCredentials.user.header());
    expect(res.status).toBe(200);
    const actions = (
      res.body.actions as Array<{
        id: string;
        attributes: unknown;
        schema: { input: { properties: object } };
      }>
    ).sort((a, b) => a.id.localeCompare(b.id));
    expect(actions.map(a => [a.id, a.attributes])).toEqual(
      [
        'mlops:get-model-service-health',
        'mlops:list-gpu-nodes',
        'mlops:list-model-services',
      ].map(id => [
        id,
        { readOnly: true, destructive: false, idempotent: true },
      ]),
    );
    expect(Object.keys(actions[0].schema.input.properties)).toEqual([
      'entityRef',
    ]);
  });

  it("answers a model service's health with the caller's credentials", async () => {
    seen.length = 0;
    const res = await invoke(withCluster, 'mlops:get-model-service-health', {
      entityRef: 'fraud-detector',
    });
    expect(res.status).toBe(200);
    const health = res.body.output as EntityHealth;
    expect(health.entityRef).toBe('component:default/fraud-detector');
    expect(health.signals.build).toMatchObject({
      status: 'ok',
      reason: 'ml/fraud-detector #12 succeeded (a1b2c3d)',
    });
    expect(health.signals.image).toMatchObject({
      status: 'unknown',
      reason: 'no image upstream is configured',
    });
    expect(
      health.delivery.steps.map(s => [s.id, s.status]).slice(0, 3),
    ).toEqual([
      ['commit', 'ok'],
      ['build', 'ok'],
      ['image', 'unknown'],
    ]);
    expect(seen).toEqual([
      expect.objectContaining({
        principal: expect.objectContaining({
          type: 'user',
          userEntityRef: 'user:default/ada',
        }),
      }),
    ]);
  });

  it('answers 404 for an entity that is not in the catalog and 400 without an entity ref', async () => {
    const missing = await invoke(
      withCluster,
      'mlops:get-model-service-health',
      {
        entityRef: 'component:default/nope',
      },
    );
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toBe(
      'No entity component:default/nope in the catalog',
    );
    const bad = await invoke(withCluster, 'mlops:get-model-service-health', {});
    expect(bad.status).toBe(400);
  });

  it('lists model services with their overall status, filtered by owner', async () => {
    seen.length = 0;
    const all = await invoke(
      withCluster,
      'mlops:list-model-services',
      {},
      'user:default/bob',
    );
    expect(all.status).toBe(200);
    expect(all.body.output).toEqual({
      total: 2,
      items: [
        {
          entityRef: 'component:default/churn-scoring',
          name: 'churn-scoring',
          title: 'churn-scoring title',
          owners: ['group:default/analytics'],
          status: 'error',
          verdict: 'Build: build 3 failed',
          signals: {
            build: 'error',
            image: 'unknown',
            sync: 'unknown',
            workload: 'unknown',
            inference: 'unknown',
            gpu: 'unknown',
          },
        },
        expect.objectContaining({
          entityRef: 'component:default/fraud-detector',
          owners: ['group:default/ml-platform'],
          status: 'unknown',
        }),
      ],
    });
    expect(
      seen.map(c => (c.principal as { userEntityRef?: string }).userEntityRef),
    ).toEqual(['user:default/bob']);

    const mine = await invoke(withCluster, 'mlops:list-model-services', {
      owner: 'ml-platform',
    });
    expect(mine.body.output.items.map((i: { name: string }) => i.name)).toEqual(
      ['fraud-detector'],
    );
    const limited = await invoke(withCluster, 'mlops:list-model-services', {
      limit: 1,
    });
    expect(limited.body.output.total).toBe(2);
    expect(limited.body.output.items).toHaveLength(1);
  });

  it('lists GPU nodes from the watch cache, with what holds them', async () => {
    const res = await invoke(withCluster, 'mlops:list-gpu-nodes', {});
    expect(res.status).toBe(200);
    expect(res.body.output).toEqual({
      configured: true,
      clusters: [
        {
          cluster: 'test',
          synced: true,
          nodes: [
            {
              node: 'gpu-1',
              unschedulable: false,
              product: 'NVIDIA-A100-SXM4-40GB',
              memoryMiB: 40960,
              shared: false,
              capacity: { 'nvidia.com/gpu': 4 },
              allocatable: { 'nvidia.com/gpu': 4 },
              requested: { 'nvidia.com/gpu': 1 },
              free: { 'nvidia.com/gpu': 3 },
              gpuTaints: [],
              pods: [
                {
                  namespace: 'ml',
                  name: 'llm-0',
                  resources: { 'nvidia.com/gpu': 1 },
                },
              ],
            },
          ],
        },
      ],
    });
    const other = await invoke(withCluster, 'mlops:list-gpu-nodes', {
      cluster: 'prod',
    });
    expect(other.body.output).toEqual({
      configured: true,
      reason: 'no cluster named "prod" (configured: test)',
      clusters: [],
    });
  });

  it('says clearly that GPU nodes cannot be listed without a cluster', async () => {
    const res = await invoke(withoutCluster, 'mlops:list-gpu-nodes', {});
    expect(res.status).toBe(200);
    expect(res.body.output).toEqual({
      configured: false,
      reason: expect.stringMatching(/no Kubernetes cluster is configured/),
      clusters: [],
    });
  });
});

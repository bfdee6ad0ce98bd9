import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { EntityHealth } from '@internal/plugin-mlops-common';
import {
  RunningKubeApiserver,
  startKubeApiserver,
  waitFor,
} from '@internal/test-env';
import request from 'supertest';
import { mlopsPlugin } from './plugin';
import {
  createNamespace,
  installCrds,
  kubeClients,
  mergePatch,
} from './upstreams/kubernetes/__testUtils__/kubeAdmin';

jest.setTimeout(120_000);

/**
 * Without an Argo CD REST instance, the sync signal reads the
 * argoproj.io/v1alpha1 Application objects through the Kubernetes API (the
 * CRD has no status subresource: status is patched on the main object).
 */
describe('sync signal from Application objects on the real kube-apiserver', () => {
  let kube: RunningKubeApiserver;
  let backend: Awaited<ReturnType<typeof startTestBackend>>;
  let k: ReturnType<typeof kubeClients>;

  beforeAll(async () => {
    kube = await startKubeApiserver();
    k = kubeClients(kube);
    await installCrds(k);
    await createNamespace(k, 'argocd');
    await k.custom.createNamespacedCustomObject({
      group: 'argoproj.io',
      version: 'v1alpha1',
      namespace: 'argocd',
      plural: 'applications',
      body: {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Application',
        metadata: { name: 'fraud-detector' },
        spec: {
          project: 'default',
          source: {
            repoURL: 'https://git.example.test/gitops.git',
            path: 'apps/fraud-detector/overlays/prod',
            targetRevision: 'main',
          },
          destination: {
            server: 'https://kubernetes.default.svc',
            namespace: 'ml',
          },
          syncPolicy: { automated: { prune: true, selfHeal: true } },
        },
        status: {
          sync: { status: 'Synced', revision: 'abcdef1234567' },
          health: { status: 'Healthy' },
        },
      },
    });
    const entity: Entity = {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: {
        name: 'fraud-detector',
        namespace: 'default',
        annotations: { 'argocd/app-name': 'fraud-detector' },
      },
      spec: {
        type: 'model-service',
        owner: 'fraud-ml',
        lifecycle: 'production',
      },
    };
    backend = await startTestBackend({
      features: [
        mlopsPlugin,
        catalogServiceMock.factory({ entities: [entity] }),
        mockServices.rootConfig.factory({
          data: {
            kubernetes: {
              clusterLocatorMethods: [
                {
                  type: 'config',
                  clusters: [
                    {
                      name: 'prod',
                      url: kube.url,
                      authProvider: 'serviceAccount',
                      serviceAccountToken: kube.readOnlyToken,
                      caData: kube.caData,
                    },
                  ],
                },
              ],
            },
          },
        }),
      ],
    });
  });
  afterAll(async () => {
    await backend?.stop();
    await kube?.stop();
  });

  const get = async () =>
    (
      await request(backend.server).get(
        '/api/mlops/entities/component/default/fraud-detector/health',
      )
    ).body as EntityHealth;

  it('reads sync and health from the Application object, and follows changes through the watch', async () => {
    let health: EntityHealth | undefined;
    await waitFor(
      'the Application to be cached',
      async () => {
        health = await get();
        return health.signals.sync.status === 'ok';
      },
      30_000,
      300,
    );
    expect(health!.signals.sync.reason).toBe('Synced and Healthy at abcdef1');

    await k.custom.patchNamespacedCustomObject(
      {
        group: 'argoproj.io',
        version: 'v1alpha1',
        namespace: 'argocd',
        plural: 'applications',
        name: 'fraud-detector',
        body: {
          status: {
            sync: { status: 'OutOfSync' },
            health: {
              status: 'Degraded',
              message:
                'Deployment fraud-detector exceeded its progress deadline',
            },
          },
        },
      },
      mergePatch,
    );
    await waitFor(
      'the OutOfSync status to reach the route',
      async () => {
        health = await get();
        return health.signals.sync.status !== 'ok';
      },
      15_000,
      300,
    );
    expect(health!.signals.sync).toMatchObject({
      status: 'warning',
      reason: 'OutOfSync, health Degraded',
    });
    expect(health!.delivery.firstBroken).toBe('synced');
  });
});

import { mockCredentials } from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  RunningKubeApiserver,
  startKubeApiserver,
  waitFor,
} from '@internal/test-env';
import express from 'express';
import request from 'supertest';
import { ActionsService } from '../services/actions/ActionsService';
import { KubeClusterHttp } from '../services/actions/kubeClusterHttp';
import { WorkloadRestarter } from '../services/actions/WorkloadRestarter';
import { KubernetesClusterConfig } from '../upstreams/kubernetes/config';
import { ResourceCache } from '../upstreams/kubernetes/ResourceCache';
import {
  KubeClients,
  clusterConfig,
  createNamespace,
  kubeClients,
} from '../upstreams/kubernetes/__testUtils__/kubeAdmin';
import { actionsApp, recordingLogger } from './__testUtils__/actionsApp';

jest.setTimeout(120_000);

const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';
const ALICE = 'user:default/alice';
const ENTITY_LABEL = { 'backstage.io/kubernetes-id': 'fraud-detector' };

function entity(name: string, annotations: Record<string, string>): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name, namespace: 'default', annotations },
    spec: { type: 'model-service', owner: 'ml', lifecycle: 'production' },
  };
}

const entities = [
  entity('fraud-detector', { 'backstage.io/kubernetes-id': 'fraud-detector' }),
  entity('fraud-detector-staging', {
    'backstage.io/kubernetes-id': 'fraud-detector',
    'backstage.io/kubernetes-namespace': 'staging',
  }),
];

const template = (app: string) => ({
  metadata: { labels: { app } },
  spec: {
    containers: [{ name: 'model', image: `registry.ml.internal/ml/${app}:v1` }],
  },
});

async function deployment(
  k: KubeClients,
  name: string,
  labels: Record<string, string>,
  extra: { paused?: boolean } = {},
) {
  await k.apps.createNamespacedDeployment({
    namespace: 'ml',
    body: {
      metadata: { name, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: name } },
        template: template(name),
        ...extra,
      },
    },
  });
}

/**
 * The restart action end to end: the workload found through the watch cache
 * (read-only token), read live, patched with the cluster's write token on a
 * REAL kube-apiserver. No controller runs, so a restart shows as the template
 * annotation plus a new `generation` (protocols/kubernetes.md §6).
 */
describe('POST …/actions/restart against a real kube-apiserver', () => {
  let kube: RunningKubeApiserver;
  let k: KubeClients;
  let cache: ResourceCache;
  const restarters: WorkloadRestarter[] = [];
  const logger = recordingLogger();

  const withWrite = (token: string): KubernetesClusterConfig => ({
    ...clusterConfig(kube, 'test'),
    writeToken: { kind: 'static', value: token },
  });
  async function app(
    clusters: KubernetesClusterConfig[],
    decision: 'ALLOW' | 'DENY' = AuthorizeResult.ALLOW,
  ): Promise<express.Express> {
    const restarter = WorkloadRestarter.create({ clusters, objects: cache });
    restarters.push(restarter);
    return actionsApp({
      actions: ActionsService.create({ restarter }),
      entities,
      decision: decision as typeof AuthorizeResult.ALLOW,
      logger,
    });
  }
  const live = (name: string) =>
    k.apps.readNamespacedDeployment({ namespace: 'ml', name });
  const post = (
    server: express.Express,
    body: object,
    who = ALICE,
    name = 'fraud-detector',
  ) =>
    request(server)
      .post(`/entities/component/default/${name}/actions/restart`)
      .set('authorization', mockCredentials.user.header(who))
      .send(body);

  beforeAll(async () => {
    kube = await startKubeApiserver();
    k = kubeClients(kube);
    await createNamespace(k, 'ml');
    await deployment(k, 'fraud-detector', ENTITY_LABEL);
    await deployment(k, 'fraud-detector-canary', ENTITY_LABEL, {
      paused: true,
    });
    await deployment(k, 'fraud-detector-b', ENTITY_LABEL);
    await deployment(k, 'churn-scoring', {
      'backstage.io/kubernetes-id': 'churn-scoring',
    });
    await k.apps.createNamespacedStatefulSet({
      namespace: 'ml',
      body: {
        metadata: { name: 'fraud-detector-cache', labels: ENTITY_LABEL },
        spec: {
          serviceName: 'fraud-detector-cache',
          replicas: 1,
          selector: { matchLabels: { app: 'fraud-detector-cache' } },
          template: template('fraud-detector-cache'),
          updateStrategy: { type: 'OnDelete' },
        },
      },
    });
    cache = ResourceCache.create({
      clusters: [clusterConfig(kube, 'test')],
      kinds: ['deployments', 'statefulsets'],
      resyncSeconds: 0,
    });
    cache.start();
    await waitFor(
      'the watch cache to list the workloads',
      async () =>
        cache.list('test', 'deployments').length === 4 &&
        cache.list('test', 'statefulsets').length === 1,
    );
  });
  afterAll(async () => {
    await Promise.all(restarters.map(r => r.close()));
    await cache?.stop();
    await kube?.stop();
  });
  beforeEach(() => {
    logger.lines.length = 0;
  });

  it("restarts the entity's Deployment like kubectl: template annotation, new generation, field manager", async () => {
    const server = await app([withWrite(kube.adminToken)]);
    const before = await live('fraud-detector');
    expect(before.metadata?.generation).toBe(1);
    const started = Date.now();

    const res = await post(server, { namespace: 'ml', name: 'fraud-detector' });

    expect(res.status).toBe(202);
    expect(res.body).toEqual({
      cluster: 'test',
      namespace: 'ml',
      name: 'fraud-detector',
      kind: 'Deployment',
      restartedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      generation: 2,
    });
    expect(Date.parse(res.body.restartedAt)).toBeGreaterThanOrEqual(
      Math.floor(started / 1000) * 1000,
    );
    const after = await live('fraud-detector');
    expect(after.spec?.template.metadata?.annotations?.[RESTARTED_AT]).toBe(
      res.body.restartedAt,
    );
    expect(after.metadata?.generation).toBe(2);
    expect(after.spec?.template.metadata?.labels).toEqual({
      app: 'fraud-detector',
    });
    expect((after.metadata?.managedFields ?? []).map(f => f.manager)).toContain(
      'backstage-mlops',
    );
    expect(logger.lines.map(l => l.message)).toEqual([
      `mlops action restart by ${ALICE} on component:default/fraud-detector: succeeded (kubernetes test Deployment ml/fraud-detector)`,
    ]);
    expect(JSON.stringify([res.body, logger.lines])).not.toContain(
      kube.adminToken,
    );
  });

  it('finds a StatefulSet without "kind", and says that OnDelete only restarts deleted pods', async () => {
    const server = await app([withWrite(kube.adminToken)]);
    const res = await post(server, {
      namespace: 'ml',
      name: 'fraud-detector-cache',
    });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({
      kind: 'StatefulSet',
      generation: 2,
      note: 'updateStrategy is OnDelete: pods pick up the restart only when they are deleted',
    });
    const sts = await k.apps.readNamespacedStatefulSet({
      namespace: 'ml',
      name: 'fraud-detector-cache',
    });
    expect(sts.spec?.template.metadata?.annotations?.[RESTARTED_AT]).toBe(
      res.body.restartedAt,
    );
  });

  it('DENY → 403 and the Deployment is untouched', async () => {
    const server = await app(
      [withWrite(kube.adminToken)],
      AuthorizeResult.DENY,
    );
    const before = await live('fraud-detector-b');
    const res = await post(server, {
      namespace: 'ml',
      name: 'fraud-detector-b',
    });
    expect(res.status).toBe(403);
    expect(res.body.error.message).toBe(
      `${ALICE} may not restart component:default/fraud-detector (permission mlops.workload.restart)`,
    );
    const after = await live('fraud-detector-b');
    expect(after.metadata?.resourceVersion).toBe(
      before.metadata?.resourceVersion,
    );
    expect(after.spec?.template.metadata?.annotations).toBeUndefined();
  });

  it('a workload the entity does not match (or that does not exist) → 404, nothing patched', async () => {
    const server = await app([withWrite(kube.adminToken)]);
    const before = await live('churn-scoring');
    const res = await post(server, { namespace: 'ml', name: 'churn-scoring' });
    expect(res.status).toBe(404);
    expect(res.body.error.message).toBe(
      "Deployment or StatefulSet ml/churn-scoring is not one of this entity's workloads (selector backstage.io/kubernetes-id=fraud-detector) on cluster test",
    );
    expect((await live('churn-scoring')).metadata?.resourceVersion).toBe(
      before.metadata?.resourceVersion,
    );
    const missing = await post(server, {
      namespace: 'ml',
      name: 'nope',
      kind: 'Deployment',
    });
    expect(missing.status).toBe(404);
    const otherCluster = await post(server, {
      cluster: 'prod',
      namespace: 'ml',
      name: 'fraud-detector-b',
    });
    expect(otherCluster.status).toBe(404);
    expect(otherCluster.body.error.message).toBe(
      'cluster "prod" is not configured (configured: test)',
    );
    const wrongNamespace = await post(
      server,
      { namespace: 'ml', name: 'fraud-detector-b' },
      ALICE,
      'fraud-detector-staging',
    );
    expect(wrongNamespace.status).toBe(404);
    expect(wrongNamespace.body.error.message).toBe(
      "Deployment or StatefulSet ml/fraud-detector-b is not this entity's: its workloads are in namespace staging",
    );
    expect(
      (await live('fraud-detector-b')).spec?.template.metadata?.annotations,
    ).toBeUndefined();
  });

  it('a paused Deployment → 400 (as kubectl refuses it), nothing patched', async () => {
    const server = await app([withWrite(kube.adminToken)]);
    const before = await live('fraud-detector-canary');
    const res = await post(server, {
      namespace: 'ml',
      name: 'fraud-detector-canary',
    });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe(
      'Deployment ml/fraud-detector-canary on cluster test is paused; resume it first (kubectl rollout resume deployment/fraud-detector-canary -n ml), as kubectl rollout restart would refuse it too',
    );
    const after = await live('fraud-detector-canary');
    expect(after.metadata?.resourceVersion).toBe(
      before.metadata?.resourceVersion,
    );
  });

  it('no write token for the cluster → 501 naming the config key, nothing patched', async () => {
    const server = await app([clusterConfig(kube, 'test')]);
    const before = await live('fraud-detector-b');
    const res = await post(server, {
      namespace: 'ml',
      name: 'fraud-detector-b',
    });
    expect(res.status).toBe(501);
    expect(res.body.error).toMatchObject({
      name: 'NotImplementedError',
      message: expect.stringContaining(
        'restart needs kubernetes.clusterLocatorMethods[].clusters[].writeServiceAccountToken for cluster "test"',
      ),
    });
    expect((await live('fraud-detector-b')).metadata?.resourceVersion).toBe(
      before.metadata?.resourceVersion,
    );
  });

  it("a write token RBAC refuses → 503 with the apiserver's reason, no token in the answer", async () => {
    const server = await app([withWrite(kube.readOnlyToken)]);
    const before = await live('fraud-detector-b');
    const res = await post(server, {
      namespace: 'ml',
      name: 'fraud-detector-b',
    });
    expect(res.status).toBe(503);
    expect(res.body.error.message).toMatch(
      /^kubernetes test \(127\.0\.0\.1:\d+\): answered 403: deployments\.apps "fraud-detector-b" is forbidden: User "[^"]+" cannot patch resource "deployments" in API group "apps" in the namespace "ml" \(forbidden\)$/,
    );
    expect(JSON.stringify(res.body)).not.toContain(kube.readOnlyToken);
    expect((await live('fraud-detector-b')).metadata?.resourceVersion).toBe(
      before.metadata?.resourceVersion,
    );
    expect(logger.lines.map(l => l.level)).toEqual(['warn']);
  });

  it('unauthenticated → 401, nothing patched', async () => {
    const server = await app([withWrite(kube.adminToken)]);
    const res = await request(server)
      .post('/entities/component/default/fraud-detector/actions/restart')
      .set('authorization', mockCredentials.none.header())
      .send({ namespace: 'ml', name: 'fraud-detector-b' });
    expect(res.status).toBe(401);
    expect(
      (await live('fraud-detector-b')).spec?.template.metadata?.annotations,
    ).toBeUndefined();
  });

  it('the patch is pinned to the resourceVersion that was checked: a stale one is refused with 409', async () => {
    const http = new KubeClusterHttp(withWrite(kube.adminToken), 5_000);
    try {
      const stale = (await live('fraud-detector-b')).metadata!.resourceVersion!;
      await k.apps.patchNamespacedDeployment({
        namespace: 'ml',
        name: 'fraud-detector-b',
        body: [
          {
            op: 'add',
            path: '/metadata/annotations',
            value: { touched: 'yes' },
          },
        ],
      });
      const answer = await http.send(
        'PATCH',
        '/apis/apps/v1/namespaces/ml/deployments/fraud-detector-b?fieldManager=backstage-mlops',
        { kind: 'static', value: kube.adminToken },
        {
          contentType: 'application/strategic-merge-patch+json',
          body: {
            metadata: { resourceVersion: stale },
            spec: {
              template: { metadata: { annotations: { [RESTARTED_AT]: 'x' } } },
            },
          },
        },
      );
      expect(answer.status).toBe(409);
      expect((answer.body as { message?: string }).message).toContain(
        'the object has been modified',
      );
      expect(
        (await live('fraud-detector-b')).spec?.template.metadata?.annotations,
      ).toBeUndefined();
    } finally {
      await http.close();
    }
  });
});

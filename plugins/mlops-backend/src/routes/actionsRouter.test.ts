import { mockCredentials } from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  ArgoCdSimulator,
  JenkinsSimulator,
  startArgoCdSimulator,
  startJenkinsSimulator,
} from '@internal/simulators';
import { ResponseError } from '@backstage/errors';
import { MlopsClient } from '@internal/plugin-mlops-common';
import express from 'express';
import { AddressInfo } from 'node:net';
import request from 'supertest';
import { ActionsService } from '../services/actions/ActionsService';
import { ArgoCdClient } from '../upstreams/argocd/ArgoCdClient';
import {
  SHA_A,
  SHA_B,
  app,
  argoConfig,
} from '../upstreams/argocd/__testUtils__/apps';
import {
  API_TOKEN,
  jenkinsClient,
} from '../upstreams/jenkins/__testUtils__/jenkins';
import { actionsApp, recordingLogger } from './__testUtils__/actionsApp';

jest.setTimeout(60_000);

const ARGO_PASSWORD = 'argo-password-0815';
const ALICE = 'user:default/alice';

function entity(name: string, annotations: Record<string, string>): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name, namespace: 'default', annotations },
    spec: { type: 'model-service', owner: 'ml', lifecycle: 'production' },
  };
}

const entities = [
  entity('fraud-detector', {
    'jenkins.io/job-full-name': 'ml/fraud-detector, ml/fraud-detector-params',
    'argocd/app-name': 'fraud-detector',
  }),
  entity('rollme', { 'argocd/app-name': 'rollme' }),
  entity('scored', { 'argocd/app-selector': 'team=scoring' }),
  entity('bare', {}),
];

const path = (name: string, action: string) =>
  `/entities/component/default/${name}/actions/${action}`;

describe('actions router: rebuild, sync, rollback against the Jenkins and Argo CD simulators', () => {
  let jenkins: JenkinsSimulator;
  let argo: ArgoCdSimulator;
  let actions: ActionsService;
  let allowed: express.Express;
  let denied: express.Express;
  const logger = recordingLogger();

  const posts = (sim: {
    requests(): Array<{ method: string; path: string }>;
  }) => sim.requests().filter(r => r.method === 'POST');
  const audit = () =>
    logger.lines.filter(l => (l.meta as { audit?: boolean })?.audit);
  /** Jenkins' queue, read over HTTP with the simulator's own admin token. */
  async function queuedJobs(): Promise<string[]> {
    const res = await fetch(
      `${jenkins.url}/queue/api/json?tree=items[task[name,url],params]`,
      { headers: { authorization: jenkins.tokenAuth('admin') } },
    );
    const body = (await res.json()) as {
      items: Array<{ task: { url: string }; params: string }>;
    };
    return body.items.map(i => `${new URL(i.task.url).pathname}${i.params}`);
  }

  beforeAll(async () => {
    [jenkins, argo] = await Promise.all([
      startJenkinsSimulator({
        users: [{ username: 'admin', password: 'pw', apiToken: API_TOKEN }],
        quietPeriodMs: 600_000,
      }),
      startArgoCdSimulator({
        users: { admin: ARGO_PASSWORD },
        syncDurationMs: 600_000,
      }),
    ]);
    jenkins.addJob('ml/fraud-detector', { type: 'pipeline' });
    jenkins.addJob('ml/fraud-detector-params', {
      type: 'pipeline',
      parameters: [{ name: 'TAG', defaultValue: 'latest' }],
    });
    jenkins.addJob('ml/other-team', { type: 'pipeline' });
    argo.putApplication(app('fraud-detector'));
    argo.putApplication(
      app('rollme', {
        history: [
          { id: 0, revision: SHA_A, deployedAt: '2026-01-01T00:00:00Z' },
          { id: 1, revision: SHA_B, deployedAt: '2026-01-02T00:00:00Z' },
        ],
      }),
    );
    argo.putApplication(app('scoring-a', { labels: { team: 'scoring' } }));
    argo.putApplication(app('scoring-b', { labels: { team: 'scoring' } }));

    const argoCfg = argoConfig([
      {
        name: 'prod',
        url: argo.url,
        username: 'admin',
        password: ARGO_PASSWORD,
      },
    ]);
    actions = ActionsService.create({
      jenkins: jenkinsClient([
        {
          name: 'ci',
          baseUrl: jenkins.url,
          username: 'admin',
          apiKey: API_TOKEN,
        },
      ]),
      argocd: argoCfg.instances.map(i => new ArgoCdClient(i, argoCfg)),
    });
    allowed = await actionsApp({
      actions,
      entities,
      decision: AuthorizeResult.ALLOW,
      logger,
    });
    denied = await actionsApp({
      actions,
      entities,
      decision: AuthorizeResult.DENY,
      logger,
    });
  });
  afterAll(async () => {
    await Promise.all([jenkins?.stop(), argo?.stop()]);
  });
  beforeEach(() => {
    jenkins.resetRequests();
    argo.resetRequests();
    logger.lines.length = 0;
  });

  describe('permission decided before any upstream request', () => {
    it.each([
      ['rebuild', {}, 'mlops.build.trigger'],
      ['sync', {}, 'mlops.argocd.sync'],
      ['rollback', { id: 0 }, 'mlops.argocd.sync'],
      [
        'restart',
        { namespace: 'ml', name: 'fraud-detector' },
        'mlops.workload.restart',
      ],
    ])(
      'DENY %s → 403 NotAllowedError, no request to Jenkins or Argo CD, an audit line',
      async (action, body, permission) => {
        const res = await request(denied)
          .post(path('fraud-detector', action))
          .set('authorization', mockCredentials.user.header(ALICE))
          .send(body);
        expect(res.status).toBe(403);
        expect(res.body.error).toMatchObject({
          name: 'NotAllowedError',
          message: `${ALICE} may not ${action} component:default/fraud-detector (permission ${permission})`,
        });
        expect(jenkins.requests()).toEqual([]);
        expect(argo.requests()).toEqual([]);
        expect(audit()).toEqual([
          expect.objectContaining({
            level: 'warn',
            message: `mlops action ${action} by ${ALICE} on component:default/fraud-detector: denied`,
          }),
        ]);
        expect(
          argo.getApplication('fraud-detector')?.operation ?? null,
        ).toBeNull();
      },
    );

    it('unauthenticated → 401; a service (not a user) → 403; neither reaches an upstream', async () => {
      const anonymous = await request(allowed)
        .post(path('fraud-detector', 'rebuild'))
        .set('authorization', mockCredentials.none.header())
        .send({});
      expect(anonymous.status).toBe(401);
      const service = await request(allowed)
        .post(path('fraud-detector', 'sync'))
        .set('authorization', mockCredentials.service.header())
        .send({});
      expect(service.status).toBe(403);
      expect(jenkins.requests()).toEqual([]);
      expect(argo.requests()).toEqual([]);
    });

    it('an entity the user may not see (or that does not exist) → 404', async () => {
      const res = await request(allowed)
        .post(path('ghost', 'rebuild'))
        .send({});
      expect(res.status).toBe(404);
      expect(res.body.error.message).toBe(
        'No entity component:default/ghost in the catalog',
      );
      expect(jenkins.requests()).toEqual([]);
    });

    it('bad bodies → 400 InputError naming the field, before anything else', async () => {
      const cases: Array<[string, object]> = [
        ['rebuild', { parameters: { 'bad name': 'x' } }],
        ['rebuild', { job: 'ml/fraud-detector', extra: true }],
        ['sync', { prune: 'yes' }],
        ['sync', { revision: 'main; rm -rf' }],
        ['rollback', {}],
        ['rollback', { id: -1 }],
        ['restart', { namespace: 'ML', name: 'x' }],
        ['restart', { namespace: 'ml', name: 'x', kind: 'DaemonSet' }],
      ];
      for (const [action, body] of cases) {
        const res = await request(allowed)
          .post(path('fraud-detector', action))
          .send(body);
        expect({
          action,
          body,
          status: res.status,
          name: res.body.error?.name,
        }).toEqual({
          action,
          body,
          status: 400,
          name: 'InputError',
        });
        expect(res.body.error.message).toMatch(
          new RegExp(`^Invalid ${action} request: `),
        );
      }
      expect(jenkins.requests()).toEqual([]);
      expect(argo.requests()).toEqual([]);
    });
  });

  describe('rebuild', () => {
    it("ALLOW → queues the entity's first job in Jenkins (202 with the queue URL), one audit line", async () => {
      const res = await request(allowed)
        .post(path('fraud-detector', 'rebuild'))
        .set('authorization', mockCredentials.user.header(ALICE))
        .send({});
      expect(res.status).toBe(202);
      expect(res.body).toEqual({
        instance: 'ci',
        fullName: 'ml/fraud-detector',
        queueUrl: expect.stringMatching(
          new RegExp(`^${jenkins.url}/queue/item/\\d+/$`),
        ),
        queueId: expect.any(Number),
      });
      expect(posts(jenkins).map(r => r.path)).toEqual([
        '/job/ml/job/fraud-detector/build',
      ]);
      expect(await queuedJobs()).toContain('/job/ml/job/fraud-detector/');
      expect(audit()).toEqual([
        expect.objectContaining({
          level: 'info',
          message: `mlops action rebuild by ${ALICE} on component:default/fraud-detector: succeeded (jenkins ci:ml/fraud-detector)`,
        }),
      ]);
      expect(JSON.stringify(logger.lines)).not.toContain(API_TOKEN);
    });

    it('a named job of the entity with parameters → buildWithParameters', async () => {
      const res = await request(allowed)
        .post(path('fraud-detector', 'rebuild'))
        .send({
          job: 'ci:ml/fraud-detector-params',
          parameters: { TAG: 'v7' },
        });
      expect(res.status).toBe(202);
      expect(res.body.fullName).toBe('ml/fraud-detector-params');
      expect(posts(jenkins).map(r => r.path)).toEqual([
        '/job/ml/job/fraud-detector-params/buildWithParameters',
      ]);
      expect(await queuedJobs()).toContain(
        '/job/ml/job/fraud-detector-params/\nTAG=v7',
      );
    });

    it('a job the entity does not name → 404, and Jenkins gets no request', async () => {
      const res = await request(allowed)
        .post(path('fraud-detector', 'rebuild'))
        .send({ job: 'ml/other-team' });
      expect(res.status).toBe(404);
      expect(res.body.error.message).toBe(
        'job "ml/other-team" is not one of this entity\'s (jenkins.io/job-full-name: ci:ml/fraud-detector, ci:ml/fraud-detector-params)',
      );
      expect(jenkins.requests()).toEqual([]);
      expect(await queuedJobs()).not.toContain('/job/ml/job/other-team/');
    });

    it('an entity without the annotation → 400', async () => {
      const res = await request(allowed).post(path('bare', 'rebuild')).send({});
      expect(res.status).toBe(400);
      expect(res.body.error.message).toBe(
        'entity has no jenkins.io/job-full-name annotation',
      );
    });

    it('Jenkins down → 503 naming Jenkins, without the API token in the answer or the log', async () => {
      await jenkins.setFault({ mode: 'status', status: 503 });
      try {
        const res = await request(allowed)
          .post(path('fraud-detector', 'rebuild'))
          .send({});
        expect(res.status).toBe(503);
        expect(res.body.error.name).toBe('ServiceUnavailableError');
        expect(res.body.error.message).toMatch(
          /^Jenkins ci \(127\.0\.0\.1:\d+\): /,
        );
        expect(JSON.stringify(res.body)).not.toContain(API_TOKEN);
        expect(audit()).toEqual([
          expect.objectContaining({
            level: 'warn',
            message: expect.stringContaining(
              `mlops action rebuild by user:default/mock on component:default/fraud-detector: failed: ServiceUnavailableError: Jenkins ci`,
            ),
          }),
        ]);
        expect(JSON.stringify(logger.lines)).not.toContain(API_TOKEN);
      } finally {
        await jenkins.setFault({ mode: 'none' });
      }
    });
  });

  describe('sync and rollback', () => {
    it('ALLOW → the application gets a sync operation (202, phase Running); a second sync → 409', async () => {
      const res = await request(allowed)
        .post(path('fraud-detector', 'sync'))
        .send({ prune: true });
      expect(res.status).toBe(202);
      expect(res.body).toEqual({
        instance: 'prod',
        name: 'fraud-detector',
        phase: 'Running',
      });
      const stored = argo.getApplication('fraud-detector')!;
      expect(stored.operation).toMatchObject({
        sync: {
          prune: true,
          revision: expect.stringMatching(/^[0-9a-f]{40}$/),
        },
        initiatedBy: { username: 'admin' },
      });
      const again = await request(allowed)
        .post(path('fraud-detector', 'sync'))
        .send({});
      expect(again.status).toBe(409);
      expect(again.body.error).toMatchObject({
        name: 'ConflictError',
        message: expect.stringContaining(
          'another operation is already in progress',
        ),
      });
      expect(
        JSON.stringify([res.body, again.body, logger.lines]),
      ).not.toContain(ARGO_PASSWORD);
    });

    it('an application the entity does not name → 404 and no write to Argo CD', async () => {
      const res = await request(allowed)
        .post(path('rollme', 'sync'))
        .send({ app: 'fraud-detector' });
      expect(res.status).toBe(404);
      expect(res.body.error.message).toBe(
        'application "fraud-detector" is not this entity\'s (argocd/app-name is "rollme")',
      );
      const wrongInstance = await request(allowed)
        .post(path('rollme', 'sync'))
        .send({ instance: 'staging' });
      expect(wrongInstance.status).toBe(404);
      expect(posts(argo)).toEqual([]);
    });

    it('a selector with two applications: asks which (400), then syncs only the one named', async () => {
      const ambiguous = await request(allowed)
        .post(path('scored', 'sync'))
        .send({});
      expect(ambiguous.status).toBe(400);
      expect(ambiguous.body.error.message).toBe(
        'this entity has several Argo CD applications (prod/scoring-a, prod/scoring-b); say which with "app" and "instance"',
      );
      // Only reads (the shared application list), no write.
      expect(posts(argo).filter(r => r.path !== '/api/v1/session')).toEqual([]);
      expect(argo.requests().map(r => `${r.method} ${r.path}`)).toContain(
        'GET /api/v1/applications',
      );

      const notMatched = await request(allowed)
        .post(path('scored', 'sync'))
        .send({ app: 'rollme' });
      expect(notMatched.status).toBe(404);

      const res = await request(allowed)
        .post(path('scored', 'sync'))
        .send({ app: 'scoring-b' });
      expect(res.status).toBe(202);
      expect(argo.getApplication('scoring-b')?.operation).toBeDefined();
      expect(argo.getApplication('scoring-a')?.operation ?? null).toBeNull();
      expect(argo.getApplication('rollme')?.operation ?? null).toBeNull();
    });

    it("rollback → the application runs a rollback to that history entry's revision", async () => {
      const unknown = await request(allowed)
        .post(path('rollme', 'rollback'))
        .send({ id: 42 });
      expect(unknown.status).toBe(400);
      expect(unknown.body.error.message).toContain('history id 42');

      const res = await request(allowed)
        .post(path('rollme', 'rollback'))
        .set('authorization', mockCredentials.user.header(ALICE))
        .send({ id: 0 });
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({
        instance: 'prod',
        name: 'rollme',
        phase: 'Running',
      });
      expect(argo.getApplication('rollme')?.operation).toMatchObject({
        sync: { revision: SHA_A },
      });
      expect(audit().map(l => l.message)).toContain(
        `mlops action rollback by ${ALICE} on component:default/rollme: succeeded (argocd prod/rollme to history id 0)`,
      );
    });
  });

  describe('MlopsClient (mlops-common) against the router over HTTP', () => {
    async function serve(server_: express.Express) {
      const server = server_.listen(0, '127.0.0.1');
      await new Promise(resolve => server.once('listening', resolve));
      const { port } = server.address() as AddressInfo;
      const client = new MlopsClient({
        discoveryApi: { getBaseUrl: async () => `http://127.0.0.1:${port}` },
        fetchApi: { fetch },
      });
      return { client, close: () => new Promise(r => server.close(r)) };
    }

    it('rebuild with a JSON body; a denied sync arrives as ResponseError 403', async () => {
      const ok = await serve(allowed);
      const no = await serve(denied);
      try {
        const ref = {
          kind: 'Component',
          namespace: 'default',
          name: 'fraud-detector',
        };
        const queued = await ok.client.rebuild(ref, {
          job: 'ml/fraud-detector-params',
          parameters: { TAG: 'from-client' },
        });
        expect(queued.fullName).toBe('ml/fraud-detector-params');
        expect(await queuedJobs()).toContain(
          '/job/ml/job/fraud-detector-params/\nTAG=from-client',
        );
        const err = await no.client.sync(ref, { prune: false }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(ResponseError);
        expect((err as ResponseError).statusCode).toBe(403);
        expect((err as ResponseError).body.error.name).toBe('NotAllowedError');
        expect(posts(argo).filter(r => r.path !== '/api/v1/session')).toEqual(
          [],
        );
      } finally {
        await Promise.all([ok.close(), no.close()]);
      }
    });
  });
});

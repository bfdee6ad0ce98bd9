import { ArgoCdSimulator, startArgoCdSimulator } from '@internal/simulators';
import { UpstreamError } from '../http';
import { SHA_A, SHA_B, app, argoClient } from './__testUtils__/apps';
import { RecordingAgent } from './__testUtils__/recordingAgent';

jest.setTimeout(30_000);

const PASSWORD = 'argo-admin-secret-7431';

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the call to fail');
}

async function upstreamFailure(p: Promise<unknown>): Promise<UpstreamError> {
  const e = await failure(p);
  if (e instanceof UpstreamError) return e;
  throw e;
}

const logins = (sim: ArgoCdSimulator) =>
  sim
    .requests()
    .filter(r => r.method === 'POST' && r.path === '/api/v1/session').length;
const lists = (sim: ArgoCdSimulator) =>
  sim
    .requests()
    .filter(r => r.method === 'GET' && r.path === '/api/v1/applications');

async function settled(sim: ArgoCdSimulator, name: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (sim.getApplication(name)?.operation) {
    if (Date.now() > deadline)
      throw new Error(`operation on ${name} did not finish`);
    await new Promise(r => setTimeout(r, 25));
  }
}

describe('ArgoCdClient against the Argo CD simulator', () => {
  let sim: ArgoCdSimulator;
  const login = { username: 'admin', password: PASSWORD };

  beforeAll(async () => {
    sim = await startArgoCdSimulator({
      users: { admin: PASSWORD, viewer: 'viewer-pass-123' },
      projects: ['ml'],
      applicationNamespaces: ['team-a'],
      syncDurationMs: 1000,
      policy: c => c.username !== 'viewer' || c.action === 'get',
    });
    sim.putApplication(
      app('fraud', {
        project: 'ml',
        labels: { 'backstage-name': 'fraud', tier: 'model' },
      }),
    );
    sim.putApplication(
      app('fraud-api', { labels: { 'backstage-name': 'fraud', tier: 'api' } }),
    );
    sim.putApplication(
      app('llm', {
        labels: { 'app.kubernetes.io/part-of': 'llm', tier: 'model' },
        automated: true,
      }),
    );
    sim.putApplication(app('scoring', { namespace: 'team-a' }));
    sim.putApplication(
      app('rollme', {
        history: [
          { id: 0, revision: SHA_A, deployedAt: '2026-05-01T10:00:00Z' },
          { id: 1, revision: SHA_B, deployedAt: '2026-05-02T10:00:00Z' },
        ],
      }),
    );
  });
  afterAll(() => sim?.stop());

  describe('sessions', () => {
    it('logs in once and reuses the session token (never a login per call), concurrent callers sharing the login', async () => {
      const client = argoClient(sim.url, login);
      sim.resetRequests();
      await Promise.all([
        client.getApplication('fraud'),
        client.getApplication('llm'),
        client.queryApplications({}),
      ]);
      await client.getApplication('fraud-api');
      await client.getResourceTree('fraud');
      expect(logins(sim)).toBe(1);
      const authed = sim.requests().filter(r => r.path !== '/api/v1/session');
      expect(authed).toHaveLength(5);
      for (const r of authed)
        expect(r.headers.authorization).toMatch(
          /^Bearer [\w-]+\.[\w-]+\.[\w-]+$/,
        );
    });

    it('renews the session token before its JWT exp (minus the margin), not before', async () => {
      let now = Date.now();
      const client = argoClient(sim.url, login, {
        now: () => now,
        mlops: { sessionMarginSeconds: 300 },
      });
      sim.resetRequests();
      await client.getApplication('fraud');
      now += 23 * 3600 * 1000; // 1 h before exp: still outside the 5 min margin
      await client.getApplication('fraud');
      expect(logins(sim)).toBe(1);
      now += 56 * 60 * 1000; // 4 min before exp: inside the margin
      await client.getApplication('fraud');
      expect(logins(sim)).toBe(2);
    });

    it('JWTs expire: re-logs in once on 401 and retries', async () => {
      const short = await startArgoCdSimulator({
        users: { admin: PASSWORD },
        sessionDurationSec: 1,
      });
      try {
        short.putApplication(app('fraud'));
        const frozen = Date.now();
        // The client's clock is stuck, so it believes the token is still valid; the server does not.
        const client = argoClient(short.url, login, {
          now: () => frozen,
          mlops: { sessionMarginSeconds: 0 },
        });
        await client.getApplication('fraud');
        await new Promise(r => setTimeout(r, 2100));
        short.resetRequests();
        const got = await client.getApplication('fraud');
        expect(got.metadata.name).toBe('fraud');
        expect(short.requests().map(r => `${r.method} ${r.path}`)).toEqual([
          'GET /api/v1/applications/fraud',
          'POST /api/v1/session',
          'GET /api/v1/applications/fraud',
        ]);
      } finally {
        await short.stop();
      }
    });

    it('re-logs in only once when the new token is refused too, then says so', async () => {
      const broken = await startArgoCdSimulator({
        users: { admin: PASSWORD },
        sessionDurationSec: -60,
      });
      try {
        const client = argoClient(broken.url, login);
        const e = await upstreamFailure(client.getApplication('fraud'));
        expect(e.problem).toMatchObject({
          fault: 'unauthorized',
          httpStatus: 401,
        });
        expect(e.problem.message).toContain(
          'rejected the session of user "admin" even after a new login',
        );
        expect(logins(broken)).toBe(2);
      } finally {
        await broken.stop();
      }
    });

    it('uses a static token as-is, without logging in', async () => {
      const client = argoClient(sim.url, {
        token: sim.issueToken({ subject: 'ci:apiKey' }),
      });
      sim.resetRequests();
      expect((await client.getApplication('fraud')).metadata.name).toBe(
        'fraud',
      );
      expect(logins(sim)).toBe(0);
    });

    it('says the login was refused (401 Invalid username or password)', async () => {
      const e = await upstreamFailure(
        argoClient(sim.url, {
          username: 'admin',
          password: 'wrong-password-99',
        }).queryApplications({}),
      );
      expect(e.problem).toMatchObject({
        fault: 'unauthorized',
        httpStatus: 401,
        upstream: `Argo CD main (${new URL(sim.url).host})`,
      });
      expect(e.problem.message).toBe(
        'rejected the login of user "admin" (401: Invalid username or password)',
      );
    });

    it('says a static token was refused (401), without logging in', async () => {
      const e = await upstreamFailure(
        argoClient(sim.url, {
          token: 'not.a-valid.jwt-token',
        }).queryApplications({}),
      );
      expect(e.problem.fault).toBe('unauthorized');
      expect(e.problem.message).toMatch(
        /^rejected the configured token \(401: invalid session: /,
      );
    });
  });

  describe('reads', () => {
    it('items: null is an empty list', async () => {
      const empty = await startArgoCdSimulator({ users: { admin: PASSWORD } });
      try {
        await expect(
          argoClient(empty.url, login).listApplications(),
        ).resolves.toEqual([]);
        await expect(
          argoClient(empty.url, login).queryApplications({
            selector: 'nothing=here',
          }),
        ).resolves.toEqual([]);
      } finally {
        await empty.stop();
      }
    });

    it('one list call per instance and refresh interval, shared and coalesced', async () => {
      let now = Date.now();
      const client = argoClient(sim.url, login, {
        now: () => now,
        mlops: { refreshSeconds: 15 },
      });
      sim.resetRequests();
      const results = await Promise.all(
        Array.from({ length: 8 }, () => client.listApplications()),
      );
      expect(results.every(r => r === results[0])).toBe(true);
      await client.listApplications();
      expect(lists(sim)).toHaveLength(1);
      now += 10_000;
      await client.listApplications();
      expect(lists(sim)).toHaveLength(1);
      // In the last quarter of its 15 s: the cached list at once, a fresh one
      // read in the background (refresh-ahead).
      now += 2_000;
      expect(await client.listApplications()).toBe(results[0]);
      await waitUntil(() => lists(sim).length === 2);
      now += 4_000;
      await client.listApplications();
      await new Promise(r => setTimeout(r, 50));
      expect(lists(sim)).toHaveLength(2);
      now += 30_000;
      await client.listApplications();
      expect(lists(sim)).toHaveLength(3);
      expect(lists(sim).every(r => r.url === '/api/v1/applications')).toBe(
        true,
      );
    });

    it('selector: URL-encodes a label selector exactly once', async () => {
      const client = argoClient(sim.url, login);
      sim.resetRequests();
      const selector = 'app.kubernetes.io/part-of=llm,tier in (model,api)';
      const apps = await client.queryApplications({ selector });
      expect(apps.map(a => a.metadata.name)).toEqual(['llm']);
      const sent = lists(sim)[0].url;
      expect(sent).toBe(
        `/api/v1/applications?selector=${encodeURIComponent(selector)}`,
      );
      expect(sent).not.toContain('%25'); // not encoded twice
      expect(decodeURIComponent(sent.split('selector=')[1])).toBe(selector);
    });

    it('a missing app without ?project= is 403 (named as possibly missing); with argocd/project-name it is 404', async () => {
      const client = argoClient(sim.url, login);
      const denied = await upstreamFailure(client.getApplication('nope'));
      expect(denied.problem).toMatchObject({
        fault: 'forbidden',
        httpStatus: 403,
      });
      expect(denied.problem.message).toContain(
        'set argocd/project-name to tell them apart',
      );
      const missing = await upstreamFailure(
        client.getApplication('nope', { project: 'ml' }),
      );
      expect(missing.problem).toMatchObject({
        fault: 'not-found',
        httpStatus: 404,
      });
      expect(missing.problem.message).toBe(
        'has no application "nope" (404: applications.argoproj.io "nope" not found)',
      );
      expect(
        (await client.getApplication('fraud', { project: 'ml' })).metadata.name,
      ).toBe('fraud');
      expect(
        sim
          .requests()
          .some(r => r.url === '/api/v1/applications/nope?project=ml'),
      ).toBe(true);
    });

    it('apps in any namespace: sends appNamespace', async () => {
      const client = argoClient(sim.url, login);
      sim.resetRequests();
      const got = await client.getApplication('scoring', {
        appNamespace: 'team-a',
      });
      expect(got.metadata.namespace).toBe('team-a');
      expect(sim.requests().map(r => r.url)).toContain(
        '/api/v1/applications/scoring?appNamespace=team-a',
      );
    });

    it('reads the resource tree', async () => {
      sim.setResourceTree('fraud', {
        nodes: [
          {
            group: 'apps',
            version: 'v1',
            kind: 'Deployment',
            namespace: 'fraud',
            name: 'fraud',
            health: { status: 'Degraded', message: 'crash' },
            images: ['reg/ml/fraud:1.0.0'],
          },
        ],
      });
      const tree = await argoClient(sim.url, login).getResourceTree('fraud');
      expect(tree.nodes).toEqual([
        expect.objectContaining({
          kind: 'Deployment',
          name: 'fraud',
          health: { status: 'Degraded', message: 'crash' },
          images: ['reg/ml/fraud:1.0.0'],
        }),
      ]);
      expect(tree.orphanedNodes).toEqual([]);
    });

    it('revision metadata: asks only for commit SHAs and skips Helm chart versions', async () => {
      sim.putRevisionMetadata(SHA_B, {
        author: 'Ada <ada@example.test>',
        date: '2026-05-02T09:00:00Z',
        message: 'bump image',
        tags: ['v2'],
      });
      const client = argoClient(sim.url, login);
      sim.resetRequests();
      expect(await client.getRevisionMetadata('rollme', SHA_B)).toEqual({
        author: 'Ada <ada@example.test>',
        date: '2026-05-02T09:00:00Z',
        message: 'bump image',
        tags: ['v2'],
      });
      expect(
        await client.getRevisionMetadata('rollme', '1.2.3'),
      ).toBeUndefined();
      expect(
        await client.getRevisionMetadata('rollme', 'main'),
      ).toBeUndefined();
      const asked = sim.requests().filter(r => r.path.includes('/revisions/'));
      expect(asked.map(r => r.path)).toEqual([
        `/api/v1/applications/rollme/revisions/${SHA_B}/metadata`,
      ]);
    });

    it('refuses an invalid application name before any request', async () => {
      const client = argoClient(sim.url, login);
      sim.resetRequests();
      await expect(
        client.getApplication('../../session'),
      ).rejects.toMatchObject({ name: 'InputError' });
      expect(sim.requests()).toHaveLength(0);
    });
  });

  describe('writes', () => {
    it('sync sends exactly Content-Type: application/json and syncOptions {items: []}, then runs to Succeeded', async () => {
      const wire = new RecordingAgent();
      const client = argoClient(sim.url, login, { dispatcher: wire });
      await client.listApplications();
      sim.resetRequests();
      const started = await client.sync('fraud-api', { revision: 'main' });
      expect(started).toMatchObject({
        instance: 'main',
        name: 'fraud-api',
        phase: 'Running',
      });
      const post = sim
        .requests()
        .find(r => r.method === 'POST' && r.path.endsWith('/sync'))!;
      expect(post.headers['content-type']).toBe('application/json');
      const sent = wire.sent.find(r => r.path.endsWith('/sync'))!;
      expect(JSON.parse(sent.body!)).toEqual({
        revision: 'main',
        prune: false,
        dryRun: false,
        syncOptions: { items: [] },
      });
      await settled(sim, 'fraud-api');
      const after = await client.getApplication('fraud-api');
      expect(after.status?.operationState).toMatchObject({
        phase: 'Succeeded',
      });
      expect(after.operation ?? null).toBeNull();
      // The write dropped the cached list: the next read sees the new state.
      sim.resetRequests();
      await client.listApplications();
      expect(lists(sim)).toHaveLength(1);
    });

    it('"another operation is already in progress" (400, code 9) is a clear conflict', async () => {
      const client = argoClient(sim.url, login);
      await client.sync('fraud');
      const e = await failure(client.sync('fraud'));
      expect(e.name).toBe('ConflictError');
      expect(e.message).toBe(
        `Argo CD main (${
          new URL(sim.url).host
        }): cannot sync "fraud": another operation is already in progress; wait for it to finish (or terminate it in Argo CD)`,
      );
      await settled(sim, 'fraud');
    });

    it('rollback with auto-sync on (400) says to turn auto-sync off', async () => {
      const e = await failure(argoClient(sim.url, login).rollback('llm', 0));
      expect(e.name).toBe('ConflictError');
      expect(e.message).toContain(
        'cannot roll back "llm" while auto-sync is enabled',
      );
    });

    it('rolls back to a history id, and names an unknown id', async () => {
      const client = argoClient(sim.url, login);
      await expect(client.rollback('rollme', 0)).resolves.toMatchObject({
        name: 'rollme',
      });
      await settled(sim, 'rollme');
      const history =
        (await client.getApplication('rollme')).status?.history ?? [];
      expect(history.map(h => h.id)).toEqual([0, 1, 2]);
      expect(history[2].revision).toBe(SHA_A);
      const e = await failure(client.rollback('rollme', 42));
      expect(e.name).toBe('InputError');
      expect(e.message).toContain('does not have deployment with id 42');
    });

    it('a user without the sync permission gets 403 forbidden', async () => {
      const e = await upstreamFailure(
        argoClient(sim.url, {
          username: 'viewer',
          password: 'viewer-pass-123',
        }).sync('fraud-api'),
      );
      expect(e.problem).toMatchObject({ fault: 'forbidden', httpStatus: 403 });
      expect(e.problem.message).toMatch(
        /^denied sync access to application "fraud-api" \(403: permission denied/,
      );
    });
  });

  describe('faults', () => {
    afterEach(() => sim.setFault({ mode: 'none' }));

    it('down → unreachable', async () => {
      const client = argoClient(sim.url, login);
      await sim.setFault({ mode: 'down' });
      const e = await upstreamFailure(client.queryApplications({}));
      expect(e.problem.fault).toBe('unreachable');
    });

    it('slow past the timeout → timeout', async () => {
      const client = argoClient(
        sim.url,
        { token: sim.issueToken() },
        { mlops: { timeoutMs: 300 } },
      );
      await sim.setFault({ mode: 'slow', delayMs: 3000 });
      const started = Date.now();
      const e = await upstreamFailure(client.queryApplications({}));
      expect(e.problem).toMatchObject({
        fault: 'timeout',
        message: 'did not answer within 300 ms',
      });
      expect(Date.now() - started).toBeLessThan(2000);
    });

    it.each([
      [401, 'unauthorized'],
      [403, 'forbidden'],
      [404, 'not-found'],
      [500, 'server-error'],
    ])('HTTP %i on the list → %s', async (status, fault) => {
      const client = argoClient(sim.url, login);
      await sim.setFault({
        mode: 'status',
        status,
        pathPrefix: '/api/v1/applications',
      });
      const e = await upstreamFailure(client.queryApplications({}));
      expect(e.problem).toMatchObject({ fault, httpStatus: status });
    });

    it('malformed JSON → malformed', async () => {
      const client = argoClient(sim.url, login);
      await sim.setFault({
        mode: 'malformed',
        pathPrefix: '/api/v1/applications',
      });
      const e = await upstreamFailure(client.queryApplications({}));
      expect(e.problem).toMatchObject({
        fault: 'malformed',
        message: 'returned an application list that is not valid JSON',
      });
    });

    it('oversized body → too-large', async () => {
      const client = argoClient(sim.url, login);
      await sim.setFault({
        mode: 'oversized',
        pathPrefix: '/api/v1/applications',
      });
      const e = await upstreamFailure(client.queryApplications({}));
      expect(e.problem.fault).toBe('too-large');
    });

    it('a failed list is cached briefly, then read again', async () => {
      let now = Date.now();
      const client = argoClient(sim.url, login, { now: () => now });
      await sim.setFault({
        mode: 'status',
        status: 500,
        pathPrefix: '/api/v1/applications',
      });
      await expect(client.listApplications()).rejects.toBeInstanceOf(
        UpstreamError,
      );
      await sim.setFault({ mode: 'none' });
      await expect(client.listApplications()).rejects.toBeInstanceOf(
        UpstreamError,
      );
      now += 6_000;
      await expect(client.listApplications()).resolves.toHaveLength(5);
    });
  });

  it('no error message or returned object contains the configured password or token', async () => {
    const token = sim.issueToken({ subject: 'ci:apiKey' });
    const seen: string[] = [];
    const collect = async (p: Promise<unknown>) => {
      try {
        seen.push(JSON.stringify(await p));
      } catch (e) {
        seen.push(
          JSON.stringify({
            message: (e as Error).message,
            problem: (e as UpstreamError).problem,
          }),
        );
      }
    };
    const byLogin = argoClient(sim.url, login);
    const byToken = argoClient(sim.url, { token });
    await collect(byLogin.listApplications());
    await collect(byLogin.getApplication('nope'));
    await collect(byToken.getApplication('fraud', { project: 'ml' }));
    await collect(byToken.getResourceTree('fraud'));
    await collect(
      argoClient(sim.url, {
        username: 'admin',
        password: `${PASSWORD}-typo`,
      }).listApplications(),
    );
    await collect(
      argoClient(sim.url, { token: `${token}x` }).listApplications(),
    );
    await sim.setFault({ mode: 'status', status: 500 });
    await collect(argoClient(sim.url, login).listApplications());
    await sim.setFault({ mode: 'none' });
    expect(seen).toHaveLength(7);
    for (const text of seen) {
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain(token);
    }
  });
});

async function waitUntil(ok: () => boolean, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise(r => setTimeout(r, 10));
  }
}

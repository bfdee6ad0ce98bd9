import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { ImageReport } from '@internal/plugin-mlops-common';
import { RunningRegistry, pushImage, startRegistry } from '@internal/test-env';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import request from 'supertest';
import { mlopsPlugin } from './plugin';

jest.setTimeout(60_000);

const PASSWORD = 'registry-secret-value-42';

const component = (
  name: string,
  annotations: Record<string, string>,
): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name, namespace: 'default', annotations },
  spec: { type: 'model-service', lifecycle: 'production', owner: 'ml-team' },
});

describe('mlops backend plugin (real registry)', () => {
  let reg: RunningRegistry;
  let garbage: http.Server;
  let garbageUrl: string;
  let server: Awaited<ReturnType<typeof startTestBackend>>['server'];

  beforeAll(async () => {
    reg = await startRegistry({
      auth: 'token',
      username: 'portal',
      password: PASSWORD,
    });
    const target = {
      url: reg.url,
      username: reg.username,
      password: reg.password,
    };
    // Pushed in an order unrelated to their age: the card must order by `created`.
    for (const [tag, created, rev] of [
      ['0a1b2c3', '2026-05-02T08:00:00Z', '0a1b2c3d4e5f60718293'],
      ['9f8e7d6', '2026-05-04T08:00:00Z', '9f8e7d6c5b4a39281706'],
      ['5c5c5c5', '2026-05-03T08:00:00Z', '5c5c5c5c5c5c5c5c5c5c'],
    ]) {
      await pushImage(target, {
        repository: 'ml/fraud-detector',
        tag,
        created,
        revision: rev,
        format: 'oci',
      });
    }
    await pushImage(target, {
      repository: 'ml/llm-chat',
      tag: 'v1',
      created: '2026-04-01T00:00:00Z',
      format: 'oci-index',
    });

    garbage = http.createServer((req, res) => {
      if (req.url === '/v2/ml/broken/tags/list')
        res.writeHead(200).end('{"name":"ml/broken","tags":["v1"]}');
      else if (req.url?.startsWith('/v2/ml/broken/manifests/')) {
        res
          .writeHead(200, {
            'content-type': 'application/vnd.oci.image.manifest.v1+json',
          })
          .end('{"schemaVersion":2,"config":42}');
      } else res.writeHead(404).end();
    });
    await new Promise<void>(r => garbage.listen(0, '127.0.0.1', r));
    garbageUrl = `http://127.0.0.1:${(garbage.address() as AddressInfo).port}`;

    const entities = [
      component('fraud-detector', {
        'mlops.io/image-repository': `${reg.host}/ml/fraud-detector`,
      }),
      component('llm-chat', {
        'goharbor.io/repository-slug': `${reg.host}/ml/llm-chat`,
      }),
      component('evil', {
        'mlops.io/image-repository': '169.254.169.254/latest/meta-data',
      }),
      component('typo', {
        'mlops.io/image-repository': `${reg.host}/ml/Fraud Detector`,
      }),
      component('missing', {
        'mlops.io/image-repository': `${reg.host}/ml/does-not-exist`,
      }),
      component('wrong-creds', {
        'mlops.io/image-repository': `wrong.local/ml/fraud-detector`,
      }),
      component('broken', {
        'mlops.io/image-repository': `${new URL(garbageUrl).host}/ml/broken`,
      }),
      component('no-annotation', {}),
      component('not-read-yet', {
        'mlops.io/image-repository': `${reg.host}/ml/not-read-yet`,
      }),
    ];
    ({ server } = await startTestBackend({
      features: [
        mlopsPlugin,
        catalogServiceMock.factory({ entities }),
        mockServices.rootConfig.factory({
          data: {
            mlops: {
              registries: [
                {
                  name: 'demo',
                  url: reg.url,
                  username: 'portal',
                  password: PASSWORD,
                  refreshSeconds: 60,
                },
                {
                  name: 'wrong',
                  url: reg.url,
                  host: 'wrong.local',
                  username: 'portal',
                  password: 'not-the-password',
                },
                { name: 'garbage', url: garbageUrl },
              ],
            },
          },
        }),
      ],
    }));
  });

  afterAll(async () => {
    await reg?.stop();
    await new Promise(r => garbage?.close(r));
  });

  const get = (name: string) =>
    request(server).get(`/api/mlops/entities/component/default/${name}/image`);

  it('shows the newest tags first with digest, created, size and revision', async () => {
    const res = await get('fraud-detector');
    expect(res.status).toBe(200);
    const report = res.body as ImageReport;
    expect(report.registry).toEqual({ name: 'demo', host: reg.host });
    expect(report.tags.map(t => t.tag)).toEqual([
      '9f8e7d6',
      '5c5c5c5',
      '0a1b2c3',
    ]);
    expect(report.tags[0]).toMatchObject({
      created: '2026-05-04T08:00:00Z',
      revision: '9f8e7d6c5b4a39281706',
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
    });
    expect(report.tags[0].digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(report.tags[0].size).toBeGreaterThan(0);
    expect(report.totalTags).toBe(3);
    expect(report.health).toMatchObject({ signal: 'image', status: 'ok' });
    expect(report.health.reason).toContain('newest tag 9f8e7d6');
  });

  it('reads Harbor slugs and OCI indexes', async () => {
    const res = await get('llm-chat');
    expect(res.body.tags[0]).toMatchObject({
      tag: 'v1',
      platforms: ['linux/amd64', 'linux/arm64'],
    });
  });

  it('refuses a host that is not configured, without contacting it', async () => {
    const res = await get('evil');
    expect(res.status).toBe(200);
    expect(res.body.health).toMatchObject({
      status: 'error',
      problem: { fault: 'not-allowed' },
    });
    expect(res.body.health.reason).toContain(
      'registry host "169.254.169.254" is not configured',
    );
    expect(
      (globalThis as { __mlopsBlockedConnections?: string[] })
        .__mlopsBlockedConnections,
    ).toEqual([]);
  });

  it('explains an invalid annotation', async () => {
    const res = await get('typo');
    expect(res.body.health.problem).toMatchObject({
      fault: 'bad-annotation',
      upstream: 'annotation mlops.io/image-repository',
    });
  });

  it('says the repository does not exist', async () => {
    const res = await get('missing');
    expect(res.body.health.problem).toMatchObject({ fault: 'not-found' });
    expect(res.body.health.reason).toContain(
      'has no repository "ml/does-not-exist"',
    );
  });

  it('says the registry rejected the credentials (401), and never returns them', async () => {
    const res = await get('wrong-creds');
    expect(res.body.health.problem).toMatchObject({
      fault: 'unauthorized',
      upstream: 'registry wrong (wrong.local)',
    });
    expect(JSON.stringify(res.body)).not.toContain('not-the-password');
  });

  it('reports a malformed manifest as such', async () => {
    const res = await get('broken');
    expect(res.body.health.status).toBe('error');
    expect(res.body.health.reason).toMatch(
      /none of the 1 tags of ml\/broken could be read: .*unreadable manifest/,
    );
  });

  it('answers 400 for an entity without annotation and 404 for an unknown entity', async () => {
    expect((await get('no-annotation')).body.health.problem.fault).toBe(
      'bad-annotation',
    );
    const missing = await get('nobody');
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toContain(
      'No entity component:default/nobody',
    );
  });

  it('requires a caller identity', async () => {
    const res = await request(server)
      .get('/api/mlops/entities/component/default/fraud-detector/image')
      .set('Authorization', mockCredentials.none.header());
    expect(res.status).toBe(401);
  });

  it('lists registries without credentials, and no response carries the secret', async () => {
    const res = await request(server).get('/api/mlops/registries');
    expect(res.body.items.map((r: { name: string }) => r.name)).toEqual([
      'demo',
      'wrong',
      'garbage',
    ]);
    const all = await Promise.all(
      ['fraud-detector', 'llm-chat', 'missing', 'wrong-creds', 'broken'].map(
        get,
      ),
    );
    for (const r of [res, ...all])
      expect(JSON.stringify(r.body)).not.toContain(PASSWORD);
  });

  it('keeps serving cached tags, and reports a registry that went down once the cache expires', async () => {
    const first = await get('fraud-detector');
    await reg.kill();
    try {
      // Still fresh in cache: same answer, no upstream call.
      expect((await get('fraud-detector')).body.tags).toEqual(first.body.tags);
      // A repository not in the cache is read now and fails clearly; the backend stays up.
      const res = await get('not-read-yet');
      expect(res.body.health.problem).toMatchObject({ fault: 'unreachable' });
      expect(res.body.health.reason).toContain('refused the connection');
      expect((await request(server).get('/api/mlops/health')).body).toEqual({
        status: 'ok',
      });
    } finally {
      await reg.restart();
    }
  });
});

describe('mlops backend plugin config validation', () => {
  it('refuses to start with a broken mlops config, naming the key', async () => {
    await expect(
      startTestBackend({
        features: [
          mlopsPlugin,
          catalogServiceMock.factory({ entities: [] }),
          mockServices.rootConfig.factory({
            data: { mlops: { registries: [{ name: 'x', url: 'not a url' }] } },
          }),
        ],
      }),
    ).rejects.toThrow(/mlops\.registries\.0\.url/);
  });
});

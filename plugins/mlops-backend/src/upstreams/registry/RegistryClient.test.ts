import { ConfigReader } from '@backstage/config';
import { RunningRegistry, pushImage, startRegistry } from '@internal/test-env';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { readMlopsConfig } from '../../config';
import { UpstreamError } from '../http';
import { RegistryClient } from './RegistryClient';

jest.setTimeout(60_000);

function clientFor(reg: { url: string }, extra: Record<string, unknown> = {}) {
  const cfg = readMlopsConfig(
    new ConfigReader({
      mlops: {
        registries: [{ name: 'test', url: reg.url, timeoutMs: 1500, ...extra }],
      },
    }),
  );
  return new RegistryClient(cfg.registries[0]);
}

async function failure(p: Promise<unknown>): Promise<UpstreamError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof UpstreamError) return e;
    throw e;
  }
  throw new Error('expected the call to fail');
}

describe.each(['none', 'basic', 'token'] as const)(
  'RegistryClient against the real registry (auth: %s)',
  auth => {
    let reg: RunningRegistry;
    const pushed: Record<string, { digest: string; size: number }> = {};

    beforeAll(async () => {
      reg = await startRegistry({
        auth,
        username: 'ci',
        password: 's3cret-pw',
      });
      const target = {
        url: reg.url,
        username: reg.username,
        password: reg.password,
      };
      pushed.docker = await pushImage(target, {
        repository: 'ml/fraud-detector',
        tag: 'v1',
        format: 'docker',
        created: '2026-01-01T10:00:00Z',
        revision: 'aaaa1111',
        layerSizes: [1000, 2000],
      });
      pushed.oci = await pushImage(target, {
        repository: 'ml/fraud-detector',
        tag: 'v2',
        format: 'oci',
        created: '2026-02-01T10:00:00Z',
        revision: 'bbbb2222',
      });
      pushed.index = await pushImage(target, {
        repository: 'ml/fraud-detector',
        tag: 'v3',
        format: 'oci-index',
        created: '2026-03-01T10:00:00Z',
        revision: 'cccc3333',
      });
      pushed.list = await pushImage(target, {
        repository: 'team/sub/llm',
        tag: 'main',
        format: 'docker-list',
        created: '2026-03-05T10:00:00Z',
        revision: 'dddd4444',
      });
    });
    afterAll(() => reg?.stop());

    const client = () =>
      clientFor(
        reg,
        auth === 'none' ? {} : { username: 'ci', password: 's3cret-pw' },
      );

    it('lists tags and the catalog', async () => {
      const c = client();
      expect((await c.listTags('ml/fraud-detector')).sort()).toEqual([
        'v1',
        'v2',
        'v3',
      ]);
      expect((await c.listCatalog()).sort()).toEqual([
        'ml/fraud-detector',
        'team/sub/llm',
      ]);
    });

    it('reads a Docker schema 2 image: digest, created, size, revision', async () => {
      const tag = await client().inspectTag('ml/fraud-detector', 'v1');
      expect(tag).toMatchObject({
        tag: 'v1',
        digest: pushed.docker.digest,
        mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
        created: '2026-01-01T10:00:00Z',
        revision: 'aaaa1111',
        size: pushed.docker.size,
        platforms: ['linux/amd64'],
      });
    });

    it('reads an OCI manifest (which Distribution hides without OCI Accept types)', async () => {
      const tag = await client().inspectTag('ml/fraud-detector', 'v2');
      expect(tag).toMatchObject({
        digest: pushed.oci.digest,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        revision: 'bbbb2222',
      });
    });

    it('reads an OCI index, skipping the BuildKit attestation entry', async () => {
      const tag = await client().inspectTag('ml/fraud-detector', 'v3');
      expect(tag.digest).toBe(pushed.index.digest);
      expect(tag.mediaType).toBe('application/vnd.oci.image.index.v1+json');
      expect(tag.platforms).toEqual(['linux/amd64', 'linux/arm64']);
      expect(tag.revision).toBe('cccc3333');
      expect(tag.created).toBe('2026-03-01T10:00:00Z');
    });

    it('reads a Docker manifest list under a multi-segment name', async () => {
      const tag = await client().inspectTag('team/sub/llm', 'main');
      expect(tag.digest).toBe(pushed.list.digest);
      expect(tag.mediaType).toBe(
        'application/vnd.docker.distribution.manifest.list.v2+json',
      );
      expect(tag.platforms).toContain('linux/arm64');
    });

    it('names a missing repository and a missing tag', async () => {
      const c = client();
      const repo = await failure(c.listTags('ml/nope'));
      expect(repo.problem).toMatchObject({
        fault: 'not-found',
        httpStatus: 404,
      });
      expect(repo.problem.message).toContain('has no repository "ml/nope"');
      const tag = await failure(c.inspectTag('ml/fraud-detector', 'v9'));
      expect(tag.problem.message).toContain('MANIFEST_UNKNOWN');
    });

    if (auth !== 'none') {
      it('says the credentials were rejected, without leaking them', async () => {
        const e = await failure(
          clientFor(reg, {
            username: 'ci',
            password: 'wrong-password',
          }).listTags('ml/fraud-detector'),
        );
        expect(e.problem.fault).toBe('unauthorized');
        expect(e.problem.message).toContain('user "ci"');
        expect(JSON.stringify(e.problem)).not.toContain('wrong-password');
      });

      it('says credentials are needed when none are configured', async () => {
        const e = await failure(clientFor(reg).listTags('ml/fraud-detector'));
        expect(e.problem.fault).toBe('unauthorized');
        expect(e.problem.message).toMatch(/set username and password/);
      });
    }

    if (auth === 'token') {
      it('caches bearer tokens per scope instead of asking for one per request', async () => {
        const c = client();
        const before = reg.tokenRequests();
        await c.listTags('ml/fraud-detector');
        await c.inspectTag('ml/fraud-detector', 'v1');
        await c.inspectTag('ml/fraud-detector', 'v2');
        await c.listTags('ml/fraud-detector');
        expect(reg.tokenRequests() - before).toBe(1);
      });
    }
  },
);

describe('RegistryClient when the registry misbehaves', () => {
  it('reports a registry that is down as unreachable', async () => {
    const reg = await startRegistry();
    const c = clientFor(reg);
    await reg.kill();
    try {
      const e = await failure(c.listTags('ml/x'));
      expect(e.problem).toMatchObject({
        fault: 'unreachable',
        upstream: `registry test (${reg.host})`,
      });
      expect(e.problem.message).toContain('refused the connection');
    } finally {
      await reg.stop();
    }
  });

  describe('with a broken server on the wire', () => {
    let server: http.Server;
    let url: string;
    const routes: Record<string, (res: http.ServerResponse) => void> = {};
    beforeAll(async () => {
      server = http.createServer((req, res) => {
        const route = routes[req.url ?? ''];
        if (route) route(res);
        else res.writeHead(404).end();
      });
      await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise(r => server.close(r)));

    it('calls a non-JSON manifest malformed', async () => {
      routes['/v2/ml/x/manifests/v1'] = res =>
        res
          .writeHead(200, {
            'content-type': 'application/vnd.oci.image.manifest.v1+json',
          })
          .end('<html>oops');
      const e = await failure(clientFor({ url }).inspectTag('ml/x', 'v1'));
      expect(e.problem.fault).toBe('malformed');
      expect(e.problem.message).toContain('manifest is not valid JSON');
    });

    it('calls a manifest with the wrong shape malformed, saying what is wrong', async () => {
      routes['/v2/ml/x/manifests/v2'] = res =>
        res
          .writeHead(200, {
            'content-type':
              'application/vnd.docker.distribution.manifest.v2+json',
          })
          .end(
            JSON.stringify({
              schemaVersion: 2,
              config: { digest: 'nope', size: -1 },
              layers: [],
            }),
          );
      const e = await failure(clientFor({ url }).inspectTag('ml/x', 'v2'));
      expect(e.problem.fault).toBe('malformed');
      expect(e.problem.message).toMatch(/config\.digest not a digest/);
    });

    it('refuses oversized bodies', async () => {
      routes['/v2/ml/x/tags/list'] = res => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(`{"name":"ml/x","tags":["${'a'.repeat(5 * 1024 * 1024)}"]}`);
      };
      const e = await failure(clientFor({ url }).listTags('ml/x'));
      expect(e.problem.fault).toBe('too-large');
    });

    it('times out a registry that does not answer', async () => {
      routes['/v2/ml/slow/tags/list'] = () => undefined; // never answers
      const started = Date.now();
      const e = await failure(clientFor({ url }).listTags('ml/slow'));
      expect(e.problem.fault).toBe('timeout');
      expect(e.problem.message).toBe('did not answer within 1500 ms');
      expect(Date.now() - started).toBeLessThan(5000);
    });

    it('maps 5xx and 429 with the registry error code', async () => {
      routes['/v2/ml/e/tags/list'] = res =>
        res.writeHead(503).end(
          JSON.stringify({
            errors: [
              { code: 'UNAVAILABLE', message: 'maintenance', detail: null },
            ],
          }),
        );
      const e = await failure(clientFor({ url }).listTags('ml/e'));
      expect(e.problem).toMatchObject({
        fault: 'server-error',
        httpStatus: 503,
      });
      expect(e.problem.message).toContain('UNAVAILABLE: maintenance');
      routes['/v2/ml/r/tags/list'] = res =>
        res.writeHead(429).end('{"errors":[{"code":"TOOMANYREQUESTS"}]}');
      expect(
        (await failure(clientFor({ url }).listTags('ml/r'))).problem.fault,
      ).toBe('rate-limited');
    });

    it('follows tag pagination via Link headers', async () => {
      routes['/v2/ml/p/tags/list'] = res =>
        res
          .writeHead(200, {
            link: '</v2/ml/p/tags/list?last=b&n=2>; rel="next"',
          })
          .end('{"tags":["a","b"]}');
      routes['/v2/ml/p/tags/list?last=b&n=2'] = res =>
        res.writeHead(200).end('{"tags":["c"]}');
      expect(await clientFor({ url }).listTags('ml/p')).toEqual([
        'a',
        'b',
        'c',
      ]);
    });

    it('does not send credentials to a token realm on another host', async () => {
      routes['/v2/ml/t/tags/list'] = res =>
        res
          .writeHead(401, {
            'www-authenticate':
              'Bearer realm="http://evil.example:1/token",service="x"',
          })
          .end();
      const e = await failure(
        clientFor({ url }, { username: 'u', password: 'p4ssword' }).listTags(
          'ml/t',
        ),
      );
      expect(e.problem.fault).toBe('not-allowed');
      expect(e.problem.message).toContain('evil.example:1');
    });
  });
});

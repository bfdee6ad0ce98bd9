/**
 * Runs against the REAL Debian docker-registry (Distribution 2.8.x) in all
 * three auth modes: seeds images through the HTTP API, then checks the wire
 * behaviour with plain fetch.
 */
import {
  ALL_MANIFEST_ACCEPT,
  MediaTypes,
  PushedImage,
  RegistryAuthMode,
  RunningRegistry,
  pushImage,
  putRawManifest,
  registryAuthHeaders,
  sha256Digest,
  startRegistry,
} from './registry';

jest.setTimeout(20_000);

const REVISION = '3f2c1a9d';
const CREATED = '2024-05-01T09:58:12Z';
const FORMATS = ['docker', 'oci', 'oci-index', 'docker-list'] as const;
type Format = (typeof FORMATS)[number];
const repoFor = (f: Format) => `team/sub/app-${f}`;
const TAGGED_REPO = 'ml/fraud-detector';
const FIVE_TAGS = ['v1', 'v2', 'v3', 'v4', 'v5'];

const observed: string[] = [];
afterAll(() => {
  // Real-server observations, printed once for the record.
  if (observed.length) console.log(observed.join('\n'));
});

describe.each<RegistryAuthMode>(['none', 'basic', 'token'])(
  'real docker-registry, auth=%s',
  mode => {
    let reg: RunningRegistry;
    const pushed = {} as Record<Format, PushedImage>;
    const target = () => ({
      url: reg.url,
      username: reg.username,
      password: reg.password,
    });
    const pull = (repo: string) =>
      registryAuthHeaders(reg, [`repository:${repo}:pull`]);

    beforeAll(async () => {
      const t0 = Date.now();
      reg = await startRegistry({ auth: mode });
      const t1 = Date.now();
      for (const format of FORMATS) {
        pushed[format] = await pushImage(target(), {
          repository: repoFor(format),
          tag: '1.0',
          format,
          created: CREATED,
          revision: REVISION,
          labels: { 'org.opencontainers.image.source': 'https://git.test/app' },
          layerSizes: [2048, 512],
        });
      }
      for (const [i, tag] of FIVE_TAGS.entries()) {
        await pushImage(target(), {
          repository: TAGGED_REPO,
          tag,
          created: `2024-05-0${i + 1}T10:00:00Z`,
        });
      }
      observed.push(
        `[${mode}] registry start ${t1 - t0} ms, seeding ${Date.now() - t1} ms`,
      );
    }, 30_000);

    afterAll(async () => {
      await reg?.stop();
    });

    it('answers /v2/ according to the auth mode', async () => {
      const res = await fetch(`${reg.url}/v2/`);
      await res.text();
      expect(res.headers.get('docker-distribution-api-version')).toBe(
        'registry/2.0',
      );
      if (mode === 'none') {
        expect(res.status).toBe(200);
        return;
      }
      expect(res.status).toBe(401);
      const challenge = res.headers.get('www-authenticate') ?? '';
      if (mode === 'basic') {
        expect(challenge).toMatch(/^Basic realm="[^"]+"/);
        const bad = await fetch(`${reg.url}/v2/`, {
          headers: {
            authorization: `Basic ${Buffer.from(
              `${reg.username}:wrong`,
            ).toString('base64')}`,
          },
        });
        await bad.text();
        expect(bad.status).toBe(401);
      } else {
        expect(challenge).toMatch(/^Bearer /);
        expect(challenge).toContain(`realm="${reg.tokenRealm}"`);
        expect(challenge).toContain(`service="${reg.tokenService}"`);
      }
      const ok = await fetch(`${reg.url}/v2/`, {
        headers: await registryAuthHeaders(reg),
      });
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({});
    });

    it.each(FORMATS)(
      'serves the %s image by tag with the pushed digest',
      async format => {
        const repo = repoFor(format);
        const res = await fetch(`${reg.url}/v2/${repo}/manifests/1.0`, {
          headers: { accept: ALL_MANIFEST_ACCEPT, ...(await pull(repo)) },
        });
        const body = Buffer.from(await res.arrayBuffer());
        expect(res.status).toBe(200);
        expect(res.headers.get('docker-content-digest')).toBe(
          pushed[format].digest,
        );
        expect(res.headers.get('content-type')).toBe(pushed[format].mediaType);
        expect(sha256Digest(body)).toBe(pushed[format].digest);
        expect(res.headers.get('etag')).toBe(`"${pushed[format].digest}"`);
        const manifest = JSON.parse(body.toString('utf8'));
        if (format === 'oci-index' || format === 'docker-list') {
          expect(
            manifest.manifests.map((m: { digest: string }) => m.digest),
          ).toEqual(pushed[format].childDigests);
          const platforms = manifest.manifests.map(
            (m: { platform: { os: string; architecture: string } }) =>
              `${m.platform.os}/${m.platform.architecture}`,
          );
          expect(platforms).toEqual(
            format === 'oci-index'
              ? ['linux/amd64', 'linux/arm64', 'unknown/unknown']
              : ['linux/amd64', 'linux/arm64'],
          );
          if (format === 'oci-index') {
            expect(
              manifest.manifests[2].annotations['vnd.docker.reference.type'],
            ).toBe('attestation-manifest');
            expect(
              manifest.annotations['org.opencontainers.image.revision'],
            ).toBe(REVISION);
          }
        } else {
          const size =
            manifest.config.size +
            manifest.layers.reduce(
              (a: number, l: { size: number }) => a + l.size,
              0,
            );
          expect(size).toBe(pushed[format].size);
        }
        // Conditional GET with the Etag.
        const again = await fetch(`${reg.url}/v2/${repo}/manifests/1.0`, {
          headers: {
            accept: ALL_MANIFEST_ACCEPT,
            'if-none-match': `"${pushed[format].digest}"`,
            ...(await pull(repo)),
          },
        });
        await again.arrayBuffer();
        expect(again.status).toBe(304);
      },
    );

    it.each(FORMATS)(
      'stores created and the revision label in the %s config blob',
      async format => {
        const repo = repoFor(format);
        const res = await fetch(
          `${reg.url}/v2/${repo}/blobs/${pushed[format].configDigest}`,
          {
            headers: await pull(repo),
          },
        );
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toBe(
          'application/octet-stream',
        );
        const config = await res.json();
        expect(config.created).toBe(CREATED);
        expect(config.architecture).toBe('amd64');
        expect(config.config.Labels['org.opencontainers.image.revision']).toBe(
          REVISION,
        );
        expect(config.config.Labels['org.opencontainers.image.source']).toBe(
          'https://git.test/app',
        );
      },
    );

    it.each(['oci', 'oci-index'] as const)(
      'answers 404 MANIFEST_UNKNOWN for an %s manifest without OCI types in Accept',
      async format => {
        const repo = repoFor(format);
        const res = await fetch(`${reg.url}/v2/${repo}/manifests/1.0`, {
          headers: {
            accept: `${MediaTypes.dockerManifest}, ${MediaTypes.dockerList}`,
            ...(await pull(repo)),
          },
        });
        const body = await res.json();
        expect(res.status).toBe(404);
        expect(body.errors[0].code).toBe('MANIFEST_UNKNOWN');
        if (mode === 'none')
          observed.push(
            `[${format} w/o OCI accept] ${res.status} ${JSON.stringify(body)}`,
          );
      },
    );

    it('answers the linux/amd64 child for a docker list fetched without the list type', async () => {
      const repo = repoFor('docker-list');
      const res = await fetch(`${reg.url}/v2/${repo}/manifests/1.0`, {
        headers: { accept: MediaTypes.dockerManifest, ...(await pull(repo)) },
      });
      await res.arrayBuffer();
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(MediaTypes.dockerManifest);
      expect(res.headers.get('docker-content-digest')).toBe(
        pushed['docker-list'].childDigests![0],
      );
    });

    it('lists all five tags (in no guaranteed order) and ignores n', async () => {
      const res = await fetch(`${reg.url}/v2/${TAGGED_REPO}/tags/list`, {
        headers: await pull(TAGGED_REPO),
      });
      expect(res.status).toBe(200);
      const body = await res.json();
      expect(body.name).toBe(TAGGED_REPO);
      expect([...body.tags].sort()).toEqual(FIVE_TAGS);
      observed.push(`[${mode}] tags/list order: ${body.tags.join(',')}`);
      const paged = await fetch(`${reg.url}/v2/${TAGGED_REPO}/tags/list?n=2`, {
        headers: await pull(TAGGED_REPO),
      });
      const pagedBody = await paged.json();
      observed.push(
        `[${mode}] tags/list?n=2 -> ${
          pagedBody.tags.length
        } tags, Link=${paged.headers.get('link')}`,
      );
      const unknown = await fetch(`${reg.url}/v2/no/such/repo/tags/list`, {
        headers: await pull('no/such/repo'),
      });
      expect(unknown.status).toBe(404);
      expect((await unknown.json()).errors[0].code).toBe('NAME_UNKNOWN');
    });

    it('paginates _catalog with a relative Link header', async () => {
      const headers = await registryAuthHeaders(reg, ['registry:catalog:*']);
      const expected = [...FORMATS.map(repoFor), TAGGED_REPO].sort();
      const first = await fetch(`${reg.url}/v2/_catalog?n=1`, { headers });
      expect(first.status).toBe(200);
      expect((await first.json()).repositories).toEqual([expected[0]]);
      const link = first.headers.get('link') ?? '';
      expect(link).toMatch(/^<\/v2\/_catalog\?[^>]+>; rel="next"$/);
      // Follow Link verbatim to the end.
      const seen: string[] = [expected[0]];
      let next: string | undefined = /^<([^>]+)>/.exec(link)?.[1];
      let pages = 1;
      while (next && pages < 20) {
        const res = await fetch(new URL(next, reg.url), { headers });
        expect(res.status).toBe(200);
        seen.push(...(await res.json()).repositories);
        next = /^<([^>]+)>/.exec(res.headers.get('link') ?? '')?.[1];
        pages++;
      }
      expect(seen).toEqual(expected);
      // Real 2.8.2: when exactly n entries remain there is NO Link (no empty last page).
      expect(pages).toBe(expected.length);
      const all = await fetch(`${reg.url}/v2/_catalog?n=${expected.length}`, {
        headers,
      });
      expect((await all.json()).repositories).toEqual(expected);
      expect(all.headers.get('link')).toBeNull();
      const tooMany = await fetch(`${reg.url}/v2/_catalog?n=1001`, { headers });
      expect(tooMany.status).toBe(400);
      expect((await tooMany.json()).errors[0].code).toBe(
        'PAGINATION_NUMBER_INVALID',
      );
      if (mode === 'none')
        observed.push(
          `[catalog] first Link: ${link}; ${expected.length} repos in ${pages} pages of n=1`,
        );
    });

    it('validates manifests pushed raw (blob must exist)', async () => {
      const bad = await putRawManifest(
        target(),
        'raw/odd',
        'broken',
        MediaTypes.dockerManifest,
        '{"schemaVersion":2',
      );
      expect(bad.status).toBe(400);
      const missingBlob = await putRawManifest(
        target(),
        'raw/odd',
        'missing',
        MediaTypes.dockerManifest,
        JSON.stringify({
          schemaVersion: 2,
          mediaType: MediaTypes.dockerManifest,
          config: {
            mediaType: MediaTypes.dockerConfig,
            digest: sha256Digest('nope'),
            size: 4,
          },
          layers: [],
        }),
      );
      expect(missingBlob.status).toBe(400);
      expect(JSON.parse(missingBlob.body).errors[0].code).toBe(
        'MANIFEST_BLOB_UNKNOWN',
      );
    });

    if (mode === 'token') {
      it('runs a token server that checks credentials and counts tokens', async () => {
        const before = reg.tokenRequests();
        expect(before).toBeGreaterThan(0);
        const realm = new URL(reg.tokenRealm!);
        realm.searchParams.set('service', reg.tokenService!);
        realm.searchParams.append('scope', `repository:${TAGGED_REPO}:pull`);
        const denied = await fetch(realm, {
          headers: {
            authorization: `Basic ${Buffer.from(
              `${reg.username}:wrong`,
            ).toString('base64')}`,
          },
        });
        await denied.text();
        expect(denied.status).toBe(401);
        const anonymous = await fetch(realm);
        await anonymous.text();
        expect(anonymous.status).toBe(401);
        expect(reg.tokenRequests()).toBe(before);

        const headers = await registryAuthHeaders(reg, [
          `repository:${TAGGED_REPO}:pull`,
        ]);
        expect(reg.tokenRequests()).toBe(before + 1);
        // Token for one repo does not open another: 401 insufficient_scope.
        const other = await fetch(
          `${reg.url}/v2/${repoFor('docker')}/manifests/1.0`,
          {
            headers: { accept: ALL_MANIFEST_ACCEPT, ...headers },
          },
        );
        await other.text();
        expect(other.status).toBe(401);
        expect(other.headers.get('www-authenticate')).toContain(
          'error="insufficient_scope"',
        );
        expect(other.headers.get('www-authenticate')).toContain(
          `scope="repository:${repoFor('docker')}:pull"`,
        );
        // pushImage asks for one push+pull token per call.
        const t = reg.tokenRequests();
        await pushImage(target(), { repository: 'count/me', tag: 'x' });
        expect(reg.tokenRequests()).toBe(t + 1);
      });
    }

    it('fails connections after kill() and serves the same data after restart()', async () => {
      const repo = repoFor('docker');
      await reg.kill();
      await expect(fetch(`${reg.url}/v2/`)).rejects.toThrow();
      const t0 = Date.now();
      await reg.restart();
      observed.push(`[${mode}] restart ${Date.now() - t0} ms`);
      const res = await fetch(`${reg.url}/v2/${repo}/manifests/1.0`, {
        headers: { accept: ALL_MANIFEST_ACCEPT, ...(await pull(repo)) },
      });
      await res.arrayBuffer();
      expect(res.status).toBe(200);
      expect(res.headers.get('docker-content-digest')).toBe(
        pushed.docker.digest,
      );
      // restart() on a running registry also works.
      await reg.restart();
      const v2 = await fetch(`${reg.url}/v2/`);
      await v2.text();
      expect([200, 401]).toContain(v2.status);
    });
  },
);

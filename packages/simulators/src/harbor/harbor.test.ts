/**
 * Harbor API simulator: auth (robot accounts, bad credentials = anonymous),
 * X-Request-Id, CSRF with a `sid` cookie, project creation, the double-encoded
 * repository names, paging headers and scan overviews.
 */
import { HarborSimulator, startHarborSimulator } from './simulator';
import { VULN_REPORT_HARBOR, VULN_REPORT_V11 } from './types';
import { basic } from '../testUtils';

type Json = Record<string, any>;

const API = '/api/v2.0';

describe('Harbor API simulator', () => {
  let sim: HarborSimulator;
  const admin = { Authorization: basic('admin', 'Harbor12345') };
  const robot = { Authorization: basic('robot$ml+ci', 'robot-secret') };

  beforeAll(async () => {
    sim = await startHarborSimulator();
    sim.addAccount({ username: 'dev', password: 'dev-pw' });
    sim.addProject({ name: 'ml', public: false });
    sim.addProject({ name: 'library', public: true });
    sim.addArtifact('library', 'nginx', { tags: ['1.27'] });
    for (let i = 1; i <= 25; i++) {
      sim.addArtifact('ml', 'team/app', {
        tags: [`1.${i}.0`],
        pushTime: new Date(Date.UTC(2026, 0, i)).toISOString(),
        labels: {
          'org.opencontainers.image.revision': `rev${i}`,
          'org.opencontainers.image.source': 'https://git.example.test/app',
        },
        created: new Date(Date.UTC(2025, 11, i)).toISOString(),
        ...(i === 25
          ? {
              scan: {
                [VULN_REPORT_HARBOR]: {
                  scan_status: 'Success',
                  severity: 'Low',
                  complete_percent: 100,
                },
                [VULN_REPORT_V11]: {
                  scan_status: 'Success',
                  severity: 'High',
                  complete_percent: 100,
                  summary: {
                    total: 14,
                    fixable: 9,
                    summary: { High: 2, Low: 4 },
                  },
                },
              },
            }
          : {}),
      });
    }
    sim.addArtifact('ml', 'team/app', { pushTime: '2025-01-01T00:00:00.000Z' });
    sim.addArtifact('ml', 'multi', {
      tags: ['2.0'],
      references: [
        {
          digest: `sha256:${'1'.repeat(64)}`,
          architecture: 'amd64',
          os: 'linux',
        },
        {
          digest: `sha256:${'2'.repeat(64)}`,
          architecture: 'unknown',
          os: 'unknown',
        },
      ],
    });
  });
  afterAll(() => sim.stop());

  const get = (path: string, headers: Record<string, string> = admin) =>
    fetch(`${sim.url}${API}${path}`, { headers });
  const post = (
    path: string,
    body: unknown,
    headers: Record<string, string> = admin,
  ) =>
    fetch(`${sim.url}${API}${path}`, {
      method: 'POST',
      headers: { ...headers, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });

  describe('auth', () => {
    it('lets a project robot (robot$ml+ci) read its private project', async () => {
      const res = await get(
        '/projects/ml/repositories/team%252Fapp/artifacts',
        robot,
      );
      expect(res.status).toBe(200);
      expect(res.headers.get('x-simulator')).toBe('harbor');
    });

    it('answers anonymous reads of a private project 401 and non-members 403, in the errors[] envelope', async () => {
      const anon = await get('/projects/ml', {});
      expect(anon.status).toBe(401);
      expect(await anon.json()).toEqual({
        errors: [{ code: 'UNAUTHORIZED', message: 'unauthorized' }],
      });
      const dev = await get('/projects/ml', {
        Authorization: basic('dev', 'dev-pw'),
      });
      expect(dev.status).toBe(403);
      expect(((await dev.json()) as Json).errors[0].code).toBe('FORBIDDEN');
    });

    it('treats wrong credentials as anonymous: public projects still answer 200', async () => {
      const wrong = { Authorization: basic('robot$ml+ci', 'wrong') };
      expect(
        (await get('/projects/library/repositories/nginx/artifacts', wrong))
          .status,
      ).toBe(200);
      expect((await get('/projects/ml', wrong)).status).toBe(401);
    });

    it('echoes X-Request-Id or generates one', async () => {
      const echoed = await get('/projects/library', {
        'X-Request-Id': 'req-123',
      });
      expect(echoed.headers.get('x-request-id')).toBe('req-123');
      const generated = await get('/projects/library', {});
      expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('sets a sid cookie; a client that sends it back gets 403 "CSRF token invalid" on POST', async () => {
      const first = await get('/projects/library');
      const sid = first.headers.get('set-cookie')!.split(';')[0];
      expect(sid).toMatch(/^sid=/);
      const withCookie = await post(
        '/projects',
        { project_name: 'csrf-a', metadata: { public: 'false' } },
        { ...admin, Cookie: sid },
      );
      expect(withCookie.status).toBe(403);
      expect(await withCookie.json()).toEqual({
        errors: [{ code: 'FORBIDDEN', message: 'CSRF token invalid' }],
      });
      const noCookie = await post('/projects', {
        project_name: 'csrf-a',
        metadata: { public: 'false' },
      });
      expect(noCookie.status).toBe(201);
    });

    it('accepts a POST with the sid cookie when the CSRF token from a GET is replayed', async () => {
      const sid = (await get('/projects/library')).headers
        .get('set-cookie')!
        .split(';')[0];
      const primed = await get('/projects/library', { ...admin, Cookie: sid });
      const token = primed.headers.get('x-harbor-csrf-token')!;
      const csrfCookie = primed.headers.get('set-cookie')!.split(';')[0];
      const res = await post(
        '/projects',
        { project_name: 'csrf-b', metadata: { public: 'false' } },
        {
          ...admin,
          Cookie: `${sid}; ${csrfCookie}`,
          'X-Harbor-CSRF-Token': token,
        },
      );
      expect(res.status).toBe(201);
    });
  });

  describe('projects', () => {
    it('creates with 201 and Location /api/v2.0/projects/<id>; public must be the STRING "true"/"false"', async () => {
      const res = await post('/projects', {
        project_name: 'ml-models',
        metadata: { public: 'true' },
      });
      expect(res.status).toBe(201);
      const id = sim.projects().find(p => p.name === 'ml-models')!.id;
      expect(res.headers.get('location')).toBe(`/api/v2.0/projects/${id}`);
      expect(await res.text()).toBe('');
      const asBool = await post('/projects', {
        project_name: 'p-bool',
        metadata: { public: true },
      });
      expect(asBool.status).toBe(400);
      expect(((await asBool.json()) as Json).errors[0].code).toBe(
        'BAD_REQUEST',
      );
      const yes = await post('/projects', {
        project_name: 'p-yes',
        metadata: { public: 'yes' },
      });
      expect(yes.status).toBe(400);
      expect(sim.projects().map(p => p.name)).not.toContain('p-bool');
    });

    it('answers a duplicate 409 CONFLICT', async () => {
      const res = await post('/projects', {
        project_name: 'ml',
        metadata: { public: 'false' },
      });
      expect(res.status).toBe(409);
      expect(await res.json()).toEqual({
        errors: [
          { code: 'CONFLICT', message: 'The project named ml already exists' },
        ],
      });
    });

    it('does not let a project robot create projects', async () => {
      expect(
        (await post('/projects', { project_name: 'robot-made' }, robot)).status,
      ).toBe(403);
    });

    it('GET /projects/{name} and HEAD /projects?project_name=', async () => {
      const p = (await (await get('/projects/ml')).json()) as Json;
      expect(p).toMatchObject({ name: 'ml', metadata: { public: 'false' } });
      const head = (name: string) =>
        fetch(`${sim.url}${API}/projects?project_name=${name}`, {
          method: 'HEAD',
          headers: admin,
        });
      expect((await head('ml')).status).toBe(200);
      expect((await head('nope')).status).toBe(404);
      expect((await get('/projects/nope')).status).toBe(404);
    });
  });

  describe('artifacts', () => {
    it('accepts the double-encoded repository name and 404s a single %2F with "path … was not found"', async () => {
      expect(
        (await get('/projects/ml/repositories/team%252Fapp/artifacts')).status,
      ).toBe(200);
      const single = await get(
        '/projects/ml/repositories/team%2Fapp/artifacts',
      );
      expect(single.status).toBe(404);
      expect(await single.json()).toEqual({
        errors: [
          {
            code: 'NOT_FOUND',
            message:
              'path /api/v2.0/projects/ml/repositories/team/app/artifacts was not found',
          },
        ],
      });
    });

    it('caps page_size at 100 with 422', async () => {
      const res = await get(
        '/projects/ml/repositories/team%252Fapp/artifacts?page_size=101',
      );
      expect(res.status).toBe(422);
      const body = (await res.json()) as Json;
      expect(body.errors[0].code).toBe('UNPROCESSABLE_ENTITY');
      expect(body.errors[0].message).toContain(
        'page_size in query should be less than or equal to 100',
      );
      expect(
        (
          await get(
            '/projects/ml/repositories/team%252Fapp/artifacts?page_size=100',
          )
        ).status,
      ).toBe(200);
    });

    it('pages with X-Total-Count and a relative Link joined by " , "', async () => {
      const res = await get(
        '/projects/ml/repositories/team%252Fapp/artifacts?page=2&page_size=10&with_tag=true',
      );
      expect(res.headers.get('x-total-count')).toBe('26');
      const link = res.headers.get('link')!;
      expect(link).toBe(
        '</api/v2.0/projects/ml/repositories/team%252Fapp/artifacts?page=1&page_size=10&with_tag=true>; rel="prev" , ' +
          '</api/v2.0/projects/ml/repositories/team%252Fapp/artifacts?page=3&page_size=10&with_tag=true>; rel="next"',
      );
      const page = (await res.json()) as Json[];
      expect(page).toHaveLength(10);
      const last = await get(
        '/projects/ml/repositories/team%252Fapp/artifacts?page=3&page_size=10',
      );
      expect(last.headers.get('link')).not.toContain('rel="next"');
      expect((await last.json()) as Json[]).toHaveLength(6);
    });

    it('serves extra_attrs.config.Labels, newest push first, and filters with q=tags=*', async () => {
      const list = (await (
        await get(
          '/projects/ml/repositories/team%252Fapp/artifacts?q=tags%3D*&page_size=100',
        )
      ).json()) as Json[];
      expect(list).toHaveLength(25);
      expect(list[0].tags[0].name).toBe('1.25.0');
      expect(
        list[0].extra_attrs.config.Labels['org.opencontainers.image.revision'],
      ).toBe('rev25');
      expect(list[0].extra_attrs).toMatchObject({
        architecture: 'amd64',
        os: 'linux',
      });
      const untagged = (await (
        await get(
          '/projects/ml/repositories/team%252Fapp/artifacts?q=tags%3Dnil',
        )
      ).json()) as Json[];
      expect(untagged).toHaveLength(1);
      expect(untagged[0].tags).toBeNull();
    });

    it('keys scan_overview by the first X-Accept-Vulnerabilities type that has a report, only with with_scan_overview', async () => {
      const path =
        '/projects/ml/repositories/team%252Fapp/artifacts?page_size=1';
      const without = (await (await get(path)).json()) as Json[];
      expect(without[0]).not.toHaveProperty('scan_overview');
      const v11 = (await (
        await get(`${path}&with_scan_overview=true`, {
          ...admin,
          'X-Accept-Vulnerabilities': `${VULN_REPORT_V11}, ${VULN_REPORT_HARBOR}`,
        })
      ).json()) as Json[];
      expect(Object.keys(v11[0].scan_overview)).toEqual([VULN_REPORT_V11]);
      expect(v11[0].scan_overview[VULN_REPORT_V11]).toMatchObject({
        severity: 'High',
        summary: { total: 14, fixable: 9 },
      });
      const harborFirst = (await (
        await get(`${path}&with_scan_overview=true`, {
          ...admin,
          'X-Accept-Vulnerabilities': `${VULN_REPORT_HARBOR}, ${VULN_REPORT_V11}`,
        })
      ).json()) as Json[];
      expect(Object.keys(harborFirst[0].scan_overview)).toEqual([
        VULN_REPORT_HARBOR,
      ]);
      const unscanned = (await (
        await get(
          '/projects/ml/repositories/team%252Fapp/artifacts?page=2&page_size=1&with_scan_overview=true',
        )
      ).json()) as Json[];
      expect(unscanned[0]).not.toHaveProperty('scan_overview');
    });

    it('describes indexes with references[] and no image extra_attrs', async () => {
      const [index] = (await (
        await get('/projects/ml/repositories/multi/artifacts')
      ).json()) as Json[];
      expect(
        index.references.map((r: Json) => r.platform.architecture),
      ).toEqual(['amd64', 'unknown']);
      expect(index.extra_attrs).toEqual({});
    });

    it('answers an unknown repository 404 NOT_FOUND', async () => {
      const res = await get('/projects/ml/repositories/nope/artifacts');
      expect(res.status).toBe(404);
      expect(((await res.json()) as Json).errors[0]).toEqual({
        code: 'NOT_FOUND',
        message: 'repository ml/nope not found',
      });
    });
  });
});

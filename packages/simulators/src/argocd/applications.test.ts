/**
 * Argo CD simulator: the Application list/get/create/delete API, `fields`,
 * the resource tree and revision metadata.
 */
import { ArgoCdSimulator, startArgoCdSimulator } from './simulator';
import { exampleApplication } from './fixtures';
import { eventually } from '../testUtils';

type App = {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; resourceVersion?: string };
  spec: Record<string, unknown>;
  status?: {
    sync?: { status?: string };
    health?: { status?: string };
    resources?: Array<{ kind: string; health?: { status: string } }>;
    resourceHealthSource?: string;
    history?: unknown[];
  };
};
type List = { metadata: { resourceVersion: string }; items: App[] | null };

const SHA = '3f2c1a9d0e4b5a6c7d8e9f00112233445566778a';

describe('Argo CD simulator: applications API', () => {
  let sim: ArgoCdSimulator;
  let auth: { Authorization: string };

  beforeAll(async () => {
    sim = await startArgoCdSimulator({
      projects: ['ml'],
      applicationNamespaces: ['team-a'],
      reconcileDelayMs: 20,
    });
    auth = { Authorization: `Bearer ${sim.issueToken()}` };
  });
  afterAll(() => sim.stop());

  const get = (path: string) => fetch(`${sim.url}${path}`, { headers: auth });
  const post = (path: string, body: unknown) =>
    fetch(`${sim.url}${path}`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
  const list = async (query = '') =>
    (await (await get(`/api/v1/applications${query}`)).json()) as List;

  it('returns "items": null (not []) when nothing matches, with a string resourceVersion', async () => {
    const res = await get('/api/v1/applications');
    const text = await res.text();
    expect(text).toContain('"items":null');
    const body = JSON.parse(text) as List;
    expect(body.items).toBeNull();
    expect(typeof body.metadata.resourceVersion).toBe('string');
  });

  describe('with seeded apps', () => {
    beforeAll(() => {
      sim.putApplication(
        exampleApplication('zeta', {
          labels: { 'app.kubernetes.io/instance': 'parent', tier: 'b' },
        }),
      );
      sim.putApplication(
        exampleApplication('alpha', { project: 'ml', labels: { tier: 'a' } }),
      );
      sim.putApplication(
        exampleApplication('mid', {
          project: 'ml',
          repoURL: 'https://git.example.test/shared.git',
          labels: { tier: 'c' },
        }),
      );
      sim.putApplication(
        exampleApplication('alpha', {
          namespace: 'team-a',
          labels: { tier: 'x' },
        }),
      );
    });

    it('lists sorted by name, without apiVersion/kind and without pagination', async () => {
      const body = await list();
      expect(body.items!.map(i => i.metadata.name)).toEqual([
        'alpha',
        'alpha',
        'mid',
        'zeta',
      ]);
      for (const item of body.items!) {
        expect(item).not.toHaveProperty('apiVersion');
        expect(item).not.toHaveProperty('kind');
      }
    });

    it('filters by name (first hit only), repeated projects, repo and appNamespace', async () => {
      expect((await list('?name=alpha')).items).toHaveLength(1);
      expect((await list('?projects=ml&projects=default')).items).toHaveLength(
        4,
      );
      expect(
        (await list('?projects=ml')).items!.map(i => i.metadata.name),
      ).toEqual(['alpha', 'mid']);
      expect(
        (
          await list(
            `?repo=${encodeURIComponent(
              'https://git.example.test/shared.git',
            )}`,
          )
        ).items!.map(i => i.metadata.name),
      ).toEqual(['mid']);
      const teamA = await list('?appNamespace=team-a');
      expect(
        teamA.items!.map(i => `${i.metadata.namespace}/${i.metadata.name}`),
      ).toEqual(['team-a/alpha']);
    });

    it('filters by a URL-encoded label selector, including set-based requirements', async () => {
      const sel = encodeURIComponent('app.kubernetes.io/instance=parent');
      expect(
        (await list(`?selector=${sel}`)).items!.map(i => i.metadata.name),
      ).toEqual(['zeta']);
      const setBased = encodeURIComponent('tier in (a,c),tier!=x');
      expect(
        (await list(`?selector=${setBased}`)).items!.map(i => i.metadata.name),
      ).toEqual(['alpha', 'mid']);
      const bad = await get(
        `/api/v1/applications?selector=${encodeURIComponent('tier in (a')}`,
      );
      expect(bad.status).toBeGreaterThanOrEqual(400);
    });

    it('honours only the fields allowlist and silently drops other paths', async () => {
      const body = await list(
        '?fields=items.metadata.name,items.status.sync.status,items.status.history',
      );
      const first = body.items![0] as unknown as Record<string, unknown>;
      expect(first).toEqual({
        metadata: { name: 'alpha' },
        status: { sync: { status: 'Synced' } },
      });
      const excluded = await list('?fields=-items.spec');
      const item = excluded.items![0] as unknown as Record<
        string,
        Record<string, unknown>
      >;
      expect(item).not.toHaveProperty('spec');
      expect(item.metadata).toHaveProperty('name');
      expect(item.status).toHaveProperty('health');
    });

    it('keeps resource health out of lists (3.x) but fills it in on GET', async () => {
      const listed = (await list('?name=zeta')).items![0];
      expect(listed.status!.resourceHealthSource).toBe('appTree');
      expect(listed.status!.resources!.every(r => r.health === undefined)).toBe(
        true,
      );
      const one = (await (
        await get('/api/v1/applications/zeta')
      ).json()) as App;
      expect(one.status!.resources!.map(r => r.health?.status)).toEqual([
        'Healthy',
        'Healthy',
      ]);
    });

    it('serves the resource tree with health per node', async () => {
      sim.setResourceTree('zeta', {
        nodes: [
          {
            group: 'apps',
            version: 'v1',
            kind: 'Deployment',
            namespace: 'zeta',
            name: 'zeta',
            health: { status: 'Progressing' },
          },
          {
            group: 'apps',
            version: 'v1',
            kind: 'ReplicaSet',
            namespace: 'zeta',
            name: 'zeta-6d4f',
            parentRefs: [
              {
                group: 'apps',
                kind: 'Deployment',
                namespace: 'zeta',
                name: 'zeta',
              },
            ],
            health: { status: 'Healthy' },
          },
        ],
      });
      const tree = (await (
        await get('/api/v1/applications/zeta/resource-tree')
      ).json()) as {
        nodes: Array<{ kind: string; health?: { status: string } }>;
        orphanedNodes: unknown[];
      };
      expect(tree.nodes.map(n => `${n.kind}:${n.health?.status}`)).toEqual([
        'Deployment:Progressing',
        'ReplicaSet:Healthy',
      ]);
      expect(tree.orphanedNodes).toEqual([]);
      const one = (await (
        await get('/api/v1/applications/zeta')
      ).json()) as App;
      expect(one.status!.resources![0].health!.status).toBe('Progressing');
    });

    it('returns revision metadata for commit SHAs only', async () => {
      sim.putRevisionMetadata(SHA, {
        author: 'Ada <ada@example.test>',
        date: '2026-01-02T03:04:05Z',
        message: 'bump',
        tags: [],
      });
      const ok = await get(
        `/api/v1/applications/zeta/revisions/${SHA}/metadata`,
      );
      expect(ok.status).toBe(200);
      expect(await ok.json()).toMatchObject({
        author: 'Ada <ada@example.test>',
        message: 'bump',
      });
      const short = await get(
        `/api/v1/applications/zeta/revisions/${SHA.slice(0, 7)}/metadata`,
      );
      expect(short.status).toBe(200);
      for (const rev of ['main', '1.2.3']) {
        const bad = await get(
          `/api/v1/applications/zeta/revisions/${rev}/metadata`,
        );
        expect(bad.status).toBe(500);
        expect(await bad.json()).toMatchObject({
          code: 2,
          message: `revision ${rev} must be resolved`,
        });
      }
    });

    it('rejects seeding a non-enum status value', () => {
      expect(() =>
        sim.setStatus('zeta', { sync: { status: 'Failure' as never } }),
      ).toThrow(/must be one of/);
      expect(() =>
        sim.setStatus('zeta', { health: { status: 'OK' as never } }),
      ).toThrow(/must be one of/);
      expect(sim.getApplication('zeta')!.status!.sync!.status).toBe('Synced');
      expect(sim.getApplication('zeta')!.status!.health!.status).toBe(
        'Healthy',
      );
    });
  });

  describe('create and delete', () => {
    const body = (name: string, extra: Record<string, unknown> = {}) => ({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name, labels: { 'backstage-name': name } },
      spec: {
        project: 'ml',
        source: {
          repoURL: 'https://git.example.test/gitops.git',
          path: `apps/${name}`,
          targetRevision: 'main',
        },
        destination: {
          server: 'https://kubernetes.default.svc',
          namespace: name,
        },
        ...extra,
      },
    });

    it('creates an app, returns it without kind, and reconciles it to OutOfSync/Missing', async () => {
      const res = await post('/api/v1/applications', body('churn'));
      expect(res.status).toBe(200);
      const created = (await res.json()) as App;
      expect(created).not.toHaveProperty('kind');
      expect(created.metadata.namespace).toBe('argocd');
      expect(created.status!.sync!.status).toBe('');
      const reconciled = await eventually(async () => {
        const a = (await (
          await get('/api/v1/applications/churn')
        ).json()) as App;
        return a.status?.sync?.status === 'OutOfSync' ? a : undefined;
      });
      expect(reconciled.status!.health!.status).toBe('Missing');
    });

    it('is idempotent for an identical spec, 400 / code 3 for a different one, and updates with ?upsert=true', async () => {
      expect((await post('/api/v1/applications', body('churn'))).status).toBe(
        200,
      );
      const changed = body('churn', { revisionHistoryLimit: 3 });
      const conflict = await post('/api/v1/applications', changed);
      expect(conflict.status).toBe(400);
      expect(await conflict.json()).toMatchObject({
        code: 3,
        message:
          'existing application spec is different, use upsert flag to force update',
      });
      const upserted = await post('/api/v1/applications?upsert=true', changed);
      expect(upserted.status).toBe(200);
      expect(((await upserted.json()) as App).spec.revisionHistoryLimit).toBe(
        3,
      );
    });

    it('validates project, destination and source like validateAndNormalizeApp', async () => {
      const cases: Array<[Record<string, unknown>, RegExp]> = [
        [
          { ...body('x1'), spec: { ...body('x1').spec, project: 'nope' } },
          /project nope which does not exist/,
        ],
        [
          {
            ...body('x2'),
            spec: { ...body('x2').spec, destination: { namespace: 'x' } },
          },
          /Destination server missing/,
        ],
        [
          {
            ...body('x3'),
            spec: { ...body('x3').spec, source: { repoURL: '', path: 'p' } },
          },
          /spec\.source\.repoURL and either/,
        ],
        [
          {
            ...body('x4'),
            spec: {
              ...body('x4').spec,
              destination: {
                name: 'in-cluster',
                server: 'https://kubernetes.default.svc',
              },
            },
          },
          /can't have both name and server/,
        ],
      ];
      for (const [payload, message] of cases) {
        const res = await post('/api/v1/applications', payload);
        expect(res.status).toBe(400);
        const err = (await res.json()) as { code: number; message: string };
        expect(err.code).toBe(3);
        expect(err.message).toMatch(message);
      }
      expect(sim.getApplication('x1')).toBeUndefined();
    });

    it('deletes with {} and the app then answers 403', async () => {
      await post('/api/v1/applications', body('gone'));
      const res = await fetch(
        `${sim.url}/api/v1/applications/gone?cascade=false`,
        {
          method: 'DELETE',
          headers: { ...auth, 'Content-Type': 'application/json' },
        },
      );
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({});
      expect((await get('/api/v1/applications/gone')).status).toBe(403);
    });

    it('deletes an app with the resources finalizer after a cascading delay (deletionTimestamp first)', async () => {
      sim.putApplication(exampleApplication('cascade'));
      const res = await fetch(`${sim.url}/api/v1/applications/cascade`, {
        method: 'DELETE',
        headers: { ...auth, 'Content-Type': 'application/json' },
      });
      expect(res.status).toBe(200);
      expect(
        sim.getApplication('cascade')?.metadata.deletionTimestamp,
      ).toBeDefined();
      await eventually(() => sim.getApplication('cascade') === undefined);
    });
  });
});

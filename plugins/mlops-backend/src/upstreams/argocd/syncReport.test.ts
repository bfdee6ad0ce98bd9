import { ArgoCdSimulator, startArgoCdSimulator } from '@internal/simulators';
import { judgeDelivery } from '../../services/delivery/deliveryChain';
import { ArgoCdClient } from './ArgoCdClient';
import {
  SHA_A,
  SHA_B,
  app,
  argoClient,
  argoConfig,
} from './__testUtils__/apps';
import {
  readSyncReport,
  splitImage,
  toDesiredFact,
  toSyncFact,
} from './syncReport';

jest.setTimeout(30_000);

const PASSWORD = 'report-admin-pw-5521';

/** Reads until `done` holds (the simulated controller runs on its own clock). */
async function until<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(
        `condition not met within ${timeoutMs} ms: ${JSON.stringify(value)}`,
      );
    await new Promise(r => setTimeout(r, 25));
  }
}

describe('Argo CD sync report (two simulated instances)', () => {
  let prod: ArgoCdSimulator;
  let dev: ArgoCdSimulator;
  let clients: ArgoCdClient[];

  beforeAll(async () => {
    prod = await startArgoCdSimulator({
      users: { admin: PASSWORD },
      projects: ['ml'],
      syncDurationMs: 200,
    });
    dev = await startArgoCdSimulator({ users: { admin: PASSWORD } });
    prod.putApplication(
      app('fraud', {
        project: 'ml',
        automated: true,
        kustomizeImages: [
          'registry.example.test/ml/fraud=registry.example.test/ml/fraud:a1b2c3d',
          'busybox=busybox:1.36',
        ],
        summaryImages: [
          'registry.example.test/ml/fraud:9f8e7d6',
          'docker.io/istio/proxyv2:1.22.0',
        ],
        history: [
          { id: 0, revision: SHA_A, deployedAt: '2026-05-01T10:00:00Z' },
          { id: 1, revision: SHA_B, deployedAt: '2026-05-02T10:00:00Z' },
        ],
      }),
    );
    prod.putApplication(
      app('fraud-api', { labels: { 'backstage-name': 'fraud' } }),
    );
    prod.putApplication(
      app('llm', {
        summaryImages: [
          'registry.example.test:5000/ml/llm@sha256:abcdef0123456789',
        ],
      }),
    );
    dev.putApplication(
      app('fraud', { summaryImages: ['registry.example.test/ml/fraud:dev-1'] }),
    );
    dev.setStatus('fraud', {
      sync: { status: 'OutOfSync' },
      health: { status: 'Progressing' },
    });
    const cfg = argoConfig([
      { name: 'prod', url: prod.url, username: 'admin', password: PASSWORD },
      { name: 'dev', url: dev.url, username: 'admin', password: PASSWORD },
    ]);
    clients = cfg.instances.map(i => new ArgoCdClient(i, cfg));
  });
  afterAll(async () => {
    await prod?.stop();
    await dev?.stop();
  });

  it('finds the same app name on every instance by default (one report row per app and instance)', async () => {
    const report = await readSyncReport(
      'component:default/fraud',
      { 'argocd/app-name': 'fraud' },
      clients,
    );
    expect(report.problems).toEqual([]);
    expect(
      report.apps.map(a => [a.instance, a.name, a.sync, a.health]),
    ).toEqual([
      ['prod', 'fraud', 'Synced', 'Healthy'],
      ['dev', 'fraud', 'OutOfSync', 'Progressing'],
    ]);
    const fraud = report.apps[0];
    expect(fraud).toMatchObject({
      project: 'ml',
      autoSync: true,
      operationPending: false,
      revision: SHA_A,
      images: [
        'registry.example.test/ml/fraud:9f8e7d6',
        'docker.io/istio/proxyv2:1.22.0',
      ],
      desiredImages: [
        'registry.example.test/ml/fraud=registry.example.test/ml/fraud:a1b2c3d',
        'busybox=busybox:1.36',
      ],
      sources: [
        {
          repoURL: 'https://git.example.test/gitops/fraud.git',
          path: 'apps/fraud',
          targetRevision: 'main',
        },
      ],
      link: { url: `${prod.url}/applications/argocd/fraud` },
    });
    expect(fraud.history.map(h => [h.id, h.revision])).toEqual([
      [0, SHA_A],
      [1, SHA_B],
    ]);
  });

  it('converts an application of the cached list once, each report keeping its own time, and again once the list is re-read', async () => {
    let clock = Date.parse('2026-11-23T10:00:00Z');
    const client = argoClient(
      dev.url,
      { username: 'admin', password: PASSWORD },
      { name: 'dev', now: () => clock, mlops: { refreshSeconds: 15 } },
    );
    const read = () =>
      readSyncReport(
        'component:default/fraud',
        { 'argocd/app-name': 'fraud' },
        [client],
        () => clock,
      );
    const first = await read();
    clock += 1_000;
    const second = await read();
    expect(second.apps[0]).toEqual({
      ...first.apps[0],
      checkedAt: '2026-11-23T10:00:01.000Z',
    });
    expect(first.apps[0].checkedAt).toBe('2026-11-23T10:00:00.000Z');
    expect(second.apps[0].sync).toBe('OutOfSync');

    dev.setStatus('fraud', {
      sync: { status: 'Synced' },
      health: { status: 'Healthy' },
    });
    clock += 1_000;
    expect((await read()).apps[0].sync).toBe('OutOfSync'); // cached list
    clock += 15_000;
    const fresh = await read();
    expect([fresh.apps[0].sync, fresh.apps[0].health]).toEqual([
      'Synced',
      'Healthy',
    ]);
    dev.setStatus('fraud', {
      sync: { status: 'OutOfSync' },
      health: { status: 'Progressing' },
    });
  });

  it('argocd/instance-name picks instances (comma list) and refuses unknown ones, naming the known ones', async () => {
    const onlyDev = await readSyncReport(
      'c',
      { 'argocd/app-name': 'fraud', 'argocd/instance-name': 'dev' },
      clients,
    );
    expect(onlyDev.apps.map(a => a.instance)).toEqual(['dev']);
    const both = await readSyncReport(
      'c',
      { 'argocd/app-name': 'fraud', 'argocd/instance-name': 'dev, prod' },
      clients,
    );
    expect(both.apps.map(a => a.instance).sort()).toEqual(['dev', 'prod']);
    const bad = await readSyncReport(
      'c',
      { 'argocd/app-name': 'fraud', 'argocd/instance-name': 'prod,qa' },
      clients,
    );
    expect(bad.apps).toEqual([]);
    expect(bad.problems[0].problem).toEqual({
      upstream: 'annotation argocd/instance-name',
      fault: 'bad-annotation',
      message:
        'argocd/instance-name names "qa", which is not configured (configured: prod, dev)',
    });
  });

  it('argocd/app-selector filters the shared list in memory; argocd/project-name narrows it', async () => {
    const bySelector = await readSyncReport(
      'c',
      {
        'argocd/app-selector': 'backstage-name=fraud',
        'argocd/instance-name': 'prod',
      },
      clients,
    );
    expect(bySelector.apps.map(a => a.name)).toEqual(['fraud', 'fraud-api']);
    const inProject = await readSyncReport(
      'c',
      {
        'argocd/app-selector': 'backstage-name=fraud',
        'argocd/project-name': 'ml',
        'argocd/instance-name': 'prod',
      },
      clients,
    );
    expect(inProject.apps.map(a => a.name)).toEqual(['fraud']);
  });

  it('one list request per instance serves many entities', async () => {
    const cfg = argoConfig([
      { name: 'prod', url: prod.url, username: 'admin', password: PASSWORD },
      { name: 'dev', url: dev.url, username: 'admin', password: PASSWORD },
    ]);
    const fresh = cfg.instances.map(i => new ArgoCdClient(i, cfg));
    prod.resetRequests();
    dev.resetRequests();
    const entities: Array<Record<string, string>> = [
      { 'argocd/app-name': 'fraud' },
      { 'argocd/app-name': 'llm' },
      { 'argocd/app-name': 'fraud-api' },
      { 'argocd/app-selector': 'backstage-name=fraud' },
      { 'argocd/app-selector': 'tier in (model)' },
    ];
    await Promise.all(
      entities.map((a, i) =>
        readSyncReport(`component:default/e${i}`, a, fresh),
      ),
    );
    await Promise.all(
      entities.map((a, i) =>
        readSyncReport(`component:default/e${i}`, a, fresh),
      ),
    );
    for (const sim of [prod, dev]) {
      const listCalls = sim
        .requests()
        .filter(r => r.path === '/api/v1/applications');
      expect(listCalls).toHaveLength(1);
      expect(
        sim.requests().filter(r => r.path === '/api/v1/session'),
      ).toHaveLength(1);
    }
  });

  it('says when no instance has the app, and when an instance cannot be read', async () => {
    const none = await readSyncReport(
      'c',
      { 'argocd/app-name': 'ghost' },
      clients,
    );
    expect(none.problems).toEqual([
      {
        instance: 'prod,dev',
        problem: {
          upstream: 'Argo CD prod, dev',
          fault: 'not-found',
          message:
            'no application "ghost" is visible on any of these instances (it does not exist, or the configured account may not see it)',
        },
      },
    ]);
    const cfg = argoConfig([
      { name: 'prod', url: prod.url, username: 'admin', password: PASSWORD },
      { name: 'dev', url: dev.url, username: 'admin', password: PASSWORD },
    ]);
    const fresh = cfg.instances.map(i => new ArgoCdClient(i, cfg));
    await dev.setFault({ mode: 'down' });
    try {
      const half = await readSyncReport(
        'c',
        { 'argocd/app-name': 'fraud' },
        fresh,
      );
      expect(half.apps.map(a => a.instance)).toEqual(['prod']);
      expect(half.problems).toEqual([
        {
          instance: 'dev',
          problem: expect.objectContaining({ fault: 'unreachable' }),
        },
      ]);
    } finally {
      await dev.setFault({ mode: 'none' });
    }
  });

  it.each([
    [{}, 'entity has neither argocd/app-name nor argocd/app-selector'],
    [
      { 'argocd/app-name': 'Fraud Detector' },
      'argocd/app-name "Fraud Detector" is not a valid application name (lower-case letters, digits, - and .)',
    ],
    [
      { 'argocd/app-selector': 'tier in (a' },
      'argocd/app-selector "tier in (a": unbalanced "(" in "tier in (a"',
    ],
    [
      { 'argocd/app-name': 'x', 'argocd/app-namespace': 'Bad_NS' },
      'argocd/app-namespace "Bad_NS" is not a valid namespace',
    ],
  ])('explains a bad annotation %j', async (annotations, message) => {
    const report = await readSyncReport(
      'c',
      annotations as Record<string, string>,
      clients,
    );
    expect(report.problems[0].problem).toMatchObject({
      fault: 'bad-annotation',
      message,
    });
  });

  it('maps to the delivery chain: SyncFact, and DesiredFact from kustomize.images (else summary.images)', async () => {
    const report = await readSyncReport(
      'c',
      { 'argocd/app-name': 'fraud' },
      clients,
    );
    const [fraudProd, fraudDev] = report.apps;
    expect(toSyncFact(fraudProd)).toEqual({
      sync: 'Synced',
      health: 'Healthy',
      autoSync: true,
      link: {
        title: 'fraud in Argo CD prod',
        url: `${prod.url}/applications/argocd/fraud`,
      },
    });
    expect(
      toDesiredFact(fraudProd, { imageRepository: 'ml/fraud' }),
    ).toMatchObject({ tags: ['a1b2c3d'], revision: SHA_A });
    expect(toDesiredFact(fraudProd)).toMatchObject({
      tags: ['a1b2c3d', '1.36'],
    });
    expect(
      toDesiredFact(fraudDev, { imageRepository: 'ml/fraud' }),
    ).toMatchObject({ tags: ['dev-1'] });
    const llm = (
      await readSyncReport('c', { 'argocd/app-name': 'llm' }, clients)
    ).apps[0];
    expect(toDesiredFact(llm, { imageRepository: 'ml/llm' })).toMatchObject({
      tags: ['sha256:abcdef0123456789'],
    });

    const view = judgeDelivery({
      desired: toDesiredFact(fraudDev, { imageRepository: 'ml/fraud' }),
      sync: toSyncFact(fraudDev),
    });
    expect(view.steps.find(s => s.id === 'synced')).toMatchObject({
      status: 'error',
      summary: 'the Argo CD app is OutOfSync and auto-sync is off',
    });
  });

  it('reports a running sync as pending with its phase, then the finished operation', async () => {
    const cfg = argoConfig([
      { name: 'prod', url: prod.url, username: 'admin', password: PASSWORD },
    ]);
    const client = new ArgoCdClient(cfg.instances[0], cfg);
    const read = async () => {
      client.invalidate();
      return (
        await readSyncReport('c', { 'argocd/app-name': 'fraud-api' }, [client])
      ).apps[0];
    };
    await client.sync('fraud-api');
    const running = await until(read, a => a.operation?.phase === 'Running');
    expect(running.operationPending).toBe(true);
    expect(toSyncFact(running)).toMatchObject({ operationPhase: 'Running' });
    const done = await until(read, a => !a.operationPending);
    expect(done.operation).toMatchObject({
      phase: 'Succeeded',
      initiatedBy: 'admin',
    });
    expect(done.operation?.startedAt).toBeDefined();
    expect(done.operation?.finishedAt).toBeDefined();
    expect(done.history.map(h => h.id)).toEqual([0]);
  });

  it('never returns the configured password', async () => {
    const report = await readSyncReport(
      'c',
      { 'argocd/app-selector': 'backstage-name' },
      clients,
    );
    expect(report.apps.length).toBeGreaterThan(0);
    expect(JSON.stringify(report)).not.toContain(PASSWORD);
  });
});

describe('splitImage', () => {
  it.each([
    ['reg/app:1.2.3', 'reg/app', '1.2.3'],
    ['reg:5000/team/app:v1', 'reg:5000/team/app', 'v1'],
    ['reg:5000/team/app', 'reg:5000/team/app', undefined],
    ['reg/app@sha256:abc', 'reg/app', 'sha256:abc'],
    ['reg/app:1.0@sha256:abc', 'reg/app', 'sha256:abc'],
    ['old/app=new/app:2.0', 'new/app', '2.0'],
  ])('%s', (ref, name, tag) => {
    expect(splitImage(ref)).toEqual({
      name,
      ...(tag ? { tagOrDigest: tag } : {}),
    });
  });
});

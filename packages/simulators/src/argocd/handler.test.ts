/**
 * Argo CD simulator: the hooks an external controller uses — a sync handler
 * that performs operations (REST life cycle kept), controller-started
 * (automated) syncs, a revision resolver and spec updates.
 */
import { ArgoCdSimulator, startArgoCdSimulator } from './simulator';
import { exampleApplication } from './fixtures';
import { SyncRequest } from './handler';
import { eventually } from '../testUtils';

type App = {
  spec: { syncPolicy?: { automated?: unknown } };
  metadata: { generation?: number };
  operation?: {
    sync?: { revision?: string };
    initiatedBy?: { username?: string; automated?: boolean };
  };
  status?: {
    sync?: { status?: string; revision?: string };
    health?: { status?: string };
    resources?: Array<{ kind: string; health?: { status?: string } }>;
    operationState?: {
      phase: string;
      message?: string;
      finishedAt?: string;
      operation?: { initiatedBy?: { automated?: boolean; username?: string } };
      syncResult?: {
        revision: string;
        resources?: Array<{ kind: string; status?: string; message?: string }>;
      };
    };
    history?: Array<{ id: number; revision: string }>;
  };
};

const SHA_A = 'a'.repeat(40);
const SHA_B = 'b'.repeat(40);

describe('Argo CD simulator: external sync handler', () => {
  let sim: ArgoCdSimulator;
  let auth: { Authorization: string };

  beforeAll(async () => {
    sim = await startArgoCdSimulator({
      syncStartDelayMs: 5,
      syncDurationMs: 50,
    });
    auth = { Authorization: `Bearer ${sim.issueToken()}` };
  });
  afterAll(() => sim.stop());
  afterEach(() => {
    sim.setSyncHandler(undefined);
    sim.setRevisionResolver(undefined);
  });

  const post = (path: string, body: unknown) =>
    fetch(`${sim.url}${path}`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
  const getApp = async (name: string) =>
    (await (
      await fetch(`${sim.url}/api/v1/applications/${name}`, { headers: auth })
    ).json()) as App;
  const settled = (name: string) =>
    eventually(async () => {
      const a = await getApp(name);
      return !a.operation && a.status?.operationState?.finishedAt
        ? a
        : undefined;
    });

  it('runs a REST sync through the handler: Running while it works, then its result, status, tree and a history entry', async () => {
    sim.putApplication(exampleApplication('h1'));
    sim.setRevisionResolver((repo, rev) =>
      repo.endsWith('/h1.git') && rev === 'main' ? SHA_A : undefined,
    );
    const requests: SyncRequest[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>(r => {
      release = r;
    });
    sim.setSyncHandler(async (app, request) => {
      requests.push(request);
      await gate;
      return {
        phase: 'Succeeded',
        message: 'successfully synced (all tasks run)',
        revision: request.revision,
        resources: [
          {
            group: 'apps',
            version: 'v1',
            kind: 'Deployment',
            namespace: app.spec.destination.namespace ?? '',
            name: 'h1',
            status: 'Synced',
            message: 'deployment.apps/h1 serverside-applied',
          },
        ],
        status: {
          sync: { status: 'Synced', revision: request.revision },
          health: { status: 'Progressing' },
          summary: { images: ['registry.test/h1:2.0.0'] },
        },
        tree: {
          nodes: [
            {
              group: 'apps',
              version: 'v1',
              kind: 'Deployment',
              namespace: 'h1',
              name: 'h1',
              health: { status: 'Progressing' },
            },
          ],
        },
      };
    });
    const res = await post('/api/v1/applications/h1/sync', { prune: true });
    expect(res.status).toBe(200);
    expect(((await res.json()) as App).operation!.sync!.revision).toBe(SHA_A);
    const running = await eventually(async () => {
      const a = await getApp('h1');
      return a.status?.operationState?.phase === 'Running' && requests.length
        ? a
        : undefined;
    });
    expect(running.operation).toBeDefined();
    const busy = await post('/api/v1/applications/h1/sync', {});
    expect(busy.status).toBe(400);
    release();
    const done = await settled('h1');
    expect(requests[0]).toMatchObject({
      kind: 'sync',
      revision: SHA_A,
      prune: true,
      dryRun: false,
      initiatedBy: { username: 'admin' },
    });
    expect(done.status!.operationState).toMatchObject({
      phase: 'Succeeded',
      syncResult: {
        revision: SHA_A,
        resources: [
          {
            kind: 'Deployment',
            message: 'deployment.apps/h1 serverside-applied',
          },
        ],
      },
    });
    expect(done.status!.history!.map(h => [h.id, h.revision])).toEqual([
      [0, SHA_A],
    ]);
    expect(done.status!.sync).toMatchObject({
      status: 'Synced',
      revision: SHA_A,
    });
    expect(done.status!.health!.status).toBe('Progressing');
    expect(
      done.status!.resources!.find(r => r.kind === 'Deployment')?.health,
    ).toEqual({ status: 'Progressing' });
    const tree = (await (
      await fetch(`${sim.url}/api/v1/applications/h1/resource-tree`, {
        headers: auth,
      })
    ).json()) as { nodes: Array<{ kind: string }> };
    expect(tree.nodes.map(n => n.kind)).toEqual(['Deployment']);
  });

  it('ends Failed without history, Error when the handler throws, and simulates when it declines', async () => {
    sim.putApplication(exampleApplication('h2'));
    sim.setSyncHandler(async (_app, request) => ({
      phase: 'Failed',
      message: 'one or more objects failed to apply, reason: boom',
      revision: request.revision,
      resources: [],
    }));
    await post('/api/v1/applications/h2/sync', {});
    const failed = await settled('h2');
    expect(failed.status!.operationState).toMatchObject({
      phase: 'Failed',
      message: 'one or more objects failed to apply, reason: boom',
    });
    expect(failed.status!.history ?? []).toEqual([]);

    sim.setSyncHandler(async () => {
      throw new Error('controller crashed');
    });
    await post('/api/v1/applications/h2/sync', {});
    const errored = await settled('h2');
    expect(errored.status!.operationState).toMatchObject({
      phase: 'Error',
      message: 'controller crashed',
    });

    sim.setSyncHandler(async () => undefined);
    await post('/api/v1/applications/h2/sync', {});
    const simulated = await settled('h2');
    expect(simulated.status!.operationState!.phase).toBe('Succeeded');
    expect(simulated.status!.history!.length).toBe(1);
  });

  it('starts automated syncs that show like API ones, and hands rollbacks over with their history id', async () => {
    sim.putApplication(exampleApplication('h3', { automated: true }));
    const requests: SyncRequest[] = [];
    sim.setSyncHandler(async (_app, request) => {
      requests.push(request);
      return {
        phase: 'Succeeded',
        message: 'successfully synced (all tasks run)',
        revision: request.revision,
        resources: [],
      };
    });
    const started = sim.requestSync('h3', { revision: SHA_A, prune: true });
    expect(started.operation?.initiatedBy).toEqual({ automated: true });
    expect(() => sim.requestSync('h3')).toThrow(
      'another operation is already in progress',
    );
    const first = await settled('h3');
    expect(first.status!.operationState!.operation!.initiatedBy).toEqual({
      automated: true,
    });
    expect(requests[0]).toMatchObject({
      kind: 'sync',
      revision: SHA_A,
      prune: true,
      initiatedBy: { automated: true },
    });
    sim.requestSync('h3', { revision: SHA_B });
    await eventually(
      async () => (await settled('h3')).status!.history!.length === 2,
    );

    // rollback is refused while automated sync is on
    const refused = await post('/api/v1/applications/h3/rollback', { id: 0 });
    expect(refused.status).toBe(400);

    const app = sim.getApplication('h3')!;
    const { automated: _a, ...policy } = app.spec.syncPolicy!;
    const updated = sim.setSpec('h3', { ...app.spec, syncPolicy: policy });
    expect(updated.metadata.generation).toBe(
      (app.metadata.generation ?? 0) + 1,
    );
    expect((await getApp('h3')).spec.syncPolicy?.automated).toBeUndefined();

    const res = await post('/api/v1/applications/h3/rollback', { id: 0 });
    expect(res.status).toBe(200);
    const rolled = await settled('h3');
    expect(requests[2]).toMatchObject({
      kind: 'rollback',
      revision: SHA_A,
      historyId: 0,
      initiatedBy: { username: 'admin' },
    });
    expect(rolled.status!.history!.map(h => h.revision)).toEqual([
      SHA_A,
      SHA_B,
      SHA_A,
    ]);
  });
});

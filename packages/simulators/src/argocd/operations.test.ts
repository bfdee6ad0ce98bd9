/**
 * Argo CD simulator: sync and rollback operations (the `.operation` life
 * cycle, 400/9 conflicts, history ids) and the watch stream (SSE and NDJSON).
 */
import { ArgoCdSimulator, startArgoCdSimulator } from './simulator';
import { exampleApplication } from './fixtures';
import { eventually, readStreamUntil } from '../testUtils';

type App = {
  metadata: { name: string };
  operation?: {
    sync?: { revision?: string; syncOptions?: string[] };
    initiatedBy?: { username?: string };
  };
  status?: {
    sync?: { status?: string; revision?: string };
    operationState?: { phase: string; message?: string; finishedAt?: string };
    history?: Array<{ id: number; revision: string }>;
  };
};

describe('Argo CD simulator: operations', () => {
  let sim: ArgoCdSimulator;
  let auth: { Authorization: string };

  beforeAll(async () => {
    sim = await startArgoCdSimulator({
      syncStartDelayMs: 5,
      syncDurationMs: 60,
      keepAliveMs: 40,
    });
    auth = { Authorization: `Bearer ${sim.issueToken()}` };
  });
  afterAll(() => sim.stop());

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

  it('sets .operation (syncOptions given as {items}), runs Running → Succeeded, clears it and appends history from id 0', async () => {
    sim.putApplication(exampleApplication('svc'));
    const res = await post('/api/v1/applications/svc/sync', {
      revision: 'main',
      prune: false,
      dryRun: false,
      syncOptions: { items: ['CreateNamespace=true'] },
    });
    expect(res.status).toBe(200);
    const started = (await res.json()) as App;
    expect(started.operation?.sync?.syncOptions).toEqual([
      'CreateNamespace=true',
    ]);
    expect(started.operation?.sync?.revision).toMatch(/^[0-9a-f]{40}$/);
    expect(started.operation?.initiatedBy?.username).toBe('admin');

    const running = await eventually(async () => {
      const a = await getApp('svc');
      return a.status?.operationState?.phase === 'Running' ? a : undefined;
    });
    expect(running.operation).toBeDefined();

    const done = await settled('svc');
    expect(done.status!.operationState!.phase).toBe('Succeeded');
    expect(done).not.toHaveProperty('operation');
    expect(done.status!.history!.map(h => h.id)).toEqual([0]);
    expect(done.status!.sync).toMatchObject({
      status: 'Synced',
      revision: started.operation!.sync!.revision,
    });
  });

  it('answers a second sync while one runs with 400 / code 9', async () => {
    sim.putApplication(exampleApplication('busy'));
    expect((await post('/api/v1/applications/busy/sync', {})).status).toBe(200);
    const second = await post('/api/v1/applications/busy/sync', {});
    expect(second.status).toBe(400);
    expect(await second.json()).toEqual({
      error: 'another operation is already in progress',
      code: 9,
      message: 'another operation is already in progress',
    });
    await settled('busy');
    expect((await post('/api/v1/applications/busy/sync', {})).status).toBe(200);
    await settled('busy');
  });

  it('rejects syncOptions sent as a bare array (400 / code 3)', async () => {
    sim.putApplication(exampleApplication('opts'));
    const res = await post('/api/v1/applications/opts/sync', {
      syncOptions: ['CreateNamespace=true'],
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: number }).code).toBe(3);
    expect(sim.getApplication('opts')!.operation).toBeUndefined();
  });

  it('keeps at most 10 history entries, oldest first, ids continuing', async () => {
    sim.putApplication(exampleApplication('many'));
    for (let i = 0; i < 12; i++) {
      expect((await post('/api/v1/applications/many/sync', {})).status).toBe(
        200,
      );
      const wanted = Math.min(i + 1, 10);
      const app = await settled('many');
      expect((app.status!.history ?? []).length).toBe(wanted);
    }
    const ids = sim.getApplication('many')!.status!.history!.map(h => h.id);
    expect(ids).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  }, 20_000);

  it('ends a sync Failed without a history entry when failNextSync is set', async () => {
    sim.putApplication(exampleApplication('flaky'));
    sim.failNextSync('flaky', 'Deployment.apps "flaky" is invalid');
    await post('/api/v1/applications/flaky/sync', {});
    const done = await settled('flaky');
    expect(done.status!.operationState!.phase).toBe('Failed');
    expect(done.status!.operationState!.message).toContain('is invalid');
    expect(done.status!.history ?? []).toEqual([]);
  });

  it('rolls back: unknown id 400, auto-sync on 400/9, else a sync to the recorded revision that ends OutOfSync', async () => {
    sim.putApplication(exampleApplication('rb'));
    await post('/api/v1/applications/rb/sync', { revision: 'a'.repeat(40) });
    await settled('rb');
    await post('/api/v1/applications/rb/sync', {});
    const afterTwo = await settled('rb');
    expect(afterTwo.status!.history!.map(h => h.id)).toEqual([0, 1]);

    const unknown = await post('/api/v1/applications/rb/rollback', { id: 7 });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({
      code: 3,
      message: expect.stringContaining('does not have deployment with id 7'),
    });

    const res = await post('/api/v1/applications/rb/rollback', {
      id: 0,
      prune: false,
      dryRun: false,
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as App).operation!.sync!.revision).toBe(
      'a'.repeat(40),
    );
    const done = await settled('rb');
    expect(done.status!.sync).toMatchObject({
      status: 'OutOfSync',
      revision: 'a'.repeat(40),
    });
    expect(done.status!.history!.map(h => h.id)).toEqual([0, 1, 2]);

    sim.putApplication(exampleApplication('auto', { automated: true }));
    sim.setStatus('auto', {
      history: [
        {
          id: 0,
          revision: 'b'.repeat(40),
          deployedAt: '2026-01-01T00:00:00Z',
          source: { repoURL: 'https://git.example.test/x.git', path: 'x' },
        },
      ],
    });
    const auto = await post('/api/v1/applications/auto/rollback', { id: 0 });
    expect(auto.status).toBe(400);
    expect(await auto.json()).toMatchObject({
      code: 9,
      message: 'rollback cannot be initiated when auto-sync is enabled',
    });
  });

  it('terminates a running operation through DELETE …/operation', async () => {
    const slow = await startArgoCdSimulator({
      syncStartDelayMs: 5,
      syncDurationMs: 5_000,
    });
    try {
      const h = {
        Authorization: `Bearer ${slow.issueToken()}`,
        'Content-Type': 'application/json',
      };
      slow.putApplication(exampleApplication('long'));
      await fetch(`${slow.url}/api/v1/applications/long/sync`, {
        method: 'POST',
        headers: h,
        body: '{}',
      });
      await eventually(
        () =>
          slow.getApplication('long')!.status?.operationState?.phase ===
          'Running',
      );
      const res = await fetch(
        `${slow.url}/api/v1/applications/long/operation`,
        { method: 'DELETE', headers: h },
      );
      expect(res.status).toBe(200);
      const done = await eventually(() => {
        const a = slow.getApplication('long')!;
        return !a.operation ? a : undefined;
      });
      expect(done.status!.operationState).toMatchObject({
        phase: 'Failed',
        message: 'Operation terminated',
      });
    } finally {
      await slow.stop();
    }
  });

  describe('watch stream', () => {
    it('speaks SSE with exactly Accept: text/event-stream: ADDED burst, MODIFIED, ":" keep-alives', async () => {
      sim.putApplication(
        exampleApplication('watched', { labels: { team: 'ml' } }),
      );
      const res = await fetch(
        `${sim.url}/api/v1/stream/applications?selector=team%3Dml`,
        {
          headers: { ...auth, Accept: 'text/event-stream' },
        },
      );
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/event-stream');
      const body = res.body;
      setTimeout(
        () => sim.setStatus('watched', { health: { status: 'Degraded' } }),
        50,
      );
      const text = await readStreamUntil(
        body,
        t => t.includes('"MODIFIED"') && t.includes(':\n'),
      );
      const events = text
        .split('\n')
        .filter(l => l.startsWith('data: '))
        .map(
          l =>
            JSON.parse(l.slice('data: '.length)) as {
              result: { type: string; application: App };
            },
        );
      expect(events[0].result.type).toBe('ADDED');
      expect(events[0].result.application.metadata.name).toBe('watched');
      expect(
        events.every(e => e.result.application.metadata.name === 'watched'),
      ).toBe(true);
      expect(text).toMatch(/^data: \{"result":\{"type":"ADDED".*\} \n\n\n/);
      expect(text).toMatch(/(^|\n):\n/);
    });

    it('falls back to newline-delimited JSON for any other Accept header', async () => {
      const res = await fetch(
        `${sim.url}/api/v1/stream/applications?name=watched`,
        {
          headers: { ...auth, Accept: 'text/event-stream, application/json' },
        },
      );
      expect(res.headers.get('content-type')).toBe('application/json');
      const text = await readStreamUntil(res.body, t => t.includes('\n'));
      const first = JSON.parse(text.split('\n')[0]) as {
        result: { type: string };
      };
      expect(first.result.type).toBe('ADDED');
      expect(text.startsWith('data:')).toBe(false);
    });

    it('skips the ADDED burst when resourceVersion is given and reports DELETED', async () => {
      sim.putApplication(exampleApplication('doomed'));
      const rv = sim.resourceVersion();
      const res = await fetch(
        `${sim.url}/api/v1/stream/applications?resourceVersion=${rv}`,
        {
          headers: { ...auth, Accept: 'text/event-stream' },
        },
      );
      setTimeout(() => sim.deleteApplication('doomed'), 50);
      const text = await readStreamUntil(res.body, t =>
        t.includes('"DELETED"'),
      );
      expect(text).not.toContain('"ADDED"');
    });

    it('answers 401 without a session', async () => {
      const res = await fetch(`${sim.url}/api/v1/stream/applications`, {
        headers: { Accept: 'text/event-stream' },
      });
      expect(res.status).toBe(401);
      expect(((await res.json()) as { code: number }).code).toBe(16);
    });
  });
});

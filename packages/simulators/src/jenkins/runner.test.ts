/**
 * Jenkins simulator: builds owned by an external runner (setBuildRunner),
 * read back over HTTP as a client would: the JSON API, wfapi, the queue and
 * the console.
 */
import { BuildHandle } from './runner';
import { JenkinsSimulator, startJenkinsSimulator } from './simulator';

type Json = Record<string, any>;

const REMOTE = '/srv/git/ml/app';
const SHA = 'a'.repeat(40);
const PREV = 'b'.repeat(40);

/** A promise the test resolves by hand. */
function gate() {
  let open!: () => void;
  const promise = new Promise<void>(resolve => {
    open = resolve;
  });
  return { promise, open };
}

async function until<T>(
  read: () => Promise<T>,
  ok: (v: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > end)
      throw new Error(`timed out; last: ${JSON.stringify(v)}`);
    await new Promise(r => setTimeout(r, 20));
  }
}

describe('Jenkins simulator: runner-owned builds', () => {
  let sim: JenkinsSimulator;
  let auth: { Authorization: string };
  const getJson = async (path: string) => {
    const res = await fetch(`${sim.url}${path}`, { headers: auth });
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
    return (await res.json()) as Json;
  };

  beforeAll(async () => {
    sim = await startJenkinsSimulator({ quietPeriodMs: 0 });
    auth = { Authorization: sim.tokenAuth() };
    sim.addJob('ml/app', { type: 'pipeline', scmRemote: REMOTE });
    sim.addJob('ml/plain', { type: 'pipeline' });
  });
  afterAll(() => sim.stop());

  it('hands a build queued over HTTP to the runner; stages, SCM data, changes and console read as Jenkins', async () => {
    const imageDone = gate();
    const handles: BuildHandle[] = [];
    sim.setBuildRunner('ml/app', async b => {
      handles.push(b);
      b.startStage('Declarative: Checkout SCM');
      b.checkout({
        remoteUrl: REMOTE,
        sha: SHA,
        branch: 'refs/remotes/origin/main',
      });
      b.addChanges([
        {
          commitId: SHA,
          msg: 'Tune the model',
          author: 'Ada',
          authorEmail: 'ada@ml.internal',
          timestamp: 1_700_000_000_000,
        },
      ]);
      b.log(' > git rev-parse refs/remotes/origin/main^{commit}');
      b.endStage('Declarative: Checkout SCM', 'SUCCESS');
      b.startStage('Image');
      await imageDone.promise;
      b.endStage('Image', 'SUCCESS');
      b.skipStage('GitOps', 'when');
      b.finish('SUCCESS');
    });

    const res = await fetch(`${sim.url}/job/ml/job/app/build?delay=0sec`, {
      method: 'POST',
      headers: auth,
      redirect: 'manual',
    });
    expect(res.status).toBe(201);
    const queuePath = new URL(res.headers.get('location')!).pathname;

    const running = await until(
      () => getJson('/job/ml/job/app/lastBuild/wfapi/describe'),
      r => r.stages.some((s: Json) => s.name === 'Image'),
    );
    expect(running.status).toBe('IN_PROGRESS');
    expect(running.stages.map((s: Json) => [s.name, s.status])).toEqual([
      ['Declarative: Checkout SCM', 'SUCCESS'],
      ['Image', 'IN_PROGRESS'],
    ]);
    const item = await getJson(`${queuePath}api/json`);
    expect(item._class).toBe('hudson.model.Queue$LeftItem');
    expect(item.executable.number).toBe(1);

    const build = await getJson('/job/ml/job/app/lastBuild/api/json');
    expect(build.building).toBe(true);
    expect(build.result).toBeNull();
    expect(build.duration).toBe(0);
    const data = build.actions.find(
      (a: Json) => a._class === 'hudson.plugins.git.util.BuildData',
    );
    expect(data.remoteUrls).toEqual([REMOTE]);
    expect(data.lastBuiltRevision.SHA1).toBe(SHA);
    expect(
      build.actions.filter(
        (a: Json) => a._class === 'hudson.plugins.git.util.BuildData',
      ),
    ).toHaveLength(1);
    expect(build.changeSets[0].items[0]).toMatchObject({
      commitId: SHA,
      msg: 'Tune the model',
      authorEmail: 'ada@ml.internal',
      author: { fullName: 'Ada' },
    });

    // the running stage's duration grows with real time
    const before = running.stages[1].durationMillis;
    await new Promise(r => setTimeout(r, 120));
    const later = await getJson('/job/ml/job/app/lastBuild/wfapi/describe');
    expect(later.stages[1].durationMillis).toBeGreaterThanOrEqual(before + 100);

    const partial = await fetch(
      `${sim.url}/job/ml/job/app/1/logText/progressiveText?start=0`,
      { headers: auth },
    );
    expect(partial.headers.get('x-more-data')).toBe('true');
    const partialText = await partial.text();
    expect(partialText).toContain('[Pipeline] { (Image)');
    const size = Number(partial.headers.get('x-text-size'));
    expect(size).toBe(Buffer.byteLength(partialText));

    imageDone.open();
    const done = await until(
      () => getJson('/job/ml/job/app/1/api/json'),
      b => !b.building,
    );
    expect(done.result).toBe('SUCCESS');
    expect(done.duration).toBeGreaterThanOrEqual(120);
    expect(done.duration).toBeLessThan(60_000);
    const run = await getJson('/job/ml/job/app/1/wfapi/describe');
    expect(run.status).toBe('SUCCESS');
    expect(run.stages.map((s: Json) => [s.name, s.status])).toEqual([
      ['Declarative: Checkout SCM', 'SUCCESS'],
      ['Image', 'SUCCESS'],
      ['GitOps', 'NOT_EXECUTED'],
    ]);
    expect(run.stages[1].durationMillis).toBeGreaterThanOrEqual(120);
    expect(run.stages[1].startTimeMillis).toBeGreaterThanOrEqual(
      run.startTimeMillis,
    );

    const rest = await fetch(
      `${sim.url}/job/ml/job/app/1/logText/progressiveText?start=${size}`,
      { headers: auth },
    );
    expect(rest.headers.get('x-more-data')).toBeNull();
    const restText = await rest.text();
    expect(restText).toContain(
      'Stage "GitOps" skipped due to when conditional',
    );
    expect(restText.trim().endsWith('Finished: SUCCESS')).toBe(true);
    const full = await (
      await fetch(`${sim.url}/job/ml/job/app/1/consoleText`, { headers: auth })
    ).text();
    expect(full).toBe(partialText + restText);
    expect(full.startsWith('Started by user admin\n')).toBe(true);
    expect(handles[0].causes[0].userId).toBe('admin');
  });

  it('runs one build at a time: a later trigger waits blocked, then runs', async () => {
    const gates = [gate(), gate()];
    let calls = 0;
    sim.setBuildRunner('ml/app', async b => {
      const g = gates[calls++];
      b.startStage('Image');
      b.checkout({ remoteUrl: REMOTE, sha: calls === 1 ? PREV : SHA });
      await g.promise;
      b.endStage('Image', 'SUCCESS');
    });
    const first = await sim.triggerBuild('ml/app', { quietPeriodMs: 0 });
    expect(first.number).toBe(2);
    const secondP = sim.triggerBuild('ml/app', { quietPeriodMs: 0 });
    const queue = await until(
      () => getJson('/queue/api/json'),
      q => q.items.length === 1 && q.items[0].blocked === true,
    );
    expect(queue.items[0]._class).toBe('hudson.model.Queue$BlockedItem');
    expect(queue.items[0].why).toMatch(/^Build #2 is already in progress/);
    // an identical trigger joins the waiting item (Queue.schedule2)
    const thirdP = sim.triggerBuild('ml/app', { cause: { user: 'bob' } });

    gates[0].open();
    const second = await secondP;
    expect(second.number).toBe(3);
    expect((await thirdP).number).toBe(3);
    const b2 = await getJson('/job/ml/job/app/2/api/json');
    expect(b2).toMatchObject({ building: false, result: 'SUCCESS' });
    const b3 = await getJson('/job/ml/job/app/3/api/json');
    expect(b3.building).toBe(true);
    expect(b3.timestamp).toBeGreaterThanOrEqual(b2.timestamp + b2.duration);
    expect(b3.actions[0].causes[0]._class).toBe(
      'hudson.triggers.SCMTrigger$SCMTriggerCause',
    );
    gates[1].open();
    const end = await until(
      () => getJson('/job/ml/job/app/3/api/json'),
      b => !b.building,
    );
    expect(end.result).toBe('SUCCESS');
  });

  it('fails the build and the running stage with the error when the runner throws', async () => {
    sim.setBuildRunner('ml/app', async b => {
      b.startStage('Image');
      throw new Error('error pushing image: connection refused');
    });
    const { number } = await sim.triggerBuild('ml/app', { quietPeriodMs: 0 });
    const run = await until(
      () => getJson(`/job/ml/job/app/${number}/wfapi/describe`),
      r => r.status !== 'IN_PROGRESS',
    );
    expect(run.status).toBe('FAILED');
    expect(run.stages[0]).toMatchObject({
      name: 'Image',
      status: 'FAILED',
      error: {
        message: 'error pushing image: connection refused',
        type: 'hudson.AbortException',
      },
    });
    const build = await getJson(`/job/ml/job/app/${number}/api/json`);
    expect(build.result).toBe('FAILURE');
  });

  it('cancels waiting items; giving the job back restores the simulated builds', async () => {
    const g = gate();
    sim.setBuildRunner('ml/app', async () => {
      await g.promise;
    });
    const running = await sim.triggerBuild('ml/app', { quietPeriodMs: 0 });
    const waiting = sim.triggerBuild('ml/app', { quietPeriodMs: 0 });
    expect(sim.cancelQueueItems('ml/app')).toBe(1);
    await expect(waiting).rejects.toThrow(/cancelled/);
    const left = await getJson('/queue/api/json');
    expect(left.items).toEqual([]);
    g.open();
    await until(
      () => getJson(`/job/ml/job/app/${running.number}/api/json`),
      b => !b.building,
    );

    sim.setBuildRunner('ml/app', undefined);
    const next = await sim.triggerBuild('ml/app', { quietPeriodMs: 0 });
    const build = await getJson(`/job/ml/job/app/${next.number}/api/json`);
    // the simulator's own generated build: a planned duration and stages
    expect(build.building).toBe(true);
    const run = await getJson(`/job/ml/job/app/${next.number}/wfapi/describe`);
    expect(run.stages[0].name).toBe('Declarative: Checkout SCM');
  });

  it('aborts running builds when the simulator stops', async () => {
    const other = await startJenkinsSimulator({ quietPeriodMs: 0 });
    other.addJob('x', { type: 'pipeline' });
    let signal: AbortSignal | undefined;
    const started = gate();
    other.setBuildRunner('x', b => {
      signal = b.signal;
      started.open();
      return new Promise<void>(resolve => {
        b.signal.addEventListener('abort', () => resolve());
      });
    });
    await other.triggerBuild('x');
    await started.promise;
    await other.stop();
    expect(signal?.aborted).toBe(true);
    expect(other.job('x')!.builds[0]).toMatchObject({
      building: false,
      result: 'ABORTED',
    });
  });
});

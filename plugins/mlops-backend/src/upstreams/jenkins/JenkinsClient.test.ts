import { JenkinsSimulator, startJenkinsSimulator } from '@internal/simulators';
import { BuildJob } from '@internal/plugin-mlops-common';
import { judgeDelivery } from '../../services/delivery/deliveryChain';
import { UpstreamError } from '../http';
import {
  API_TOKEN,
  APP_REPO,
  LIB_REPO,
  jenkinsClient,
  sha,
} from './__testUtils__/jenkins';
import { readBuildReport } from './buildReport';
import { JobRef } from './jobName';
import { toBuildFact } from './toBuildFact';
import { jobTree } from './wire';

jest.setTimeout(30_000);

const PASSWORD = 'jenkins-admin-password-88';

async function upstreamFailure(p: Promise<unknown>): Promise<UpstreamError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof UpstreamError) return e;
    throw e;
  }
  throw new Error('expected the call to fail');
}

const ref = (fullName: string, instance = 'ci'): JobRef => ({
  instance,
  fullName,
  segments: fullName.split('/'),
});
const apiCalls = (sim: JenkinsSimulator) =>
  sim.requests().filter(r => r.path.endsWith('/api/json'));

describe('JenkinsClient reads, against the Jenkins simulator', () => {
  let sim: JenkinsSimulator;
  const t0 = Date.now();
  const admin = () => ({
    name: 'ci',
    baseUrl: sim.url,
    username: 'admin',
    apiKey: API_TOKEN,
  });

  beforeAll(async () => {
    sim = await startJenkinsSimulator({
      users: [
        { username: 'admin', password: PASSWORD, apiToken: API_TOKEN },
        {
          username: 'outsider',
          password: 'outsider-pw',
          apiToken: '11000000000000000000000000000000ff',
          permissions: [],
        },
      ],
    });
    sim.addJob('ml/fraud-detector', { type: 'pipeline', scmRemote: APP_REPO });
    for (let n = 1; n <= 25; n++) {
      const failed = n === 23;
      sim.addBuild('ml/fraud-detector', {
        number: n,
        result: failed ? 'FAILURE' : 'SUCCESS',
        timestamp: t0 - (30 - n) * 60_000,
        duration: 40_000 + n,
        parameters: { TAG: `v${n}` },
        scm: [
          {
            remoteUrl: LIB_REPO,
            sha: 'f'.repeat(40),
            branch: 'refs/remotes/origin/main',
          },
          {
            remoteUrl: APP_REPO,
            sha: sha(n),
            branch: 'refs/remotes/origin/main',
          },
        ],
        stages: [
          {
            name: 'Declarative: Checkout SCM',
            status: 'SUCCESS',
            durationMillis: 1000,
          },
          { name: 'Test', status: 'SUCCESS', durationMillis: 9000 },
          {
            name: 'Image',
            status: failed ? 'FAILED' : 'SUCCESS',
            durationMillis: 30_000,
            ...(failed
              ? {
                  error: {
                    message: 'kaniko: exit code 1',
                    type: 'hudson.AbortException',
                  },
                }
              : {}),
          },
        ],
      });
    }
    // The newest build is still running, yet Pipeline has already set a result.
    sim.addBuild('ml/fraud-detector', {
      number: 26,
      building: true,
      timestamp: t0 - 20_000,
      scm: [{ remoteUrl: APP_REPO, sha: sha(26), branch: 'main' }],
      stages: [{ name: 'Declarative: Checkout SCM', status: 'IN_PROGRESS' }],
    });
    sim.setBuilding('ml/fraud-detector', 26, true, 'FAILURE');

    sim.addJob('ml/mb', { type: 'multibranch', scmRemote: APP_REPO });
    sim.addBranch('ml/mb', 'main');
    sim.addBranch('ml/mb', 'feature/x');
    sim.addBuild('ml/mb/main', {
      number: 7,
      result: 'SUCCESS',
      timestamp: t0 - 3_600_000,
      duration: 1000,
      scm: [{ remoteUrl: APP_REPO, sha: sha(700), branch: 'main' }],
      stages: [{ name: 'Build', status: 'SUCCESS', durationMillis: 900 }],
    });
    sim.addBuild('ml/mb/feature%2Fx', {
      number: 3,
      result: 'UNSTABLE',
      timestamp: t0 - 60_000,
      duration: 2000,
      scm: [{ remoteUrl: APP_REPO, sha: sha(300), branch: 'feature/x' }],
    });
    sim.addJob('ml/legacy', { type: 'freestyle', scmRemote: APP_REPO });
    sim.addBuild('ml/legacy', {
      number: 1,
      result: 'ABORTED',
      duration: 5,
      scm: [{ remoteUrl: APP_REPO, sha: sha(1) }],
    });
    sim.addJob('ml/empty', { type: 'pipeline' });
  });
  afterAll(() => sim?.stop());

  it('reads a pipeline with ONE tree query (no doubled range) plus wfapi/runs', async () => {
    const client = jenkinsClient([admin()]);
    sim.resetRequests();
    const job = await client.getJob(ref('ml/fraud-detector'));
    const paths = sim.requests().map(r => `${r.method} ${r.path}`);
    expect(paths).toEqual([
      'GET /job/ml/job/fraud-detector/api/json',
      'GET /job/ml/job/fraud-detector/wfapi/runs',
    ]);
    const tree = new URLSearchParams(sim.requests()[0].url.split('?')[1]).get(
      'tree',
    )!;
    expect(tree).toBe(jobTree({ maxBuilds: 20, maxBranches: 50 }));
    expect(tree).toMatch(
      /^_class,.*,builds\[number,url,result,building,duration,estimatedDuration,timestamp,actions\[.*\]\]\{0,20\},jobs\[/,
    );
    expect(tree).not.toMatch(/\}\{/); // a doubled range makes Jenkins answer 500
    expect(job).toMatchObject({
      instance: 'ci',
      fullName: 'ml/fraud-detector',
      kind: 'pipeline',
      jobClass: 'org.jenkinsci.plugins.workflow.job.WorkflowJob',
    });
    expect(job.url).toBe(`${sim.url}/job/ml/job/fraud-detector/`);
  });

  it('reads at most 20 builds, newest first', async () => {
    const job = await jenkinsClient([admin()]).getJob(ref('ml/fraud-detector'));
    expect(job.builds.map(b => b.number)).toEqual(
      Array.from({ length: 20 }, (_, i) => 26 - i),
    );
  });

  it('checks building first: a result set while building is still a running build', async () => {
    const job = await jenkinsClient([admin()]).getJob(ref('ml/fraud-detector'));
    const running = job.builds[0];
    expect(running).toMatchObject({
      number: 26,
      building: true,
      status: 'running',
      result: null,
    });
    // duration is 0 on the wire until done: the report shows the time elapsed, and the estimate.
    expect(running.durationMs).toBeGreaterThanOrEqual(20_000);
    expect(running.estimatedDurationMs).toBeGreaterThan(0);
    expect(running.progressPercent).toBe(
      Math.round((running.durationMs! / running.estimatedDurationMs!) * 100),
    );
    expect(job.builds[1]).toMatchObject({
      number: 25,
      status: 'success',
      result: 'SUCCESS',
      durationMs: 40_025,
    });
    expect(job.builds[3]).toMatchObject({
      number: 23,
      status: 'failure',
      result: 'FAILURE',
    });
  });

  it('picks the commit from the BuildData whose remoteUrls match (not the shared library), else the first', async () => {
    const client = jenkinsClient([admin()]);
    const matched = await client.getJob(ref('ml/fraud-detector'), {
      repoUrl: 'git@git.example.test:ml/fraud-detector',
    });
    expect(matched.builds[1]).toMatchObject({
      commit: sha(25),
      repository: APP_REPO,
      branch: 'main',
    });
    const first = await client.getJob(ref('ml/fraud-detector'));
    expect(first.builds[1]).toMatchObject({
      commit: 'f'.repeat(40),
      repository: LIB_REPO,
    });
    const other = await client.getJob(ref('ml/fraud-detector'), {
      repoUrl: 'https://git.example.test/other.git',
    });
    expect(other.builds[1].commit).toBeUndefined();
  });

  it('strips refs/remotes/origin/ from the branch; reads parameters and causes', async () => {
    const job = await jenkinsClient([admin()]).getJob(
      ref('ml/fraud-detector'),
      { repoUrl: APP_REPO },
    );
    const b = job.builds[1];
    expect(b.branch).toBe('main');
    expect(b.parameters).toEqual([{ name: 'TAG', value: 'v25' }]);
    expect(b.causes).toEqual([
      { kind: 'UserIdCause', text: 'Started by user admin', userId: 'admin' },
    ]);
    expect(b.startedAt).toBe(new Date(t0 - 5 * 60_000).toISOString());
  });

  it('attaches stages from wfapi/runs to the 10 newest runs only; status FAILED', async () => {
    const job = await jenkinsClient([admin()]).getJob(ref('ml/fraud-detector'));
    const withStages = job.builds.filter(b => b.stages).map(b => b.number);
    expect(withStages).toEqual([26, 25, 24, 23, 22, 21, 20, 19, 18, 17]);
    const failed = job.builds.find(b => b.number === 23)!;
    expect(failed.stages!.map(s => [s.name, s.status])).toEqual([
      ['Declarative: Checkout SCM', 'SUCCESS'],
      ['Test', 'SUCCESS'],
      ['Image', 'FAILED'],
    ]);
    expect(failed.stages![2]).toMatchObject({
      error: 'kaniko: exit code 1',
      durationMs: 30_000,
    });
  });

  it('tells a multibranch project by _class, lists its branches (double-encoded child URLs) and reads stages of main', async () => {
    const client = jenkinsClient([admin()]);
    sim.resetRequests();
    const job = await client.getJob(ref('ml/mb'), { repoUrl: APP_REPO });
    expect(sim.requests().map(r => r.path)).toEqual([
      '/job/ml/job/mb/api/json',
      '/job/ml/job/mb/job/main/wfapi/runs',
    ]);
    expect(job.kind).toBe('multibranch');
    expect(job.builds).toEqual([]);
    expect(
      job.branches!.map(b => [
        b.name,
        b.itemName,
        b.url,
        b.lastBuild?.number,
        b.lastBuild?.status,
      ]),
    ).toEqual([
      [
        'feature/x',
        'feature%2Fx',
        `${sim.url}/job/ml/job/mb/job/feature%252Fx/`,
        3,
        'unstable',
      ],
      ['main', 'main', `${sim.url}/job/ml/job/mb/job/main/`, 7, 'success'],
    ]);
    expect(job.branches![0].lastBuild).toMatchObject({
      branch: 'feature/x',
      commit: sha(300),
    });
    expect(job.branches![1].lastBuild!.stages).toEqual([
      {
        id: expect.any(String),
        name: 'Build',
        status: 'SUCCESS',
        startedAt: expect.any(String),
        durationMs: 900,
      },
    ]);

    sim.resetRequests();
    const branch = await client.getJob(ref('ml/mb/feature%2Fx'), {
      repoUrl: APP_REPO,
    });
    expect(sim.requests()[0].path).toBe(
      '/job/ml/job/mb/job/feature%252Fx/api/json',
    );
    expect(branch).toMatchObject({
      kind: 'pipeline',
      builds: [expect.objectContaining({ number: 3, commit: sha(300) })],
    });
  });

  it('reads a freestyle job without asking for stages, and a job without builds', async () => {
    const client = jenkinsClient([admin()]);
    sim.resetRequests();
    const legacy = await client.getJob(ref('ml/legacy'));
    expect(sim.requests().map(r => r.path)).toEqual([
      '/job/ml/job/legacy/api/json',
    ]);
    expect(legacy).toMatchObject({
      kind: 'freestyle',
      builds: [
        expect.objectContaining({ status: 'aborted', result: 'ABORTED' }),
      ],
    });
    const empty = await client.getJob(ref('ml/empty'));
    expect(empty.builds).toEqual([]);
    expect(toBuildFact(empty)).toEqual({
      problem: {
        upstream: 'Jenkins ci',
        fault: 'not-found',
        message: 'ml/empty has no builds yet',
      },
    });
  });

  it('caches a job for refreshSeconds and coalesces concurrent reads', async () => {
    let now = Date.now();
    const client = jenkinsClient([admin()], {
      now: () => now,
      mlops: { refreshSeconds: 30 },
    });
    sim.resetRequests();
    await Promise.all(
      Array.from({ length: 6 }, () => client.getJob(ref('ml/fraud-detector'))),
    );
    await client.getJob(ref('ml/fraud-detector'), { repoUrl: APP_REPO });
    expect(apiCalls(sim)).toHaveLength(1);
    now += 20_000;
    const cached = await client.getJob(ref('ml/fraud-detector'));
    expect(apiCalls(sim)).toHaveLength(1);
    // Read in the last quarter of its 30 s: answered from the cache at once,
    // and read again from Jenkins in the background.
    now += 9_000;
    expect((await client.getJob(ref('ml/fraud-detector'))).checkedAt).toBe(
      cached.checkedAt,
    );
    await waitUntil(() => apiCalls(sim).length === 2);
    // The background read (at 29 s) lasts until 59 s: no request at 31 s.
    now += 2_000;
    await client.getJob(ref('ml/fraud-detector'));
    await new Promise(r => setTimeout(r, 50));
    expect(apiCalls(sim)).toHaveLength(2);
    // Nobody read it in time: an expired job is read again before answering.
    now += 60_000;
    await client.getJob(ref('ml/fraud-detector'));
    expect(apiCalls(sim)).toHaveLength(3);
  });

  it('keeps at most `concurrency` requests in flight per instance', async () => {
    const client = jenkinsClient([admin()], {
      mlops: { concurrency: 2, timeoutMs: 5000 },
    });
    await sim.setFault({ mode: 'slow', delayMs: 300 });
    try {
      sim.resetRequests();
      const started = Date.now();
      await Promise.all(
        ['ml/legacy', 'ml/empty', 'ml/mb/main', 'ml/mb/feature%2Fx'].map(n =>
          client.getJob(ref(n)).catch(() => undefined),
        ),
      );
      const arrivals = sim
        .requests()
        .map(r => r.at - started)
        .sort((a, b) => a - b);
      // 4 jobs plus stages: never more than 2 at once, so the 3rd request waits for the 1st answer.
      expect(arrivals.length).toBeGreaterThanOrEqual(4);
      expect(arrivals[2]).toBeGreaterThanOrEqual(280);
      expect(arrivals[4] ?? Infinity).toBeGreaterThanOrEqual(560);
    } finally {
      await sim.setFault({ mode: 'none' });
    }
  });

  it('SSRF: only configured instances are contacted', async () => {
    const client = jenkinsClient([admin()]);
    sim.resetRequests();
    const report = await readBuildReport(
      'component:default/x',
      'evil:ml/app, http://169.254.169.254/job/x',
      client,
    );
    expect(report.jobs).toEqual([
      {
        fullName: 'evil:ml/app, http://169.254.169.254/job/x',
        problem: {
          upstream: 'annotation jenkins.io/job-full-name',
          fault: 'bad-annotation',
          message:
            'jenkins.io/job-full-name "evil:ml/app" names Jenkins instance "evil", which is not configured (configured: ci)',
        },
      },
    ]);
    await expect(client.getJob(ref('ml/app', 'evil'))).rejects.toMatchObject({
      problem: { fault: 'not-allowed' },
    });
    expect(sim.requests()).toEqual([]);
    expect(
      (globalThis as { __mlopsBlockedConnections?: string[] })
        .__mlopsBlockedConnections,
    ).toEqual([]);
  });

  it('reads several jobs on several instances for one entity; one failing job does not hide the others', async () => {
    const other = await startJenkinsSimulator({
      users: [{ username: 'admin', apiToken: API_TOKEN }],
    });
    try {
      other.addJob('train/llm', { type: 'pipeline' });
      other.addBuild('train/llm', {
        number: 1,
        result: 'SUCCESS',
        duration: 10,
      });
      const client = jenkinsClient([
        admin(),
        {
          name: 'gpu',
          baseUrl: other.url,
          username: 'admin',
          apiKey: API_TOKEN,
        },
      ]);
      const report = await readBuildReport(
        'component:default/fraud',
        'ci:ml/legacy, gpu:train/llm, gpu:train/nope',
        client,
      );
      expect(
        report.jobs.map(j =>
          'problem' in j
            ? `${j.fullName}: ${j.problem.fault}`
            : `${j.instance}:${j.fullName} #${j.builds[0].number}`,
        ),
      ).toEqual([
        'ci:ml/legacy #1',
        'gpu:train/llm #1',
        'train/nope: not-found',
      ]);
    } finally {
      await other.stop();
    }
  });

  it('maps the newest build to the delivery chain BuildFact (failed stage named)', async () => {
    const client = jenkinsClient([admin()]);
    const job = await client.getJob(ref('ml/fraud-detector'), {
      repoUrl: APP_REPO,
    });
    expect(toBuildFact(job)).toEqual({
      number: 26,
      result: null,
      building: true,
      commit: sha(26),
      at: new Date(t0 - 20_000).toISOString(),
      link: {
        title: 'ml/fraud-detector #26',
        url: `${sim.url}/job/ml/job/fraud-detector/26/`,
      },
    });
    const withoutRunning: BuildJob = {
      ...job,
      builds: job.builds.filter(b => b.number <= 23),
    };
    const fact = toBuildFact(withoutRunning);
    expect(fact).toMatchObject({
      number: 23,
      result: 'FAILURE',
      failedStage: 'Image',
      commit: sha(23),
    });
    expect(judgeDelivery({ build: fact }).verdict).toBe(
      'Build: build 23 failed at stage Image',
    );
    const mb = await client.getJob(ref('ml/mb'), { repoUrl: APP_REPO });
    expect(toBuildFact(mb)).toMatchObject({
      number: 7,
      result: 'SUCCESS',
      commit: sha(700),
    });
    expect(toBuildFact(mb, { branch: 'feature/x' })).toMatchObject({
      number: 3,
      result: 'UNSTABLE',
    });
  });

  describe('faults', () => {
    afterEach(() => sim.setFault({ mode: 'none' }));

    it('down → unreachable', async () => {
      const client = jenkinsClient([admin()]);
      await sim.setFault({ mode: 'down' });
      const e = await upstreamFailure(client.getJob(ref('ml/legacy')));
      expect(e.problem).toMatchObject({
        fault: 'unreachable',
        upstream: `Jenkins ci (${new URL(sim.url).host})`,
      });
    });

    it('slow past the timeout → timeout', async () => {
      const client = jenkinsClient([admin()], { mlops: { timeoutMs: 300 } });
      await sim.setFault({ mode: 'slow', delayMs: 3000 });
      const e = await upstreamFailure(client.getJob(ref('ml/legacy')));
      expect(e.problem).toMatchObject({
        fault: 'timeout',
        message: 'did not answer within 300 ms',
      });
    });

    it('401: the API key was rejected', async () => {
      const e = await upstreamFailure(
        jenkinsClient([{ ...admin(), apiKey: 'wrong-key-1234' }]).getJob(
          ref('ml/legacy'),
        ),
      );
      expect(e.problem).toMatchObject({
        fault: 'unauthorized',
        httpStatus: 401,
        message: 'rejected the API key of user "admin" (401)',
      });
    });

    it('403: names who we are and the permission Jenkins wants', async () => {
      const client = jenkinsClient([
        {
          name: 'ci',
          baseUrl: sim.url,
          username: 'outsider',
          apiKey: '11000000000000000000000000000000ff',
        },
      ]);
      await sim.setFault({ mode: 'none' });
      const e = await upstreamFailure(client.getJob(ref('ml/legacy')));
      // Jenkins hides jobs a user may not read: 404, as for a missing one.
      expect(e.problem.fault).toBe('not-found');
      await sim.setFault({ mode: 'status', status: 403, pathPrefix: '/job/' });
      const forbidden = await upstreamFailure(
        jenkinsClient([admin()]).getJob(ref('ml/legacy')),
      );
      expect(forbidden.problem).toMatchObject({
        fault: 'forbidden',
        httpStatus: 403,
        message: 'user "admin" may not read job ml/legacy (403)',
      });
    });

    it('404: names the missing job', async () => {
      const e = await upstreamFailure(
        jenkinsClient([admin()]).getJob(ref('ml/nope')),
      );
      expect(e.problem).toMatchObject({
        fault: 'not-found',
        httpStatus: 404,
        message: 'has no job ml/nope (404)',
      });
    });

    it('500 → server-error', async () => {
      await sim.setFault({ mode: 'status', status: 500 });
      const e = await upstreamFailure(
        jenkinsClient([admin()]).getJob(ref('ml/legacy')),
      );
      expect(e.problem).toMatchObject({
        fault: 'server-error',
        httpStatus: 500,
      });
    });

    it('a 302 (login page or proxy) is named as such', async () => {
      await sim.setFault({ mode: 'status', status: 302 });
      const e = await upstreamFailure(
        jenkinsClient([admin()]).getJob(ref('ml/legacy')),
      );
      expect(e.problem.fault).toBe('malformed');
      expect(e.problem.message).toContain(
        'a login page or a proxy in front of Jenkins?',
      );
    });

    it('malformed JSON → malformed', async () => {
      await sim.setFault({ mode: 'malformed' });
      const e = await upstreamFailure(
        jenkinsClient([admin()]).getJob(ref('ml/legacy')),
      );
      expect(e.problem).toMatchObject({
        fault: 'malformed',
        message: 'returned job ml/legacy that is not valid JSON',
      });
    });

    it('oversized body → too-large', async () => {
      await sim.setFault({ mode: 'oversized' });
      const e = await upstreamFailure(
        jenkinsClient([admin()]).getJob(ref('ml/legacy')),
      );
      expect(e.problem.fault).toBe('too-large');
    });
  });

  it('no error message or returned object contains the configured API key or password', async () => {
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
    const byToken = jenkinsClient([admin()]);
    const byPassword = jenkinsClient([{ ...admin(), apiKey: PASSWORD }]);
    await collect(byToken.getJob(ref('ml/fraud-detector')));
    await collect(byToken.getJob(ref('ml/mb')));
    await collect(byPassword.getJob(ref('ml/nope')));
    await collect(
      jenkinsClient([{ ...admin(), apiKey: `${PASSWORD}x` }]).getJob(
        ref('ml/legacy'),
      ),
    );
    await collect(byPassword.triggerBuild('ci:ml/legacy'));
    await collect(byToken.triggerBuild('ci:ml/nope'));
    expect(seen).toHaveLength(6);
    for (const text of seen) {
      expect(text).not.toContain(API_TOKEN);
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain(
        Buffer.from(`admin:${API_TOKEN}`).toString('base64'),
      );
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

/**
 * Jenkins simulator: routing, the JSON API (`tree` vs `depth`, `_class`,
 * actions, build lists) and the stage view, over HTTP with plain fetch.
 */
import { JenkinsSimulator, startJenkinsSimulator } from './simulator';

type Json = Record<string, any>;

const APP_REPO = 'https://git.example.test/ml/fraud-detector.git';
const LIB_REPO = 'https://git.example.test/jenkins/pipeline-library.git';

describe('Jenkins simulator: JSON API', () => {
  let sim: JenkinsSimulator;
  let auth: { Authorization: string };

  beforeAll(async () => {
    sim = await startJenkinsSimulator();
    auth = { Authorization: sim.tokenAuth() };
    sim.addJob('ml/fraud-detector', {
      type: 'multibranch',
      scmRemote: APP_REPO,
    });
    sim.addBranch('ml/fraud-detector', 'main');
    sim.addBranch('ml/fraud-detector', 'feature/x');
    sim.addJob('ml/pipeline', { type: 'pipeline', scmRemote: APP_REPO });
    const now = Date.now();
    for (let n = 1; n <= 105; n++) {
      sim.addBuild('ml/pipeline', {
        number: n,
        result: n % 10 === 0 ? 'FAILURE' : 'SUCCESS',
        timestamp: now - (200 - n) * 60_000,
        duration: 30_000,
        parameters: { TAG: `v${n}` },
        scm: [
          {
            remoteUrl: LIB_REPO,
            sha: 'f'.repeat(40),
            branch: 'refs/remotes/origin/main',
          },
          {
            remoteUrl: APP_REPO,
            sha: n.toString(16).padStart(40, '0'),
            branch: 'main',
          },
        ],
        stages: [
          {
            name: 'Declarative: Checkout SCM',
            status: 'SUCCESS',
            durationMillis: 1000,
          },
          {
            name: 'Build',
            status: n % 10 === 0 ? 'FAILED' : 'SUCCESS',
            durationMillis: 20_000,
            ...(n % 10 === 0
              ? {
                  error: {
                    message: 'script returned exit code 1',
                    type: 'hudson.AbortException',
                  },
                }
              : {}),
          },
        ],
      });
    }
  });
  afterAll(() => sim.stop());

  const get = (path: string, headers: Record<string, string> = auth) =>
    fetch(`${sim.url}${path}`, { headers });
  const json = async (path: string) => {
    const res = await get(path);
    expect(res.status).toBe(200);
    return (await res.json()) as Json;
  };

  it('routes double-encoded multibranch children and 404s a single-encoded slash', async () => {
    const branch = await json(
      '/job/ml/job/fraud-detector/job/feature%252Fx/api/json',
    );
    expect(branch._class).toBe(
      'org.jenkinsci.plugins.workflow.job.WorkflowJob',
    );
    expect(branch.name).toBe('feature%2Fx');
    expect(branch.displayName).toBe('feature/x');
    expect(branch.fullName).toBe('ml/fraud-detector/feature%2Fx');
    expect(branch.url).toBe(
      `${sim.url}/job/ml/job/fraud-detector/job/feature%252Fx/`,
    );
    expect(
      (await get('/job/ml/job/fraud-detector/job/feature%2Fx/api/json')).status,
    ).toBe(404);
    expect((await get('/job/ml/job/nope/api/json')).status).toBe(404);
  });

  it('sends X-Jenkins and the simulator headers', async () => {
    const res = await get('/api/json');
    expect(res.headers.get('x-jenkins')).toMatch(/^2\./);
    expect(res.headers.get('x-simulator')).toBe('jenkins');
  });

  it('prunes nested objects at depth 0 to name,url,color (jobs) and number,url (builds)', async () => {
    const folder = await json('/job/ml/api/json');
    expect(folder._class).toBe('com.cloudbees.hudson.plugins.folder.Folder');
    const mb = folder.jobs.find((j: Json) => j.name === 'fraud-detector');
    expect(Object.keys(mb).sort()).toEqual(['_class', 'name', 'url']);
    const pipe = folder.jobs.find((j: Json) => j.name === 'pipeline');
    expect(Object.keys(pipe).sort()).toEqual([
      '_class',
      'color',
      'name',
      'url',
    ]);
    expect(pipe.color).toBe('blue');
    expect(mb._class).toBe(
      'org.jenkinsci.plugins.workflow.multibranch.WorkflowMultiBranchProject',
    );
    const job = await json('/job/ml/job/pipeline/api/json');
    expect(job.lastBuild).toEqual({
      _class: 'org.jenkinsci.plugins.workflow.job.WorkflowRun',
      number: 105,
      url: `${sim.url}/job/ml/job/pipeline/105/`,
    });
    const deeper = await json('/job/ml/job/pipeline/api/json?depth=1');
    expect(deeper.lastBuild).toHaveProperty('result', 'SUCCESS');
    expect(deeper.lastBuild).toHaveProperty('actions');
  });

  it('lets tree win over depth, with [ ], * and ranges', async () => {
    const t = await json(
      '/job/ml/job/pipeline/api/json?depth=2&tree=builds[number,result]{0,3}',
    );
    expect(t).toEqual({
      _class: 'org.jenkinsci.plugins.workflow.job.WorkflowJob',
      builds: [
        {
          _class: 'org.jenkinsci.plugins.workflow.job.WorkflowRun',
          number: 105,
          result: 'SUCCESS',
        },
        {
          _class: 'org.jenkinsci.plugins.workflow.job.WorkflowRun',
          number: 104,
          result: 'SUCCESS',
        },
        {
          _class: 'org.jenkinsci.plugins.workflow.job.WorkflowRun',
          number: 103,
          result: 'SUCCESS',
        },
      ],
    });
    const one = await json(
      '/job/ml/job/pipeline/api/json?tree=builds[number]{5}',
    );
    expect(one.builds.map((b: Json) => b.number)).toEqual([100]);
    const open = await json(
      '/job/ml/job/pipeline/api/json?tree=builds[number]{,2}',
    );
    expect(open.builds).toHaveLength(2);
    const star = await json('/job/ml/api/json?tree=jobs[*]');
    expect(star.jobs[0]).toHaveProperty('fullName');
    expect(star.jobs[0]).toHaveProperty('healthReport');
  });

  it('answers a malformed tree (doubled range) with 500', async () => {
    expect(
      (
        await get(
          '/job/ml/job/pipeline/api/json?tree=builds[number]{0,50}{0,10}',
        )
      ).status,
    ).toBe(500);
    expect(
      (await get('/job/ml/job/pipeline/api/json?tree=builds[number')).status,
    ).toBe(500);
  });

  it('caps builds at 100 newest first; allBuilds only through tree', async () => {
    const job = await json('/job/ml/job/pipeline/api/json');
    expect(job.builds).toHaveLength(100);
    expect(job.builds[0].number).toBe(105);
    expect(job.builds[99].number).toBe(6);
    expect(job).not.toHaveProperty('allBuilds');
    const all = await json(
      '/job/ml/job/pipeline/api/json?tree=allBuilds[number]',
    );
    expect(all.allBuilds).toHaveLength(105);
  });

  it('puts {} noise, CauseAction, ParametersAction and one BuildData per checkout in actions[]', async () => {
    const build = await json('/job/ml/job/pipeline/42/api/json');
    expect(build._class).toBe('org.jenkinsci.plugins.workflow.job.WorkflowRun');
    const actions = build.actions as Json[];
    expect(actions.some(a => Object.keys(a).length === 0)).toBe(true);
    const causes = actions.find(
      a => a._class === 'hudson.model.CauseAction',
    )!.causes;
    expect(causes[0]).toMatchObject({
      _class: 'hudson.model.Cause$UserIdCause',
      userId: 'admin',
    });
    const params = actions.find(
      a => a._class === 'hudson.model.ParametersAction',
    )!.parameters;
    expect(params).toEqual([
      {
        _class: 'hudson.model.StringParameterValue',
        name: 'TAG',
        value: 'v42',
      },
    ]);
    const buildData = actions.filter(
      a => a._class === 'hudson.plugins.git.util.BuildData',
    );
    expect(buildData.map(b => b.remoteUrls[0])).toEqual([LIB_REPO, APP_REPO]);
    const mine = buildData.find(b => b.remoteUrls.includes(APP_REPO))!;
    expect(mine.lastBuiltRevision.SHA1).toBe(
      (42).toString(16).padStart(40, '0'),
    );
    expect(mine.lastBuiltRevision.branch[0].name).toBe('main');
    expect(build.duration).toBe(30_000);
    expect(build.estimatedDuration).toBe(30_000);
  });

  it('reports a running build with result null, duration 0 and an _anime color; result may be set while building', async () => {
    sim.addJob('ml/live', { type: 'pipeline' });
    sim.addBuild('ml/live', { number: 1, result: 'SUCCESS', duration: 1000 });
    sim.addBuild('ml/live', { number: 2, building: true });
    const job = await json(
      '/job/ml/job/live/api/json?tree=color,lastBuild[building,result,duration]',
    );
    expect(job.color).toBe('blue_anime');
    expect(job.lastBuild).toMatchObject({
      building: true,
      result: null,
      duration: 0,
    });
    sim.setBuilding('ml/live', 2, true, 'FAILURE');
    const mid = await json('/job/ml/job/live/lastBuild/api/json');
    expect(mid).toMatchObject({
      building: true,
      result: 'FAILURE',
      duration: 0,
    });
    sim.setBuilding('ml/live', 2, false);
    const done = await json('/job/ml/job/live/api/json?tree=color');
    expect(done.color).toBe('red');
  });

  it('serves wfapi runs: at most 10, newest first, FAILED stages, since=#N stops there', async () => {
    const describe = await json('/job/ml/job/pipeline/wfapi/describe');
    expect(describe).toMatchObject({ name: 'pipeline', runCount: 105 });
    expect(describe._links.runs.href).toBe('/job/ml/job/pipeline/wfapi/runs');
    const runs = (await (
      await get('/job/ml/job/pipeline/wfapi/runs')
    ).json()) as Json[];
    expect(runs).toHaveLength(10);
    expect(runs.map(r => r.name)).toEqual(
      Array.from({ length: 10 }, (_, i) => `#${105 - i}`),
    );
    const failed = runs.find(r => r.id === '100')!;
    expect(failed.status).toBe('FAILED');
    expect(failed.stages.map((s: Json) => s.status)).toEqual([
      'SUCCESS',
      'FAILED',
    ]);
    expect(failed.stages[1].error).toEqual({
      message: 'script returned exit code 1',
      type: 'hudson.AbortException',
    });
    const since = (await (
      await get('/job/ml/job/pipeline/wfapi/runs?since=%23103')
    ).json()) as Json[];
    expect(since.map(r => r.name)).toEqual(['#105', '#104', '#103']);
    expect((await get('/job/ml/job/fraud-detector/wfapi/runs')).status).toBe(
      404,
    );
  });

  it('rejects seeds with a FAILURE stage status (the stage view says FAILED)', () => {
    expect(() =>
      sim.addBuild('ml/live', {
        number: 9,
        stages: [{ name: 'Build', status: 'FAILURE' as never }],
      }),
    ).toThrow(/FAILED, not FAILURE/);
  });
});

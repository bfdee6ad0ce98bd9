import { JenkinsSimulator, startJenkinsSimulator } from '@internal/simulators';
import { UpstreamError } from '../http';
import { API_TOKEN, jenkinsClient } from './__testUtils__/jenkins';
import { JenkinsClient } from './JenkinsClient';

jest.setTimeout(30_000);

const PASSWORD = 'trigger-password-4711';
/** A password that looks like an API token: the client only learns from Jenkins' 403 that it needs a crumb. */
const TOKEN_LIKE_PASSWORD = '11abcdefabcdefabcdefabcdefabcdef01';

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the call to fail');
}

describe('JenkinsClient.triggerBuild, against the Jenkins simulator', () => {
  let sim: JenkinsSimulator;
  let seq = 0;
  const crumbCalls = () =>
    sim.requests().filter(r => r.path === '/crumbIssuer/api/json');
  const posts = () => sim.requests().filter(r => r.method === 'POST');
  const client = (
    username: string,
    apiKey: string,
    extra: { crumbIssuer?: boolean } = {},
  ): JenkinsClient =>
    jenkinsClient([
      { name: 'ci', baseUrl: sim.url, username, apiKey, ...extra },
    ]);

  beforeAll(async () => {
    sim = await startJenkinsSimulator({
      users: [
        { username: 'admin', password: PASSWORD, apiToken: API_TOKEN },
        { username: 'tricky', password: TOKEN_LIKE_PASSWORD },
        {
          username: 'viewer',
          apiToken: '11999999999999999999999999999999aa',
          permissions: ['read'],
        },
      ],
      quietPeriodMs: 60_000,
    });
    sim.addJob('ml/app', { type: 'pipeline' });
    sim.addJob('ml/params', {
      type: 'pipeline',
      parameters: [
        { name: 'TAG', defaultValue: 'latest' },
        { name: 'PUSH', type: 'boolean' },
      ],
    });
    sim.addJob('ml/off', { type: 'freestyle', disabled: true });
    sim.addJob('ml/mb', { type: 'multibranch' });
    sim.addBranch('ml/mb', 'feature/x');
  });
  afterAll(() => sim?.stop());
  beforeEach(() => {
    sim.resetRequests();
    seq++;
  });

  it('POST build → 201: returns the queue item from the absolute Location; an API token fetches no crumb', async () => {
    const queued = await client('admin', API_TOKEN).triggerBuild('ml/app');
    expect(queued).toEqual({
      instance: 'ci',
      fullName: 'ml/app',
      queueUrl: expect.stringMatching(
        new RegExp(`^${sim.url}/queue/item/\\d+/$`),
      ),
      queueId: expect.any(Number),
    });
    expect(queued.queueUrl).toBe(`${sim.url}/queue/item/${queued.queueId}/`);
    expect(posts().map(r => r.path)).toEqual(['/job/ml/job/app/build']);
    expect(crumbCalls()).toHaveLength(0);
    expect(posts()[0].headers['jenkins-crumb']).toBeUndefined();
  });

  it('with a password: fetches a crumb and replays the session cookie it is tied to', async () => {
    const queued = await client('admin', PASSWORD).triggerBuild(
      'ml/mb/feature%2Fx',
    );
    expect(queued.queueUrl).toMatch(/\/queue\/item\/\d+\/$/);
    expect(crumbCalls()).toHaveLength(1);
    const post = posts()[0];
    expect(post.path).toBe('/job/ml/job/mb/job/feature%252Fx/build');
    expect(post.headers['jenkins-crumb']).toMatch(/^[0-9a-f]{64}$/);
    expect(post.headers.cookie).toMatch(/^JSESSIONID\.[0-9a-f]+=[0-9a-f]+$/);
  });

  it('a password that looks like a token: learns from "No valid crumb" (403), fetches a crumb once, retries', async () => {
    const queued = await client('tricky', TOKEN_LIKE_PASSWORD).triggerBuild(
      'ml/app',
    );
    expect(queued.queueId).toEqual(expect.any(Number));
    expect(
      sim
        .requests()
        .filter(r => r.path !== '/job/ml/job/app/api/json')
        .map(r => `${r.method} ${r.path}`),
    ).toEqual([
      'POST /job/ml/job/app/build',
      'GET /crumbIssuer/api/json',
      'POST /job/ml/job/app/build',
    ]);
  });

  it('crumbIssuer: false never fetches a crumb, and names the refusal', async () => {
    const e = await failure(
      client('admin', PASSWORD, { crumbIssuer: false }).triggerBuild('ml/app'),
    );
    expect(crumbCalls()).toHaveLength(0);
    expect((e as UpstreamError).problem).toMatchObject({
      fault: 'forbidden',
      httpStatus: 403,
    });
    expect(e.message).toContain(
      'refused the CSRF crumb for ml/app (403 No valid crumb)',
    );
  });

  it('parameters → buildWithParameters?NAME=value (201)', async () => {
    const queued = await client('admin', API_TOKEN).triggerBuild('ml/params', {
      TAG: `v${seq}`,
      PUSH: true,
    });
    expect(queued.queueId).toEqual(expect.any(Number));
    expect(posts().map(r => r.url)).toEqual([
      `/job/ml/job/params/buildWithParameters?TAG=v${seq}&PUSH=true`,
    ]);
  });

  it('303: an identical build is already queued → conflict', async () => {
    const c = client('admin', API_TOKEN);
    await c.triggerBuild('ml/params', { TAG: 'same' });
    const e = await failure(c.triggerBuild('ml/params', { TAG: 'same' }));
    expect(e.name).toBe('ConflictError');
    expect(e.message).toContain(
      'did not queue a new build of ml/params (303): a build with the same parameters is probably queued already',
    );
  });

  it('400: parameters for a job without parameters, and no parameters for a parameterized job', async () => {
    const c = client('admin', API_TOKEN);
    const e = await failure(c.triggerBuild('ml/app', { TAG: 'x' }));
    expect(e.name).toBe('InputError');
    expect(e.message).toContain(
      'refused to build ml/app (400): the job takes no parameters; trigger it without parameters',
    );
    const needs = await failure(c.triggerBuild('ml/params'));
    expect(needs.name).toBe('InputError');
    expect(needs.message).toContain(
      'refused to build ml/params (400): the job needs parameters',
    );
  });

  it('409: a disabled job', async () => {
    const e = await failure(client('admin', API_TOKEN).triggerBuild('ml/off'));
    expect(e.name).toBe('ConflictError');
    expect(e.message).toMatch(
      /ml\/off is disabled \(409\); enable it in Jenkins to build it$/,
    );
  });

  it('405: says the job cannot be built this way', async () => {
    await sim.setFault({
      mode: 'status',
      status: 405,
      pathPrefix: '/job/ml/job/app/build',
    });
    try {
      const e = await failure(
        client('admin', API_TOKEN).triggerBuild('ml/app'),
      );
      expect(e.name).toBe('InputError');
      expect(e.message).toContain(
        'ml/app cannot be built this way (405 Method Not Allowed)',
      );
    } finally {
      await sim.setFault({ mode: 'none' });
    }
  });

  it('a multibranch project is refused before any POST (its build would start a branch scan)', async () => {
    const e = await failure(client('admin', API_TOKEN).triggerBuild('ml/mb'));
    expect(e.name).toBe('InputError');
    expect(e.message).toContain(
      'ml/mb is a multibranch project, not a job; trigger one of its branches',
    );
    expect(posts()).toEqual([]);
    expect(sim.job('ml/mb')!.scans).toBe(0);
  });

  it('403 without the build permission names the permission', async () => {
    const e = await failure(
      client('viewer', '11999999999999999999999999999999aa').triggerBuild(
        'ml/app',
      ),
    );
    expect((e as UpstreamError).problem).toEqual({
      upstream: `Jenkins ci (${new URL(sim.url).host})`,
      fault: 'forbidden',
      httpStatus: 403,
      message:
        'user "viewer" may not build job ml/app (403, needs hudson.model.Item.Build)',
    });
  });

  it('refuses unknown instances and several jobs at once, without any request', async () => {
    const c = client('admin', API_TOKEN);
    await expect(c.triggerBuild('other:ml/app')).rejects.toMatchObject({
      name: 'InputError',
      message: expect.stringContaining(
        'names Jenkins instance "other", which is not configured (configured: ci)',
      ),
    });
    await expect(c.triggerBuild('ml/app,ml/off')).rejects.toMatchObject({
      name: 'InputError',
    });
    expect(sim.requests()).toEqual([]);
  });

  it('drops the cached job after a trigger, so the next read shows it queued', async () => {
    const c = client('admin', API_TOKEN);
    const ref = { instance: 'ci', fullName: 'ml/app', segments: ['ml', 'app'] };
    await c.getJob(ref);
    await c.triggerBuild('ml/app');
    sim.resetRequests();
    const job = await c.getJob(ref);
    expect(
      sim.requests().filter(r => r.path === '/job/ml/job/app/api/json'),
    ).toHaveLength(1);
    expect(job.inQueue).toBe(true);
  });
});

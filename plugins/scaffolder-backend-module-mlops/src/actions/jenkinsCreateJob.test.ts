import { ConfigReader } from '@backstage/config';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { JenkinsSimulator, startJenkinsSimulator } from '@internal/simulators';
import { captureLogger } from '../__testUtils__/captureLogger';
import { JenkinsClient } from '../lib/jenkins/JenkinsClient';
import { createJenkinsCreateJobAction } from './jenkinsCreateJob';

const input = {
  jobFullName: 'ml/fraud-detector',
  repoUrl: 'https://git.ml.internal/ml/fraud-detector.git',
  credentialsId: 'git-ml-internal',
};

function context(
  values: Record<string, unknown>,
  options: { dryRun?: boolean } = {},
) {
  const log = captureLogger();
  const ctx = createMockActionContext({
    input: values as any,
    logger: log.logger,
  });
  return { ctx: { ...ctx, isDryRun: options.dryRun ?? false }, log };
}

const MULTIBRANCH =
  'org.jenkinsci.plugins.workflow.multibranch.WorkflowMultiBranchProject';

describe('mlops:jenkins:create-job (against the Jenkins simulator)', () => {
  let sim: JenkinsSimulator;
  beforeEach(async () => {
    sim = await startJenkinsSimulator({
      users: [
        { username: 'admin', password: 'admin-pass', apiToken: '11admintoken' },
        { username: 'pwonly', password: 'pw-secret' },
        {
          username: 'reader',
          apiToken: '11readertoken',
          permissions: ['read'],
        },
      ],
    });
  });
  afterEach(() => sim.stop());

  const withInstance = (instance: Record<string, unknown>) =>
    createJenkinsCreateJobAction({
      config: new ConfigReader({
        jenkins: {
          instances: [{ name: 'default', baseUrl: `${sim.url}/`, ...instance }],
        },
      }),
    });
  const tokenAction = () =>
    withInstance({ username: 'admin', apiKey: '11admintoken' });

  it('creates the missing folder and the multibranch job with an API token (no crumb)', async () => {
    const { ctx } = context({
      ...input,
      scriptPath: 'ci/Jenkinsfile',
      description: 'fraud & co',
    });
    await tokenAction().handler(ctx);

    expect(sim.job('ml')?.type).toBe('folder');
    const job = sim.job('ml/fraud-detector');
    expect(job?.type).toBe('multibranch');
    expect(job?.scmRemote).toBe(input.repoUrl);
    expect(job?.configXml).toContain(
      '<credentialsId>git-ml-internal</credentialsId>',
    );
    expect(job?.configXml).toContain('<scriptPath>ci/Jenkinsfile</scriptPath>');
    expect(job?.configXml).toContain(
      '<jenkins.plugins.git.traits.BranchDiscoveryTrait/>',
    );
    expect(job?.configXml).toContain(
      '<description>fraud &amp; co</description>',
    );
    expect(ctx.output).toHaveBeenCalledWith(
      'jobUrl',
      `${sim.url}/job/ml/job/fraud-detector/`,
    );

    const posts = sim.requests().filter(r => r.method === 'POST');
    expect(posts.map(p => p.url)).toEqual([
      '/createItem?name=ml',
      '/job/ml/createItem?name=fraud-detector',
    ]);
    for (const post of posts)
      expect(post.headers['content-type']).toBe('application/xml');
    expect(sim.requests().some(r => r.path.startsWith('/crumbIssuer'))).toBe(
      false,
    );
  });

  it('with password auth fetches a crumb and replays its session cookie', async () => {
    const { ctx } = context({ ...input, jobFullName: 'a/b/c/job' });
    await withInstance({ username: 'admin', password: 'admin-pass' }).handler(
      ctx,
    );
    expect(sim.job('a/b/c/job')?.type).toBe('multibranch');
    expect(
      sim.requests().filter(r => r.path === '/crumbIssuer/api/json'),
    ).toHaveLength(1);
    const posts = sim.requests().filter(r => r.method === 'POST');
    expect(posts).toHaveLength(4);
    for (const post of posts) {
      expect(post.headers['jenkins-crumb']).toMatch(/^[0-9a-f]{64}$/);
      expect(post.headers.cookie).toMatch(/^JSESSIONID\.[0-9a-f]+=/);
    }
  });

  it('falls back to the crumb flow when an apiKey turns out to be a password', async () => {
    const { ctx } = context(input);
    await withInstance({ username: 'pwonly', apiKey: 'pw-secret' }).handler(
      ctx,
    );
    expect(sim.job('ml/fraud-detector')?.type).toBe('multibranch');
    expect(
      sim.requests().filter(r => r.path === '/crumbIssuer/api/json'),
    ).toHaveLength(1);
  });

  it('XML-escapes every value', async () => {
    const repoUrl = 'https://git.ml.internal/ml/repo.git?a=1&b=<2>';
    const { ctx } = context({ ...input, repoUrl, credentialsId: 'id"&\'<x>' });
    await tokenAction().handler(ctx);
    const xml = sim.job('ml/fraud-detector')!.configXml;
    expect(sim.job('ml/fraud-detector')?.scmRemote).toBe(repoUrl);
    expect(xml).toContain(
      '<remote>https://git.ml.internal/ml/repo.git?a=1&amp;b=&lt;2&gt;</remote>',
    );
    expect(xml).toContain(
      '<credentialsId>id&quot;&amp;&apos;&lt;x&gt;</credentialsId>',
    );
  });

  it('refuses an existing job unless ifExists is skip', async () => {
    sim.addJob('ml/fraud-detector', {
      type: 'multibranch',
      scmRemote: 'https://elsewhere/x.git',
    });
    const { ctx } = context(input);
    const run = tokenAction().handler(ctx);
    await expect(run).rejects.toThrow(
      'Jenkins job ml/fraud-detector already exists on default; choose another name or set ifExists: skip',
    );
    await expect(run).rejects.toHaveProperty('name', 'InputError');

    const skip = context({ ...input, ifExists: 'skip' });
    await tokenAction().handler(skip.ctx);
    expect(skip.ctx.output).toHaveBeenCalledWith(
      'jobUrl',
      `${sim.url}/job/ml/job/fraud-detector/`,
    );
    expect(skip.log.text()).toMatch(/already exists .*skipped/);
    expect(sim.job('ml/fraud-detector')?.scmRemote).toBe(
      'https://elsewhere/x.git',
    );
    expect(sim.requests().some(r => r.method === 'POST')).toBe(false);
  });

  it("reads Jenkins' 400 X-Error for a duplicate createItem", async () => {
    const client = new JenkinsClient({
      name: 'default',
      baseUrl: sim.url,
      username: 'admin',
      apiKey: '11admintoken',
    });
    const xml = `<com.cloudbees.hudson.plugins.folder.Folder><description/></com.cloudbees.hudson.plugins.folder.Folder>`;
    expect(await client.createItem([], 'dup', xml)).toBe('created');
    expect(await client.createItem([], 'dup', xml)).toBe('exists');
  });

  it('refuses a path through an item that is not a folder', async () => {
    sim.addJob('ml', { type: 'pipeline' });
    await expect(tokenAction().handler(context(input).ctx)).rejects.toThrow(
      /Jenkins item ml exists but is a org.jenkinsci.plugins.workflow.job.WorkflowJob, not a folder/,
    );
  });

  it('picks the instance from the jobFullName prefix and lists instances for an unknown one', async () => {
    const action = createJenkinsCreateJobAction({
      config: new ConfigReader({
        jenkins: {
          baseUrl: 'http://127.0.0.1:9',
          username: 'x',
          apiKey: 'y',
          instances: [
            {
              name: 'ci',
              baseUrl: sim.url,
              username: 'admin',
              apiKey: '11admintoken',
            },
          ],
        },
      }),
    });
    const { ctx } = context({ ...input, jobFullName: 'ci:ml/fraud-detector' });
    await action.handler(ctx);
    expect(sim.job('ml/fraud-detector')?.type).toBe('multibranch');
    expect(ctx.output).toHaveBeenCalledWith(
      'jobUrl',
      `${sim.url}/job/ml/job/fraud-detector/`,
    );

    await expect(
      action.handler(context({ ...input, jobFullName: 'qa:ml/x' }).ctx),
    ).rejects.toThrow(
      'Unknown Jenkins instance "qa"; configured instances: default, ci',
    );
  });

  it('reads the single-instance config jenkins.baseUrl/username/apiKey', async () => {
    const action = createJenkinsCreateJobAction({
      config: new ConfigReader({
        jenkins: {
          baseUrl: sim.url,
          username: 'admin',
          apiKey: '11admintoken',
        },
      }),
    });
    await action.handler(context({ ...input, jobFullName: 'solo' }).ctx);
    expect(sim.job('solo')?.type).toBe('multibranch');
  });

  it('explains bad credentials (401) and a missing permission (403)', async () => {
    await expect(
      withInstance({ username: 'admin', apiKey: 'wrong' }).handler(
        context(input).ctx,
      ),
    ).rejects.toThrow(
      /Jenkins instance "default" \(http:\/\/127\.0\.0\.1:\d+\) rejected the configured username\/apiKey/,
    );
    sim.addJob('ml', { type: 'folder' });
    await expect(
      withInstance({ username: 'reader', apiKey: '11readertoken' }).handler(
        context(input).ctx,
      ),
    ).rejects.toThrow(
      /permission denied creating ml\/fraud-detector \(the account lacks hudson.model.Item.Create\)/,
    );
  });

  it.each([
    [{ jobFullName: 'ml//job' }, /"" is not a valid Jenkins item name/],
    [{ jobFullName: 'ml/jo?b' }, /"jo\?b" is not a valid Jenkins item name/],
    [{ jobFullName: ':ml/job' }, /empty instance prefix/],
    [{ repoUrl: 'not a url' }, /repoUrl "not a url" is not a git clone URL/],
    [{ ifExists: 'overwrite' }, /ifExists "overwrite" must be fail or skip/],
  ])('rejects %o before calling Jenkins', async (patch, message) => {
    await expect(
      tokenAction().handler(context({ ...input, ...patch }).ctx),
    ).rejects.toThrow(message);
    expect(sim.requests()).toHaveLength(0);
  });

  describe('dry run', () => {
    it('checks, logs the config.xml and creates nothing', async () => {
      const { ctx, log } = context(input, { dryRun: true });
      await tokenAction().handler(ctx);
      expect(sim.job('ml')).toBeUndefined();
      expect(sim.requests().some(r => r.method === 'POST')).toBe(false);
      expect(ctx.output).toHaveBeenCalledWith(
        'jobUrl',
        `${sim.url}/job/ml/job/fraud-detector/`,
      );
      expect(log.text()).toMatch(/Dry run: would create folders ml under/);
      expect(log.text()).toContain(`<${MULTIBRANCH}>`);
    });

    it('still refuses an existing job', async () => {
      sim.addJob('ml/fraud-detector', { type: 'multibranch' });
      await expect(
        tokenAction().handler(context(input, { dryRun: true }).ctx),
      ).rejects.toThrow(/already exists/);
    });

    it('warns when Jenkins is down; a real run fails', async () => {
      await sim.setFault({ mode: 'down' });
      const { ctx, log } = context(input, { dryRun: true });
      await tokenAction().handler(ctx);
      expect(ctx.output).toHaveBeenCalledWith(
        'jobUrl',
        expect.stringContaining('/job/ml/job/fraud-detector/'),
      );
      expect(log.text()).toMatch(
        /warn Dry run: Jenkins instance "default" .* could not be reached/,
      );
      await expect(tokenAction().handler(context(input).ctx)).rejects.toThrow(
        /could not be reached/,
      );
    });
  });
});

/**
 * Jenkins simulator: security (401/403 headers, crumbs tied to the session,
 * API tokens exempt), build triggers and the queue, createItem and the
 * Declarative validator.
 */
import { JenkinsSimulator, startJenkinsSimulator } from './simulator';
import { basic } from '../testUtils';

type Json = Record<string, any>;

const PIPELINE_XML = `<?xml version='1.1' encoding='UTF-8'?>
<flow-definition plugin="workflow-job@1400.v7fd111b_ec82f">
  <description>created by a test</description>
  <definition class="org.jenkinsci.plugins.workflow.cps.CpsScmFlowDefinition">
    <scm class="hudson.plugins.git.GitSCM"><userRemoteConfigs><hudson.plugins.git.UserRemoteConfig>
      <url>https://git.example.test/ml/churn.git</url></hudson.plugins.git.UserRemoteConfig></userRemoteConfigs></scm>
    <scriptPath>Jenkinsfile</scriptPath><lightweight>true</lightweight>
  </definition>
</flow-definition>`;

const MULTIBRANCH_XML = `<?xml version='1.1' encoding='UTF-8'?>
<org.jenkinsci.plugins.workflow.multibranch.WorkflowMultiBranchProject>
 <sources class="jenkins.branch.MultiBranchProject$BranchSourceList"><data><jenkins.branch.BranchSource>
  <source class="jenkins.plugins.git.GitSCMSource"><id>app</id><remote>https://git.example.test/app.git</remote>
   <credentialsId>git-cred</credentialsId></source>
 </jenkins.branch.BranchSource></data></sources>
 <factory class="org.jenkinsci.plugins.workflow.multibranch.WorkflowBranchProjectFactory"><scriptPath>Jenkinsfile</scriptPath></factory>
</org.jenkinsci.plugins.workflow.multibranch.WorkflowMultiBranchProject>`;

describe('Jenkins simulator: security, triggers, queue, createItem', () => {
  let sim: JenkinsSimulator;
  let token: string;

  beforeAll(async () => {
    sim = await startJenkinsSimulator({
      users: [
        { username: 'admin', password: 'pw', apiToken: 'tok' },
        {
          username: 'viewer',
          password: 'vw',
          apiToken: 'vtok',
          permissions: ['read'],
        },
      ],
      quietPeriodMs: 5_000,
      buildDurationMs: 20_000,
    });
    token = sim.tokenAuth('admin');
    sim.addJob('ml/app', { type: 'pipeline', stages: ['Build', 'Image'] });
    sim.addJob('ml/params', {
      type: 'pipeline',
      parameters: [{ name: 'TAG', defaultValue: 'latest' }],
    });
    sim.addJob('ml/off', { type: 'freestyle', disabled: true });
    sim.addJob('ml/mb', { type: 'multibranch' });
  });
  afterAll(() => sim.stop());

  const post = (
    path: string,
    headers: Record<string, string> = { Authorization: token },
    body?: string,
  ) =>
    fetch(`${sim.url}${path}`, {
      method: 'POST',
      headers,
      body,
      redirect: 'manual',
    });
  const getJson = async (path: string) =>
    (await (
      await fetch(`${sim.url}${path}`, { headers: { Authorization: token } })
    ).json()) as Json;

  describe('security', () => {
    it('answers bad credentials 401 with WWW-Authenticate: Basic realm="Jenkins"', async () => {
      const res = await fetch(`${sim.url}/api/json`, {
        headers: { Authorization: basic('admin', 'nope') },
      });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Basic realm="Jenkins"');
    });

    it('answers anonymous and under-privileged users 403 with the permission headers', async () => {
      const anon = await fetch(`${sim.url}/job/ml/job/app/api/json`);
      expect(anon.status).toBe(403);
      expect(anon.headers.get('x-you-are-authenticated-as')).toBe('anonymous');
      expect(anon.headers.get('x-required-permission')).toBe(
        'hudson.model.Hudson.Read',
      );
      const viewer = await post('/job/ml/job/app/build', {
        Authorization: basic('viewer', 'vtok'),
      });
      expect(viewer.status).toBe(403);
      expect(viewer.headers.get('x-you-are-authenticated-as')).toBe('viewer');
      expect(viewer.headers.get('x-required-permission')).toBe(
        'hudson.model.Item.Build',
      );
    });

    it('needs a crumb for password POSTs, valid only with the session cookie it was issued for', async () => {
      const pw = { Authorization: basic('admin', 'pw') };
      const noCrumb = await post('/job/ml/job/app/build?delay=0sec', pw);
      expect(noCrumb.status).toBe(403);
      expect(await noCrumb.text()).toContain(
        'No valid crumb was included in the request',
      );

      const issued = await fetch(`${sim.url}/crumbIssuer/api/json`, {
        headers: pw,
      });
      const crumb = (await issued.json()) as {
        crumb: string;
        crumbRequestField: string;
      };
      expect(crumb.crumbRequestField).toBe('Jenkins-Crumb');
      const cookie = issued.headers.get('set-cookie')!.split(';')[0];
      expect(cookie).toMatch(/^JSESSIONID\.[0-9a-f]+=/);

      const withoutCookie = await post('/job/ml/job/app/build?delay=0sec', {
        ...pw,
        'Jenkins-Crumb': crumb.crumb,
      });
      expect(withoutCookie.status).toBe(403);
      const ok = await post('/job/ml/job/app/build?delay=0sec', {
        ...pw,
        'Jenkins-Crumb': crumb.crumb,
        Cookie: cookie,
      });
      expect(ok.status).toBe(201);
    });

    it('exempts API-token Basic auth from crumbs', async () => {
      expect(
        (await post('/job/ml/job/params/buildWithParameters?TAG=v0')).status,
      ).toBe(201);
    });
  });

  describe('triggers and queue', () => {
    it('POST build → 201 with an absolute Location; the item waits the quiet period, then leaves with an executable', async () => {
      const res = await post('/job/ml/job/app/build');
      expect(res.status).toBe(201);
      const location = res.headers.get('location')!;
      expect(location).toMatch(new RegExp(`^${sim.url}/queue/item/\\d+/$`));
      const waiting = await getJson(`${new URL(location).pathname}api/json`);
      expect(waiting._class).toBe('hudson.model.Queue$WaitingItem');
      expect(waiting.why).toMatch(/^In the quiet period\. Expires in \d/);
      expect(waiting.task).toMatchObject({
        name: 'app',
        url: `${sim.url}/job/ml/job/app/`,
      });
      expect(waiting).not.toHaveProperty('executable');

      // the same job again while it waits: 201 with the same item
      const again = await post('/job/ml/job/app/build');
      expect(again.status).toBe(201);
      expect(again.headers.get('location')).toBe(location);

      sim.tick(5_000);
      const left = await getJson(`${new URL(location).pathname}api/json`);
      expect(left._class).toBe('hudson.model.Queue$LeftItem');
      expect(left.executable.number).toBeGreaterThanOrEqual(1);
      const run = await getJson(
        `/job/ml/job/app/${left.executable.number}/api/json`,
      );
      expect(run).toMatchObject({ building: true, result: null, duration: 0 });
      const stages = (
        await getJson(
          `/job/ml/job/app/${left.executable.number}/wfapi/describe`,
        )
      ).stages as Json[];
      expect(stages[0]).toMatchObject({
        name: 'Declarative: Checkout SCM',
        status: 'IN_PROGRESS',
      });

      sim.tick(20_000);
      const done = await getJson(
        `/job/ml/job/app/${left.executable.number}/api/json`,
      );
      expect(done).toMatchObject({
        building: false,
        result: 'SUCCESS',
        duration: 20_000,
      });

      sim.tick(5 * 60_000);
      const expired = await fetch(
        `${sim.url}${new URL(location).pathname}api/json`,
        { headers: { Authorization: token } },
      );
      expect(expired.status).toBe(404);
    });

    it('runs the next build with the result set by setNextResult and marks the last stage FAILED', async () => {
      sim.setNextResult('ml/app', 'FAILURE');
      const res = await post('/job/ml/job/app/build?delay=0sec');
      const item = await getJson(
        `${new URL(res.headers.get('location')!).pathname}api/json`,
      );
      sim.tick(20_000);
      const run = await getJson(
        `/job/ml/job/app/${item.executable.number}/wfapi/describe`,
      );
      expect(run.status).toBe('FAILED');
      expect(run.stages.map((s: Json) => s.status)).toEqual([
        'SUCCESS',
        'SUCCESS',
        'FAILED',
      ]);
    });

    it('answers GET build 405, a disabled job 409, and a multibranch build (a scan) 302', async () => {
      const get = await fetch(`${sim.url}/job/ml/job/app/build`, {
        headers: { Authorization: basic('admin', 'pw') },
      });
      expect(get.status).toBe(405);
      expect(get.headers.get('allow')).toBe('POST');
      expect((await post('/job/ml/job/off/build')).status).toBe(409);
      const scan = await post('/job/ml/job/mb/build');
      expect(scan.status).toBe(302);
      expect(scan.headers.get('location')).toBeTruthy();
      expect(sim.job('ml/mb')!.scans).toBe(1);
    });

    it('buildWithParameters: 201, 303 for an identical queued item, 400 for a job without parameters', async () => {
      const first = await post('/job/ml/job/params/buildWithParameters?TAG=v1');
      expect(first.status).toBe(201);
      const item = await getJson(
        `${new URL(first.headers.get('location')!).pathname}api/json`,
      );
      expect(item.params).toBe('\nTAG=v1');
      const dup = await post('/job/ml/job/params/buildWithParameters?TAG=v1');
      expect(dup.status).toBe(303);
      expect(dup.headers.get('location')).toBe(first.headers.get('location'));
      expect(
        (await post('/job/ml/job/app/buildWithParameters?TAG=v1')).status,
      ).toBe(400);
    });
  });

  describe('createItem', () => {
    const create = (
      path: string,
      xml: string,
      contentType = 'application/xml',
    ) => post(path, { Authorization: token, 'Content-Type': contentType }, xml);

    it('creates from config.xml with 200 and an empty body, classifying the root element', async () => {
      const res = await create('/createItem?name=churn', PIPELINE_XML);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('');
      const info = sim.job('churn')!;
      expect(info.type).toBe('pipeline');
      expect(info.scmRemote).toBe('https://git.example.test/ml/churn.git');
      const job = await getJson('/job/churn/api/json?tree=description');
      expect(job).toEqual({
        _class: 'org.jenkinsci.plugins.workflow.job.WorkflowJob',
        description: 'created by a test',
      });
      const config = await fetch(`${sim.url}/job/churn/config.xml`, {
        headers: { Authorization: token },
      });
      expect(await config.text()).toBe(PIPELINE_XML);
    });

    it('creates inside folders (/job/f/createItem), including multibranch projects', async () => {
      expect(
        (await create('/job/ml/createItem?name=app-mb', MULTIBRANCH_XML))
          .status,
      ).toBe(200);
      expect(sim.job('ml/app-mb')!.type).toBe('multibranch');
      const job = await getJson('/job/ml/job/app-mb/api/json?tree=jobs[name]');
      expect(job).toEqual({
        _class:
          'org.jenkinsci.plugins.workflow.multibranch.WorkflowMultiBranchProject',
        jobs: [],
      });
      const folderXml =
        '<com.cloudbees.hudson.plugins.folder.Folder><description/></com.cloudbees.hudson.plugins.folder.Folder>';
      expect(
        (
          await create(
            '/createItem?name=team',
            folderXml,
            'text/xml; charset=utf-8',
          )
        ).status,
      ).toBe(200);
      expect(sim.job('team')!.type).toBe('folder');
    });

    it('answers a duplicate 400 with X-Error "A job already exists with the name ‘…’"', async () => {
      const res = await create('/createItem?name=churn', PIPELINE_XML);
      expect(res.status).toBe(400);
      // Jetty sends header values as ISO-8859-1 and turns the curly quotes into '?'
      expect(res.headers.get('x-error')).toBe(
        'A job already exists with the name ?churn?',
      );
      expect(await res.text()).toContain(
        'A job already exists with the name ‘churn’',
      );
    });

    it('answers a missing Content-Type, missing name and unsafe names 400 with X-Error', async () => {
      // a Uint8Array body keeps fetch from adding a text/plain Content-Type
      const noType = await fetch(`${sim.url}/createItem?name=x`, {
        method: 'POST',
        headers: { Authorization: token },
        body: new TextEncoder().encode(PIPELINE_XML),
      });
      expect(noType.status).toBe(400);
      expect(noType.headers.get('x-error')).toBe('No Content-Type header set');
      const noName = await create('/createItem', PIPELINE_XML);
      expect(noName.headers.get('x-error')).toBe(
        "Query parameter 'name' is required",
      );
      const unsafe = await create('/createItem?name=a%2Fb', PIPELINE_XML);
      expect(unsafe.status).toBe(400);
      expect(sim.job('a')).toBeUndefined();
    });

    it('needs Item/Create', async () => {
      const res = await post(
        '/createItem?name=v',
        {
          Authorization: basic('viewer', 'vtok'),
          'Content-Type': 'application/xml',
        },
        PIPELINE_XML,
      );
      expect(res.status).toBe(403);
      expect(res.headers.get('x-required-permission')).toBe(
        'hudson.model.Item.Create',
      );
    });
  });

  describe('Declarative validation', () => {
    const form = (jenkinsfile: string) =>
      new URLSearchParams({ jenkinsfile }).toString();
    const GOOD =
      "pipeline {\n  agent any\n  stages {\n    stage('Build') { steps { sh 'make' } }\n  }\n}\n";

    it('validate answers the plain-text verdicts', async () => {
      const headers = {
        Authorization: token,
        'Content-Type': 'application/x-www-form-urlencoded',
      };
      const ok = await post(
        '/pipeline-model-converter/validate',
        headers,
        form(GOOD),
      );
      expect(await ok.text()).toBe('Jenkinsfile successfully validated.\n');
      const bad = await post(
        '/pipeline-model-converter/validate',
        headers,
        form("pipeline {\n  stages { stage('x') { steps { sh 'a' } } }\n}\n"),
      );
      const text = await bad.text();
      expect(
        text.startsWith('Errors encountered validating Jenkinsfile:\n'),
      ).toBe(true);
      expect(text).toContain('Missing required section "agent"');
    });

    it('validateJenkinsfile answers JSON, and both are crumb-exempt for password auth', async () => {
      const headers = {
        Authorization: basic('admin', 'pw'),
        'Content-Type': 'application/x-www-form-urlencoded',
      };
      const ok = await post(
        '/pipeline-model-converter/validateJenkinsfile',
        headers,
        form(GOOD),
      );
      expect(await ok.json()).toEqual({
        status: 'ok',
        data: { result: 'success' },
      });
      const bad = await post(
        '/pipeline-model-converter/validateJenkinsfile',
        headers,
        form('pipeline { agent any'),
      );
      const body = (await bad.json()) as Json;
      expect(body.data.result).toBe('failure');
      expect(body.data.errors[0].error).toMatch(/expecting '}'/);
    });
  });
});

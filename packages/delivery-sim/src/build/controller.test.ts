/**
 * The build controller (simulator) against real peers: the real registry
 * (token auth), real git repositories in a temp dir, and the Jenkins
 * simulator read over HTTP with an API token, as the backend reads it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { JenkinsSimulator, startJenkinsSimulator } from '@internal/simulators';
import {
  ALL_MANIFEST_ACCEPT,
  RunningRegistry,
  registryAuthHeaders,
  startRegistry,
} from '@internal/test-env';
import { BreakBoard } from '../breaks';
import { git, GitRepo } from '../git';
import { LoopEvent, LoopService } from '../types';
import { BuildController, startBuildController } from './controller';

jest.setTimeout(90_000);

type Json = Record<string, any>;

const STAGE_MS = 150;
const NAMES = [
  'chat',
  'fails',
  'nopush',
  'nobump',
  'rebuild',
  'queue',
  'stopper',
  'rated',
];

const overlay = (
  name: string,
) => `# Production overlay of ${name}; CI sets the tag.
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources: [../../base]
images:
  # the build controller bumps newTag
  - name: registry.demo.local/genai/${name}
    newName: registry.demo.local/genai/${name}
    newTag: latest
`;

const gitopsFiles = () =>
  Object.fromEntries(
    NAMES.flatMap(name => [
      [
        `apps/${name}/base/kustomization.yaml`,
        'resources:\n  - deployment.yaml\n',
      ],
      [
        `apps/${name}/base/deployment.yaml`,
        `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
        - name: app
          image: registry.demo.local/genai/${name}
`,
      ],
      [`apps/${name}/overlays/prod/kustomization.yaml`, overlay(name)],
    ]),
  );

describe('build controller (simulator)', () => {
  let tmp: string;
  let registry: RunningRegistry;
  let jenkins: JenkinsSimulator;
  let gitops: GitRepo;
  const sources = new Map<string, GitRepo>();
  const services = new Map<string, LoopService>();
  const breaks = new BreakBoard();
  const events: LoopEvent[] = [];
  let controller: BuildController;

  const auth = () => ({ Authorization: jenkins.tokenAuth() });
  const jobPath = (name: string) => `/job/genai/job/${name}`;
  const getJson = async (p: string): Promise<Json> => {
    const res = await fetch(`${jenkins.url}${p}`, { headers: auth() });
    if (!res.ok) throw new Error(`GET ${p}: HTTP ${res.status}`);
    return (await res.json()) as Json;
  };
  const getText = async (p: string) =>
    (await fetch(`${jenkins.url}${p}`, { headers: auth() })).text();

  async function finished(name: string, number: number): Promise<Json> {
    const end = Date.now() + 30_000;
    for (;;) {
      const b = await getJson(`${jobPath(name)}/${number}/api/json`);
      if (!b.building) return b;
      if (Date.now() > end)
        throw new Error(`build ${name} #${number} still running`);
      await new Promise(r => setTimeout(r, 50));
    }
  }

  const stagesOf = async (name: string, number: number) =>
    (await getJson(`${jobPath(name)}/${number}/wfapi/describe`))
      .stages as Json[];

  /** The commit of the BuildData whose remoteUrls name the service's source repository. */
  const commitOf = (name: string, build: Json): string | undefined =>
    build.actions.find(
      (a: Json) =>
        a?._class === 'hudson.plugins.git.util.BuildData' &&
        a.remoteUrls?.includes(services.get(name)!.sourceRepo),
    )?.lastBuiltRevision?.SHA1;

  async function tags(name: string): Promise<string[]> {
    const repo = `genai/${name}`;
    const headers = await registryAuthHeaders(registry, [
      `repository:${repo}:pull`,
    ]);
    const res = await fetch(`${registry.url}/v2/${repo}/tags/list`, {
      headers,
    });
    if (res.status === 404) return [];
    const body = (await res.json()) as { tags?: string[] | null };
    return body.tags ?? [];
  }

  async function revisionLabel(name: string, tag: string) {
    const repo = `genai/${name}`;
    const headers = await registryAuthHeaders(registry, [
      `repository:${repo}:pull`,
    ]);
    const manifest = (await (
      await fetch(`${registry.url}/v2/${repo}/manifests/${tag}`, {
        headers: { ...headers, accept: ALL_MANIFEST_ACCEPT },
      })
    ).json()) as { config: { digest: string } };
    const config = (await (
      await fetch(
        `${registry.url}/v2/${repo}/blobs/${manifest.config.digest}`,
        {
          headers,
        },
      )
    ).json()) as { config: { Labels?: Record<string, string> } };
    return config.config.Labels?.['org.opencontainers.image.revision'];
  }

  const overlayTag = async (name: string, rev = 'main') => {
    const text = await gitops.show(
      `apps/${name}/overlays/prod/kustomization.yaml`,
      rev,
    );
    return { text: text!, tag: parse(text!).images[0].newTag as string };
  };

  const commitSource = (name: string, msg: string) =>
    sources
      .get(name)!
      .commit({ 'app.py': `# ${msg}\nprint(${JSON.stringify(msg)})\n` }, msg, {
        name: 'Ada Lovelace',
        email: 'ada@ml.internal',
      });

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'delivery-sim-build-'));
    [registry, jenkins] = await Promise.all([
      startRegistry({ auth: 'token' }),
      // the backend's Rebuild posts …/build without a delay: a short quiet period
      startJenkinsSimulator({ quietPeriodMs: 200 }),
    ]);
    gitops = await GitRepo.init(path.join(tmp, 'gitops'), gitopsFiles());
    for (const name of NAMES) {
      const dir = path.join(tmp, 'src', name);
      sources.set(
        name,
        await GitRepo.init(dir, {
          Dockerfile: 'FROM python:3.12-slim\nCOPY app.py /app/\n',
          'app.py': 'print("hello")\n',
        }),
      );
      services.set(name, {
        name,
        namespace: 'genai',
        image: `registry.demo.local/genai/${name}`,
        registryRepository: `genai/${name}`,
        jenkinsJob: `genai/${name}`,
        argoApp: name,
        sourceRepo: dir,
        gitopsRepo: gitops.dir,
        gitopsPath: `apps/${name}/overlays/prod`,
      });
    }
    controller = await startBuildController({
      jenkins,
      registry: {
        url: registry.url,
        username: registry.username,
        password: registry.password,
      },
      services: NAMES.filter(n => n !== 'stopper' && n !== 'rated').map(
        n => services.get(n)!,
      ),
      breaks,
      stageMs: STAGE_MS,
      log: e => events.push(e),
    });
  });

  afterAll(async () => {
    await controller?.stop();
    await jenkins?.stop();
    await registry?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('creates the jobs: pipelines in folders, building the source repository', async () => {
    const job = await getJson(`${jobPath('chat')}/api/json`);
    expect(job._class).toBe('org.jenkinsci.plugins.workflow.job.WorkflowJob');
    expect(job.fullName).toBe('genai/chat');
    const folder = await getJson('/job/genai/api/json');
    expect(folder._class).toBe('com.cloudbees.hudson.plugins.folder.Folder');
    expect(jenkins.job('genai/chat')!.scmRemote).toBe(
      services.get('chat')!.sourceRepo,
    );
  });

  it('builds a commit: SCM data, stages, image with its revision, GitOps commit', async () => {
    const first = await controller.trigger('chat');
    expect((await finished('chat', first)).result).toBe('SUCCESS');

    const one = await commitSource('chat', 'Tune the prompt');
    const sha = await commitSource('chat', 'Raise the token limit');
    const gitopsBefore = await gitops.head();

    const number = await controller.trigger('chat');
    expect(number).toBe(first + 1);
    const running = await getJson(`${jobPath('chat')}/lastBuild/api/json`);
    expect(running.number).toBe(number);
    expect(running.building).toBe(true);
    expect(running.result).toBeNull();
    expect(running.duration).toBe(0);

    const build = await finished('chat', number);
    expect(build.result).toBe('SUCCESS');
    expect(commitOf('chat', build)).toBe(sha);
    expect(build.duration).toBeGreaterThanOrEqual(3 * STAGE_MS);
    expect(build.actions[0].causes[0]._class).toBe(
      'hudson.triggers.SCMTrigger$SCMTriggerCause',
    );
    // the changes since the previous build's checkout, oldest first
    expect(
      build.changeSets[0].items.map((i: Json) => [
        i.commitId,
        i.msg,
        i.authorEmail,
      ]),
    ).toEqual([
      [one, 'Tune the prompt', 'ada@ml.internal'],
      [sha, 'Raise the token limit', 'ada@ml.internal'],
    ]);
    const firstBuild = await getJson(`${jobPath('chat')}/${first}/api/json`);
    expect(firstBuild.changeSets).toEqual([]);

    const stages = await stagesOf('chat', number);
    expect(stages.map(s => [s.name, s.status])).toEqual([
      ['Declarative: Checkout SCM', 'SUCCESS'],
      ['Image', 'SUCCESS'],
      ['GitOps', 'SUCCESS'],
    ]);
    for (const stage of stages)
      expect(stage.durationMillis).toBeGreaterThanOrEqual(STAGE_MS);
    for (const [prev, next] of [
      [stages[0], stages[1]],
      [stages[1], stages[2]],
    ])
      expect(next.startTimeMillis).toBeGreaterThanOrEqual(
        prev.startTimeMillis + prev.durationMillis,
      );

    expect(await tags('chat')).toEqual(expect.arrayContaining([sha]));
    expect(await revisionLabel('chat', sha)).toBe(sha);

    const gitopsAfter = await gitops.head();
    expect(gitopsAfter).not.toBe(gitopsBefore);
    const log = (
      await git(gitops.dir, [
        'log',
        '--format=%an <%ae>|%s',
        `${gitopsBefore}..main`,
      ])
    )
      .trim()
      .split('\n');
    expect(log).toEqual([`jenkins <jenkins@ml.internal>|chat: deploy ${sha}`]);
    const changed = (
      await git(gitops.dir, ['diff', '--name-only', gitopsBefore, 'main'])
    ).trim();
    expect(changed).toBe('apps/chat/overlays/prod/kustomization.yaml');
    const { text, tag } = await overlayTag('chat');
    expect(tag).toBe(sha);
    expect(text).toContain('# Production overlay of chat; CI sets the tag.');
    expect(text).toContain('  # the build controller bumps newTag');
    expect(text).toContain('resources: [../../base]');

    const console = await getText(`${jobPath('chat')}/${number}/consoleText`);
    expect(console).toContain(`Checking out Revision ${sha}`);
    expect(console).toContain(
      `--destination registry.demo.local/genai/chat:${sha}`,
    );
    expect(console.trim().endsWith('Finished: SUCCESS')).toBe(true);

    // a rebuild of the same commit pushes again but commits nothing new
    const again = await controller.trigger('chat');
    expect((await finished('chat', again)).result).toBe('SUCCESS');
    expect(await gitops.head()).toBe(gitopsAfter);
    expect(await getText(`${jobPath('chat')}/${again}/consoleText`)).toContain(
      `apps/chat/overlays/prod already deploys ${sha}`,
    );
    expect(
      events.some(e => e.service === 'chat' && e.message.includes('SUCCESS')),
    ).toBe(true);
  });

  it('build-fails: FAILURE at Image (default), later stages not executed, nothing pushed or committed', async () => {
    breaks.set('fails', 'build-fails');
    const sha = await commitSource('fails', 'Broken Dockerfile');
    const gitopsBefore = await gitops.head();
    const number = await controller.trigger('fails');
    const build = await finished('fails', number);
    expect(build.result).toBe('FAILURE');
    expect(commitOf('fails', build)).toBe(sha);
    const stages = await stagesOf('fails', number);
    expect(stages.map(s => [s.name, s.status])).toEqual([
      ['Declarative: Checkout SCM', 'SUCCESS'],
      ['Image', 'FAILED'],
      ['GitOps', 'NOT_EXECUTED'],
    ]);
    expect(stages[1].error.message).toMatch(/error pushing image/);
    expect(stages[1].error.type).toBe('hudson.AbortException');
    expect(await tags('fails')).not.toContain(sha);
    expect(await gitops.head()).toBe(gitopsBefore);
    expect((await overlayTag('fails')).tag).toBe('latest');
    const lastFailed = await getJson(
      `${jobPath('fails')}/lastFailedBuild/api/json`,
    );
    expect(lastFailed.number).toBe(number);
  });

  it('build-fails at a chosen stage: GitOps fails after the push', async () => {
    breaks.set('fails', 'build-fails', { stage: 'GitOps' });
    const sha = await commitSource('fails', 'Fix the Dockerfile');
    const gitopsBefore = await gitops.head();
    const number = await controller.trigger('fails');
    const build = await finished('fails', number);
    expect(build.result).toBe('FAILURE');
    const stages = await stagesOf('fails', number);
    expect(stages.map(s => [s.name, s.status])).toEqual([
      ['Declarative: Checkout SCM', 'SUCCESS'],
      ['Image', 'SUCCESS'],
      ['GitOps', 'FAILED'],
    ]);
    expect(stages[2].error.message).toMatch(/failed to push some refs/);
    expect(await revisionLabel('fails', sha)).toBe(sha);
    expect(await gitops.head()).toBe(gitopsBefore);

    breaks.set('fails', 'build-fails', { stage: 'checkout' });
    const next = await controller.trigger('fails');
    expect((await finished('fails', next)).result).toBe('FAILURE');
    const checkout = await stagesOf('fails', next);
    expect(checkout.map(s => [s.name, s.status])).toEqual([
      ['Declarative: Checkout SCM', 'FAILED'],
      ['Image', 'NOT_EXECUTED'],
      ['GitOps', 'NOT_EXECUTED'],
    ]);
    expect(checkout[0].error.type).toBe('hudson.plugins.git.GitException');
    breaks.clear('fails');
  });

  it('image-not-pushed: SUCCESS, no tag in the registry, GitOps bumped anyway', async () => {
    breaks.set('nopush', 'image-not-pushed');
    const sha = await commitSource('nopush', 'Quantize the model');
    const number = await controller.trigger('nopush');
    const build = await finished('nopush', number);
    expect(build.result).toBe('SUCCESS');
    expect(commitOf('nopush', build)).toBe(sha);
    expect(await tags('nopush')).not.toContain(sha);
    expect((await overlayTag('nopush')).tag).toBe(sha);
    expect(
      await getText(`${jobPath('nopush')}/${number}/consoleText`),
    ).toContain('--no-push');
    breaks.clear('nopush');
  });

  it('gitops-not-bumped: the image is pushed, the GitOps stage is not executed, no GitOps commit', async () => {
    breaks.set('nobump', 'gitops-not-bumped');
    const sha = await commitSource('nobump', 'New tokenizer');
    const gitopsBefore = await gitops.head();
    const number = await controller.trigger('nobump');
    const build = await finished('nobump', number);
    expect(build.result).toBe('SUCCESS');
    expect(await revisionLabel('nobump', sha)).toBe(sha);
    const stages = await stagesOf('nobump', number);
    expect(stages.map(s => [s.name, s.status])).toEqual([
      ['Declarative: Checkout SCM', 'SUCCESS'],
      ['Image', 'SUCCESS'],
      ['GitOps', 'NOT_EXECUTED'],
    ]);
    expect(await gitops.head()).toBe(gitopsBefore);
    expect((await overlayTag('nobump')).tag).toBe('latest');
    expect(
      await getText(`${jobPath('nobump')}/${number}/consoleText`),
    ).toContain('Stage "GitOps" skipped due to when conditional');
    breaks.clear('nobump');
  });

  it('runs builds queued by POST …/build over HTTP (the backend Rebuild)', async () => {
    const sha = await commitSource('rebuild', 'Retrain');
    const res = await fetch(`${jenkins.url}${jobPath('rebuild')}/build`, {
      method: 'POST',
      headers: auth(),
      redirect: 'manual',
    });
    expect(res.status).toBe(201);
    const queueItem = `${
      new URL(res.headers.get('location')!).pathname
    }api/json`;
    let item = await getJson(queueItem);
    const end = Date.now() + 10_000;
    while (!item.executable && Date.now() < end) {
      await new Promise(r => setTimeout(r, 50));
      item = await getJson(queueItem);
    }
    const build = await finished('rebuild', item.executable.number);
    expect(build.result).toBe('SUCCESS');
    expect(build.actions[0].causes[0].shortDescription).toBe(
      'Started by user admin',
    );
    expect(commitOf('rebuild', build)).toBe(sha);
    expect(await revisionLabel('rebuild', sha)).toBe(sha);
    expect((await overlayTag('rebuild')).tag).toBe(sha);
  });

  it('runs two quick triggers one after the other', async () => {
    const a = await commitSource('queue', 'First change');
    const first = await controller.trigger('queue', 'push of the first change');
    const b = await commitSource('queue', 'Second change');
    const secondP = controller.trigger('queue');
    const end = Date.now() + 5_000;
    let blocked: Json | undefined;
    while (!blocked && Date.now() < end) {
      const queue = await getJson('/queue/api/json');
      blocked = queue.items.find(
        (i: Json) => i.task.name === 'queue' && i.blocked,
      );
      if (!blocked) await new Promise(r => setTimeout(r, 20));
    }
    expect(blocked?.why).toMatch(
      new RegExp(`^Build #${first} is already in progress`),
    );
    const second = await secondP;
    expect(second).toBe(first + 1);
    const b1 = await finished('queue', first);
    const b2 = await finished('queue', second);
    expect(b1.actions[0].causes[0].shortDescription).toBe(
      'push of the first change',
    );
    expect(commitOf('queue', b1)).toBe(a);
    expect(commitOf('queue', b2)).toBe(b);
    expect(b2.timestamp).toBeGreaterThanOrEqual(b1.timestamp + b1.duration);
    expect(b2.changeSets[0].items.map((i: Json) => i.commitId)).toEqual([b]);
  });

  it('stop() aborts the running build, cancels waiting ones, leaves no timers and gives the job back', async () => {
    const timersBefore = process
      .getActiveResourcesInfo()
      .filter(r => r === 'Timeout').length;
    const stopper = await startBuildController({
      jenkins,
      registry: {
        url: registry.url,
        username: registry.username,
        password: registry.password,
      },
      services: [services.get('stopper')!],
      breaks,
      stageMs: 20_000,
    });
    const running = await stopper.trigger('stopper');
    const waiting = stopper.trigger('stopper');
    waiting.catch(() => undefined);
    const until = Date.now() + 5_000;
    while (
      (await stagesOf('stopper', running)).length === 0 &&
      Date.now() < until
    )
      await new Promise(r => setTimeout(r, 20));
    const t0 = Date.now();
    await stopper.stop();
    const timersAfter = process
      .getActiveResourcesInfo()
      .filter(r => r === 'Timeout').length;
    expect(timersAfter).toBeLessThanOrEqual(timersBefore);
    expect(Date.now() - t0).toBeLessThan(10_000);
    await expect(waiting).rejects.toThrow(/cancelled/);
    const build = await getJson(`${jobPath('stopper')}/${running}/api/json`);
    expect(build.building).toBe(false);
    expect(build.result).toBe('ABORTED');
    const stages = await stagesOf('stopper', running);
    expect(stages[0]).toMatchObject({
      name: 'Declarative: Checkout SCM',
      status: 'ABORTED',
    });
    expect((await getJson('/queue/api/json')).items).toEqual([]);
    await expect(stopper.trigger('stopper')).rejects.toThrow(/stopped/);
    expect(await tags('stopper')).toEqual([]);
    // the job is the simulator's again: a trigger gets a generated build
    const next = await jenkins.triggerBuild('genai/stopper', {
      quietPeriodMs: 0,
    });
    const stagesOfNext = await stagesOf('stopper', next.number);
    expect(stagesOfNext[0].name).toBe('Declarative: Checkout SCM');
    expect(jenkins.job('genai/stopper')!.builds.at(-1)!.log).toBeUndefined();
  });

  it('bounds build starts per service per minute: a trigger beyond the bound waits in the queue', async () => {
    const rated = await startBuildController({
      jenkins,
      registry: {
        url: registry.url,
        username: registry.username,
        password: registry.password,
      },
      services: [services.get('rated')!],
      breaks,
      stageMs: 0,
      maxBuildsPerMinute: 1,
    });
    try {
      const first = await rated.trigger('rated');
      expect((await finished('rated', first)).result).toBe('SUCCESS');
      const later = rated.trigger('rated');
      later.catch(() => undefined);
      const queue = await getJson('/queue/api/json');
      const item = queue.items.find((i: Json) => i.task.name === 'rated');
      expect(item._class).toBe('hudson.model.Queue$WaitingItem');
      expect(item.why).toMatch(/^In the quiet period. Expires in \d+ sec/);
      expect(item.timestamp - Date.now()).toBeGreaterThan(30_000);
      expect(jenkins.job('genai/rated')!.builds).toHaveLength(1);
      await rated.stop();
      await expect(later).rejects.toThrow(/cancelled/);
    } finally {
      await rated.stop();
    }
  });
});

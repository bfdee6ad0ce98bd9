/**
 * Real (non-dry) scaffolder tasks of the model-service template through
 * `POST /api/scaffolder/v2/tasks`:
 *
 * - a valid run with `publish:github` replaced by a push to a local bare
 *   repository: the Jenkins simulator gets the multibranch job for that
 *   repository, the Harbor simulator the registry project, the GitOps
 *   registration lands as a real commit with the expected tree in the
 *   app-of-apps repository, and the catalog receives the registration;
 * - invalid inputs are refused before anything is published: by the
 *   template's parameter schema (HTTP 400, no task) or by the `validate`
 *   step (task failed at `validate`, no later step ran), with nothing pushed
 *   to any repository, no request to Jenkins or Harbor and nothing
 *   registered in the catalog.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Entity } from '@backstage/catalog-model';
import YAML from 'yaml';
import {
  CiPeers,
  configXmlText,
  scaffolderConfig,
  startCiPeers,
} from './ciPeers';
import { BareRepo, createBareRepo, git, redirectGitUrls } from './gitRepo';
import { LOCAL_PUBLISH_ACTION, localPublishModule } from './localPublish';
import { combinations, GITOPS_REPO_URL, valuesFor } from './matrix';
import {
  ScaffolderHarness,
  startScaffolder,
  TaskEvent,
} from './scaffolderHarness';
import { readTemplate, TemplateEntity, templateDir } from './templateFiles';

jest.setTimeout(60_000);

const TEMPLATE_DIR = templateDir('model-service');
const template = readTemplate(TEMPLATE_DIR);

/** The template as the catalog holds it, located at its template.yaml (the base of ./skeleton URLs). */
function asCatalogEntity(t: TemplateEntity, name: string): Entity {
  const location = `file:${path.join(TEMPLATE_DIR, 'template.yaml')}`;
  return {
    ...(t as unknown as Entity),
    metadata: {
      ...t.metadata,
      name,
      namespace: 'default',
      annotations: {
        ...t.metadata.annotations,
        'backstage.io/managed-by-location': location,
        'backstage.io/managed-by-origin-location': location,
      },
    },
  };
}

/** The same steps with publish-github pushing to a local bare repository. */
const localPublishTemplate: TemplateEntity = {
  ...template,
  spec: {
    ...template.spec,
    steps: template.spec.steps.map(s =>
      s.id === 'publish-github' ? { ...s, action: LOCAL_PUBLISH_ACTION } : s,
    ),
  },
};
/**
 * The same steps (publish-github pushing locally, so every later step could
 * really write) without the form's parameter schema: only the validate step
 * guards them.
 */
const noSchemaTemplate: TemplateEntity = {
  ...localPublishTemplate,
  spec: { ...localPublishTemplate.spec, parameters: [] },
};

/** steps that executed (finished as completed or failed), in order */
const stepsThatRan = (events: TaskEvent[]) => [
  ...new Set(
    events
      .filter(
        e =>
          e.body.stepId &&
          ['completed', 'failed'].includes(e.body.status ?? ''),
      )
      .map(e => e.body.stepId),
  ),
];
const stepsSkipped = (events: TaskEvent[]) =>
  events
    .filter(e => e.body.stepId && e.body.status === 'skipped')
    .map(e => e.body.stepId);
/** the messages of failed steps and of a failed completion ('' when nothing failed) */
const failureOf = (events: TaskEvent[]) =>
  events
    .filter(
      e =>
        e.body.status === 'failed' || (e.type === 'completion' && e.body.error),
    )
    .map(e => e.body.error?.message ?? e.body.message ?? '')
    .join('\n');

let tmp: string;
let gitops: BareRepo;
let sourceRepo: BareRepo;
let restoreGit: () => void;
let scaffolder: ScaffolderHarness;
let peers: CiPeers;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'template-checks-run-'));
  gitops = createBareRepo(tmp, 'gitops', {
    'README.md': '# app-of-apps\n',
    'apps-of-apps/.gitkeep': '',
  });
  sourceRepo = createBareRepo(tmp, 'source', { '.keep': '' });
  // the published repository starts empty: drop the seed branch
  git(['update-ref', '-d', 'refs/heads/main'], sourceRepo.dir);
  restoreGit = redirectGitUrls(tmp, { [GITOPS_REPO_URL]: gitops.fileUrl });
  peers = await startCiPeers();
  scaffolder = await startScaffolder({
    config: scaffolderConfig(peers),
    entities: [
      asCatalogEntity(template, 'model-service'),
      asCatalogEntity(localPublishTemplate, 'model-service-local-publish'),
      asCatalogEntity(noSchemaTemplate, 'model-service-no-schema'),
    ],
    features: [localPublishModule(sourceRepo.dir)],
  });
  // the catalog reads the registered catalog-info.yaml from the published repository
  scaffolder.catalog.readLocation = () =>
    YAML.parseAllDocuments(sourceRepo.show('catalog-info.yaml')).map(
      d => d.toJS() as Entity,
    );
}, 60_000);

afterAll(async () => {
  restoreGit?.();
  await scaffolder?.stop();
  await peers?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** The task's output link titled `title`. */
const linkOf = (events: TaskEvent[], title: string) =>
  (
    (events.find(e => e.type === 'completion')?.body.output?.links ?? []) as {
      title?: string;
      url?: string;
    }[]
  ).find(l => l.title === title)?.url;

describe('a real run (publish to a local repository)', () => {
  const combo = {
    ...combinations()[0],
    name: 'fraud-detector',
    createRegistryProject: true,
  };
  const values = valuesFor(template, combo);
  let result: Awaited<ReturnType<ScaffolderHarness['waitForTask']>>;
  let gitopsBefore: string;

  beforeAll(async () => {
    gitopsBefore = gitops.head();
    const created = await scaffolder.createTask(
      'template:default/model-service-local-publish',
      values,
    );
    if (created.status !== 201 || !created.id) {
      throw new Error(
        `the task was not created: HTTP ${created.status} ${JSON.stringify(
          created.body,
        )}`,
      );
    }
    result = await scaffolder.waitForTask(created.id!);
  });

  it('completes every step', () => {
    expect([values.ci, values.registryOrg, values.gitCredentialsId]).toEqual([
      'jenkins',
      'ml',
      'git-credentials',
    ]);
    expect([result.task.status, failureOf(result.events)]).toEqual([
      'completed',
      '',
    ]);
    expect(stepsThatRan(result.events)).toEqual([
      'validate',
      'fetch-source',
      'fetch-runtime',
      'fetch-ci',
      'fetch-gitops',
      'publish-github',
      'ensure-registry-project',
      'create-jenkins-job',
      'register-gitops',
      'register',
    ]);
    expect(stepsSkipped(result.events)).toEqual([
      'publish-gitlab',
      'publish-gitea',
    ]);
  });

  it('creates the multibranch job ml/fraud-detector on Jenkins, scanning the published repository for its Jenkinsfile', () => {
    const folder = peers.jenkins.job('ml');
    expect(folder?.type).toBe('folder');
    const job = peers.jenkins.job('ml/fraud-detector');
    expect(job?.type).toBe('multibranch');
    const xml = job?.configXml ?? '';
    const remote = configXmlText(xml, 'remote');
    // the clone URL publish answered with: the repository that received the push
    expect(remote).toBe(linkOf(result.events, 'Repository'));
    expect(remote).toBe(sourceRepo.fileUrl);
    expect(configXmlText(xml, 'credentialsId')).toBe('git-credentials');
    const scriptPath = configXmlText(xml, 'scriptPath');
    expect(scriptPath).toBe('Jenkinsfile');
    // following the job's remote and scriptPath leads to the generated pipeline
    const jenkinsfile = git(
      ['show', `main:${scriptPath}`],
      fileURLToPath(remote!),
    );
    expect(jenkinsfile).toContain('pipeline {');
    expect(jenkinsfile).toContain(`${values.registryHost}/ml/fraud-detector`);
    expect(linkOf(result.events, 'Jenkins job')).toBe(
      `${peers.jenkins.url}/job/ml/job/fraud-detector/`,
    );
  });

  it('creates the registry project ml (private) on Harbor', () => {
    expect(peers.harbor.projects()).toEqual([
      expect.objectContaining({ name: 'ml', public: false }),
    ]);
  });

  it('commits the app and its child Application to the app-of-apps repository', () => {
    const [latest, previous] = gitops.log();
    expect(previous.sha).toBe(gitopsBefore);
    expect(latest.subject).toBe('Register fraud-detector in apps-of-apps');
    const files = gitops.files();
    expect(files).toEqual(
      expect.arrayContaining([
        'README.md',
        'apps-of-apps/fraud-detector.yaml',
        'apps/fraud-detector/application.yaml',
        'apps/fraud-detector/base/kustomization.yaml',
        'apps/fraud-detector/overlays/dev/kustomization.yaml',
        'apps/fraud-detector/overlays/prod/kustomization.yaml',
      ]),
    );
    expect(
      files.filter(
        f =>
          !f.startsWith('apps/fraud-detector/') &&
          !f.startsWith('apps-of-apps/'),
      ),
    ).toEqual(['README.md']);
    const child = YAML.parse(gitops.show('apps-of-apps/fraud-detector.yaml'));
    expect(child).toEqual(
      expect.objectContaining({
        kind: 'Application',
        metadata: expect.objectContaining({ name: 'fraud-detector' }),
      }),
    );
    expect(child.spec.source).toEqual(
      expect.objectContaining({
        repoURL: GITOPS_REPO_URL,
        path: 'apps/fraud-detector/overlays/prod',
      }),
    );
  });

  it('links the GitOps commit in the task output', () => {
    const completion = result.events.find(e => e.type === 'completion');
    const links = (completion?.body.output?.links ?? []) as {
      title?: string;
      url?: string;
    }[];
    expect(links.find(l => l.title === 'GitOps commit')?.url).toBe(
      `https://git.ml.internal/platform/gitops/commit/${gitops.head()}`,
    );
  });

  it('publishes the source repository and registers its catalog-info.yaml in the catalog', () => {
    expect(sourceRepo.files()).toEqual(
      expect.arrayContaining([
        'catalog-info.yaml',
        'Dockerfile',
        'Jenkinsfile',
      ]),
    );
    expect(sourceRepo.files().some(f => f.startsWith('gitops/'))).toBe(false);
    expect(scaffolder.catalog.addedLocations.filter(l => !l.dryRun)).toEqual([
      // the GitHub integration resolves /catalog-info.yaml against repoContentsUrl …/blob/main
      {
        type: 'url',
        target:
          'https://github.com/ml-platform/fraud-detector/tree/main/catalog-info.yaml',
      },
    ]);
  });
});

describe('invalid inputs are refused before anything is published', () => {
  // Past validate, these values would write to every peer: the source and
  // GitOps repositories, a Jenkins job (ci jenkins) and a Harbor project
  // (a new one: registryOrg refused).
  const base = {
    ...valuesFor(template, {
      ...combinations()[0],
      name: 'refused-svc',
      createRegistryProject: true,
    }),
    registryOrg: 'refused',
  };
  const cases: {
    what: string;
    values: Record<string, unknown>;
    schemaError: RegExp | null;
    validateError: RegExp;
  }[] = [
    {
      what: 'a name that is not a DNS label (Bad_Name)',
      values: { ...base, name: 'Bad_Name' },
      schemaError: /instance\.name.*does not match pattern/,
      validateError: /name "Bad_Name" is not a DNS-1123 label/,
    },
    {
      what: 'gpuCount 0 for vllm',
      values: { ...base, runtime: 'vllm', gpuCount: 0 },
      schemaError: /instance\.gpuCount/,
      validateError:
        /gpuCount 0 is not possible for runtime vllm: it needs at least one GPU/,
    },
    {
      what: 'gpuCount 99',
      values: { ...base, gpuCount: 99 },
      schemaError: /instance\.gpuCount/,
      validateError: /gpuCount 99 is out of range: a whole number from 0 to 8/,
    },
    {
      what: 'an unknown runtime',
      values: { ...base, runtime: 'tensorflow-serving' },
      schemaError: /instance\.runtime.*enum/,
      validateError:
        /runtime "tensorflow-serving" is unknown; choose one of torchserve, fastapi, kserve-triton, vllm, batch-job/,
    },
    {
      what: 'a registry that is not configured',
      values: { ...base, registryHost: 'registry.example.org' },
      schemaError: null,
      validateError:
        /registryHost "registry\.example\.org" is not a configured registry; choose one of harbor\.ml\.internal/,
    },
  ];

  let gitopsRefs: string;
  let sourceRefs: string;
  let registrations: number;
  let peerRequests: ReturnType<CiPeers['requestCounts']>;
  let peerWrites: ReturnType<CiPeers['writes']>;
  let harborProjects: ReturnType<CiPeers['harbor']['projects']>;
  beforeAll(() => {
    gitopsRefs = gitops.refs();
    sourceRefs = sourceRepo.refs();
    registrations = scaffolder.catalog.addedLocations.length;
    peerRequests = peers.requestCounts();
    peerWrites = peers.writes();
    harborProjects = peers.harbor.projects();
  });

  /**
   * No branch of either repository moved, the catalog received nothing, and
   * Jenkins and Harbor received no request at all (so no write either):
   * their request logs and state are as before.
   */
  const expectNothingWritten = () => {
    expect(gitops.refs()).toBe(gitopsRefs);
    expect(sourceRepo.refs()).toBe(sourceRefs);
    expect(scaffolder.catalog.addedLocations.length).toBe(registrations);
    expect(peers.requestCounts()).toEqual(peerRequests);
    expect(peers.writes()).toEqual(peerWrites);
    expect(peers.jenkins.job('refused')).toBeUndefined();
    expect(peers.harbor.projects()).toEqual(harborProjects);
  };

  /** the task failed at validate with the expected message, and no other step did anything */
  const expectFailedAtValidate = async (
    taskId: string | undefined,
    message: RegExp,
  ) => {
    const { task, events } = await scaffolder.waitForTask(taskId!);
    expect(task.status).toBe('failed');
    expect(stepsThatRan(events)).toEqual(['validate']);
    expect(failureOf(events)).toMatch(message);
    const otherSteps = events.filter(
      e =>
        e.body.stepId &&
        e.body.stepId !== 'validate' &&
        e.body.status !== 'skipped',
    );
    expect(otherSteps).toEqual([]);
  };

  const schemaRefused = cases.filter(c => c.schemaError);
  const validateRefused = cases.filter(c => !c.schemaError);

  it.each(schemaRefused.map(c => [c.what, c] as const))(
    '%s: the API refuses it with HTTP 400 naming the field, and creates no task',
    async (_what, c) => {
      const created = await scaffolder.createTask(
        'template:default/model-service',
        c.values,
      );
      expect(created.status).toBe(400);
      const messages = ((created.body.errors ?? []) as { stack?: string }[])
        .map(e => e.stack)
        .join('\n');
      expect(messages).toMatch(c.schemaError!);
      expectNothingWritten();
    },
  );

  it.each(validateRefused.map(c => [c.what, c] as const))(
    '%s: the task fails at step validate and no later step runs',
    async (_what, c) => {
      const created = await scaffolder.createTask(
        'template:default/model-service',
        c.values,
      );
      expect(created.status).toBe(201);
      await expectFailedAtValidate(created.id, c.validateError);
      expectNothingWritten();
    },
  );

  it.each(cases.map(c => [c.what, c] as const))(
    '%s: without the form schema, the task fails at step validate and no later step runs',
    async (_what, c) => {
      const created = await scaffolder.createTask(
        'template:default/model-service-no-schema',
        c.values,
      );
      expect(created.status).toBe(201);
      await expectFailedAtValidate(created.id, c.validateError);
      expectNothingWritten();
    },
  );
});

/**
 * The model-service golden path, end to end through the real scaffolder:
 * every runtime × ci pair (with syncPolicy, imageUpdater, GPU shape and the
 * fastapi extras rotating over them) is dry-run through
 * `POST /api/scaffolder/v2/dry-run`, and what it generates is checked against
 * real tools: kube-apiserver 1.20 (server-side apply, dryRun=All, CRDs for
 * Application and InferenceService), CodeNarc (npm-groovy-lint), Dockerfile
 * parsing plus our rules, the catalog backend's entity validation, the
 * app-of-apps git repository the template registers into, and the Jenkins
 * and Harbor simulators its last steps check (read-only in a dry run).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RunningKubeApiserver, startKubeApiserver } from '@internal/test-env';
import YAML from 'yaml';
import {
  CatalogValidator,
  checkComponent,
  parseEntities,
  startCatalogValidator,
} from './catalogInfo';
import {
  CiPeers,
  configXmlText,
  scaffolderConfig,
  startCiPeers,
} from './ciPeers';
import { checkDockerfile, formatDockerfileProblems } from './dockerfileRules';
import { BareRepo, createBareRepo, redirectGitUrls } from './gitRepo';
import { lintJenkinsfiles } from './groovyLint';
import {
  dryRunObject,
  ensureNamespaces,
  installCrds,
  kubeClientFor,
} from './kubeChecks';
import { KubeClient, KubeObject } from '@internal/test-env';
import {
  adaptForKube120,
  parseObjects,
  renderOverlay,
  RenderedOverlay,
} from '@internal/test-env';
import {
  Combination,
  combinations,
  GITOPS_REPO_URL,
  REGISTRY_HOST,
  valuesFor,
} from './matrix';
import { TEMPLATE_VERSION_ANNOTATION } from './templateMetadata';
import {
  DryRunResult,
  ScaffolderHarness,
  startScaffolder,
} from './scaffolderHarness';
import { checkApplication, checkWorkloads, Expectations } from './semantics';
import {
  decodeFiles,
  parameterPages,
  readTemplate,
  serializeDirectory,
  templateDir,
  writeFiles,
} from './templateFiles';

jest.setTimeout(60_000);

const TEMPLATE_DIR = templateDir('model-service');
const template = readTemplate(TEMPLATE_DIR);
const TEMPLATE_VERSION =
  template.metadata.annotations?.[TEMPLATE_VERSION_ANNOTATION] ?? '';
const directoryContents = serializeDirectory(TEMPLATE_DIR);
const COMBOS = combinations();
const OVERLAYS = ['dev', 'prod'] as const;
/** Runtimes that serve a health endpoint, so their image declares a HEALTHCHECK. */
const HEALTHCHECK_RUNTIMES = ['torchserve', 'fastapi', 'vllm'];
const CI_FILES: Record<string, string> = {
  jenkins: 'source/Jenkinsfile',
  gitlab: 'source/.gitlab-ci.yml',
  github: 'source/.github/workflows/build.yaml',
};

interface Rendered {
  combo: Combination;
  values: Record<string, unknown>;
  dryRun: DryRunResult;
  files: Map<string, string>;
  /** where the files were written */
  dir: string;
  overlays: Partial<Record<(typeof OVERLAYS)[number], RenderedOverlay>>;
  overlayErrors: string[];
  application?: KubeObject;
}

let tmp: string;
let gitops: BareRepo;
let restoreGit: () => void;
let scaffolder: ScaffolderHarness;
let kube: RunningKubeApiserver;
let kubeClient: KubeClient;
let catalog: CatalogValidator;
let peers: CiPeers;
const rendered = new Map<string, Rendered>();

function expectationsOf(r: Rendered): Expectations {
  const v = r.values;
  return {
    name: r.combo.name,
    runtime: r.combo.runtime,
    namespace: String(v.namespace),
    registryHost: String(v.registryHost),
    registryOrg: String(v.registryOrg),
    pullSecret: String(v.pullSecret),
    gpuCount: Number(v.gpuCount),
    gpuProduct: v.gpuProduct as string | undefined,
    schedule: v.schedule as string | undefined,
    modelSource: v.modelSource as string | undefined,
    syncPolicy: r.combo.syncPolicy,
    imageUpdater: r.combo.imageUpdater,
    gitopsRepoUrl: String(v.gitopsRepoUrl),
    cluster: String(v.cluster),
  };
}

function get(name: string): Rendered {
  const r = rendered.get(name);
  if (!r) throw new Error(`${name} was not rendered`);
  if (r.dryRun.status !== 200) {
    throw new Error(
      `dry-run of ${name} failed: HTTP ${r.dryRun.status} ${JSON.stringify(
        r.dryRun.error ?? r.dryRun.errors,
      )}`,
    );
  }
  return r;
}

async function render(combo: Combination): Promise<Rendered> {
  const values = valuesFor(template, combo);
  const dryRun = await scaffolder.dryRun(template, values, directoryContents);
  const files = decodeFiles(dryRun.directoryContents ?? []);
  const dir = path.join(tmp, combo.name);
  writeFiles(files, dir);
  const r: Rendered = {
    combo,
    values,
    dryRun,
    files,
    dir,
    overlays: {},
    overlayErrors: [],
  };
  const appDir = path.join(dir, 'gitops', 'apps', combo.name);
  if (dryRun.status === 200 && fs.existsSync(appDir)) {
    for (const overlay of OVERLAYS) {
      try {
        r.overlays[overlay] = await renderOverlay(
          kube.kubectlPath,
          appDir,
          `overlays/${overlay}`,
        );
      } catch (e) {
        r.overlayErrors.push((e as Error).message);
      }
    }
    const appFile = `gitops/apps/${combo.name}/application.yaml`;
    if (files.has(appFile))
      [r.application] = parseObjects(files.get(appFile)!, appFile);
  }
  return r;
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'template-checks-'));
  gitops = createBareRepo(tmp, 'gitops', {
    'README.md': '# app-of-apps\n',
    'apps-of-apps/.gitkeep': '',
  });
  restoreGit = redirectGitUrls(tmp, { [GITOPS_REPO_URL]: gitops.fileUrl });
  peers = await startCiPeers();
  [scaffolder, kube, catalog] = await Promise.all([
    startScaffolder({ config: scaffolderConfig(peers) }),
    startKubeApiserver(),
    startCatalogValidator(),
  ]);
  kubeClient = kubeClientFor(kube);
  await installCrds(kubeClient);
  for (const combo of COMBOS) rendered.set(combo.name, await render(combo));
  const namespaces = new Set<string>(['argocd']);
  for (const r of rendered.values()) {
    for (const o of Object.values(r.overlays).flatMap(
      ov => ov?.objects ?? [],
    )) {
      if (o.metadata.namespace) namespaces.add(o.metadata.namespace);
    }
    if (r.application?.metadata.namespace)
      namespaces.add(r.application.metadata.namespace);
  }
  await ensureNamespaces(kubeClient, namespaces);
}, 150_000);

afterAll(async () => {
  restoreGit?.();
  await Promise.all([
    scaffolder?.stop(),
    kube?.stop(),
    catalog?.stop(),
    peers?.stop(),
  ]);
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** The last status the dry-run log reports for a step. */
function statusOf(r: Rendered, stepId: string): string | undefined {
  return (r.dryRun.log ?? [])
    .filter(l => l.body.stepId === stepId && l.body.status)
    .map(l => l.body.status)
    .pop();
}

function linkOf(r: Rendered, title: string): string | undefined {
  return (
    (r.dryRun.output?.links ?? []) as { title?: string; url?: string }[]
  ).find(l => l.title === title)?.url;
}

describe.each(COMBOS.map(c => [c.name, c] as const))('%s', (name, combo) => {
  it('runs through the scaffolder: validate, fetch, the CI steps and register-gitops run, publish and catalog:register are skipped in dry-run', () => {
    const r = get(name);
    const jenkins = combo.ci === 'jenkins';
    const expected: Record<string, string> = {
      validate: 'completed',
      'fetch-source': 'completed',
      'fetch-runtime': 'completed',
      'fetch-ci': 'completed',
      'fetch-gitops': 'completed',
      'publish-github': 'skipped',
      'publish-gitlab': 'skipped',
      'publish-gitea': 'skipped',
      'ensure-registry-project': combo.createRegistryProject
        ? 'completed'
        : 'skipped',
      'create-jenkins-job': jenkins ? 'completed' : 'skipped',
      'register-gitops': 'completed',
      register: 'skipped',
    };
    const steps = template.spec.steps.map(s => String(s.id));
    expect(steps).toEqual(Object.keys(expected));
    expect(Object.fromEntries(steps.map(s => [s, statusOf(r, s)]))).toEqual(
      expected,
    );
    // register-gitops made a real commit in its throw-away clone of the app-of-apps repository
    const commitLink = linkOf(r, 'GitOps commit');
    expect(commitLink).toMatch(
      /^https:\/\/git\.ml\.internal\/platform\/gitops\/commit\/[0-9a-f]{40}$/,
    );
    expect(commitLink).not.toMatch(/0{40}$/);
  });

  it(`${
    combo.ci === 'jenkins'
      ? 'plans the multibranch job ml/<name> for the repository (clone URL from the form in a dry run) and links it'
      : 'creates no Jenkins job and links none'
  }`, () => {
    const r = get(name);
    // the config.xml the action would POST, as its dry run logs it
    const planned = (r.dryRun.log ?? [])
      .filter(l => l.body.stepId === 'create-jenkins-job')
      .map(l => l.body.message)
      .find(m => m.includes('would POST config.xml'));
    const plan = planned && {
      job: /would POST config\.xml for (\S+):/.exec(planned)?.[1],
      remote: configXmlText(planned, 'remote'),
      credentialsId: configXmlText(planned, 'credentialsId'),
      scriptPath: configXmlText(planned, 'scriptPath'),
    };
    expect({ link: linkOf(r, 'Jenkins job'), plan }).toEqual(
      combo.ci === 'jenkins'
        ? {
            link: `${peers.jenkins.url}/job/ml/job/${name}/`,
            plan: {
              job: `ml/${name}`,
              remote: `https://github.com/ml-platform/${name}.git`,
              credentialsId: 'git-credentials',
              scriptPath: 'Jenkinsfile',
            },
          }
        : { link: undefined, plan: undefined },
    );
  });

  it('leaves no unrendered template syntax in any file', () => {
    const r = get(name);
    const leftovers = [...r.files]
      .filter(([, text]) =>
        /\$\{\{\s*(values|parameters)\b|\{%-?\s|\{\{\s*values\b/.test(text),
      )
      .map(([file]) => file);
    expect(leftovers).toEqual([]);
  });

  it('renders overlays dev and prod with kubectl kustomize', () => {
    const r = get(name);
    expect(r.overlayErrors).toEqual([]);
    for (const overlay of OVERLAYS)
      expect(r.overlays[overlay]?.objects.length).toBeGreaterThan(0);
    expect(r.application).toBeDefined();
  });

  it('every object of both overlays and application.yaml is accepted by kube-apiserver (server-side apply, dryRun=All)', async () => {
    const r = get(name);
    const objects = [
      ...OVERLAYS.flatMap(
        overlay => adaptForKube120(r.overlays[overlay]?.objects ?? []).objects,
      ),
      ...(r.application ? [r.application] : []),
    ];
    expect(objects.length).toBeGreaterThan(1);
    const failures = [];
    for (const obj of objects) {
      const outcome = await dryRunObject(kubeClient, obj);
      if (!outcome.ok) failures.push(`${outcome.object}: ${outcome.problem}`);
    }
    expect(failures).toEqual([]);
  });

  it(`workloads follow the ${combo.runtime} runtime and the GPU choice (probes, GPUs, placement, image, labels, pull secret)`, () => {
    const r = get(name);
    const exp = expectationsOf(r);
    const problems = OVERLAYS.flatMap(overlay =>
      checkWorkloads(r.overlays[overlay]?.objects ?? [], exp, overlay).map(
        p => `${overlay}: ${p}`,
      ),
    );
    expect(problems).toEqual([]);
  });

  it(`the Argo CD Application is ${combo.syncPolicy}${
    combo.imageUpdater ? ' with Image Updater' : ''
  }`, () => {
    const r = get(name);
    expect(r.application).toBeDefined();
    expect(checkApplication(r.application!, expectationsOf(r))).toEqual([]);
  });

  it('every Dockerfile parses and passes our rules', () => {
    const r = get(name);
    const dockerfiles = [...r.files.keys()].filter(f =>
      /(^|\/)Dockerfile[^/]*$/.test(f),
    );
    expect(dockerfiles).toContain('source/Dockerfile');
    const problems = dockerfiles.flatMap(file => {
      const found = checkDockerfile(r.files.get(file)!, {
        requireHealthcheck: HEALTHCHECK_RUNTIMES.includes(combo.runtime),
      });
      return found.length ? [formatDockerfileProblems(file, found)] : [];
    });
    expect(problems).toEqual([]);
  });

  it('catalog-info.yaml is accepted by the catalog and carries the contract annotations', async () => {
    const r = get(name);
    const entities = parseEntities(
      r.files.get('source/catalog-info.yaml') ?? '',
    );
    const component = entities.find(e => e.kind === 'Component');
    expect(component).toBeDefined();
    const location = `url:https://github.com/ml-platform/${name}/blob/main/catalog-info.yaml`;
    for (const entity of entities)
      expect(await catalog.validate(entity, location)).toEqual([]);
    const v = r.values;
    expect(
      checkComponent(component!, {
        templateVersion: TEMPLATE_VERSION,
        name,
        runtime: combo.runtime,
        ci: combo.ci,
        namespace: String(v.namespace),
        registryHost: String(v.registryHost),
        registryOrg: String(v.registryOrg),
        modelName: String(v.modelName),
        owner: String(v.owner),
        system: v.system as string | undefined,
        repoUrl: String(v.repoUrl),
      }),
    ).toEqual([]);
  });

  it(`has exactly the ${combo.ci} pipeline, which builds ${REGISTRY_HOST}/ml/${name}`, () => {
    const r = get(name);
    const present = Object.entries(CI_FILES)
      .filter(([, file]) => r.files.has(file))
      .map(([ci]) => ci);
    expect(present).toEqual([combo.ci]);
    const text = r.files.get(CI_FILES[combo.ci])!;
    const yamlErrors =
      combo.ci === 'jenkins'
        ? []
        : YAML.parseDocument(text).errors.map(e => e.message);
    expect(yamlErrors).toEqual([]);
    expect(text).toContain(`${REGISTRY_HOST}/ml/${name}`);
  });
});

/** The hosts the form's RepoUrlPicker offers. */
const ALLOWED_HOSTS =
  (
    parameterPages(template)
      .flatMap(p => Object.entries(p.properties ?? {}))
      .find(([n]) => n === 'repoUrl')?.[1]?.['ui:options'] as
      | { allowedHosts?: string[] }
      | undefined
  )?.allowedHosts ?? [];

it.each(ALLOWED_HOSTS)(
  'a repository on %s (offered by the form) can be published: its publish action is installed, and the Jenkins job gets its clone URL',
  async host => {
    // GitLab owners may be subgroups, which the RepoUrlPicker encodes as %2F
    const owner = host === 'gitlab.com' ? 'ml-platform/serving' : 'ml-platform';
    const values = {
      ...valuesFor(template, COMBOS[0]),
      name: 'host-check',
      repoUrl: `${host}?owner=${encodeURIComponent(owner)}&repo=host-check`,
    };
    expect(COMBOS[0].ci).toBe('jenkins');
    const result = await scaffolder.dryRun(template, values, directoryContents);
    expect([result.status, result.error?.message]).toEqual([200, undefined]);
    const planned = (result.log ?? [])
      .map(l => l.body.message)
      .find(m => m.includes('would POST config.xml'));
    expect(configXmlText(planned ?? '', 'remote')).toBe(
      `https://${host}/${owner}/host-check.git`,
    );
  },
);

it('the dry-runs pushed nothing to the app-of-apps repository', () => {
  expect(gitops.commitCount()).toBe(1);
  expect(gitops.files()).toEqual(['README.md', 'apps-of-apps/.gitkeep']);
});

it('the dry-runs looked Jenkins and Harbor up but wrote nothing to either', () => {
  // the create-jenkins-job and ensure-registry-project dry runs made their read-only checks …
  const jenkinsRuns = COMBOS.filter(c => c.ci === 'jenkins').length;
  const harborRuns = COMBOS.filter(c => c.createRegistryProject).length;
  expect(jenkinsRuns).toBeGreaterThan(0);
  expect(harborRuns).toBeGreaterThan(0);
  const counts = peers.requestCounts();
  expect(counts.jenkins).toBeGreaterThanOrEqual(jenkinsRuns);
  expect(counts.harbor).toBeGreaterThanOrEqual(harborRuns);
  // … and changed nothing
  expect(peers.writes()).toEqual([]);
  expect(peers.jenkins.job('ml')).toBeUndefined();
  expect(peers.harbor.projects()).toEqual([]);
});

it('every generated Jenkinsfile passes CodeNarc (npm-groovy-lint, recommended-jenkinsfile) with zero errors', async () => {
  const jenkinsfiles = COMBOS.filter(c => c.ci === 'jenkins').map(c =>
    path.join(get(c.name).dir, 'source', 'Jenkinsfile'),
  );
  for (const file of jenkinsfiles) expect(fs.existsSync(file)).toBe(true);
  // A broken control file in the same run proves the linter really reports errors.
  const control = path.join(tmp, 'control', 'Jenkinsfile');
  fs.mkdirSync(path.dirname(control), { recursive: true });
  fs.writeFileSync(
    control,
    "pipeline {\n  agent any\n  stages { stage('x') { steps { sh 'true' } }\n",
  );

  const { linted, issues } = await lintJenkinsfiles([...jenkinsfiles, control]);
  expect(linted).toBe(jenkinsfiles.length + 1);
  const errors = issues.filter(i => i.severity === 'error');
  expect(errors.filter(i => i.file === control).map(i => i.rule)).toContain(
    'NglParseError',
  );
  expect(
    errors
      .filter(i => i.file !== control)
      .map(
        i => `${path.relative(tmp, i.file)}:${i.line} ${i.rule}: ${i.message}`,
      ),
  ).toEqual([]);
}, 180_000);

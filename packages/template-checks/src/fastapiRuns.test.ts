/**
 * The FastAPI model service the model-service template generates, RUN for
 * real: the template goes through the real scaffolder (dry-run), and the
 * generated `source/app` runs under uvicorn with Debian's python3-fastapi,
 * python3-uvicorn, python3-torch and python3-prometheus-client, serving a
 * tiny TorchScript model the test makes. What the generated Dockerfile and
 * Kubernetes manifests promise is then checked against that process:
 * the image's CMD is the command that ran (only host and port differ), its
 * port is the one every manifest names, the container env is the env it ran
 * with, and every probe path answers as Kubernetes expects.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  makeTinyTorchScriptModel,
  RunningFastapiModelService,
  startFastapiModelService,
} from '@internal/test-env';
import { DockerfileParser } from 'dockerfile-ast';
import YAML from 'yaml';
import { CiPeers, scaffolderConfig, startCiPeers } from './ciPeers';
import { BareRepo, createBareRepo, redirectGitUrls } from './gitRepo';
import { combinations, GITOPS_REPO_URL, valuesFor } from './matrix';
import { ScaffolderHarness, startScaffolder } from './scaffolderHarness';
import {
  decodeFiles,
  readTemplate,
  serializeDirectory,
  templateDir,
  writeFiles,
} from './templateFiles';

jest.setTimeout(90_000);

const TEMPLATE_DIR = templateDir('model-service');
const template = readTemplate(TEMPLATE_DIR);
const SERVICE = 'fraud-chat';

interface Probe {
  httpGet?: { path?: string; port?: number | string };
}
interface Container {
  name: string;
  command?: string[];
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: unknown }[];
  ports?: { name?: string; containerPort: number }[];
  startupProbe?: Probe;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  volumeMounts?: { name: string; mountPath: string }[];
}
interface Manifest {
  kind: string;
  metadata: { name: string; annotations?: Record<string, string> };
  spec?: Record<string, any>;
}

/** What the generated files say about running the service. */
interface Contract {
  cmd: string[];
  entrypoint?: string[];
  workdir: string;
  exposed: number[];
  imageEnv: Record<string, string>;
  healthcheckUrl: string;
  container: Container;
  podAnnotations: Record<string, string>;
  service: Manifest;
  ingress?: Manifest;
  catalogModelName?: string;
}

let tmp: string;
let gitops: BareRepo;
let restoreGit: () => void;
let peers: CiPeers;
let scaffolder: ScaffolderHarness;
let files: Map<string, string>;
let values: Record<string, unknown>;
let contract: Contract;
let sourceDir: string;
/** stands for the pod's filesystem root: the model volume is mounted below it */
let podRoot: string;
let svc: RunningFastapiModelService;
let words: string[];
const services: RunningFastapiModelService[] = [];

/** The exec-form arguments of an instruction (`CMD ["a", "b"]`), as Docker reads them. */
function execForm(args: string): string[] {
  const parsed = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every(a => typeof a === 'string'))
    throw new Error(`not an exec-form array: ${args}`);
  return parsed;
}

function readContract(): Contract {
  const dockerfile = DockerfileParser.parse(files.get('source/Dockerfile')!);
  const instructions = dockerfile.getInstructions();
  const last = (keyword: string) =>
    [...instructions].reverse().find(i => i.getKeyword() === keyword);
  const argsText = (keyword: string) => {
    const i = last(keyword);
    if (!i) return undefined;
    const range = i.getArgumentsRange();
    if (!range) return '';
    const lines = files.get('source/Dockerfile')!.split('\n');
    // the arguments may continue over lines (backslash)
    const text = lines
      .slice(range.start.line, range.end.line + 1)
      .map((l, n, all) => {
        const from = n === 0 ? range.start.character : 0;
        const to = n === all.length - 1 ? range.end.character : l.length;
        return l.slice(from, to).replace(/\\$/, '');
      })
      .join(' ');
    return text.trim();
  };
  const imageEnv: Record<string, string> = {};
  for (const env of dockerfile.getENVs())
    for (const p of env.getProperties())
      imageEnv[p.getName()] = p.getValue() ?? '';
  const healthcheck = argsText('HEALTHCHECK') ?? '';
  const healthcheckUrl =
    /urlopen\('([^']+)'/.exec(healthcheck)?.[1] ??
    /(https?:\/\/[^\s'"]+)/.exec(healthcheck)?.[1] ??
    '';
  const appDir = `gitops/apps/${SERVICE}`;
  const manifests = [...files.entries()]
    .filter(([p]) => p.startsWith(`${appDir}/base/`) && p.endsWith('.yaml'))
    .filter(([p]) => !p.endsWith('kustomization.yaml'))
    .flatMap(([, text]) =>
      YAML.parseAllDocuments(text).map(d => d.toJS() as Manifest),
    )
    .filter(Boolean);
  const deployment = manifests.find(m => m.kind === 'Deployment');
  if (!deployment) throw new Error('no Deployment in the generated base');
  const container = (
    deployment.spec!.template.spec.containers as Container[]
  )[0];
  const catalog = YAML.parse(files.get('source/catalog-info.yaml')!);
  return {
    cmd: execForm(argsText('CMD')!),
    entrypoint: last('ENTRYPOINT')
      ? execForm(argsText('ENTRYPOINT')!)
      : undefined,
    workdir: argsText('WORKDIR') ?? '/',
    exposed: (argsText('EXPOSE') ?? '')
      .split(/\s+/)
      .filter(Boolean)
      .map(p => Number(p.split('/')[0])),
    imageEnv,
    healthcheckUrl,
    container,
    podAnnotations: deployment.spec!.template.metadata.annotations ?? {},
    service: manifests.find(m => m.kind === 'Service')!,
    ingress: manifests.find(m => m.kind === 'Ingress'),
    catalogModelName: catalog?.metadata?.annotations?.['mlops.io/model-name'],
  };
}

/** The container's env with plain values (k8s `env` overrides the image's ENV). */
function containerEnv(c: Contract): Record<string, string> {
  const env = { ...c.imageEnv };
  for (const e of c.container.env ?? [])
    if (e.value !== undefined) env[e.name] = e.value;
  return env;
}

/** The container port a probe's `port` (a name or a number) means. */
function containerPortOf(
  port: number | string | undefined,
): number | undefined {
  if (typeof port === 'number') return port;
  return contract.container.ports?.find(p => p.name === port)?.containerPort;
}

/** Where a path of the pod is on this machine. */
const onThisMachine = (podPath: string) => path.join(podRoot, podPath);

async function startGenerated(modelPodPath: string) {
  const env = containerEnv(contract);
  const s = await startFastapiModelService({
    sourceDir,
    env,
    modelPath: onThisMachine(modelPodPath),
  });
  services.push(s);
  return s;
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'template-checks-fastapi-'));
  gitops = createBareRepo(tmp, 'gitops', {
    'README.md': '# app-of-apps\n',
    'apps-of-apps/.gitkeep': '',
  });
  restoreGit = redirectGitUrls(tmp, { [GITOPS_REPO_URL]: gitops.fileUrl });
  peers = await startCiPeers();
  scaffolder = await startScaffolder({ config: scaffolderConfig(peers) });
  const base = combinations().find(c => c.runtime === 'fastapi')!;
  // CPU only, no Redis or Chroma: nothing but the service itself runs here.
  values = valuesFor(template, {
    ...base,
    name: SERVICE,
    gpuCount: 0,
    gpuProduct: undefined,
    enableRedis: false,
    enableChroma: false,
  });
  const dryRun = await scaffolder.dryRun(
    template,
    values,
    serializeDirectory(TEMPLATE_DIR),
  );
  if (dryRun.status !== 200)
    throw new Error(
      `dry-run failed: HTTP ${dryRun.status} ${JSON.stringify(
        dryRun.error ?? dryRun.errors,
      )}`,
    );
  files = decodeFiles(dryRun.directoryContents ?? []);
  writeFiles(files, path.join(tmp, 'generated'));
  sourceDir = path.join(tmp, 'generated', 'source');
  contract = readContract();
  podRoot = path.join(tmp, 'pod');
  // The model volume holds model.pt in the folder MODEL_PATH names.
  const modelDir = onThisMachine(containerEnv(contract).MODEL_PATH);
  ({ words } = await makeTinyTorchScriptModel(path.join(modelDir, 'model.pt')));
  svc = await startGenerated(containerEnv(contract).MODEL_PATH);
  const ready = await svc.waitForModel();
  if (ready.status !== 200)
    throw new Error(
      `the generated service is not ready: ${ready.text}\n${svc.logs()}`,
    );
}, 120_000);

afterAll(async () => {
  await Promise.all(services.map(s => s.stop()));
  await scaffolder?.stop();
  await peers?.stop();
  restoreGit?.();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('the generated FastAPI service, run for real', () => {
  it("runs the Dockerfile's CMD from its WORKDIR: only host and port differ", () => {
    expect(contract.entrypoint).toBeUndefined();
    expect(contract.cmd[0]).toBe('uvicorn');
    const imagePort = contract.cmd[contract.cmd.indexOf('--port') + 1];
    const imageHost = contract.cmd[contract.cmd.indexOf('--host') + 1];
    expect(imageHost).toBe('0.0.0.0');
    // what ran, with the image's host and port put back, is the image's CMD
    const ran = svc.uvicornArgs.map((a, i, all) => {
      if (all[i - 1] === '--host') return imageHost;
      if (all[i - 1] === '--port') return imagePort;
      return a;
    });
    expect(ran).toEqual(contract.cmd);
    // `COPY app/ ./app/` into WORKDIR: the test runs from the folder holding app/
    expect(contract.workdir).toBe('/srv');
    expect(files.get('source/Dockerfile')).toMatch(/^COPY app\/ \.\/app\/$/m);
    expect(fs.existsSync(path.join(sourceDir, 'app', 'main.py'))).toBe(true);
  });

  it('listens on the one port the Dockerfile, the Deployment, the Service and the scrape annotation name', () => {
    const port = Number(contract.cmd[contract.cmd.indexOf('--port') + 1]);
    expect(port).toBe(8000);
    expect(contract.exposed).toEqual([port]);
    expect(contract.container.ports).toEqual([
      { name: 'http', containerPort: port },
    ]);
    const servicePorts = contract.service.spec!.ports as {
      name: string;
      port: number;
      targetPort: string | number;
    }[];
    expect(servicePorts).toEqual([{ name: 'http', port, targetPort: 'http' }]);
    expect(containerPortOf(servicePorts[0].targetPort)).toBe(port);
    expect(contract.podAnnotations['prometheus.io/port']).toBe(String(port));
    expect(new URL(contract.healthcheckUrl).port).toBe(String(port));
    // the Ingress sends every path to the Service's http port
    const backends = (contract.ingress?.spec?.rules ?? []).flatMap(
      (r: { http: { paths: { path: string; backend: unknown }[] } }) =>
        r.http.paths.map(p => [p.path, p.backend]),
    );
    expect(backends).toEqual([
      ['/', { service: { name: SERVICE, port: { name: 'http' } } }],
    ]);
    expect(contract.service.metadata.name).toBe(SERVICE);
  });

  it('runs with the env the Deployment gives the container, and serves the model under its MODEL_NAME', async () => {
    const env = containerEnv(contract);
    expect(env.MODEL_NAME).toBe(values.modelName);
    expect(contract.catalogModelName).toBe(env.MODEL_NAME);
    // MODEL_PATH is where the Deployment mounts the model volume
    const mounts = contract.container.volumeMounts ?? [];
    expect(mounts.map(m => m.mountPath)).toContain(env.MODEL_PATH);
    expect(svc.env.MODEL_NAME).toBe(env.MODEL_NAME);
    expect(svc.env.MODEL_PATH).toBe(onThisMachine(env.MODEL_PATH));

    const ready = await svc.get('/readyz');
    expect(ready.json).toMatchObject({
      status: 'ready',
      model: env.MODEL_NAME,
      loader: 'torchscript',
    });
    const models = await svc.get('/v1/models');
    expect(models.json).toMatchObject({
      object: 'list',
      data: [{ id: env.MODEL_NAME, object: 'model' }],
    });
    const chat = await svc.postJson('/v1/chat/completions', {
      model: env.MODEL_NAME,
      messages: [{ role: 'user', content: 'is this transaction fraud?' }],
    });
    expect(chat.status).toBe(200);
    const answer = chat.json as {
      model: string;
      choices: { message: { role: string; content: string } }[];
    };
    expect(answer.model).toBe(env.MODEL_NAME);
    expect(answer.choices[0].message.role).toBe('assistant');
    expect(words).toContain(answer.choices[0].message.content);
  });

  it("answers 200 on every probe of the Deployment and on the image's HEALTHCHECK", async () => {
    const probes = {
      startupProbe: contract.container.startupProbe,
      livenessProbe: contract.container.livenessProbe,
      readinessProbe: contract.container.readinessProbe,
    };
    const port = Number(contract.cmd[contract.cmd.indexOf('--port') + 1]);
    const seen: Record<string, [string, number, number]> = {};
    for (const [kind, probe] of Object.entries(probes)) {
      expect(probe?.httpGet?.path).toMatch(/^\//);
      // the probe's port is the port the service listens on (run here on svc.port)
      expect(containerPortOf(probe!.httpGet!.port)).toBe(port);
      const answer = await svc.get(probe!.httpGet!.path!);
      seen[kind] = [
        probe!.httpGet!.path!,
        containerPortOf(probe!.httpGet!.port)!,
        answer.status,
      ];
    }
    expect(seen).toEqual({
      startupProbe: ['/healthz', port, 200],
      livenessProbe: ['/healthz', port, 200],
      readinessProbe: ['/readyz', port, 200],
    });
    const healthcheck = new URL(contract.healthcheckUrl);
    expect(healthcheck.hostname).toBe('127.0.0.1');
    expect((await svc.get(healthcheck.pathname)).status).toBe(200);

    expect(contract.podAnnotations['prometheus.io/scrape']).toBe('true');
    const metrics = await svc.get(
      contract.podAnnotations['prometheus.io/path'],
    );
    expect(metrics.status).toBe(200);
    expect(metrics.text).toMatch(/^# TYPE model_requests_total counter$/m);
    expect(metrics.text).toMatch(
      /^# TYPE model_request_latency_seconds histogram$/m,
    );
  });

  it('without weights the readiness probe fails with the reason while liveness holds (no restart loop)', async () => {
    const missing = await startGenerated('/models/not-there');
    const ready = await missing.waitForModel();
    const reason = `no model at ${onThisMachine(
      '/models/not-there',
    )} (mount the model volume or set MODEL_PATH)`;
    expect([ready.status, ready.json]).toEqual([
      503,
      { status: 'not ready', reason },
    ]);
    const live = contract.container.livenessProbe!.httpGet!.path!;
    const startup = contract.container.startupProbe!.httpGet!.path!;
    const readiness = contract.container.readinessProbe!.httpGet!.path!;
    expect([
      (await missing.get(startup)).status,
      (await missing.get(live)).status,
      (await missing.get(readiness)).status,
    ]).toEqual([200, 200, 503]);
    const chat = await missing.postJson('/v1/chat/completions', {
      messages: [{ role: 'user', content: 'hello' }],
    });
    expect([chat.status, chat.json]).toEqual([
      503,
      {
        error: {
          message: `model not ready: ${reason}`,
          type: 'ServiceUnavailableError',
          param: null,
          code: null,
        },
      },
    ]);
    await missing.stop();
  });
});

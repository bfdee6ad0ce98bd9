/**
 * Our backend against the FastAPI model service that the "New model
 * service" template generates, RUN for real: the template goes through the
 * real scaffolder (dry-run, as in template-checks), the generated
 * `source/app` runs under uvicorn with Debian's python3-fastapi 0.92,
 * python3-uvicorn 0.17, python3-torch 1.13 and python3-prometheus-client
 * 0.16 (env from the generated manifests, a tiny TorchScript model made by
 * the test in the folder MODEL_PATH names), and a real Prometheus scrapes
 * it at the path its pod annotations name.
 *
 * - the inference prober (protocol `openai`, endpoint policy allowing only
 *   127.0.0.1:<port>) says live, ready, model ready and measures latency;
 * - a real chat completion is a well-formed OpenAI answer;
 * - readServingMetrics (source `fastapi`) reports request rate, error rate
 *   and p95 latency that match the requests the test sent;
 * - faults, each on its own process: killed, weights missing, weights
 *   corrupt, frozen past the prober's timeout, 5xx predictions.
 */
import { RunningPrometheus, startPrometheus } from '@internal/test-env';
import {
  RunningFastapiModelService,
  TinyTorchScriptModel,
  makeTinyTorchScriptModel,
  startFastapiModelService,
} from '@internal/test-env';
import {
  GITOPS_REPO_URL,
  combinations,
  createBareRepo,
  decodeFiles,
  readTemplate,
  redirectGitUrls,
  scaffolderConfig,
  serializeDirectory,
  startCiPeers,
  startScaffolder,
  templateDir,
  valuesFor,
} from '@internal/template-checks';
import { Entity } from '@backstage/catalog-model';
import {
  ANNOTATION_INFERENCE_ENDPOINT,
  InferenceReport,
} from '@internal/plugin-mlops-common';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { deriveInferenceEndpoint } from './services/health/derivedEndpoint';
import { InferenceProber } from './upstreams/inference/InferenceProber';
import {
  InferenceTarget,
  inferenceTargetOf,
} from './upstreams/inference/target';
import { Service } from './upstreams/kubernetes/types';
import { PrometheusClient } from './upstreams/prometheus/PrometheusClient';
import { readServingMetrics } from './upstreams/prometheus/readers';
import { Selector } from './upstreams/prometheus/queries';

jest.setTimeout(90_000);

const SERVICE = 'fraud-chat';
/** The prober's deadline here (the default is 3 s). */
const PROBE_TIMEOUT_MS = 1_500;

/** What the generated files say about running the service. */
interface Generated {
  values: Record<string, unknown>;
  /** The container's env: the image's ENV overridden by the Deployment's plain `env` values. */
  env: Record<string, string>;
  /** The generated catalog-info.yaml. */
  entity: Entity;
  /** Its annotations. */
  annotations: Record<string, string>;
  podAnnotations: Record<string, string>;
  /** The generated Service with the prod overlay's namespace. */
  service: Service;
}

let tmp: string;
let generated: Generated;
let sourceDir: string;
/** Stands for the pod's filesystem: the model volume is mounted below it. */
let podRoot: string;
let tinyModel: TinyTorchScriptModel;
const started: RunningFastapiModelService[] = [];

/** Renders the template through the real scaffolder (dry-run) into `dir`. */
async function renderTemplate(dir: string): Promise<Map<string, string>> {
  const gitops = createBareRepo(dir, 'gitops', {
    'README.md': '# app-of-apps\n',
    'apps-of-apps/.gitkeep': '',
  });
  const restoreGit = redirectGitUrls(dir, {
    [GITOPS_REPO_URL]: gitops.fileUrl,
  });
  const peers = await startCiPeers();
  const scaffolder = await startScaffolder({ config: scaffolderConfig(peers) });
  try {
    const templatePath = templateDir('model-service');
    const template = readTemplate(templatePath);
    const base = combinations().find(c => c.runtime === 'fastapi')!;
    // CPU only, no Redis or Chroma: nothing but the service itself runs here.
    const values = valuesFor(template, {
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
      serializeDirectory(templatePath),
    );
    if (dryRun.status !== 200) {
      throw new Error(
        `dry-run failed: HTTP ${dryRun.status} ${JSON.stringify(
          dryRun.error ?? dryRun.errors,
        )}`,
      );
    }
    generated = { values } as Generated;
    return decodeFiles(dryRun.directoryContents ?? []);
  } finally {
    await scaffolder.stop();
    await peers.stop();
    restoreGit();
  }
}

function readGenerated(files: Map<string, string>): void {
  const file = (p: string) => {
    const text = files.get(p);
    if (text === undefined) throw new Error(`the template generated no ${p}`);
    return text;
  };
  const imageEnv: Record<string, string> = {};
  // ENV K=V \ K=V … (the generated Dockerfile's one ENV instruction)
  const envBlock = /^ENV ((?:.*\\\n)*.*)$/m.exec(
    file('source/Dockerfile'),
  )?.[1];
  for (const [, k, v] of (envBlock ?? '').matchAll(/([A-Z_][A-Z0-9_]*)=(\S+)/g))
    imageEnv[k] = v;
  const base = `gitops/apps/${SERVICE}/base`;
  const deployment = YAML.parse(file(`${base}/workload.yaml`));
  const container = deployment.spec.template.spec.containers[0] as {
    env?: { name: string; value?: string }[];
  };
  const env = { ...imageEnv };
  for (const e of container.env ?? [])
    if (e.value !== undefined) env[e.name] = e.value;
  const service = YAML.parse(file(`${base}/service.yaml`)) as Service;
  const prod = YAML.parse(
    file(`gitops/apps/${SERVICE}/overlays/prod/kustomization.yaml`),
  );
  service.metadata.namespace = prod.namespace;
  const catalog = YAML.parse(file('source/catalog-info.yaml'));
  generated = {
    ...generated,
    env,
    entity: catalog,
    annotations: catalog.metadata.annotations,
    podAnnotations: deployment.spec.template.metadata.annotations,
    service,
  };
}

/** Where a path of the pod is on this machine. */
const onThisMachine = (podPath: string) => path.join(podRoot, podPath);

/** Starts the generated service with the Deployment's env; MODEL_PATH as the pod sees it. */
async function startGenerated(
  modelPodPath = generated.env.MODEL_PATH,
): Promise<RunningFastapiModelService> {
  const svc = await startFastapiModelService({
    sourceDir,
    env: generated.env,
    modelPath: onThisMachine(modelPodPath),
  });
  started.push(svc);
  return svc;
}

async function stopService(svc: RunningFastapiModelService) {
  await svc.stop();
  started.splice(started.indexOf(svc), 1);
}

/** A fresh prober (no cache) that may reach only this service's 127.0.0.1:<port>. */
function proberFor(svc: RunningFastapiModelService) {
  return InferenceProber.create({
    config: {
      allowedEndpoints: [`127.0.0.1:${svc.port}`],
      timeoutMs: PROBE_TIMEOUT_MS,
      refreshSeconds: 1,
      perHostConcurrency: 2,
    },
  });
}

/** The target as the generated entity names it, at this service's address. */
function openAiTarget(svc: RunningFastapiModelService): InferenceTarget {
  return {
    endpoint: svc.url,
    protocol: 'openai',
    model: generated.annotations['mlops.io/model-name'],
  };
}

const probe = (svc: RunningFastapiModelService) =>
  proberFor(svc).probe(openAiTarget(svc));

/** What a card shows of a report, in one object. */
const verdict = (r: InferenceReport) => ({
  live: r.live,
  ready: r.ready,
  modelReady: r.modelReady,
  status: r.health.status,
  fault: r.health.problem?.fault,
});

const chat = (
  svc: RunningFastapiModelService,
  content: string,
  model?: string,
) =>
  svc.postJson('/v1/chat/completions', {
    ...(model ? { model } : {}),
    messages: [{ role: 'user', content }],
  });

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-real-fastapi-'));
  const files = await renderTemplate(tmp);
  readGenerated(files);
  const out = path.join(tmp, 'generated');
  for (const [p, text] of files) {
    if (!p.startsWith('source/')) continue;
    fs.mkdirSync(path.dirname(path.join(out, p)), { recursive: true });
    fs.writeFileSync(path.join(out, p), text);
  }
  sourceDir = path.join(out, 'source');
  podRoot = path.join(tmp, 'pod');
  // the model volume: model.pt in the folder MODEL_PATH names
  tinyModel = await makeTinyTorchScriptModel(
    path.join(onThisMachine(generated.env.MODEL_PATH), 'model.pt'),
  );
}, 120_000);

afterAll(async () => {
  await Promise.all(started.map(s => s.stop()));
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('the generated FastAPI service, probed by our inference prober', () => {
  let svc: RunningFastapiModelService;
  beforeAll(async () => {
    svc = await startGenerated();
    const ready = await svc.waitForModel();
    if (ready.status !== 200)
      throw new Error(`not ready: ${ready.text}\n${svc.logs()}`);
  });

  it('is live, ready and serves its model, with a measured latency (openai protocol)', async () => {
    expect(generated.env.MODEL_NAME).toBe(generated.values.modelName);
    expect(generated.annotations['mlops.io/model-name']).toBe(
      generated.env.MODEL_NAME,
    );
    const report = await probe(svc);
    expect(verdict(report)).toEqual({
      live: true,
      ready: true,
      modelReady: true,
      status: 'ok',
      fault: undefined,
    });
    expect(report.latencyMs).toEqual(expect.any(Number));
    expect(report.latencyMs).toBeGreaterThanOrEqual(0);
    expect(report.latencyMs).toBeLessThan(PROBE_TIMEOUT_MS);
    expect(report.checks.map(c => [c.path, c.httpStatus, c.ok])).toEqual([
      ['/health', 200, true],
      ['/v1/models', 200, true],
    ]);
    expect(report.health.reason).toBe(
      `live and ready, model ${generated.env.MODEL_NAME} ready (${report.latencyMs} ms)`,
    );
  });

  it('is ready as the backend probes its generated catalog entity: its protocol, at its endpoint or the one derived from its generated Service', async () => {
    // the inference provider's choice: the entity's annotations, else the
    // endpoint derived from the entity's Service in the cluster
    const derived = deriveInferenceEndpoint([
      { cluster: 'prod', services: [generated.service], inferenceservices: [] },
    ]);
    expect(derived?.url).toBe(
      `http://${SERVICE}.${generated.values.namespace}.svc.cluster.local:8000`,
    );
    const target =
      inferenceTargetOf(generated.entity) ??
      inferenceTargetOf({
        ...generated.entity,
        metadata: {
          ...generated.entity.metadata,
          annotations: {
            ...generated.entity.metadata.annotations,
            [ANNOTATION_INFERENCE_ENDPOINT]: derived!.url,
          },
        },
      });
    if (!target?.ok) throw new Error(`no target: ${JSON.stringify(target)}`);
    // cluster DNS and the Service's port mapping (8000 → the pod's http port):
    // the same URL on this service's address
    const url = new URL(target.target.endpoint);
    expect(url.port).toBe('8000');
    url.host = `127.0.0.1:${svc.port}`;
    const report = await proberFor(svc).probe({
      ...target.target,
      endpoint: url.toString().replace(/\/$/, ''),
    });
    expect({ ...verdict(report), reason: report.health.reason }).toEqual({
      live: true,
      ready: true,
      modelReady: true,
      status: 'ok',
      fault: undefined,
      reason: expect.stringMatching(/^live and ready/),
    });
  });

  it('answers a real chat completion in the OpenAI format', async () => {
    const name = generated.env.MODEL_NAME;
    const question = 'is this card payment fraud?';
    const answer = await chat(svc, question, name);
    expect(answer.status).toBe(200);
    const body = answer.json as Record<string, any>;
    expect(body).toEqual({
      id: expect.stringMatching(/^chatcmpl-[0-9a-f]{32}$/),
      object: 'chat.completion',
      created: expect.any(Number),
      model: name,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: expect.any(String) },
          finish_reason: 'stop',
        },
      ],
      usage: {
        prompt_tokens: expect.any(Number),
        completion_tokens: 1,
        total_tokens: body.usage.prompt_tokens + 1,
      },
    });
    expect(tinyModel.words).toContain(body.choices[0].message.content);
    expect(Math.abs(body.created - Date.now() / 1000)).toBeLessThan(60);
    // the prompt the service renders, "user: <question>\nassistant:", in words
    expect(body.usage.prompt_tokens).toBe(question.split(' ').length + 2);

    const unknown = await chat(svc, 'hello', 'gpt-4');
    expect([unknown.status, unknown.json]).toEqual([
      404,
      {
        error: {
          message: 'The model `gpt-4` does not exist.',
          type: 'NotFoundError',
          param: 'model',
          code: 'model_not_found',
        },
      },
    ]);
  });
});

describe('faults of the generated FastAPI service, as the prober reports them', () => {
  it('killed: unreachable', async () => {
    const svc = await startGenerated();
    await svc.waitForModel();
    expect(verdict(await probe(svc)).status).toBe('ok');
    svc.kill('SIGKILL');
    await svc.exited();
    const report = await probe(svc);
    expect(verdict(report)).toEqual({
      live: undefined,
      ready: undefined,
      modelReady: undefined,
      status: 'error',
      fault: 'unreachable',
    });
    expect(report.health.reason).toContain(`127.0.0.1:${svc.port}`);
    expect(report.health.reason).toMatch(/refused the connection/);
    await stopService(svc);
  });

  it.each([
    [
      'weights file missing',
      async () => '/models/absent',
      (podPath: string) =>
        `no model at ${onThisMachine(
          podPath,
        )} (mount the model volume or set MODEL_PATH)`,
    ],
    [
      'weights file corrupt',
      async () => {
        const podPath = '/models/corrupt/model.pt';
        fs.mkdirSync(path.dirname(onThisMachine(podPath)), { recursive: true });
        // the first KB of a real model, cut off: a broken zip archive
        fs.writeFileSync(
          onThisMachine(podPath),
          fs.readFileSync(tinyModel.path).subarray(0, 1024),
        );
        return podPath;
      },
      (podPath: string) =>
        `${onThisMachine(podPath)} is not a loadable TorchScript file:`,
    ],
  ])(
    '%s: live but not ready, with the reason /readyz gives',
    async (_name, prepare, reasonOf) => {
      const podPath = await prepare();
      const svc = await startGenerated(podPath);
      const readyz = await svc.waitForModel();
      const reason = (readyz.json as { reason: string }).reason;
      expect(readyz.status).toBe(503);
      expect(reason.startsWith(reasonOf(podPath))).toBe(true);

      const report = await probe(svc);
      expect(verdict(report)).toMatchObject({
        live: true,
        ready: false,
        status: 'error',
      });
      // what a person reads on the card: why it is not ready
      expect(report.health.reason).toContain(reasonOf(podPath));
      const readyCheck = report.checks.find(c => c.kind === 'ready');
      expect(readyCheck).toMatchObject({
        path: '/health',
        httpStatus: 503,
        ok: false,
      });
      expect(readyCheck?.detail).toContain(reasonOf(podPath));
      await stopService(svc);
    },
  );

  it('frozen past the prober timeout (SIGSTOP): timeout; ok again after SIGCONT', async () => {
    const svc = await startGenerated();
    await svc.waitForModel();
    svc.kill('SIGSTOP');
    const probedAt = Date.now();
    const report = await probe(svc);
    const took = Date.now() - probedAt;
    expect(verdict(report)).toEqual({
      live: undefined,
      ready: undefined,
      modelReady: undefined,
      status: 'error',
      fault: 'timeout',
    });
    expect(report.health.reason).toContain(
      `did not answer within ${PROBE_TIMEOUT_MS} ms`,
    );
    expect(took).toBeGreaterThanOrEqual(PROBE_TIMEOUT_MS - 50);
    expect(took).toBeLessThan(PROBE_TIMEOUT_MS + 2_000);
    svc.kill('SIGCONT');
    expect(verdict(await probe(svc))).toMatchObject({
      ready: true,
      status: 'ok',
    });
    await stopService(svc);
  });
});

/** Upper bounds of the generated service's latency histogram (app/main.py). */
const BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
/** [lower, upper] bound of the histogram bucket that holds `seconds`. */
function bucketOf(seconds: number): [number, number] {
  const i = BUCKETS.findIndex(b => seconds <= b);
  return i < 0 ? [120, Infinity] : [i === 0 ? 0 : BUCKETS[i - 1], BUCKETS[i]];
}

describe('serving metrics of the generated FastAPI service, scraped by a real Prometheus', () => {
  let svc: RunningFastapiModelService;
  let prom: RunningPrometheus;
  let client: PrometheusClient;
  let selector: Selector;
  /** Everything sent after the warm-up: [status, client-side seconds]. */
  const sent: Array<[number, number]> = [];
  const JOB = 'kubernetes-pods';
  /** Unix seconds when the warm-up requests had been answered. */
  let warmedUpAt: number;

  /**
   * The backend's serving metrics at the newest scrape, over the window
   * since the warm-up (the card's window is 5 m; a window that starts after
   * the warm-up makes the expected numbers exact). Returns the window too.
   */
  const read = async () => {
    const at = await prom.lastScrapeTime(JOB);
    const windowMs = Math.floor((at - warmedUpAt) * 1000);
    const metrics = await readServingMetrics(
      client,
      'fastapi',
      selector,
      `${windowMs}ms`,
      { time: new Date(at * 1000) },
    );
    return { ...metrics, windowSeconds: windowMs / 1000 };
  };
  const send = async (content: string) => {
    const answer = await chat(svc, content);
    sent.push([answer.status, answer.ms / 1000]);
    return answer;
  };

  beforeAll(async () => {
    svc = await startGenerated();
    await svc.waitForModel();
    const namespace = String(generated.values.namespace);
    const pod = `${SERVICE}-7d9c5b6f4-x2x9q`;
    // what the usual kubernetes-pods scrape job makes of the pod annotations
    if (generated.podAnnotations['prometheus.io/scrape'] !== 'true')
      throw new Error('the generated pod does not ask to be scraped');
    prom = await startPrometheus({
      scrapeIntervalSeconds: 1,
      scrapeTargets: [
        {
          job: JOB,
          url: `${svc.url}${generated.podAnnotations['prometheus.io/path']}`,
          labels: { namespace, pod },
          honorLabels: false,
        },
      ],
    });
    client = new PrometheusClient({
      url: prom.url,
      headers: {},
      timeoutMs: 5_000,
    });
    // the selector the health provider builds from the entity's pods
    selector = { namespace, pod: { op: '=~', value: pod } };
    // Prometheus' first scrape comes a few seconds after it is ready: from
    // here on, a scrape follows the warm-up within a scrape interval.
    await prom.waitForScrapes(1);
    // Warm-up: the series of both outcomes exist (at 20 each) before what is
    // measured, so Prometheus extrapolates every series of the service alike
    // (a counter's increase is extrapolated towards 0 at most).
    for (let i = 0; i < 20; i++) {
      const [ok, failed] = [
        await chat(svc, `warm up ${i}`),
        await chat(svc, `FAIL warm up ${i}`),
      ];
      if (ok.status !== 200 || failed.status !== 500)
        throw new Error(`warm-up: ${ok.status} ${failed.status}`);
    }
    warmedUpAt = Date.now() / 1000;
    await prom.waitForScrapes(2);
  });
  afterAll(async () => {
    await prom?.stop();
  });

  it('request rate, error rate and p95 latency match the requests sent', async () => {
    // 24 quick answers, 3 slow ones (the model computes first), 3 failures (the model raises)
    const prompts = [
      ...Array.from({ length: 24 }, (_, i) => `question ${i}`),
      ...Array.from({ length: 3 }, (_, i) => `SLOW question ${i}`),
      ...Array.from({ length: 3 }, (_, i) => `FAIL question ${i}`),
    ];
    for (const p of prompts) await send(p);
    expect(sent.filter(([s]) => s === 500)).toHaveLength(3);
    expect(sent.filter(([s]) => s === 200)).toHaveLength(27);
    await prom.waitForScrapes(2);
    const m = await read();

    // The window starts after the warm-up; its first sample is the next
    // scrape (within a scrape interval, 1 s + jitter). Prometheus extrapolates
    // the increase (exactly the 30 requests) from that sample to the window's
    // start, so the rate is 30 over the time between the first and the last
    // sample: between 30 / window and 30 / (window - 1.1 s).
    const n = sent.length;
    expect(m.requestsPerSecond).toBeGreaterThanOrEqual(
      (n / m.windowSeconds) * 0.999,
    );
    expect(m.requestsPerSecond).toBeLessThanOrEqual(
      n / (m.windowSeconds - 1.1),
    );
    // 3 of 30 failed: the series of both outcomes are extrapolated alike
    expect(m.errorRate).toBeCloseTo(3 / 30, 3);
    // p95 from the histogram lies in the bucket of the 95th-percentile request
    // as measured by the server, which is at most the client's measure and at
    // least that minus the client's own overhead (HTTP on loopback: < 50 ms)
    const latencies = sent.map(([, s]) => s).sort((a, b) => a - b);
    const clientP95 = latencies[Math.ceil(0.95 * n) - 1];
    const low = bucketOf(Math.max(0, clientP95 - 0.05))[0];
    const high = bucketOf(clientP95)[1];
    expect(m.p95LatencySeconds).toBeGreaterThanOrEqual(low);
    expect(m.p95LatencySeconds).toBeLessThanOrEqual(high);
    // the slow requests are what the p95 shows, far above a quick one
    const quickest = latencies[0];
    expect(m.p95LatencySeconds!).toBeGreaterThan(bucketOf(quickest)[1]);
  });

  it('5xx predictions drive the error rate up', async () => {
    const before = await read();
    const failedBefore = sent.filter(([s]) => s >= 500).length;
    const sentBefore = sent.length;
    expect(before.errorRate).toBeCloseTo(failedBefore / sentBefore, 3);
    for (let i = 0; i < 20; i++) {
      const answer = await send(`FAIL burst ${i}`);
      expect(answer.status).toBe(500);
      expect((answer.json as { error: { type: string } }).error.type).toBe(
        'InternalServerError',
      );
    }
    await prom.waitForScrapes(2);
    const after = await read();
    const expected = (failedBefore + 20) / (sentBefore + 20);
    expect(after.errorRate!).toBeGreaterThan(before.errorRate!);
    expect(after.errorRate).toBeCloseTo(expected, 3);
    expect(after.errorRate!).toBeGreaterThan(0.05); // the health provider's warning threshold
  });
});

/**
 * The serving controller with its adapters, driven by pods the kubelet
 * stand-in runs on a real kube-apiserver (images in a real registry): the
 * inference simulators and the real FastAPI service answer over HTTP as
 * their pods and model say.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  OipSimulator,
  TorchServeSimulator,
  VllmSimulator,
  startOipSimulator,
  startTorchServeSimulator,
  startVllmSimulator,
} from '@internal/simulators';
import {
  KubeClient,
  KubeTarget,
  RegistryTarget,
  RunningKubeApiserver,
  RunningRegistry,
  makeTinyTorchScriptModel,
  pushImage,
  startKubeApiserver,
  startRegistry,
} from '@internal/test-env';
import {
  MODEL_SERVICE_TEMPLATE,
  renderSkeleton,
} from '@internal/test-env/src/demo/generatedFastapi';
import { BreakBoard } from '../breaks';
import { KubeletStandIn, startKubeletStandIn } from '../kubelet/kubeletStandIn';
import {
  createDeployment,
  createNamespace,
  createReadyNode,
  deploymentManifest,
  until,
} from '../kubelet/testUtils';
import { LoopEvent } from '../types';
import {
  FastapiServingAdapter,
  startFastapiServingAdapter,
} from './fastapiAdapter';
import { ServingController, startServingController } from './servingController';
import {
  oipServingAdapter,
  torchServeServingAdapter,
  vllmServingAdapter,
} from './simulatorAdapters';

jest.setTimeout(180_000);

const NS = 'serving';
const HOST = 'registry.test.local';

let kube: RunningKubeApiserver;
let kubeTarget: KubeTarget;
let registry: RunningRegistry;
let registryTarget: RegistryTarget;
let admin: KubeClient;
let kubelet: KubeletStandIn;
let serving: ServingController;
let torchserve: TorchServeSimulator;
let oip: OipSimulator;
let vllm: VllmSimulator;
const breaks = new BreakBoard();
const events: LoopEvent[] = [];

type Answer = { status: number; text: string } | { refused: true };

async function get(
  url: string,
  headers: Record<string, string> = {},
): Promise<Answer> {
  try {
    const res = await fetch(url, {
      headers,
      signal: AbortSignal.timeout(5_000),
    });
    return { status: res.status, text: await res.text() };
  } catch (e) {
    const code = (e as { cause?: { code?: string } }).cause?.code;
    if (code === 'ECONNREFUSED') return { refused: true };
    throw e;
  }
}
const refused = (a: Answer) => 'refused' in a;
const status = (a: Answer) => ('status' in a ? a.status : undefined);

/** Both controllers, one tick each. */
const tick = async () => {
  await kubelet.reconcileNow();
  await serving.reconcileNow();
};

beforeAll(async () => {
  [kube, registry, torchserve, oip, vllm] = await Promise.all([
    startKubeApiserver(),
    startRegistry({ auth: 'token' }),
    startTorchServeSimulator({ models: [{ name: 'fraud', minWorkers: 2 }] }),
    startOipSimulator({ flavour: 'kserve', models: [{ name: 'iris' }] }),
    startVllmSimulator({ servedModelName: 'llm' }),
  ]);
  kubeTarget = {
    url: kube.url,
    ca: fs.readFileSync(kube.caFile, 'utf8'),
    token: kube.adminToken,
  };
  registryTarget = {
    url: registry.url,
    username: registry.username,
    password: registry.password,
  };
  admin = new KubeClient(kubeTarget);
  await createNamespace(admin, NS);
  await createReadyNode(admin, 'cpu-1');
  for (const repo of ['ml/fraud', 'ml/iris', 'ml/llm', 'ml/chat']) {
    await pushImage(registryTarget, { repository: repo, tag: 'v1' });
  }
  kubelet = startKubeletStandIn({
    kube: kubeTarget,
    registry: registryTarget,
    registryHosts: { [HOST]: registry.host },
    namespaces: [NS],
    breaks,
    pollMs: 300,
    registryCacheMs: 200,
  });
  serving = startServingController({
    kube: kubeTarget,
    services: [
      { name: 'fraud', namespace: NS },
      { name: 'iris', namespace: NS },
      { name: 'llm', namespace: NS },
    ],
    adapters: {
      fraud: torchServeServingAdapter(torchserve, { model: 'fraud' }),
      iris: oipServingAdapter(oip, { model: 'iris' }),
      llm: vllmServingAdapter(vllm),
    },
    breaks,
    pollMs: 300,
    log: e => events.push(e),
  });
});

afterAll(async () => {
  await serving?.stop();
  await kubelet?.stop();
  await Promise.all([
    kube?.stop(),
    registry?.stop(),
    torchserve?.stop(),
    oip?.stop(),
    vllm?.stop(),
  ]);
});

const ping = () =>
  get(`${torchserve.inferenceUrl}/ping`, {
    authorization: `Bearer ${torchserve.keys.inference}`,
  });
const describeFraud = () =>
  get(`${torchserve.managementUrl}/models/fraud`, {
    authorization: `Bearer ${torchserve.keys.management}`,
  });

describe('serving controller (simulator) with the inference simulators', () => {
  it('keeps the endpoints down while no pod is Ready, and serves once the pods run', async () => {
    await serving.reconcileNow();
    expect(refused(await ping())).toBe(true);
    expect(refused(await get(`${oip.url}/v2/health/ready`))).toBe(true);
    expect(refused(await get(`${vllm.url}/health`))).toBe(true);

    for (const name of ['fraud', 'iris', 'llm']) {
      await createDeployment(
        admin,
        deploymentManifest({
          name,
          namespace: NS,
          image: `${HOST}/ml/${name}:v1`,
          replicas: 1,
        }),
      );
    }
    await until(
      'TorchServe healthy',
      tick,
      async () => status(await ping()) === 200,
    );
    expect(JSON.parse(((await ping()) as { text: string }).text)).toEqual({
      status: 'Healthy',
    });
    const described = JSON.parse(
      ((await describeFraud()) as { text: string }).text,
    );
    expect(
      described[0].workers.filter(
        (w: { status: string }) => w.status === 'READY',
      ),
    ).toHaveLength(2);
    await until(
      'OIP ready',
      tick,
      async () => status(await get(`${oip.url}/v2/health/ready`)) === 200,
    );
    expect(status(await get(`${oip.url}/v2/models/iris/ready`))).toBe(200);
    await until(
      'vLLM healthy',
      tick,
      async () => status(await get(`${vllm.url}/health`)) === 200,
    );
    expect(
      events.some(
        e =>
          e.controller === 'serving' &&
          e.service === 'fraud' &&
          e.message ===
            'serving controller (simulator): 1 Ready pod(s), model loaded',
      ),
    ).toBe(true);
  });

  it('stops answering while the pods crash-loop, and answers again when they recover', async () => {
    breaks.set('fraud', 'crash-loop');
    await until('TorchServe refused', tick, async () => refused(await ping()));
    expect(refused(await get(`${torchserve.managementUrl}/models`))).toBe(true);
    // Other services are not affected.
    expect(status(await get(`${oip.url}/v2/health/ready`))).toBe(200);

    breaks.clear('fraud', 'crash-loop');
    await until(
      'TorchServe healthy again',
      tick,
      async () => status(await ping()) === 200,
    );
  });

  it('shows the model as not loaded under model-not-ready, each in its protocol', async () => {
    for (const s of ['fraud', 'iris', 'llm']) breaks.set(s, 'model-not-ready');
    await until(
      'TorchServe unhealthy',
      tick,
      async () => status(await ping()) === 500,
    );
    expect(JSON.parse(((await ping()) as { text: string }).text)).toEqual({
      status: 'Unhealthy',
    });
    const described = JSON.parse(
      ((await describeFraud()) as { text: string }).text,
    );
    expect(
      described[0].workers.filter(
        (w: { status: string }) => w.status === 'READY',
      ),
    ).toHaveLength(0);

    const ready = await get(`${oip.url}/v2/health/ready`);
    expect(status(ready)).toBe(503);
    const model = await get(`${oip.url}/v2/models/iris/ready`);
    expect(status(model)).toBe(503);
    expect((model as { text: string }).text).toContain(
      'Model with name iris is not ready.',
    );
    // vLLM does not listen before its weights are loaded.
    expect(refused(await get(`${vllm.url}/health`))).toBe(true);

    for (const s of ['fraud', 'iris', 'llm'])
      breaks.clear(s, 'model-not-ready');
    await until(
      'all ready again',
      tick,
      async () =>
        status(await ping()) === 200 &&
        status(await get(`${oip.url}/v2/models/iris/ready`)) === 200 &&
        status(await get(`${vllm.url}/health`)) === 200,
    );
    const again = JSON.parse(
      ((await describeFraud()) as { text: string }).text,
    );
    expect(
      again[0].workers.filter((w: { status: string }) => w.status === 'READY'),
    ).toHaveLength(2);
  });

  it('stops its timer on stop()', async () => {
    const adapterCalls: number[] = [];
    const other = startServingController({
      kube: kubeTarget,
      services: [{ name: 'fraud', namespace: NS }],
      adapters: {
        fraud: { setState: async s => void adapterCalls.push(s.podsReady) },
      },
      breaks,
      pollMs: 50,
    });
    await until(
      'a tick',
      async () => undefined,
      async () => adapterCalls.length > 0,
    );
    await other.stop();
    const n = adapterCalls.length;
    await new Promise(r => setTimeout(r, 300));
    expect(adapterCalls.length).toBe(n);
  });
});

describe('serving controller (simulator) with the real FastAPI model service', () => {
  let tmp: string;
  let fastapi: FastapiServingAdapter;
  let fastapiServing: ServingController;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'delivery-sim-serving-'));
    const sourceDir = path.join(tmp, 'source');
    renderSkeleton(
      path.join(MODEL_SERVICE_TEMPLATE, 'skeleton', 'source', 'fastapi'),
      {
        name: 'chat',
        modelName: 'tiny-chat',
        enableRedis: false,
        enableChroma: false,
        gpuCount: 0,
      },
      sourceDir,
    );
    const modelDir = path.join(tmp, 'models', 'tiny-chat');
    await makeTinyTorchScriptModel(path.join(modelDir, 'model.pt'));
    fastapi = await startFastapiServingAdapter({
      sourceDir,
      modelPath: modelDir,
      env: { MODEL_NAME: 'tiny-chat' },
      unloadedModelPath: path.join(tmp, 'models', 'not-mounted'),
      startTimeoutMs: 45_000,
    });
    fastapiServing = startServingController({
      kube: kubeTarget,
      services: [{ name: 'chat', namespace: NS }],
      adapters: { chat: fastapi },
      breaks,
      pollMs: 300,
    });
  });

  afterAll(async () => {
    await fastapiServing?.stop();
    await fastapi?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  const step = async () => {
    await kubelet.reconcileNow();
    await fastapiServing.reconcileNow();
  };

  it('answers /readyz when its pod runs, says why without its model, and refuses connections while the pod crash-loops', async () => {
    await fastapiServing.reconcileNow();
    expect(refused(await get(`${fastapi.url}/readyz`))).toBe(true);

    await createDeployment(
      admin,
      deploymentManifest({
        name: 'chat',
        namespace: NS,
        image: `${HOST}/ml/chat:v1`,
        replicas: 1,
      }),
    );
    await until(
      'ready',
      step,
      async () => status(await get(`${fastapi.url}/readyz`)) === 200,
      60_000,
    );
    const ready = JSON.parse(
      ((await get(`${fastapi.url}/readyz`)) as { text: string }).text,
    );
    expect(ready).toMatchObject({
      status: 'ready',
      model: 'tiny-chat',
      loader: 'torchscript',
    });

    breaks.set('chat', 'model-not-ready');
    await until(
      'not ready',
      step,
      async () => status(await get(`${fastapi.url}/readyz`)) === 503,
      60_000,
    );
    const notReady = JSON.parse(
      ((await get(`${fastapi.url}/readyz`)) as { text: string }).text,
    );
    expect(notReady).toEqual({
      status: 'not ready',
      reason: `no model at ${path.join(
        tmp,
        'models',
        'not-mounted',
      )} (mount the model volume or set MODEL_PATH)`,
    });
    expect(status(await get(`${fastapi.url}/healthz`))).toBe(200);

    breaks.clear('chat', 'model-not-ready');
    await until(
      'ready again',
      step,
      async () => status(await get(`${fastapi.url}/readyz`)) === 200,
      60_000,
    );

    breaks.set('chat', 'crash-loop');
    await until('refused', step, async () =>
      refused(await get(`${fastapi.url}/readyz`)),
    );
    breaks.clear('chat', 'crash-loop');
    await until(
      'back',
      step,
      async () => status(await get(`${fastapi.url}/readyz`)) === 200,
      60_000,
    );
  });
});

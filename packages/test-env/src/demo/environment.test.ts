/**
 * The demo environment keeps the promises of demo/catalog/model-services.yaml
 * (see scenario.ts), checked through each upstream's own API: the registry's
 * digests, the kube-apiserver's pods and nodes (with the read-only token the
 * portal gets), Jenkins' JSON API, Argo CD's REST API, the model servers (the
 * simulators and support-chat's real generated FastAPI app) and Prometheus'
 * query API. Then stop() leaves nothing listening.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ALL_MANIFEST_ACCEPT, registryAuthHeaders } from '../registry';
import { DemoEnvironment, startDemoEnvironment } from './environment';
import { KubeAdmin, KubeObject } from './kubeAdmin';
import { waitFor } from '../ports';

jest.setTimeout(60_000);

interface Pod extends KubeObject {
  spec: {
    nodeName?: string;
    containers: Array<{
      name: string;
      image: string;
      resources?: { limits?: Record<string, string> };
    }>;
  };
  status: {
    phase: string;
    conditions?: Array<{
      type: string;
      status: string;
      reason?: string;
      message?: string;
    }>;
    containerStatuses?: Array<{
      ready: boolean;
      imageID: string;
      state: { waiting?: { reason: string } };
    }>;
  };
}

interface Node extends KubeObject {
  spec: { unschedulable?: boolean; taints?: Array<{ key: string }> };
  status: {
    capacity: Record<string, string>;
    allocatable: Record<string, string>;
  };
}

let env: DemoEnvironment;
let reader: KubeAdmin;

beforeAll(async () => {
  env = await startDemoEnvironment({
    scrapeIntervalSeconds: 1,
    requestsPerSecond: 5,
    // Not the demo's fixed addresses: a developer's `npm start` may hold them.
    torchserveManagementAddress: { host: '127.0.0.1', port: 0 },
    fastapiAddress: { host: '127.0.0.1', port: 0 },
    buildStageMs: 200,
  });
  reader = new KubeAdmin(env.kube, env.kube.readOnlyToken);
}, 180_000);

afterAll(async () => {
  reader?.close();
  await env?.stop();
});

const pods = (namespace: string, service: string) =>
  reader.list<Pod>(
    'v1',
    'pods',
    namespace,
    `backstage.io/kubernetes-id=${service}`,
  );

async function manifestDigest(repository: string, tag: string) {
  const headers = await registryAuthHeaders(env.registry, [
    `repository:${repository}:pull`,
  ]);
  const res = await fetch(
    `${env.registry.url}/v2/${repository}/manifests/${tag}`,
    {
      method: 'HEAD',
      headers: { ...headers, accept: ALL_MANIFEST_ACCEPT },
    },
  );
  expect(res.status).toBe(200);
  return res.headers.get('docker-content-digest');
}

async function promQuery(promql: string) {
  const res = await fetch(
    `${env.prometheus.url}/api/v1/query?query=${encodeURIComponent(promql)}`,
  );
  const body = (await res.json()) as {
    data: {
      result: Array<{
        metric: Record<string, string>;
        value: [number, string];
      }>;
    };
  };
  return body.data.result;
}

const jenkinsAuth = () =>
  `Basic ${Buffer.from(
    `${env.jenkins.username}:${env.jenkins.apiToken}`,
  ).toString('base64')}`;

async function jenkinsJson<T>(apiPath: string): Promise<T> {
  const res = await fetch(`${env.jenkins.sim.url}${apiPath}`, {
    headers: { authorization: jenkinsAuth() },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

function refused(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise(resolve => {
    const socket = net.connect(Number(port), hostname);
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

describe('startDemoEnvironment', () => {
  it('fraud-detector runs the newest pushed image on 2 ready pods, and its TorchServe answers', async () => {
    const newest = env.images.find(
      i => i.repository === 'ml/fraud-detector' && i.index === 0,
    )!;
    const digest = await manifestDigest('ml/fraud-detector', newest.tag);
    const list = await pods('fraud-ml', 'fraud-detector');
    expect(list).toHaveLength(2);
    for (const pod of list) {
      expect(pod.status.phase).toBe('Running');
      expect(pod.status.conditions?.find(c => c.type === 'Ready')?.status).toBe(
        'True',
      );
      expect(pod.spec.containers[0].image).toBe(
        `registry.demo.local/ml/fraud-detector:${newest.tag}`,
      );
      expect(pod.status.containerStatuses?.[0].imageID).toBe(
        `registry.demo.local/ml/fraud-detector@${digest}`,
      );
    }
    const endpoint = env.modelServers.endpoints['fraud-detector'];
    const torchserve = env.modelServers.servers.find(s => s.url === endpoint)!
      .torchserve!;
    const ping = await fetch(`${endpoint}/ping`, {
      headers: { authorization: `Bearer ${torchserve.keys.inference}` },
    });
    expect(await ping.json()).toEqual({ status: 'Healthy' });
    // The management API through the forwarder the config allows.
    const models = await fetch(
      `http://${env.torchserveManagement!.address}/models/fraud`,
      {
        headers: { authorization: `Bearer ${torchserve.keys.management}` },
      },
    );
    expect(models.status).toBe(200);
    const mlops = env.config.mlops as {
      inference: { allowedEndpoints: string[] };
    };
    expect(mlops.inference.allowedEndpoints).toEqual(
      expect.arrayContaining([
        new URL(endpoint).host,
        env.torchserveManagement!.address,
      ]),
    );
  });

  it('llm-chat holds A100 GPUs on two nodes and one replica waits for GPUs', async () => {
    const list = await pods('genai', 'llm-chat');
    const running = list.filter(p => p.status.phase === 'Running');
    expect(running.map(p => p.spec.nodeName).sort()).toEqual([
      'gpu-a100-1',
      'gpu-a100-2',
    ]);
    for (const p of list)
      expect(p.spec.containers[0].resources?.limits?.['nvidia.com/gpu']).toBe(
        '2',
      );
    const pending = list.filter(p => p.status.phase === 'Pending');
    expect(pending).toHaveLength(1);
    expect(pending[0].spec.nodeName).toBeUndefined();
    const scheduled = pending[0].status.conditions?.find(
      c => c.type === 'PodScheduled',
    );
    expect(scheduled).toMatchObject({
      status: 'False',
      reason: 'Unschedulable',
    });
    expect(scheduled?.message).toBe(
      "0/6 nodes are available: 1 node(s) were unschedulable, 2 Insufficient nvidia.com/gpu, 3 node(s) didn't match node selector.",
    );

    const nodes = await reader.list<Node>('v1', 'nodes');
    const byName = new Map(nodes.map(n => [n.metadata.name, n]));
    expect([...byName.keys()].sort()).toEqual([
      'cpu-1',
      'cpu-2',
      'gpu-a100-1',
      'gpu-a100-2',
      'gpu-l4-1',
      'gpu-rtx-1',
    ]);
    const a100 = byName.get('gpu-a100-1')!;
    expect(a100.metadata.labels?.['nvidia.com/mig.strategy']).toBe('mixed');
    expect(a100.status.allocatable['nvidia.com/mig-1g.10gb']).toBe('7');
    expect(a100.spec.taints?.map(t => t.key)).toEqual(['nvidia.com/gpu']);
    const rtx = byName.get('gpu-rtx-1')!;
    expect(rtx.metadata.labels?.['nvidia.com/gpu.product']).toBe(
      'NVIDIA-GeForce-RTX-4090-SHARED',
    );
    expect(rtx.status.capacity['nvidia.com/gpu']).toBe('4');
    expect(byName.get('gpu-l4-1')!.spec.unschedulable).toBe(true);

    // vLLM serves the model with the configured key.
    const endpoint = env.modelServers.endpoints['llm-chat'];
    const key = (env.config.mlops as { inference: { openaiApiKey: string } })
      .inference.openaiApiKey;
    const models = await fetch(`${endpoint}/v1/models`, {
      headers: { authorization: `Bearer ${key}` },
    });
    const body = (await models.json()) as { data: Array<{ id: string }> };
    expect(body.data.map(m => m.id)).toEqual(['llama-3.1-8b-instruct']);
  });

  it('churn-scoring was never pushed: its build failed at "Push image" and its pod cannot pull the image', async () => {
    const headers = await registryAuthHeaders(env.registry, [
      'repository:ml/churn-scoring:pull',
    ]);
    const tags = await fetch(
      `${env.registry.url}/v2/ml/churn-scoring/tags/list`,
      { headers },
    );
    expect(tags.status).toBe(404);

    const [pod] = await pods('fraud-ml', 'churn-scoring');
    expect(pod.status.phase).toBe('Pending');
    expect(pod.status.containerStatuses?.[0].state.waiting?.reason).toBe(
      'ImagePullBackOff',
    );

    const job = await jenkinsJson<{
      lastBuild: { number: number; result: string };
    }>('/job/ml/job/churn-scoring/api/json?tree=lastBuild[number,result]');
    expect(job.lastBuild.result).toBe('FAILURE');
    const run = await jenkinsJson<{
      stages: Array<{ name: string; status: string }>;
    }>(`/job/ml/job/churn-scoring/${job.lastBuild.number}/wfapi/describe`);
    expect(run.stages.find(s => s.status === 'FAILED')?.name).toBe(
      'Push image',
    );
    expect(await refused(env.modelServers.endpoints['churn-scoring'])).toBe(
      true,
    );
  });

  it("Jenkins builds carry the images' revisions, and llm-chat's newest build is running", async () => {
    const fraud = await jenkinsJson<{
      builds: Array<{
        result: string;
        actions: Array<{ lastBuiltRevision?: { SHA1: string } }>;
      }>;
    }>(
      '/job/ml/job/fraud-detector/api/json?tree=builds[result,actions[lastBuiltRevision[SHA1]]]',
    );
    const revisions = env.images
      .filter(i => i.repository === 'ml/fraud-detector')
      .map(i => i.revision);
    expect(
      fraud.builds.map(
        b => b.actions.find(a => a.lastBuiltRevision)?.lastBuiltRevision?.SHA1,
      ),
    ).toEqual(revisions);
    expect(fraud.builds.every(b => b.result === 'SUCCESS')).toBe(true);
    const llm = await jenkinsJson<{ lastBuild: { building: boolean } }>(
      '/job/genai/job/llm-chat/api/json?tree=lastBuild[building]',
    );
    expect(llm.lastBuild.building).toBe(true);
  });

  it('Argo CD: image-classifier is OutOfSync with auto-sync off while the others are synced to the registry tags', async () => {
    const session = await fetch(`${env.argocd.sim.url}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        username: env.argocd.username,
        password: env.argocd.password,
      }),
    });
    const { token } = (await session.json()) as { token: string };
    const res = await fetch(`${env.argocd.sim.url}/api/v1/applications`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const { items } = (await res.json()) as {
      items: Array<{
        metadata: { name: string };
        spec: {
          syncPolicy?: { automated?: unknown };
          source: { kustomize: { images: string[] } };
        };
        status: { sync: { status: string }; health: { status: string } };
      }>;
    };
    const app = (name: string) => items.find(i => i.metadata.name === name)!;
    expect(items.map(i => i.metadata.name)).toEqual([
      'churn-scoring',
      'fraud-detector',
      'image-classifier',
      'llm-chat',
      'support-chat',
    ]);
    expect(app('fraud-detector').status).toMatchObject({
      sync: { status: 'Synced' },
      health: { status: 'Healthy' },
    });
    const fraudTag = env.images.find(
      i => i.repository === 'ml/fraud-detector' && i.index === 0,
    )!.tag;
    expect(app('fraud-detector').spec.source.kustomize.images).toEqual([
      `registry.demo.local/ml/fraud-detector:${fraudTag}`,
    ]);
    expect(app('image-classifier').status.sync.status).toBe('OutOfSync');
    expect(app('image-classifier').spec.syncPolicy?.automated).toBeUndefined();
    expect(app('churn-scoring').status.health.status).toBe('Degraded');
    // The template's Deployment and Service, not a KServe InferenceService;
    // applied by the delivery loop's GitOps controller from the GitOps repository.
    expect(app('support-chat').status).toMatchObject({
      sync: { status: 'Synced' },
      health: { status: 'Healthy' },
    });
    expect(
      (
        app('support-chat').status as unknown as {
          resources: Array<{ kind: string; name: string }>;
        }
      ).resources,
    ).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'Service', name: 'support-chat' }),
        expect.objectContaining({ kind: 'Deployment', name: 'support-chat' }),
      ]),
    );
  });

  it("support-chat is delivered by the delivery loop from the template's generated repositories and served by its real FastAPI app: chat completions, a failure when the model raises, Prometheus series under the serving pod's name", async () => {
    const delivery = env.delivery;
    const fastapi = env.fastapi;
    if (!delivery || !fastapi)
      throw new Error(`no delivery loop: ${env.deliveryProblem}`);
    expect(env.deliveryProblem).toBeUndefined();
    const [service] = delivery.services;
    const head = await delivery.sourceHead('support-chat');

    // The source repository is the template's, filled with the generated values.
    const main = fs.readFileSync(
      path.join(service.sourceRepo, 'app', 'main.py'),
      'utf8',
    );
    expect(main).not.toMatch(/\$\{\{|\{%/);
    expect(main).toContain(
      'MODEL_NAME = os.environ.get("MODEL_NAME", "support")',
    );
    expect(
      fs.readFileSync(path.join(service.sourceRepo, 'Jenkinsfile'), 'utf8'),
    ).toContain("OVERLAY = 'apps/support-chat/overlays/prod'");
    // The GitOps overlay asks for the image the build controller pushed for that commit.
    expect(
      fs.readFileSync(
        path.join(service.gitopsRepo, service.gitopsPath, 'kustomization.yaml'),
        'utf8',
      ),
    ).toContain(`newTag: ${head}`);

    // Jenkins (simulator) API: the build of that commit succeeded.
    const job = await jenkinsJson<{
      lastBuild: {
        result: string;
        actions: Array<{ lastBuiltRevision?: { SHA1: string } }>;
      };
    }>(
      '/job/genai/job/support-chat/api/json?tree=lastBuild[result,actions[lastBuiltRevision[SHA1]]]',
    );
    expect(job.lastBuild.result).toBe('SUCCESS');
    expect(
      job.lastBuild.actions.find(a => a.lastBuiltRevision)?.lastBuiltRevision
        ?.SHA1,
    ).toBe(head);
    // The registry holds that image (a real manifest).
    expect(await manifestDigest('genai/support-chat', head)).toMatch(
      /^sha256:[0-9a-f]{64}$/,
    );

    // Kubernetes: the template's Deployment, pods on that image, no InferenceService.
    const [pod] = await pods('genai', 'support-chat');
    expect(pod.status.phase).toBe('Running');
    expect(pod.spec.containers[0].name).toBe('model-server');
    expect(pod.spec.containers[0].image).toBe(
      `registry.demo.local/genai/support-chat:${head}`,
    );
    const isvc = await reader.request(
      'GET',
      '/apis/serving.kserve.io/v1beta1/namespaces/genai/inferenceservices/support-chat',
    );
    expect(isvc.status).toBe(404);

    // The entity's endpoint (…/readyz), allowed by the config.
    const readyz = await fetch(`${fastapi.url}/readyz`);
    expect(readyz.status).toBe(200);
    expect(await readyz.json()).toMatchObject({
      status: 'ready',
      model: 'support',
      loader: 'torchscript',
    });
    const mlops = env.config.mlops as {
      inference: { allowedEndpoints: string[] };
    };
    expect(mlops.inference.allowedEndpoints).toContain(
      new URL(fastapi.url).host,
    );

    const chat = (content: string) =>
      fetch(`${fastapi.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'support',
          messages: [{ role: 'user', content }],
        }),
      });
    const answer = await chat('Where is my parcel?');
    expect(answer.status).toBe(200);
    const body = (await answer.json()) as {
      model: string;
      choices: Array<{ message: { role: string; content: string } }>;
    };
    expect(body.model).toBe('support');
    expect(body.choices[0].message.role).toBe('assistant');
    expect(body.choices[0].message.content.trim()).not.toBe('');
    const failed = await chat('FAIL now');
    expect(failed.status).toBe(500);
    expect(await failed.json()).toMatchObject({
      error: { type: 'InternalServerError' },
    });

    // Prometheus scrapes the real server under the name of the pod that serves.
    const selector = `namespace="genai",pod="${pod.metadata.name}"`;
    let byStatus: Record<string, number> = {};
    await waitFor(
      "Prometheus to hold support-chat's 200s and 500s",
      async () => {
        const rows = await promQuery(
          `sum by (status) (model_requests_total{${selector},route="/v1/chat/completions"})`,
        );
        byStatus = Object.fromEntries(
          rows.map(r => [r.metric.status, Number(r.value[1])]),
        );
        return byStatus['200'] > 0 && byStatus['500'] > 0;
      },
      30_000,
      500,
    );
    expect(byStatus['500'] / (byStatus['200'] + byStatus['500'])).toBeLessThan(
      0.5,
    );
    const up = await promQuery(`up{${selector},container="model-server"}`);
    expect(up.map(r => r.value[1])).toEqual(['1']);
  });

  it("Prometheus scrapes the model servers' and DCGM exporters' series, labelled with the kube pods", async () => {
    const fraudPods = (await pods('fraud-ml', 'fraud-detector'))
      .map(p => p.metadata.name)
      .sort();
    await env.prometheus.waitForScrapes(2);
    const torchserve = await promQuery(
      'sum by (namespace, pod) (rate(Requests2XX[1m]))',
    );
    expect(
      torchserve
        .filter(r => r.metric.namespace === 'fraud-ml')
        .map(r => r.metric.pod)
        .sort(),
    ).toEqual(fraudPods);
    expect(torchserve.every(r => Number(r.value[1]) > 0)).toBe(true);

    const classifier = (await pods('vision', 'image-classifier'))[0].metadata
      .name;
    const failures = await promQuery(
      `sum(nv_inference_request_failure{pod="${classifier}"})`,
    );
    const successes = await promQuery(
      `sum(nv_inference_request_success{pod="${classifier}"})`,
    );
    const failed = Number(failures[0].value[1]);
    const ok = Number(successes[0].value[1]);
    expect(failed).toBeGreaterThan(0);
    expect(failed / (failed + ok)).toBeGreaterThan(0.04);
    expect(failed / (failed + ok)).toBeLessThan(0.15);

    const llmPods = (await pods('genai', 'llm-chat'))
      .filter(p => p.status.phase === 'Running')
      .map(p => p.metadata.name)
      .sort();
    const gpu = await promQuery(
      'count by (pod, Hostname) (DCGM_FI_DEV_GPU_UTIL{namespace="genai"})',
    );
    expect(gpu.map(r => r.metric.pod).sort()).toEqual(llmPods);
    expect(gpu.every(r => r.value[1] === '2')).toBe(true); // two GPUs per pod
    const mig = await promQuery(
      `DCGM_FI_PROF_GR_ENGINE_ACTIVE{pod="${classifier}"}`,
    );
    expect(mig).toHaveLength(1);
    expect(mig[0].metric).toMatchObject({
      GPU_I_PROFILE: '1g.10gb',
      Hostname: 'gpu-a100-1',
    });
  });

  it('the restart token may patch Deployments but not read Secrets', async () => {
    const cluster = (
      env.config.kubernetes as {
        clusterLocatorMethods: Array<{
          clusters: Array<{ writeServiceAccountToken: string }>;
        }>;
      }
    ).clusterLocatorMethods[0].clusters[0];
    const writer = new KubeAdmin(env.kube, cluster.writeServiceAccountToken);
    try {
      const patched = await writer.patch(
        'apps/v1',
        'deployments',
        'fraud-ml',
        'fraud-detector-predictor',
        {
          spec: {
            template: {
              metadata: {
                annotations: {
                  'kubectl.kubernetes.io/restartedAt': new Date().toISOString(),
                },
              },
            },
          },
        },
      );
      expect(patched.metadata.generation).toBe(2);
      expect((await writer.request('GET', '/api/v1/secrets')).status).toBe(403);
    } finally {
      writer.close();
    }
  });

  it('stop() leaves nothing listening', async () => {
    const urls = [
      env.registry.url,
      env.kube.url,
      env.prometheus.url,
      env.jenkins.sim.url,
      env.argocd.sim.url,
      ...env.modelServers.servers.map(s => s.url),
      ...env.dcgm.exporters.map(d => d.sim.url),
      `http://${env.torchserveManagement!.address}`,
    ];
    const fastapi = env.fastapi;
    const delivery = env.delivery;
    if (!fastapi || !delivery) throw new Error('no delivery loop');
    urls.push(fastapi.url);
    const pid = fastapi.service()?.pid;
    expect(pid).toBeGreaterThan(0);
    await env.stop();
    for (const url of urls) expect(await refused(url)).toBe(true);
    // The python process is gone, and so are the loop's git repositories.
    expect(() => process.kill(pid!, 0)).toThrow();
    expect(fs.existsSync(delivery.workDir)).toBe(false);
  });
});

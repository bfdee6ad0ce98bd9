import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { EntityHealth } from '@internal/plugin-mlops-common';
import {
  exampleApplication,
  startArgoCdSimulator,
  startDcgmExporterSimulator,
  startJenkinsSimulator,
  startVllmSimulator,
} from '@internal/simulators';
import {
  RunningKubeApiserver,
  RunningPrometheus,
  RunningRegistry,
  pushImage,
  startKubeApiserver,
  startPrometheus,
  startRegistry,
  waitFor,
} from '@internal/test-env';
import request from 'supertest';
import { mlopsPlugin } from './plugin';
import {
  createGpuNode,
  createNamespace,
  createPod,
  installCrds,
  kubeClients,
  mergePatch,
  patchPodStatus,
} from './upstreams/kubernetes/__testUtils__/kubeAdmin';

jest.setTimeout(120_000);

const REV = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
const GIT_TOKEN = 'glpat-s3cr3tTokenValue';

/**
 * The health route end to end inside one backend: the image signal from the
 * real registry, workload and GPU signals from the real kube-apiserver through
 * the watch cache, the inference signal from a vLLM simulator behind the SSRF
 * policy, and the delivery chain that joins them. A real Prometheus scrapes
 * the vLLM simulator (as pod ml/llm-chat-0) and a DCGM exporter simulator for
 * the serving and GPU metrics.
 */
describe('GET /entities/:kind/:namespace/:name/health', () => {
  let kube: RunningKubeApiserver;
  let reg: RunningRegistry;
  let vllm: Awaited<ReturnType<typeof startVllmSimulator>>;
  let jenkins: Awaited<ReturnType<typeof startJenkinsSimulator>>;
  let argo: Awaited<ReturnType<typeof startArgoCdSimulator>>;
  let dcgm: Awaited<ReturnType<typeof startDcgmExporterSimulator>>;
  let prom: RunningPrometheus;
  let backend: Awaited<ReturnType<typeof startTestBackend>>;
  let k: ReturnType<typeof kubeClients>;

  beforeAll(async () => {
    [kube, reg, vllm, jenkins, argo, dcgm] = await Promise.all([
      startKubeApiserver(),
      startRegistry(),
      startVllmSimulator({ servedModelName: 'chat' }),
      startJenkinsSimulator(),
      startArgoCdSimulator(),
      startDcgmExporterSimulator({
        hostname: 'gpu-1',
        gpus: [
          {
            gpu: 0,
            uuid: 'GPU-5fb4a1d2-0c3e-4f1a-9d2b-7e6c5a4b3c21',
            modelName: 'NVIDIA A100-SXM4-40GB',
            pod: { namespace: 'ml', pod: 'llm-chat-0', container: 'model' },
            utilizationPercent: 87,
            fbUsedMiB: 30512,
            fbFreeMiB: 10448,
          },
          {
            gpu: 1,
            uuid: 'GPU-0a1b2c3d-4e5f-6789-abcd-ef0123456789',
            modelName: 'NVIDIA A100-SXM4-40GB',
            utilizationPercent: 3,
          },
        ],
      }),
    ]);
    prom = await startPrometheus({
      scrapeTargets: [
        {
          job: 'vllm',
          url: `${vllm.url}/metrics`,
          labels: { namespace: 'ml', pod: 'llm-chat-0' },
        },
        { job: 'dcgm', url: `${dcgm.url}/metrics` },
      ],
    });
    jenkins.addJob('genai/llm-chat', {
      type: 'pipeline',
      scmRemote: 'https://git.example.test/genai/llm-chat.git',
      builds: [
        {
          number: 41,
          result: 'SUCCESS',
          duration: 120_000,
          scm: [
            {
              remoteUrl: 'https://git.example.test/genai/llm-chat.git',
              sha: REV,
              branch: 'refs/remotes/origin/main',
            },
          ],
          stages: [
            { name: 'Checkout', status: 'SUCCESS', durationMillis: 4_000 },
            { name: 'Test', status: 'SUCCESS', durationMillis: 70_000 },
            { name: 'Push image', status: 'SUCCESS', durationMillis: 40_000 },
          ],
        },
      ],
    });
    // A repoURL with credentials in it: the details must not pass them on.
    const app = exampleApplication('llm-chat', {
      repoURL: `https://gitops-bot:${GIT_TOKEN}@git.example.test/gitops/llm-chat.git`,
    });
    app.spec.source = {
      ...app.spec.source,
      kustomize: { images: [`${reg.host}/genai/llm-chat:${REV.slice(0, 7)}`] },
    } as typeof app.spec.source;
    argo.putApplication(app);
    argo.setStatus('llm-chat', {
      sync: {
        status: 'Synced',
        revision: 'f00dfeedf00dfeedf00dfeedf00dfeedf00dfeed',
      },
      health: { status: 'Healthy' },
      summary: { images: [`${reg.host}/genai/llm-chat:${REV.slice(0, 7)}`] },
      history: [
        {
          id: 0,
          revision: 'c0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ff',
          deployedAt: '2026-04-30T10:00:00Z',
        },
        {
          id: 1,
          revision: 'f00dfeedf00dfeedf00dfeedf00dfeedf00dfeed',
          deployStartedAt: '2026-05-01T00:09:30Z',
          deployedAt: '2026-05-01T00:10:00Z',
          initiatedBy: { automated: true },
        },
      ],
    });
    await pushImage(
      { url: reg.url },
      {
        repository: 'genai/llm-chat',
        tag: REV.slice(0, 7),
        revision: REV,
        created: '2026-05-01T00:00:00Z',
      },
    );
    k = kubeClients(kube);
    await installCrds(k);
    await createNamespace(k, 'ml');
    // Only the protocol annotation: the endpoint comes from this InferenceService.
    const isvc = {
      group: 'serving.kserve.io',
      version: 'v1beta1',
      namespace: 'ml',
      plural: 'inferenceservices',
    };
    await k.custom.createNamespacedCustomObject({
      ...isvc,
      body: {
        apiVersion: 'serving.kserve.io/v1beta1',
        kind: 'InferenceService',
        metadata: {
          name: 'llm-derived',
          labels: { 'backstage.io/kubernetes-id': 'llm-derived' },
        },
        spec: { predictor: { model: { modelFormat: { name: 'vllm' } } } },
      },
    });
    await k.custom.patchNamespacedCustomObjectStatus(
      {
        ...isvc,
        name: 'llm-derived',
        body: {
          status: {
            url: vllm.url,
            conditions: [{ type: 'Ready', status: 'True' }],
          },
        },
      },
      mergePatch,
    );
    await createGpuNode(k, {
      name: 'gpu-1',
      product: 'NVIDIA-A100-SXM4-40GB',
      capacity: {
        'nvidia.com/gpu': '4',
        cpu: '32',
        memory: '256Gi',
        pods: '110',
      },
    });
    await createPod(k, {
      namespace: 'ml',
      name: 'llm-chat-0',
      labels: { 'backstage.io/kubernetes-id': 'llm-chat' },
      image: `${reg.host}/genai/llm-chat:${REV.slice(0, 7)}`,
      nodeName: 'gpu-1',
      gpus: 1,
    });
    await patchPodStatus(k, 'ml', 'llm-chat-0', {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'True' }],
      containerStatuses: [
        {
          name: 'model',
          ready: true,
          restartCount: 0,
          image: `${reg.host}/genai/llm-chat:${REV.slice(0, 7)}`,
          imageID: '',
          state: { running: { startedAt: '2026-05-01T00:00:00Z' } },
        },
      ],
    });

    const entity: Entity = {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: {
        name: 'llm-chat',
        namespace: 'default',
        annotations: {
          'mlops.io/image-repository': `${reg.host}/genai/llm-chat`,
          'backstage.io/kubernetes-id': 'llm-chat',
          'mlops.io/inference-endpoint': vllm.url,
          'mlops.io/inference-protocol': 'openai',
          'mlops.io/model-name': 'chat',
          'jenkins.io/job-full-name': 'genai/llm-chat',
          'argocd/app-name': 'llm-chat',
        },
      },
      spec: { type: 'model-service', owner: 'genai', lifecycle: 'production' },
    };
    const derived: Entity = {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: {
        name: 'llm-derived',
        namespace: 'default',
        annotations: {
          'mlops.io/inference-protocol': 'openai',
          'mlops.io/model-name': 'chat',
        },
      },
      spec: { type: 'model-service', owner: 'genai', lifecycle: 'production' },
    };
    backend = await startTestBackend({
      features: [
        mlopsPlugin,
        catalogServiceMock.factory({ entities: [entity, derived] }),
        mockServices.rootConfig.factory({
          data: {
            kubernetes: {
              clusterLocatorMethods: [
                {
                  type: 'config',
                  clusters: [
                    {
                      name: 'test',
                      url: kube.url,
                      authProvider: 'serviceAccount',
                      serviceAccountToken: kube.readOnlyToken,
                      caData: kube.caData,
                    },
                  ],
                },
              ],
            },
            jenkins: {
              instances: [
                {
                  name: 'ci',
                  baseUrl: jenkins.url,
                  username: 'admin',
                  apiKey: '11simulatortoken',
                },
              ],
            },
            argocd: {
              appLocatorMethods: [
                {
                  type: 'config',
                  instances: [
                    {
                      name: 'prod',
                      url: argo.url,
                      username: 'admin',
                      password: 'password',
                    },
                  ],
                },
              ],
            },
            mlops: {
              jenkins: { refreshSeconds: 1 },
              argocd: { refreshSeconds: 1 },
              registries: [{ name: 'local', url: reg.url, refreshSeconds: 1 }],
              inference: {
                allowedEndpoints: [`${new URL(vllm.url).host}`],
                refreshSeconds: 1,
              },
              prometheus: { url: prom.url, timeoutMs: 2000, refreshSeconds: 1 },
            },
          },
        }),
      ],
    });
  });

  afterAll(async () => {
    await backend?.stop();
    await Promise.all([
      kube?.stop(),
      reg?.stop(),
      vllm?.stop(),
      jenkins?.stop(),
      argo?.stop(),
      dcgm?.stop(),
      prom?.stop(),
    ]);
  });

  const get = async (name = 'llm-chat') =>
    (
      await request(backend.server).get(
        `/api/mlops/entities/component/default/${name}/health`,
      )
    ).body as EntityHealth;

  it('joins image, workload, GPU and inference signals into a delivery chain', async () => {
    let health: EntityHealth | undefined;
    await waitFor(
      'the watch cache to see the pod',
      async () => {
        health = await get();
        return (
          health.signals.workload.status !== 'unknown' ||
          !health.signals.workload.reason.includes('loading')
        );
      },
      30_000,
      500,
    );
    expect(health!.signals.image.status).toBe('ok');
    expect(health!.signals.workload.status).toBe('ok');
    expect(health!.signals.gpu).toMatchObject({ status: 'ok' });
    expect(health!.signals.gpu.reason).toContain(
      'holds 1 nvidia.com/gpu (NVIDIA-A100-SXM4-40GB) on gpu-1',
    );
    expect(health!.signals.inference.status).toBe('ok');
    expect(health!.signals.build).toMatchObject({
      status: 'ok',
      reason: 'genai/llm-chat #41 succeeded (a1b2c3d)',
    });
    expect(health!.signals.sync).toMatchObject({
      status: 'ok',
      reason: 'Synced and Healthy at f00dfee',
    });
    expect(health!.delivery.steps.map(s => [s.id, s.status])).toEqual([
      ['commit', 'ok'],
      ['build', 'ok'],
      ['image', 'ok'],
      ['desired', 'ok'],
      ['synced', 'ok'],
      ['running', 'ok'],
      ['serving', 'ok'],
    ]);
    expect(health!.delivery.verdict).toBe(
      'delivers end to end: 1/1 pods ready on :a1b2c3d',
    );

    // The details the cards show, from the same request.
    const details = health!.details!;
    const job = details.build!.jobs[0];
    expect(job).toMatchObject({ instance: 'ci', fullName: 'genai/llm-chat' });
    const run = 'builds' in job ? job.builds[0] : undefined;
    expect(run).toMatchObject({
      number: 41,
      status: 'success',
      commit: REV,
      branch: 'main',
      durationMs: 120_000,
    });
    expect(run!.url).toMatch(/\/job\/genai\/job\/llm-chat\/41\/$/);
    expect(run!.stages?.map(st => [st.name, st.status, st.durationMs])).toEqual(
      [
        ['Checkout', 'SUCCESS', 4_000],
        ['Test', 'SUCCESS', 70_000],
        ['Push image', 'SUCCESS', 40_000],
      ],
    );
    expect(details.build!.health?.reason).toBe(
      'genai/llm-chat #41 succeeded (a1b2c3d)',
    );

    const syncApp = details.sync!.apps[0];
    expect(syncApp).toMatchObject({
      instance: 'prod',
      name: 'llm-chat',
      sync: 'Synced',
      health: 'Healthy',
      revision: 'f00dfeedf00dfeedf00dfeedf00dfeedf00dfeed',
    });
    expect(
      syncApp.history.map(h => [h.id, h.revision?.slice(0, 7), h.deployedAt]),
    ).toEqual([
      [0, 'c0ffeec', '2026-04-30T10:00:00Z'],
      [1, 'f00dfee', '2026-05-01T00:10:00Z'],
    ]);
    expect(syncApp.sources[0].repoURL).toBe(
      'https://git.example.test/gitops/llm-chat.git',
    );
    expect(syncApp.link?.url).toBe(`${argo.url}/applications/argocd/llm-chat`);
    expect(JSON.stringify(health)).not.toContain(GIT_TOKEN);

    const cluster = details.workload!.clusters[0];
    expect(details.workload!.selector).toBe(
      'backstage.io/kubernetes-id=llm-chat',
    );
    expect(cluster.cluster).toBe('test');
    expect(cluster.pods).toEqual([
      expect.objectContaining({
        namespace: 'ml',
        name: 'llm-chat-0',
        nodeName: 'gpu-1',
        phase: 'Running',
        status: 'ok',
        ready: true,
        restarts: 0,
        problems: [],
        images: [
          {
            container: 'model',
            init: false,
            image: `${reg.host}/genai/llm-chat:${REV.slice(0, 7)}`,
            repository: `${reg.host}/genai/llm-chat`,
            tag: REV.slice(0, 7),
          },
        ],
      }),
    ]);

    expect(details.gpu).toMatchObject({
      held: { 'nvidia.com/gpu': 1 },
      waiting: {},
      pods: [
        {
          cluster: 'test',
          namespace: 'ml',
          name: 'llm-chat-0',
          node: 'gpu-1',
          scheduled: true,
          resources: { 'nvidia.com/gpu': 1 },
        },
      ],
    });
    expect(details.gpu!.nodes.map(n => [n.cluster, n.node])).toEqual([
      ['test', 'gpu-1'],
    ]);
    expect(details.gpu!.nodes[0]).toMatchObject({
      capacity: { 'nvidia.com/gpu': 4 },
      requested: { 'nvidia.com/gpu': 1 },
      free: { 'nvidia.com/gpu': 3 },
      labels: { product: 'NVIDIA-A100-SXM4-40GB' },
    });
    expect(details.inference!.report).toMatchObject({
      endpoint: vllm.url,
      protocol: 'openai',
      live: true,
      ready: true,
      modelReady: true,
    });
  });

  it("follows a node's GPUs as other pods take them (the per-cluster GPU inventory is recomputed on change)", async () => {
    const free = async () =>
      (await get()).details!.gpu!.nodes.find(n => n.node === 'gpu-1')!;
    expect((await free()).free).toEqual({ 'nvidia.com/gpu': 3 });
    await createPod(k, {
      namespace: 'ml',
      name: 'notebook-0',
      labels: { app: 'notebook' },
      image: `${reg.host}/research/notebook:1`,
      nodeName: 'gpu-1',
      gpus: 2,
    });
    await patchPodStatus(k, 'ml', 'notebook-0', { phase: 'Running' });
    let node = await free();
    await waitFor(
      'the new pod to count on gpu-1',
      async () => {
        node = await free();
        return node.free['nvidia.com/gpu'] === 1;
      },
      15_000,
      300,
    );
    expect(node.requested).toEqual({ 'nvidia.com/gpu': 3 });
    await k.core.deleteNamespacedPod({
      namespace: 'ml',
      name: 'notebook-0',
      gracePeriodSeconds: 0,
    });
    await waitFor(
      'gpu-1 to be free again',
      async () => (await free()).free['nvidia.com/gpu'] === 3,
      15_000,
      300,
    );
  });

  it('adds the vLLM request rate and p95 and the DCGM utilization of the pod from Prometheus', async () => {
    await prom.waitForScrapes(1);
    // 30 completions, each observed by the simulator as 0.42 s (bucket 0.3–0.5).
    for (let i = 0; i < 30; i++) {
      const res = await fetch(`${vllm.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'chat',
          messages: [{ role: 'user', content: 'hi' }],
        }),
      });
      expect(res.status).toBe(200);
    }
    await prom.waitForScrapes(2);
    const health = await get();
    const inference = health.signals.inference;
    expect(inference.status).toBe('ok');
    const m =
      /^live and ready, model chat ready \(\d+ ms\); ([\d.]+) req\/s, p95 (\d+) ms$/.exec(
        inference.reason,
      );
    expect(m).not.toBeNull();
    // rate(count[5m]): 30 requests over 300 s, extrapolated by at most ~one scrape interval.
    expect(Number(m![1])).toBeGreaterThanOrEqual(0.1);
    expect(Number(m![1])).toBeLessThan(0.16);
    // histogram_quantile: 0.3 + 0.95 × (0.5 − 0.3) = 0.49 s.
    expect(Number(m![2])).toBe(490);
    expect(health.signals.gpu.status).toBe('ok');
    expect(health.signals.gpu.reason).toBe(
      'holds 1 nvidia.com/gpu (NVIDIA-A100-SXM4-40GB) on gpu-1; llm-chat-0: 87% utilization, 30512 MiB framebuffer used',
    );

    // The same numbers for the cards, and the last hour at one point a
    // minute. Prometheus is seconds old: the subquery has at most the minute
    // boundaries since it started, and no hour before the last 5 minutes.
    const metrics = health.details!.inference!.metrics!;
    expect(metrics.source).toBe(`Prometheus (127.0.0.1:${prom.port})`);
    expect(metrics.p95LatencyMs).toBe(490);
    expect(metrics.requestsPerSecond).toBeCloseTo(Number(m![1]), 2);
    expect(metrics.errorRate).toBeUndefined(); // vLLM exports no failures
    expect(metrics.errorRateSeries).toEqual([]);
    expect(metrics.lastHourLatencyMs).toBeUndefined();
    const now = Date.now();
    for (const series of [metrics.latencyMsSeries, metrics.requestRateSeries])
      for (const p of series) {
        expect(p.t % 60_000).toBe(0);
        expect(p.t).toBeGreaterThan(now - 3_600_000 - 60_000);
        expect(p.t).toBeLessThanOrEqual(now);
      }
    for (const p of metrics.latencyMsSeries) expect(p.v).toBeCloseTo(490, 6);
    expect(health.details!.inference!.warnings).toEqual([]);
    expect(health.details!.inference!.metricsProblem).toBeUndefined();
    const gpuPod = health.details!.gpu!.pods[0];
    expect(gpuPod).toMatchObject({
      name: 'llm-chat-0',
      utilizationPercent: 87,
      framebufferUsedMiB: 30512,
      framebufferFreeMiB: 10448,
    });
    for (const p of gpuPod.utilizationSeries!) expect(p.v).toBe(87);
    expect(health.details!.gpu!.metricsProblem).toBeUndefined();
  });

  it('probes the endpoint of the InferenceService when the entity names only a protocol', async () => {
    let health: EntityHealth | undefined;
    await waitFor(
      'the derived endpoint to be probed',
      async () => {
        health = await get('llm-derived');
        return health.signals.inference.status === 'ok';
      },
      15_000,
      300,
    );
    expect(health!.signals.inference.reason).toMatch(
      /^live and ready, model chat ready \(\d+ ms\); [\d.]+ req\/s, p95 490 ms$/,
    );
  });

  it('keeps the probe verdict and names Prometheus when it is down', async () => {
    await prom.kill();
    // Answers are shared for refreshSeconds (1 s here); then the outage shows.
    let health = await get();
    await waitFor(
      'the Prometheus outage to show',
      async () => {
        health = await get();
        return health.signals.inference.reason.includes('metrics unavailable');
      },
      10_000,
      300,
    );
    expect(health.signals.inference.status).toBe('ok');
    expect(health.signals.inference.reason).toMatch(
      new RegExp(
        `^live and ready, model chat ready \\(\\d+ ms\\); metrics unavailable: Prometheus \\(127\\.0\\.0\\.1:${prom.port}\\) .+`,
      ),
    );
    expect(health.signals.gpu.status).toBe('ok');
    expect(health.signals.gpu.reason).toContain(
      'on gpu-1; metrics unavailable: Prometheus',
    );
    const inference = health.details!.inference!;
    expect(inference.metrics).toBeUndefined();
    expect(inference.metricsProblem).toMatchObject({
      upstream: `Prometheus (127.0.0.1:${prom.port})`,
      fault: 'unreachable',
    });
    expect(inference.report?.ready).toBe(true);
    expect(health.details!.gpu!.metricsProblem).toMatchObject({
      upstream: `Prometheus (127.0.0.1:${prom.port})`,
    });
    expect(health.details!.gpu!.pods[0].utilizationPercent).toBeUndefined();
  });

  it('sees a crash loop through the watch and names it, other signals unaffected', async () => {
    await patchPodStatus(k, 'ml', 'llm-chat-0', {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'False' }],
      containerStatuses: [
        {
          name: 'model',
          ready: false,
          restartCount: 7,
          image: `${reg.host}/genai/llm-chat:${REV.slice(0, 7)}`,
          imageID: '',
          state: {
            waiting: {
              reason: 'CrashLoopBackOff',
              message: 'back-off 5m0s restarting failed container',
            },
          },
          lastState: { terminated: { exitCode: 137, reason: 'OOMKilled' } },
        },
      ],
    });
    let health: EntityHealth | undefined;
    await waitFor(
      'the crash loop to reach the health route',
      async () => {
        health = await get();
        return health.signals.workload.status === 'error';
      },
      15_000,
      300,
    );
    expect(health!.signals.workload.reason).toMatch(
      /crash-looping \(7 restarts\)/,
    );
    expect(health!.signals.workload.reason).toMatch(/OOMKilled/);
    const pod = health!.details!.workload!.clusters[0].pods[0];
    expect(pod).toMatchObject({
      name: 'llm-chat-0',
      status: 'error',
      ready: false,
      readyContainers: 0,
      totalContainers: 1,
      restarts: 7,
    });
    expect(pod.reason).toMatch(/crash-looping \(7 restarts\)/);
    expect(pod.problems.map(q => [q.kind, q.severity, q.container])).toEqual([
      ['oom-killed', 'error', 'model'],
    ]);
    expect(pod.images.map(i => i.tag)).toEqual([REV.slice(0, 7)]);
    expect(health!.delivery.firstBroken).toBe('running');
    expect(health!.signals.image.status).toBe('ok');
  });

  it('names the first broken link when a new build is not yet in GitOps', async () => {
    const NEXT = 'b2c3d4e5f60718293a4b5c6d7e8f9012345678ab';
    await pushImage(
      { url: reg.url },
      {
        repository: 'genai/llm-chat',
        tag: NEXT.slice(0, 7),
        revision: NEXT,
        created: '2026-05-02T00:00:00Z',
      },
    );
    jenkins.addBuild('genai/llm-chat', {
      number: 42,
      result: 'SUCCESS',
      duration: 100_000,
      scm: [
        {
          remoteUrl: 'https://git.example.test/genai/llm-chat.git',
          sha: NEXT,
          branch: 'main',
        },
      ],
    });
    let health: EntityHealth | undefined;
    await waitFor(
      'build 42 to be read',
      async () => {
        health = await get();
        return health.signals.build.reason.includes('#42');
      },
      15_000,
      300,
    );
    expect(health!.delivery.firstBroken).toBe('desired');
    const job = health!.details!.build!.jobs[0];
    expect(
      'builds' in job && job.builds.map(b => [b.number, b.commit, b.branch]),
    ).toEqual([
      [42, NEXT, 'main'],
      [41, REV, 'main'],
    ]);
    expect(health!.delivery.verdict).toBe(
      'Desired in GitOps: :b2c3d4e (build 42) is not in GitOps yet: it still asks for :a1b2c3d',
    );
  });

  it('answers the fleet without details, every signal still there', async () => {
    const res = await request(backend.server).get('/api/mlops/fleet/health');
    expect(res.status).toBe(200);
    const items = res.body.items as EntityHealth[];
    expect(items.map(i => i.entityRef).sort()).toEqual([
      'component:default/llm-chat',
      'component:default/llm-derived',
    ]);
    for (const item of items) {
      expect(item).not.toHaveProperty('details');
      expect(Object.keys(item.signals).sort()).toEqual([
        'build',
        'gpu',
        'image',
        'inference',
        'sync',
        'workload',
      ]);
    }
    const chat = items.find(i => i.entityRef === 'component:default/llm-chat')!;
    expect(chat.signals.build.reason).toContain('genai/llm-chat #');
    // The fleet reads only HEALTH_ENTITY_FIELDS of each entity from the
    // catalog: it must judge every signal as the per-entity route does.
    for (const item of items) {
      const one = await get(item.entityRef.split('/')[1]);
      const judged = (h: EntityHealth) =>
        Object.values(h.signals).map(s => [s.signal, s.status, s.reason]);
      expect(judged(item)).toEqual(judged(one));
      expect(item.delivery.verdict).toEqual(one.delivery.verdict);
    }
  });

  it('reports Argo CD answering 401 on the sync signal only, naming it', async () => {
    await argo.setFault({ mode: 'status', status: 401 });
    try {
      let health: EntityHealth | undefined;
      await waitFor(
        'the 401 to be read',
        async () => {
          health = await get();
          return health.signals.sync.status === 'error';
        },
        15_000,
        300,
      );
      expect(health!.signals.sync.reason).toMatch(
        /Argo CD prod .*401|unauthorized/i,
      );
      expect(health!.signals.build.status).not.toBe('error');
      expect(JSON.stringify(health)).not.toContain('password');
    } finally {
      await argo.setFault({ mode: 'none' });
    }
  });

  it('reports the model server going down as the inference signal only', async () => {
    vllm.setEngineDead(true);
    let health: EntityHealth | undefined;
    await waitFor(
      'the dead engine to be probed',
      async () => {
        health = await get();
        return health.signals.inference.status === 'error';
      },
      15_000,
      300,
    );
    expect(health!.signals.inference.reason).toMatch(/503|not ready|health/i);
    expect(health!.signals.image.status).toBe('ok');
  });
});

/**
 * The demo's simulated upstreams (packages/simulators: each says on every
 * response that it is a simulator), seeded from the same scenario as the
 * cluster: Jenkins jobs and builds whose commits are the demo image
 * revisions, Argo CD applications asking for the registry's tags, one model
 * server per running pod (TorchServe, vLLM, Triton), one DCGM exporter per
 * GPU node, and a bounded request loop that gives Prometheus something to
 * measure.
 */
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import {
  ArgoCdSimulator,
  BuildSeed,
  DcgmGpuSeed,
  DcgmSimulator,
  JenkinsSimulator,
  OipSimulator,
  StageSeed,
  TorchServeSimulator,
  VllmSimulator,
  startArgoCdSimulator,
  startDcgmExporterSimulator,
  startJenkinsSimulator,
  startOipSimulator,
  startTorchServeSimulator,
  startVllmSimulator,
} from '@internal/simulators';
import { ScrapeTarget } from '../prometheus';
import {
  DEMO_CONTAINER,
  DEMO_GITOPS_REPO,
  DEMO_NODES,
  DEMO_SERVICES,
  DemoPod,
  DemoServicePlan,
  demoImageRef,
  demoPodNames,
} from './scenario';
import { DEMO_REGISTRY_HOST, DemoImage, demoRevision } from './seed';

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');

// ---------------------------------------------------------------------------
// Jenkins

export const DEMO_STAGES = [
  'Checkout',
  'Unit tests',
  'Build image',
  'Push image',
  'Update GitOps',
];
const STAGE_SHARE = [0.06, 0.34, 0.36, 0.14, 0.1];

/** Commit of the build that is running now (llm-chat): newer than every pushed image. */
export function demoRunningCommit(repository: string): string {
  return demoRevision(repository, -1);
}

function stages(
  durationMs: number,
  outcome:
    | { kind: 'success' }
    | { kind: 'failed'; at: string; message: string }
    | { kind: 'running'; at: string; elapsedMs: number },
): StageSeed[] {
  let offset = 0;
  let stopped = false;
  return DEMO_STAGES.map((name, i) => {
    const d = Math.round(durationMs * STAGE_SHARE[i]);
    const start = offset;
    offset += d;
    if (stopped) {
      return {
        name,
        status: 'NOT_EXECUTED' as const,
        durationMillis: 0,
        startOffsetMillis: start,
      };
    }
    if (outcome.kind === 'failed' && outcome.at === name) {
      stopped = true;
      return {
        name,
        status: 'FAILED' as const,
        durationMillis: d,
        startOffsetMillis: start,
        error: { message: outcome.message, type: 'hudson.AbortException' },
      };
    }
    if (outcome.kind === 'running' && outcome.at === name) {
      stopped = true;
      return {
        name,
        status: 'IN_PROGRESS' as const,
        durationMillis: Math.max(1, outcome.elapsedMs - start),
        startOffsetMillis: start,
      };
    }
    return {
      name,
      status: 'SUCCESS' as const,
      durationMillis: d,
      startOffsetMillis: start,
    };
  }).filter(s => !(outcome.kind === 'running' && s.status === 'NOT_EXECUTED'));
}

const AUTHORS = ['ana', 'ben', 'chidi', 'dana'];

function successBuild(
  service: DemoServicePlan,
  image: DemoImage,
  number: number,
): BuildSeed {
  // Multi-GB GPU images (vLLM) take far longer to build than CPU ones.
  const duration =
    (service.gpu?.resource === 'nvidia.com/gpu' ? 2_100_000 : 210_000) +
    (number % 5) * 17_000;
  // The image is pushed at the end of "Push image" (86% of the build).
  const timestamp = Date.parse(image.created) - Math.round(duration * 0.86);
  return {
    number,
    result: 'SUCCESS',
    building: false,
    timestamp,
    duration,
    startedBy: null,
    scm: [
      {
        remoteUrl: `https://git.demo.local/${service.repository}.git`,
        sha: image.revision,
        branch: 'refs/remotes/origin/main',
      },
    ],
    changes: [
      {
        commitId: image.revision,
        msg: `Model update ${image.tag}`,
        author: AUTHORS[number % AUTHORS.length],
        timestamp: timestamp - 60_000,
      },
    ],
    stages: stages(duration, { kind: 'success' }),
  };
}

/** Jenkins simulator with one pipeline job per demo service. */
export async function startDemoJenkins(
  images: DemoImage[],
  now = Date.now(),
  services: DemoServicePlan[] = DEMO_SERVICES,
): Promise<{ sim: JenkinsSimulator; username: string; apiToken: string }> {
  const username = 'portal';
  const apiToken = randomBytes(16).toString('hex');
  const sim = await startJenkinsSimulator({
    users: [
      {
        username,
        apiToken,
        password: randomBytes(12).toString('hex'),
        permissions: ['read', 'build'],
      },
    ],
    libraryRemoteUrl: null,
    buildDurationMs: 20_000,
  });
  for (const service of services) {
    const remote = `https://git.demo.local/${service.repository}.git`;
    const own = images
      .filter(i => i.repository === service.repository)
      .sort((a, b) => b.index - a.index); // oldest first
    const builds: BuildSeed[] = own.map((image, i) =>
      successBuild(service, image, i + 1),
    );
    if (service.name === 'llm-chat') {
      const commit = demoRunningCommit(service.repository);
      const elapsed = 5 * 60_000;
      builds.push({
        number: builds.length + 1,
        result: null,
        building: true,
        timestamp: now - elapsed,
        startedBy: null,
        scm: [
          {
            remoteUrl: remote,
            sha: commit,
            branch: 'refs/remotes/origin/main',
          },
        ],
        changes: [
          {
            commitId: commit,
            msg: 'Bump vLLM to 0.11 and raise max-model-len',
            author: 'dana',
            timestamp: now - elapsed - 60_000,
          },
        ],
        stages: stages(2_200_000, {
          kind: 'running',
          at: 'Unit tests',
          elapsedMs: elapsed,
        }),
      });
    }
    if (service.name === 'churn-scoring') {
      const commit = demoRevision(service.repository, 0);
      const duration = 176_000;
      builds.push({
        number: builds.length + 1,
        result: 'FAILURE',
        building: false,
        timestamp: now - 50 * 60_000,
        duration,
        startedBy: null,
        scm: [
          {
            remoteUrl: remote,
            sha: commit,
            branch: 'refs/remotes/origin/main',
          },
        ],
        changes: [
          {
            commitId: commit,
            msg: 'First version of the churn model',
            author: 'ana',
            timestamp: now - 52 * 60_000,
          },
        ],
        stages: stages(duration, {
          kind: 'failed',
          at: 'Push image',
          message: `script returned exit code 1 (error pushing image to ${DEMO_REGISTRY_HOST}/${service.repository}: denied: requested access to the resource is denied)`,
        }),
      });
    }
    const broken = service.name === 'churn-scoring';
    sim.addJob(service.jenkinsJob, {
      type: 'pipeline',
      description: `Builds and pushes ${DEMO_REGISTRY_HOST}/${service.repository}`,
      scmRemote: remote,
      // The simulator fails a build at its last stage: churn-scoring's rebuilds stop at "Push image" too.
      stages: broken
        ? DEMO_STAGES.slice(0, DEMO_STAGES.indexOf('Push image') + 1)
        : DEMO_STAGES,
      builds,
    });
    if (broken) {
      for (let i = 0; i < 100; i++)
        sim.setNextResult(service.jenkinsJob, 'FAILURE');
    }
  }
  return { sim, username, apiToken };
}

// ---------------------------------------------------------------------------
// Argo CD

/** Commit of the GitOps repository that set a service's image to demo image `index`. */
export function demoGitopsRevision(service: string, index: number): string {
  return sha1(`gitops/${service}#${index}`);
}

/** What a demo app deploys: KServe's InferenceService, or the template's Deployment and Service. */
function appResources(service: DemoServicePlan) {
  const inNamespace = { namespace: service.namespace, name: service.name };
  if (service.generated) {
    return [
      {
        group: '',
        version: 'v1',
        kind: 'Service',
        ...inNamespace,
        message: `service/${service.name} unchanged`,
      },
      {
        group: 'apps',
        version: 'v1',
        kind: 'Deployment',
        ...inNamespace,
        message: `deployment.apps/${service.name} configured`,
      },
    ];
  }
  return [
    {
      group: 'serving.kserve.io',
      version: 'v1beta1',
      kind: 'InferenceService',
      ...inNamespace,
      message: `inferenceservice.serving.kserve.io/${service.name} configured`,
    },
  ];
}

/** Argo CD simulator with one application per demo service. */
export async function startDemoArgoCd(
  images: DemoImage[],
  now = Date.now(),
  services: DemoServicePlan[] = DEMO_SERVICES,
): Promise<{ sim: ArgoCdSimulator; username: string; password: string }> {
  const username = 'portal';
  const password = randomBytes(12).toString('hex');
  const sim = await startArgoCdSimulator({ users: { [username]: password } });
  for (const service of services) {
    const own = images.filter(i => i.repository === service.repository);
    const deployedAt = (index: number) => {
      const image = own.find(i => i.index === index);
      return image
        ? Math.min(Date.parse(image.created) + 20 * 60_000, now - 5 * 60_000)
        : now - 60 * 60_000;
    };
    // Deployed image indexes, oldest first, up to what runs now.
    const deployed = own.length
      ? own
          .map(i => i.index)
          .filter(i => i >= service.runningIndex)
          .sort((a, b) => b - a)
      : [service.runningIndex];
    const source = (index: number) => ({
      repoURL: DEMO_GITOPS_REPO,
      path: `apps/${service.name}/overlays/prod`,
      targetRevision: 'main',
      kustomize: { images: [demoImageRef(service.repository, index)] },
    });
    const history = deployed.map((index, id) => ({
      id,
      revision: demoGitopsRevision(service.name, index),
      deployStartedAt: iso(deployedAt(index) - 40_000),
      deployedAt: iso(deployedAt(index)),
      source: source(index),
      initiatedBy: { automated: true },
    }));
    const last = history[history.length - 1];
    const outOfSync = service.desiredIndex !== service.runningIndex;
    const ready = service.pods.filter(p => p.state === 'running').length;
    let health: 'Healthy' | 'Progressing' | 'Degraded' = 'Healthy';
    if (ready === 0) health = 'Degraded';
    else if (ready < service.pods.length) health = 'Progressing';
    const resources = appResources(service);
    sim.putApplication({
      metadata: {
        name: service.name,
        labels: { 'backstage-name': service.name, team: service.namespace },
        finalizers: ['resources-finalizer.argocd.argoproj.io'],
      },
      spec: {
        project: 'default',
        source: source(service.desiredIndex),
        destination: {
          server: 'https://kubernetes.default.svc',
          namespace: service.namespace,
        },
        ...(service.autoSync
          ? { syncPolicy: { automated: { prune: true, selfHeal: true } } }
          : {}),
      },
      status: {
        sync: {
          status: outOfSync ? 'OutOfSync' : 'Synced',
          revision: demoGitopsRevision(service.name, service.desiredIndex),
        },
        health: { status: health },
        history,
        reconciledAt: iso(now - 60_000),
        operationState: {
          operation: {
            sync: { revision: last.revision },
            initiatedBy: { automated: true },
          },
          phase: 'Succeeded',
          message: 'successfully synced (all tasks run)',
          startedAt: last.deployStartedAt,
          finishedAt: last.deployedAt,
          syncResult: {
            revision: last.revision,
            resources: resources.map(r => ({
              ...r,
              status: 'Synced',
              hookPhase: 'Running',
              syncPhase: 'Sync',
            })),
          },
        },
        sourceType: 'Kustomize',
        summary: {
          images: [demoImageRef(service.repository, service.runningIndex)],
        },
        resources: resources.map(({ message: _message, ...r }) => ({
          ...r,
          status: outOfSync ? 'OutOfSync' : 'Synced',
        })),
      },
    });
  }
  return { sim, username, password };
}

// ---------------------------------------------------------------------------
// Model servers (one per running pod) and DCGM exporters (one per GPU node)

export interface DemoModelServer {
  service: string;
  namespace: string;
  pod: string;
  protocol: DemoServicePlan['protocol'];
  /** Base URL of the inference API. */
  url: string;
  /** The real generated FastAPI service (support-chat) rather than a simulator. */
  real?: boolean;
  torchserve?: TorchServeSimulator;
  vllm?: VllmSimulator;
  triton?: OipSimulator;
  /** Sends one request as a client of the service would (used by the traffic loop). */
  request(n: number): Promise<void>;
}

export interface DemoModelServers {
  servers: DemoModelServer[];
  /** InferenceService `status.url` per service: its first pod's server (churn-scoring: a port nothing listens on). */
  endpoints: Record<string, string>;
  torchserveToken: string;
  openaiApiKey: string;
  targets: ScrapeTarget[];
  stop(): Promise<void>;
}

const VLLM_MODEL_PATH = 'meta-llama/Llama-3.1-8B-Instruct';
const TRITON_CANARY = '-int8';

export async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(3_000),
  });
  await res.arrayBuffer();
}

/** Starts the model servers for the running pods (names from the scenario; no cluster needed). */
export async function startDemoModelServers(
  closedPort: number,
): Promise<DemoModelServers> {
  const servers: DemoModelServer[] = [];
  const targets: ScrapeTarget[] = [];
  const endpoints: Record<string, string> = {};
  const openaiApiKey = randomBytes(16).toString('hex');
  let torchserveToken = '';
  const stops: Array<() => Promise<void>> = [];
  try {
    // A generated service's server is the real app (generatedFastapi.ts), not a simulator.
    for (const service of DEMO_SERVICES.filter(s => !s.generated)) {
      const names = demoPodNames(service);
      for (const [i, plan] of service.pods.entries()) {
        if (plan.state !== 'running') continue;
        const pod = names[i];
        const labels = {
          namespace: service.namespace,
          pod,
          container: DEMO_CONTAINER,
        };
        let server: DemoModelServer;
        if (service.protocol === 'torchserve') {
          const sim = await startTorchServeSimulator({
            metricsMode: 'prometheus',
            hostname: pod,
            models: [{ name: service.model, version: '3.2', minWorkers: 2 }],
          });
          stops.push(() => sim.stop());
          targets.push({
            job: `torchserve/${pod}`,
            url: `${sim.metricsUrl}/metrics`,
            labels,
          });
          if (!torchserveToken) torchserveToken = sim.keys.inference;
          server = {
            service: service.name,
            namespace: service.namespace,
            pod,
            protocol: service.protocol,
            url: sim.inferenceUrl,
            torchserve: sim,
            request: () =>
              post(
                `${sim.inferenceUrl}/predictions/${service.model}`,
                { amount: 42.5, country: 'DE' },
                {
                  authorization: `Bearer ${sim.keys.inference}`,
                },
              ),
          };
        } else if (service.protocol === 'openai') {
          const sim = await startVllmSimulator({
            servedModelName: service.model,
            model: VLLM_MODEL_PATH,
            maxModelLen: 8192,
            apiKey: openaiApiKey,
          });
          sim.setLoad({ running: 3, waiting: 0, kvCacheUsage: 0.42 });
          stops.push(() => sim.stop());
          targets.push({
            job: `vllm/${pod}`,
            url: `${sim.url}/metrics`,
            labels,
          });
          server = {
            service: service.name,
            namespace: service.namespace,
            pod,
            protocol: service.protocol,
            url: sim.url,
            vllm: sim,
            request: () =>
              post(
                `${sim.url}/v1/chat/completions`,
                {
                  model: service.model,
                  messages: [
                    { role: 'user', content: 'Summarise my open tickets.' },
                  ],
                  max_tokens: 64,
                },
                { authorization: `Bearer ${openaiApiKey}` },
              ),
          };
        } else {
          const device = DEMO_NODES.find(
            n => n.name === plan.node,
          )?.devices.find(d => d.mig?.profile === '1g.10gb');
          const sim = await startOipSimulator({
            flavour: 'triton',
            models: [
              {
                name: service.model,
                versions: ['1', '2'],
                platform: 'onnxruntime_onnx',
              },
              // A quantized variant that failed to load: the requests sent to it fail.
              {
                name: `${service.model}${TRITON_CANARY}`,
                versions: ['1'],
                platform: 'tensorrt_plan',
                ready: false,
              },
            ],
            gpus: device
              ? [
                  {
                    uuid: device.uuid,
                    utilization: 0.41,
                    memoryUsedBytes: 6150 * 2 ** 20,
                  },
                ]
              : [],
          });
          stops.push(() => sim.stop());
          targets.push({
            job: `triton/${pod}`,
            url: `${sim.metricsUrl}/metrics`,
            labels,
          });
          const errorEvery = service.errorShare
            ? Math.round(1 / service.errorShare)
            : 0;
          server = {
            service: service.name,
            namespace: service.namespace,
            pod,
            protocol: service.protocol,
            url: sim.url,
            triton: sim,
            // About `errorShare` of the requests go to the canary model that is not ready.
            request: n =>
              post(
                `${sim.url}/v2/models/${service.model}${
                  errorEvery && n % errorEvery === errorEvery - 1
                    ? TRITON_CANARY
                    : ''
                }/infer`,
                {
                  inputs: [
                    {
                      name: 'input-0',
                      datatype: 'FP32',
                      shape: [1, 4],
                      data: [0.1, 0.2, 0.3, 0.4],
                    },
                  ],
                },
              ),
          };
        }
        servers.push(server);
        endpoints[service.name] ??= server.url;
      }
      // A service with no running pod: its endpoint answers nothing.
      endpoints[service.name] ??= `http://127.0.0.1:${closedPort}`;
    }
  } catch (e) {
    await Promise.allSettled(stops.map(s => s()));
    throw e;
  }
  return {
    servers,
    endpoints,
    torchserveToken,
    openaiApiKey,
    targets,
    async stop() {
      await Promise.allSettled(stops.map(s => s()));
    },
  };
}

export interface DemoDcgm {
  exporters: Array<{ node: string; sim: DcgmSimulator; gpus: DcgmGpuSeed[] }>;
  targets: ScrapeTarget[];
  stop(): Promise<void>;
}

/** Where each service's GPU pods sit (the cluster seed's pod names). */
function gpuHolders(pods: DemoPod[]) {
  return pods.filter(p => p.gpu && p.node && p.state === 'running');
}

/** One DCGM exporter per GPU node; GPUs held by demo pods carry their pod labels. */
export async function startDemoDcgm(pods: DemoPod[]): Promise<DemoDcgm> {
  const exporters: DemoDcgm['exporters'] = [];
  const targets: ScrapeTarget[] = [];
  try {
    for (const node of DEMO_NODES.filter(n => n.devices.length)) {
      const holders = gpuHolders(pods).filter(p => p.node === node.name);
      const wholeHolder = holders.find(
        p => p.gpu!.resource === 'nvidia.com/gpu',
      );
      const migHolder = holders.find(p =>
        p.gpu!.resource.startsWith('nvidia.com/mig-1g'),
      );
      let firstFreeMig = true;
      const gpus: DcgmGpuSeed[] = node.devices.map(d => {
        const podLabel = (p: DemoPod) => ({
          namespace: p.namespace,
          pod: p.name,
          container: DEMO_CONTAINER,
        });
        if (d.mig) {
          const held = d.mig.profile === '1g.10gb' && migHolder && firstFreeMig;
          if (held) firstFreeMig = false;
          return {
            gpu: d.gpu,
            uuid: d.uuid,
            modelName: d.modelName,
            mig: d.mig,
            ...(held ? { pod: podLabel(migHolder!) } : {}),
            fbUsedMiB: held ? 6150 : 0,
            fbFreeMiB: held ? d.fbTotalMiB - 6150 : d.fbTotalMiB,
            grEngineActive: held ? 0.41 : 0,
            powerW: held ? 95 : 60,
          };
        }
        // Whole GPUs: the demo's services (time-sliced notebooks are not attributed to one pod).
        const shared = Boolean(
          node.labels['nvidia.com/gpu.product']?.endsWith('-SHARED'),
        );
        const holder = shared ? undefined : wholeHolder;
        let load = { util: 0, fbUsed: 0, power: 32, temp: 38 }; // idle
        if (holder) {
          load = {
            util: 78 + d.gpu * 5,
            fbUsed: Math.round(d.fbTotalMiB * 0.9), // vLLM's --gpu-memory-utilization
            power: 310,
            temp: 63,
          };
        } else if (shared) {
          load = { util: 35, fbUsed: 9200, power: 180, temp: 51 };
        }
        return {
          gpu: d.gpu,
          uuid: d.uuid,
          modelName: d.modelName,
          ...(holder ? { pod: podLabel(holder) } : {}),
          utilizationPercent: load.util,
          memCopyUtilPercent: Math.round(load.util * 0.6),
          fbUsedMiB: load.fbUsed,
          fbFreeMiB: d.fbTotalMiB - load.fbUsed,
          grEngineActive: load.util / 100,
          temperatureC: load.temp,
          powerW: load.power,
        };
      });
      const sim = await startDcgmExporterSimulator({
        gpus,
        hostname: node.name,
        driverVersion: '550.54.15',
      });
      exporters.push({ node: node.name, sim, gpus });
      targets.push({
        job: `dcgm-exporter/${node.name}`,
        url: `${sim.url}/metrics`,
      });
    }
  } catch (e) {
    await Promise.allSettled(exporters.map(x => x.sim.stop()));
    throw e;
  }
  return {
    exporters,
    targets,
    async stop() {
      await Promise.allSettled(exporters.map(x => x.sim.stop()));
    },
  };
}

// ---------------------------------------------------------------------------
// Traffic

export interface DemoTraffic {
  /** Requests sent and failed (transport errors) so far, per pod. */
  stats(): Record<string, { sent: number; failed: number }>;
  stop(): void;
}

/**
 * Sends `perSecond` requests per second to each model server (one in flight
 * per server at a time), and stops by itself after `maxDurationMs`. Timers
 * are unref'd: the loop never keeps a process alive.
 */
export function startDemoTraffic(
  servers: DemoModelServer[],
  options: { perSecond: number; maxDurationMs: number },
): DemoTraffic {
  const stats: Record<string, { sent: number; failed: number }> = {};
  const timers: NodeJS.Timeout[] = [];
  let stopped = false;
  const stop = () => {
    stopped = true;
    for (const t of timers) clearInterval(t);
    timers.length = 0;
  };
  const intervalMs = Math.max(50, Math.round(1000 / options.perSecond));
  const drive = (server: DemoModelServer) => {
    const s = (stats[server.pod] = { sent: 0, failed: 0 });
    let busy = false;
    const timer = setInterval(() => {
      if (busy || stopped) return;
      busy = true;
      const n = s.sent++;
      server
        .request(n)
        .catch(() => {
          s.failed++;
        })
        .finally(() => {
          busy = false;
        });
    }, intervalMs);
    timer.unref();
    return timer;
  };
  for (const server of servers) timers.push(drive(server));
  const end = setTimeout(stop, options.maxDurationMs);
  end.unref();
  timers.push(end);
  return { stats: () => JSON.parse(JSON.stringify(stats)), stop };
}

/** Small swings of GPU utilization so the charts move (unref'd; stopped with the rest). */
export function startDcgmJitter(dcgm: DemoDcgm, everyMs = 5_000): () => void {
  let tick = 0;
  const timer = setInterval(() => {
    tick++;
    for (const { sim, gpus } of dcgm.exporters) {
      for (const g of gpus) {
        if (g.mig || !g.pod || g.utilizationPercent === undefined) continue;
        const u = Math.max(
          0,
          Math.min(
            100,
            g.utilizationPercent + Math.round(Math.sin(tick + g.gpu) * 6),
          ),
        );
        sim.setGpu(g.gpu, { utilizationPercent: u, grEngineActive: u / 100 });
      }
    }
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

// ---------------------------------------------------------------------------
// A fixed loopback address in front of a free port

export interface LoopbackForwarder {
  /** `host:port` it listens on. */
  address: string;
  stop(): Promise<void>;
}

/** Listens on `listen` (a 127.0.0.0/8 address) and pipes every connection to `127.0.0.1:<targetPort>`. */
export function startLoopbackForwarder(
  listen: { host: string; port: number },
  targetPort: number,
): Promise<LoopbackForwarder> {
  if (!listen.host.startsWith('127.'))
    throw new Error(`forwarder address ${listen.host} is not loopback`);
  const sockets = new Set<net.Socket>();
  const server = net.createServer(client => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.unref();
      const bound = server.address() as net.AddressInfo;
      resolve({
        address: `${listen.host}:${bound.port}`,
        stop: () =>
          new Promise<void>(done => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

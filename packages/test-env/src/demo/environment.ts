/**
 * The demo environment: every upstream the portal's cards read, started on
 * free 127.0.0.1 ports and seeded with one consistent story (see
 * scenario.ts), plus the app-config that wires the portal to them.
 *
 * Real: the OCI registry (Debian's docker-registry, token auth), the
 * Kubernetes API (kube-apiserver 1.20 + etcd; status written by the seed as
 * controllers would), Prometheus (Debian's prometheus, scraping every 2 s).
 * Simulated (packages/simulators; every response says so): Jenkins, the
 * Argo CD REST API, TorchServe, vLLM, Triton and the DCGM exporter.
 * Real again: support-chat's model server is the model-service template's
 * generated FastAPI app, rendered and run under /usr/bin/python3 with a tiny
 * TorchScript model (generatedFastapi.ts); Prometheus scrapes its /metrics
 * and the traffic loop sends it chat completions. Without Debian's
 * python3-fastapi/uvicorn/torch/prometheus-client the demo still starts: it
 * logs why, and seeds support-chat's pod as crash-looping (its cards then
 * show the fault).
 *
 * Inference endpoints: `mlops.inference` only allows endpoints by host and
 * port (no host mapping as for registries), and the simulators' ports change
 * per run, so the demo entities name no endpoint: the backend derives it from
 * each entity's KServe InferenceService (`status.url`, written here with the
 * simulator's loopback URL), and `allowedEndpoints` lists exactly those
 * `127.0.0.1:<port>`s. support-chat names its endpoint as a generated
 * FastAPI entity does (`mlops.io/inference-endpoint: …:8000/readyz`), on a
 * fixed loopback alias (DEMO_FASTAPI_ADDRESS) that forwards to the server.
 *
 * Used by the CLI behind `npm start` (cli.ts) and by tests (e2e); `stop()`
 * ends every process, server and timer it started.
 */
import { randomBytes } from 'node:crypto';
import { freePort } from '../ports';
import { RunningKubeApiserver, startKubeApiserver } from '../kube';
import { RunningPrometheus, startPrometheus } from '../prometheus';
import { RunningRegistry, startRegistry } from '../registry';
import {
  DemoClusterSeed,
  seedDemoCluster,
  startDemoRolloutController,
} from './cluster';
import { KubeAdmin } from './kubeAdmin';
import {
  GeneratedFastapiResult,
  generatedFastapiTarget,
  startGeneratedFastapi,
} from './generatedFastapi';
import {
  DEMO_ARGOCD_INSTANCE,
  DEMO_CLUSTER,
  DEMO_FASTAPI_ADDRESS,
  DEMO_JENKINS_INSTANCE,
  DEMO_SERVICES,
  DEMO_TORCHSERVE_MANAGEMENT,
  DemoServicePlan,
  demoPods,
  demoPredictorName,
} from './scenario';
import { DEMO_REGISTRY_HOST, DemoImage, seedDemoImages } from './seed';
import {
  DemoDcgm,
  DemoModelServers,
  DemoTraffic,
  LoopbackForwarder,
  startDcgmJitter,
  startDemoArgoCd,
  startDemoDcgm,
  startDemoJenkins,
  startDemoModelServers,
  startDemoTraffic,
  startLoopbackForwarder,
} from './upstreams';

export interface StartDemoEnvironmentOptions {
  /** Adds `app`/`backend` sections for these ports to the config. */
  appPort?: number;
  backendPort?: number;
  /** Prometheus scrape interval (default 2 s). */
  scrapeIntervalSeconds?: number;
  /** Requests per second to each model server (default 2; 0 = no traffic). */
  requestsPerSecond?: number;
  /** The traffic loop stops by itself after this long (default 8 h). */
  trafficMaxMs?: number;
  /**
   * Where fraud-detector's TorchServe management API listens (default
   * DEMO_TORCHSERVE_MANAGEMENT, the address its catalog entity names; tests
   * that run next to a demo pass another loopback address or port 0).
   */
  torchserveManagementAddress?: { host: string; port: number };
  /**
   * Where support-chat's endpoint listens (default DEMO_FASTAPI_ADDRESS, the
   * address its catalog entity names; tests next to a demo pass another
   * loopback address or port 0).
   */
  fastapiAddress?: { host: string; port: number };
  /** Acknowledge spec changes of demo Deployments (see startDemoRolloutController; default true). */
  rolloutController?: boolean;
  /** Cache lifetimes the generated config gives the backend (default 5 s). */
  refreshSeconds?: number;
  log?: (line: string) => void;
}

/** The generated app-config (JSON is valid YAML). Holds secrets: never send it to a browser. */
export type DemoAppConfig = Record<string, unknown> & {
  mlops: Record<string, unknown>;
  kubernetes: Record<string, unknown>;
  jenkins: Record<string, unknown>;
  argocd: Record<string, unknown>;
};

export interface DemoEnvironment {
  /** The app-config fragment that wires the portal to everything below. */
  config: DemoAppConfig;
  /** Milliseconds from the call until everything was seeded and scraped. */
  ms: number;
  /** What was pushed (newest first per repository). */
  images: DemoImage[];
  registry: RunningRegistry;
  registryPassword: string;
  kube: RunningKubeApiserver;
  /** Admin client of the apiserver: break things with `patchStatus`, `patch`, `delete`. */
  kubeAdmin: KubeAdmin;
  cluster: DemoClusterSeed;
  jenkins: Awaited<ReturnType<typeof startDemoJenkins>>;
  argocd: Awaited<ReturnType<typeof startDemoArgoCd>>;
  /** The simulated model servers (support-chat's real one is `generatedFastapi`). */
  modelServers: DemoModelServers;
  /**
   * support-chat's real generated FastAPI service, or why it could not start
   * (`ok: false`; then its pod is seeded as crash-looping).
   */
  generatedFastapi?: GeneratedFastapiResult;
  /**
   * fraud-detector's TorchServe management API on DEMO_TORCHSERVE_MANAGEMENT
   * (undefined when that address was taken, e.g. by another demo: its model
   * check then fails, and says so).
   */
  torchserveManagement?: LoopbackForwarder;
  dcgm: DemoDcgm;
  prometheus: RunningPrometheus;
  /** Requests to every model server, the real FastAPI one included. */
  traffic: DemoTraffic;
  /** The plans as seeded (support-chat crash-looping when its server could not start). */
  services: DemoServicePlan[];
  /** Sets a Deployment's status (merge patch through the status subresource). */
  setDeploymentStatus(
    service: string,
    status: Record<string, unknown>,
  ): Promise<void>;
  /** Sets a Pod's status (merge patch through the status subresource). */
  setPodStatus(
    namespace: string,
    pod: string,
    status: Record<string, unknown>,
  ): Promise<void>;
  /** Stops every server, process and timer (idempotent). */
  stop(): Promise<void>;
}

const DEFAULT_TRAFFIC_MAX_MS = 8 * 3_600_000;

/** Starts and seeds the demo environment; on any failure, stops what it started and rethrows. */
export async function startDemoEnvironment(
  options: StartDemoEnvironmentOptions = {},
): Promise<DemoEnvironment> {
  const started = Date.now();
  const log = options.log ?? (() => {});
  const step = (what: string) =>
    log(`[demo] ${what} (${Date.now() - started} ms)`);
  const cleanups: Array<() => Promise<void> | void> = [];
  const cleanup = async () => {
    for (const c of cleanups.splice(0).reverse()) {
      try {
        await c();
      } catch (e) {
        log(`[demo] cleanup failed: ${(e as Error).message}`);
      }
    }
  };
  const track = <T>(value: T, stop: (v: T) => Promise<void> | void): T => {
    cleanups.push(() => stop(value));
    return value;
  };

  const managementAddress =
    options.torchserveManagementAddress ?? DEMO_TORCHSERVE_MANAGEMENT;
  const fastapiAddress = options.fastapiAddress ?? DEMO_FASTAPI_ADDRESS;
  const generatedPlan = DEMO_SERVICES.find(s => s.generated === 'fastapi');
  const perSecond = options.requestsPerSecond ?? 2;
  const trafficMaxMs = options.trafficMaxMs ?? DEFAULT_TRAFFIC_MAX_MS;
  try {
    // The real FastAPI service starts (python, torch: seconds) while the rest
    // is seeded; its port is known now so Prometheus can scrape it from the start.
    const fastapiPort = generatedPlan ? await freePort() : undefined;
    const fastapiReady = (async () => {
      if (!generatedPlan || fastapiPort === undefined) return undefined;
      const result = track(
        await startGeneratedFastapi(generatedPlan, {
          port: fastapiPort,
          address: fastapiAddress,
          log,
        }),
        r => r.stop(),
      );
      if (result.ok) {
        step(
          `${generatedPlan.name}: the generated FastAPI app serves ${result.url} (pid ${result.service.pid})`,
        );
        for (const warning of result.warnings)
          log(`[demo] warning: ${warning}`);
      } else {
        log(
          `[demo] warning: ${result.reason}. The demo goes on without it: ${generatedPlan.name}'s pod is seeded as crash-looping, and its cards show that fault.`,
        );
      }
      return result;
    })();
    const registryPassword = randomBytes(12).toString('hex');
    const registryReady = (async () => {
      const reg = track(
        await startRegistry({
          auth: 'token',
          username: 'portal',
          password: registryPassword,
        }),
        r => r.stop(),
      );
      const images = await seedDemoImages(reg, started);
      step(`registry ${reg.url} seeded with ${images.length} images`);
      return { reg, images };
    })();
    const kubeReady = (async () => {
      const kube = track(await startKubeApiserver(), k => k.stop());
      step(`kube-apiserver ${kube.url} ready`);
      return kube;
    })();
    const simsReady = (async () => {
      const closedPort = await freePort();
      const modelServers = track(await startDemoModelServers(closedPort), m =>
        m.stop(),
      );
      const dcgm = track(await startDemoDcgm(demoPods()), d => d.stop());
      const jitter = startDcgmJitter(dcgm);
      cleanups.push(jitter);
      const traffic = track(
        startDemoTraffic(perSecond > 0 ? modelServers.servers : [], {
          perSecond: Math.max(perSecond, 0.1),
          maxDurationMs: trafficMaxMs,
        }),
        t => t.stop(),
      );
      const torchserve = modelServers.servers.find(
        x => x.torchserve,
      )?.torchserve;
      let torchserveManagement: LoopbackForwarder | undefined;
      if (torchserve) {
        try {
          torchserveManagement = track(
            await startLoopbackForwarder(
              managementAddress,
              Number(new URL(torchserve.managementUrl).port),
            ),
            f => f.stop(),
          );
        } catch (e) {
          log(
            `[demo] warning: cannot listen on ${managementAddress.host}:${
              managementAddress.port
            } (${
              (e as Error).message
            }); fraud-detector's model check will fail`,
          );
        }
      }
      step(
        `${modelServers.servers.length} model servers and ${dcgm.exporters.length} DCGM exporters up`,
      );
      const prometheus = track(
        await startPrometheus({
          scrapeTargets: [
            ...modelServers.targets,
            ...dcgm.targets,
            ...(generatedPlan && fastapiPort !== undefined
              ? [generatedFastapiTarget(generatedPlan, fastapiPort)]
              : []),
          ],
          scrapeIntervalSeconds: options.scrapeIntervalSeconds ?? 2,
          log: line => log(line),
        }),
        p => p.stop(),
      );
      step(`prometheus ${prometheus.url} up`);
      return {
        modelServers,
        dcgm,
        traffic,
        prometheus,
        torchserve,
        torchserveManagement,
      };
    })();
    // Settle all four before going on, so a failure leaves nothing half-tracked.
    const [regResult, kubeResult, simsResult, fastapiResult] =
      await Promise.allSettled([
        registryReady,
        kubeReady,
        simsReady,
        fastapiReady,
      ]);
    for (const r of [regResult, kubeResult, simsResult, fastapiResult]) {
      if (r.status === 'rejected') throw r.reason;
    }
    const generatedFastapi = (
      fastapiResult as PromiseFulfilledResult<
        GeneratedFastapiResult | undefined
      >
    ).value;
    let services = DEMO_SERVICES;
    if (generatedFastapi && !generatedFastapi.ok) {
      // As a container without those packages would: it exits, and exits again.
      services = DEMO_SERVICES.map(s =>
        s === generatedPlan
          ? {
              ...s,
              pods: s.pods.map(p => ({ ...p, state: 'crash-loop' as const })),
            }
          : s,
      );
    }
    const fastapiTraffic =
      generatedFastapi?.ok && perSecond > 0
        ? track(
            startDemoTraffic([generatedFastapi.server], {
              perSecond,
              maxDurationMs: trafficMaxMs,
            }),
            t => t.stop(),
          )
        : undefined;
    const { reg, images } = (
      regResult as PromiseFulfilledResult<Awaited<typeof registryReady>>
    ).value;
    const kube = (kubeResult as PromiseFulfilledResult<RunningKubeApiserver>)
      .value;
    const {
      modelServers,
      dcgm,
      traffic,
      prometheus,
      torchserve,
      torchserveManagement,
    } = (simsResult as PromiseFulfilledResult<Awaited<typeof simsReady>>).value;

    const kubeAdmin = track(new KubeAdmin(kube, kube.adminToken), a =>
      a.close(),
    );
    const [cluster, jenkins, argocd] = await Promise.all([
      seedDemoCluster(kubeAdmin, {
        images,
        endpoints: modelServers.endpoints,
        services,
        ...(generatedFastapi && !generatedFastapi.ok
          ? { crashMessage: generatedFastapi.reason }
          : {}),
        now: started,
      }),
      startDemoJenkins(images, started, services).then(j =>
        track(j, x => x.sim.stop()),
      ),
      startDemoArgoCd(images, started, services).then(a =>
        track(a, x => x.sim.stop()),
      ),
      // Two scrapes with traffic in between: rates exist when the portal first asks.
      // (A FastAPI service that could not start is scraped, and down.)
      prometheus.waitForScrapes(2, {
        timeoutMs: 30_000,
        requireUp: generatedFastapi?.ok ?? true,
      }),
    ]);
    if (options.rolloutController ?? true) {
      const controller = startDemoRolloutController(kubeAdmin);
      cleanups.push(() => controller.stop());
    }
    step(
      `cluster seeded (${cluster.pods.length} pods), Jenkins ${jenkins.sim.url}, Argo CD ${argocd.sim.url}`,
    );

    const refresh = options.refreshSeconds ?? 5;
    const endpointRules = [
      ...new Set([
        ...Object.values(modelServers.endpoints).map(u => new URL(u).host),
        // Allowed even when the forwarder could not listen: the card then says the address refused.
        torchserveManagement?.address ??
          `${managementAddress.host}:${managementAddress.port}`,
        ...(generatedPlan
          ? [
              (generatedFastapi?.ok && generatedFastapi.forwardedAddress) ||
                `${fastapiAddress.host}:${fastapiAddress.port}`,
            ]
          : []),
      ]),
    ];
    const config: DemoAppConfig = {
      ...(options.appPort
        ? { app: { baseUrl: `http://localhost:${options.appPort}` } }
        : {}),
      ...(options.backendPort
        ? {
            backend: {
              baseUrl: `http://localhost:${options.backendPort}`,
              listen: { port: options.backendPort },
              ...(options.appPort
                ? { cors: { origin: `http://localhost:${options.appPort}` } }
                : {}),
            },
          }
        : {}),
      kubernetes: {
        serviceLocatorMethod: { type: 'multiTenant' },
        // Backstage's Kubernetes plugin asks for autoscaling/v2 and batch/v1 CronJobs, newer than 1.20.
        apiVersionOverrides: {
          horizontalpodautoscalers: 'v1',
          cronjobs: 'v1beta1',
        },
        clusterLocatorMethods: [
          {
            type: 'config',
            clusters: [
              {
                name: DEMO_CLUSTER,
                url: kube.url,
                authProvider: 'serviceAccount',
                serviceAccountToken: kube.readOnlyToken,
                writeServiceAccountToken: cluster.writeToken,
                caData: kube.caData,
                skipTLSVerify: false,
                skipMetricsLookup: true,
              },
            ],
          },
        ],
      },
      jenkins: {
        instances: [
          {
            name: DEMO_JENKINS_INSTANCE,
            baseUrl: jenkins.sim.url,
            username: jenkins.username,
            apiKey: jenkins.apiToken,
          },
        ],
      },
      argocd: {
        appLocatorMethods: [
          {
            type: 'config',
            instances: [
              {
                name: DEMO_ARGOCD_INSTANCE,
                url: argocd.sim.url,
                username: argocd.username,
                password: argocd.password,
              },
            ],
          },
        ],
      },
      mlops: {
        registries: [
          {
            name: 'demo-registry',
            url: reg.url,
            host: DEMO_REGISTRY_HOST,
            username: 'portal',
            password: registryPassword,
            refreshSeconds: refresh,
            timeoutMs: 3000,
          },
        ],
        jenkins: { refreshSeconds: refresh, timeoutMs: 3000 },
        argocd: { refreshSeconds: refresh, timeoutMs: 3000 },
        inference: {
          allowedEndpoints: endpointRules,
          torchserveToken: modelServers.torchserveToken,
          ...(torchserve
            ? { torchserveManagementToken: torchserve.keys.management }
            : {}),
          openaiApiKey: modelServers.openaiApiKey,
          refreshSeconds: refresh,
          timeoutMs: 2000,
        },
        prometheus: {
          url: prometheus.url,
          refreshSeconds: refresh,
          timeoutMs: 3000,
        },
      },
    };

    const allTraffic: DemoTraffic = {
      stats: () => ({ ...traffic.stats(), ...fastapiTraffic?.stats() }),
      stop() {
        traffic.stop();
        fastapiTraffic?.stop();
      },
    };
    let stopping: Promise<void> | undefined;
    const env: DemoEnvironment = {
      config,
      ms: Date.now() - started,
      images,
      registry: reg,
      registryPassword,
      kube,
      kubeAdmin,
      cluster,
      jenkins,
      argocd,
      modelServers,
      generatedFastapi,
      torchserveManagement,
      dcgm,
      prometheus,
      traffic: allTraffic,
      services,
      async setDeploymentStatus(service, status) {
        const plan = DEMO_SERVICES.find(s => s.name === service);
        if (!plan) throw new Error(`no demo service ${service}`);
        await kubeAdmin.patchStatus(
          'apps/v1',
          'deployments',
          plan.namespace,
          demoPredictorName(plan),
          status,
        );
      },
      async setPodStatus(namespace, pod, status) {
        await kubeAdmin.patchStatus('v1', 'pods', namespace, pod, status);
      },
      stop() {
        stopping ??= cleanup();
        return stopping;
      },
    };
    step('ready');
    return env;
  } catch (e) {
    await cleanup();
    throw e;
  }
}

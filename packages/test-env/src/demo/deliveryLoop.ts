/**
 * support-chat in the demo is delivered by the delivery loop simulator
 * (packages/delivery-sim): its source repository and GitOps folder are what
 * the model-service template generates; a commit is built by the build
 * controller (Jenkins simulator's API), pushed to the real registry, bumped
 * in the real GitOps repository, synced by the GitOps controller (Argo CD
 * simulator's API) into the real kube-apiserver, run by the kubelet
 * stand-in, and served by the template's real FastAPI app behind the
 * endpoint its entity names — open only while a pod is Ready.
 *
 * Prometheus scrapes the app under the name of the pod that serves now,
 * relabelled when the rollout replaces it (as Kubernetes service discovery
 * would).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  DeliveryLoop,
  FastapiServingAdapter,
  LoopEvent,
  startDeliveryLoop,
  startFastapiServingAdapter,
} from '@internal/delivery-sim';
import type { ArgoCdSimulator, JenkinsSimulator } from '@internal/simulators';
import { FASTAPI_PYTHON, makeTinyTorchScriptModel } from '../fastapi';
import { RunningKubeApiserver } from '../kube';
import { RunningPrometheus, ScrapeTarget } from '../prometheus';
import { RunningRegistry } from '../registry';
import { KubeAdmin, KubeObject } from './kubeAdmin';
import { loopServiceSetup } from './loopService';
import { DemoServicePlan, demoContainerName } from './scenario';
import { DEMO_REGISTRY_HOST } from './seed';
import { DemoModelServer, post } from './upstreams';

export interface DemoDeliveryLoop {
  loop: DeliveryLoop;
  /** Why the real FastAPI app cannot run here (its pods then crash-loop with these words). */
  problem?: string;
  /** The real FastAPI app behind the service's endpoint. */
  fastapi: FastapiServingAdapter;
  /** For the traffic loop: requests through the endpoint (refused while no pod is Ready). */
  server: DemoModelServer;
  stop(): Promise<void>;
}

export interface StartDemoDeliveryLoopOptions {
  plan: DemoServicePlan;
  registry: RunningRegistry;
  registryPassword: string;
  kube: RunningKubeApiserver;
  kubeAdmin: KubeAdmin;
  jenkins: JenkinsSimulator;
  argocd: ArgoCdSimulator;
  prometheus: RunningPrometheus;
  /** The other scrape targets (Prometheus' config is rewritten whole). */
  scrapeTargets: ScrapeTarget[];
  /** Where the entity's endpoint listens. */
  address: { host: string; port: number };
  /** Simulated time per build stage (default 800 ms). */
  stageMs?: number;
  log: (line: string) => void;
}

const RELABEL_EVERY_MS = 2000;
const INSTALL =
  'apt-get install python3 python3-fastapi python3-uvicorn python3-torch python3-prometheus-client';

/** Why the template's FastAPI app cannot run under FASTAPI_PYTHON here, or undefined when it can. */
export function fastapiMissing(): Promise<string | undefined> {
  return new Promise(resolve => {
    execFile(
      FASTAPI_PYTHON,
      ['-c', 'import fastapi, uvicorn, torch, prometheus_client'],
      { timeout: 60_000 },
      (error, _stdout, stderr) => {
        if (!error) return resolve(undefined);
        const last =
          String(stderr).trim().split('\n').pop() || (error as Error).message;
        resolve(`${last} (needs ${INSTALL})`);
      },
    );
  });
}

/** Starts the loop for `plan`; resolves once the first commit is being built. */
export async function startDemoDeliveryLoop(
  options: StartDemoDeliveryLoopOptions,
): Promise<DemoDeliveryLoop> {
  const { plan, log } = options;
  const workDir = fs.mkdtempSync(
    path.join(os.tmpdir(), `demo-delivery-${plan.name}-`),
  );
  const stops: Array<() => Promise<void> | void> = [
    () => fs.rmSync(workDir, { recursive: true, force: true }),
  ];
  const stop = async () => {
    for (const s of stops.splice(0).reverse()) {
      try {
        await s();
      } catch (e) {
        log(`[demo] delivery loop: stop failed: ${(e as Error).message}`);
      }
    }
  };
  try {
    const missing = await fastapiMissing();
    const problem = missing
      ? `${plan.name}'s model server (the template's FastAPI app under ${FASTAPI_PYTHON}) cannot start: ${missing}`
      : undefined;
    // As the template's workload mounts it: /models/<modelName>/model.pt.
    const modelDir = path.join(workDir, 'models', plan.model);
    if (!problem) await makeTinyTorchScriptModel(path.join(modelDir, 'model.pt'));
    const fastapi = await startFastapiServingAdapter({
      // The loop's source repository of the service: the template's rendered source.
      sourceDir: path.join(workDir, 'sources', plan.name),
      modelPath: modelDir,
      env: { MODEL_NAME: plan.model },
      listen: options.address,
      log,
    });
    stops.push(() => fastapi.stop());

    const ca = fs.readFileSync(options.kube.caFile, 'utf8');
    const loop = await startDeliveryLoop({
      workDir,
      services: [loopServiceSetup(plan, fastapi)],
      registry: {
        url: options.registry.url,
        username: options.registry.username,
        password: options.registryPassword,
      },
      registryHosts: { [DEMO_REGISTRY_HOST]: options.registry.host },
      kube: { url: options.kube.url, ca, token: options.kube.adminToken },
      kubectl: options.kube.kubectlPath,
      jenkins: options.jenkins,
      argocd: options.argocd,
      stageMs: options.stageMs,
      log: (e: LoopEvent) => {
        if (e.controller === 'scenario' || /fail|error/i.test(e.message))
          log(
            `[demo] delivery loop (simulated ${e.controller} controller)${
              e.service ? ` ${e.service}` : ''
            }: ${e.message}`,
          );
      },
    });
    stops.push(() => loop.stop());
    if (problem) {
      // As a container without those packages would: it exits, and exits again.
      loop.breakLink(plan.name, 'crash-loop', { message: problem });
      log(`[demo] warning: ${problem}. The demo goes on: ${plan.name}'s pods crash-loop with that message, and its cards show it.`);
    }

    // Prometheus follows the pod that serves now.
    let servingPod: string | undefined;
    let relabeling = false;
    const relabel = setInterval(async () => {
      if (relabeling) return;
      relabeling = true;
      try {
        const pods = await options.kubeAdmin.list<KubeObject>(
          'v1',
          'pods',
          plan.namespace,
          `backstage.io/kubernetes-id=${plan.name}`,
        );
        const ready = pods.find(p =>
          (
            (p.status as { conditions?: Array<{ type: string; status: string }> })
              ?.conditions ?? []
          ).some(c => c.type === 'Ready' && c.status === 'True'),
        );
        const name = ready?.metadata.name;
        if (name && name !== servingPod) {
          servingPod = name;
          await options.prometheus.setScrapeTargets([
            ...options.scrapeTargets,
            {
              job: `fastapi/${plan.name}`,
              url: `${fastapi.url}/metrics`,
              labels: {
                namespace: plan.namespace,
                pod: name,
                container: demoContainerName(plan),
              },
            },
          ]);
        }
      } catch (e) {
        log(`[demo] delivery loop: relabel failed: ${(e as Error).message}`);
      } finally {
        relabeling = false;
      }
    }, RELABEL_EVERY_MS);
    stops.push(() => clearInterval(relabel));

    const errorEvery = plan.errorShare ? Math.round(1 / plan.errorShare) : 0;
    const server: DemoModelServer = {
      service: plan.name,
      namespace: plan.namespace,
      get pod() {
        return servingPod ?? '(no pod ready)';
      },
      protocol: plan.protocol,
      url: fastapi.url,
      real: true,
      // The tiny model raises when the prompt says FAIL: a 500 from the app.
      request: n =>
        post(`${fastapi.url}/v1/chat/completions`, {
          model: plan.model,
          messages: [
            {
              role: 'user',
              content:
                errorEvery && n % errorEvery === errorEvery - 1
                  ? 'FAIL: escalate ticket 4711'
                  : 'Where is my order 4711?',
            },
          ],
          max_tokens: 32,
        }),
    };
    return { loop, fastapi, server, stop, ...(problem ? { problem } : {}) };
  } catch (e) {
    await stop();
    throw e;
  }
}

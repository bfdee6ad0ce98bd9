/**
 * The delivery loop: source repositories → build controller → registry +
 * GitOps repository → GitOps controller → kube-apiserver → kubelet stand-in
 * → serving, for a set of model services. Only the controllers are
 * simulated; git, the registry and the kube-apiserver are real, and the
 * controllers talk to Jenkins' and Argo CD's APIs through their simulators.
 *
 * A commit to a service's source repository (by {@link DeliveryLoop.commit}
 * or by anyone running `git commit` in it) is seen by the SCM poll within
 * `scmPollMs` and starts a build, as a push webhook would; everything after
 * that follows from what each controller reads in the real stores.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { JenkinsSimulator, ArgoCdSimulator } from '@internal/simulators';
import { KubeClient, RegistryTarget } from '@internal/test-env';
import { BreakBoard } from './breaks';
import { startBuildController } from './build';
import { GitRepo } from './git';
import { startGitOpsController } from './gitops';
import { startKubeletStandIn } from './kubelet';
import { ServingAdapter, startServingController } from './serving';
import {
  BreakOptions,
  DeliveryBreak,
  LoopEvent,
  LoopLog,
  LoopService,
} from './types';

export interface LoopServiceSetup {
  /** Everything but where the repositories are (the loop creates them). */
  service: Omit<LoopService, 'sourceRepo' | 'gitopsRepo' | 'gitopsPath'> & {
    /** Default `apps/<name>/overlays/prod` (where the template's Jenkinsfile bumps the tag). */
    gitopsPath?: string;
  };
  /** Files of the first commit of the source repository (e.g. the template's rendered source). */
  sourceFiles: Record<string, string>;
  /** Files this service adds to the GitOps repository, paths relative to its root. */
  gitopsFiles: Record<string, string>;
  /** How "serving" is made true or false for this service (none: nothing serves it). */
  serving?: ServingAdapter;
}

export interface KubeAccess {
  url: string;
  /** CA certificate (PEM). */
  ca: string;
  /** A token allowed to write everything (the controllers act as the control plane). */
  token: string;
}

export interface StartDeliveryLoopOptions {
  services: LoopServiceSetup[];
  /** The real registry, with push credentials. */
  registry: RegistryTarget;
  /** Image host as manifests name it → the registry's `host:port`. */
  registryHosts: Record<string, string>;
  kube: KubeAccess;
  /** kubectl whose `kustomize` renders the GitOps repository. */
  kubectl: string;
  jenkins: JenkinsSimulator;
  argocd: ArgoCdSimulator;
  /** What Applications show as `source.repoURL` (default `file://<gitops repo>`). */
  gitopsRepoURL?: string;
  /** Simulated time of each build stage beyond its real work (default 800 ms). */
  stageMs?: number;
  /** Poll interval of the GitOps controller, the kubelet stand-in and serving (default 1000 ms). */
  pollMs?: number;
  /** How often source repositories are polled for new commits (default 1000 ms). */
  scmPollMs?: number;
  /** Where the git repositories live (default a new temp dir, removed by stop()). */
  workDir?: string;
  /** Deliver the first commit of every service at start (default true). */
  deliverAtStart?: boolean;
  log?: LoopLog;
}

export interface DeliveryLoop {
  workDir: string;
  services: LoopService[];
  breaks: BreakBoard;
  /** Commits to the service's source repository, as a developer's push; returns the SHA. */
  commit(service: string, message?: string): Promise<string>;
  /** HEAD of `main` of the service's source repository. */
  sourceHead(service: string): Promise<string>;
  /** Breaks one link of a service's delivery (see DeliveryBreak). */
  breakLink(service: string, brk: DeliveryBreak, options?: BreakOptions): void;
  /** Repairs one link, or all of them. */
  repair(service: string, brk?: DeliveryBreak): void;
  /** Commits every `everyMs` to each service (the demo's "deliveries move"); returns a stop function. */
  autoCommit(everyMs: number): () => void;
  /**
   * Resolves once every pod of the service's Deployment is Ready and runs
   * the image built from `sha` (read from the kube-apiserver), and its
   * Argo CD application reads Synced and Healthy.
   */
  waitForRollout(service: string, sha: string, timeoutMs?: number): Promise<void>;
  /** Everything the controllers did, oldest first (at most the last 2,000). */
  events(): LoopEvent[];
  stop(): Promise<void>;
}

const MAX_EVENTS = 2000;
const DEFAULT_GITOPS_PATH = (name: string) => `apps/${name}/overlays/prod`;

interface PodList {
  items?: Array<{
    spec?: { containers?: Array<{ image?: string }> };
    status?: { conditions?: Array<{ type: string; status: string }> };
  }>;
}

export async function startDeliveryLoop(
  options: StartDeliveryLoopOptions,
): Promise<DeliveryLoop> {
  const ownDir = !options.workDir;
  const workDir =
    options.workDir ??
    fs.mkdtempSync(path.join(os.tmpdir(), 'delivery-sim-'));
  const history: LoopEvent[] = [];
  const log: LoopLog = event => {
    history.push(event);
    if (history.length > MAX_EVENTS) history.shift();
    options.log?.(event);
  };
  const note = (message: string, service?: string) =>
    log({ at: Date.now(), controller: 'scenario', service, message });
  const breaks = new BreakBoard();
  const stops: Array<() => Promise<void> | void> = [];
  const stopAll = async () => {
    for (const s of stops.splice(0).reverse()) {
      try {
        await s();
      } catch (e) {
        note(`stop failed: ${(e as Error).message}`);
      }
    }
    if (ownDir) fs.rmSync(workDir, { recursive: true, force: true });
  };

  try {
    // The repositories: one GitOps repository, one source repository per service.
    const gitopsFiles: Record<string, string> = {
      'README.md':
        'GitOps repository of the delivery loop simulator: one folder per model service under apps/.\n',
    };
    for (const s of options.services) Object.assign(gitopsFiles, s.gitopsFiles);
    const gitops = await GitRepo.init(
      path.join(workDir, 'gitops'),
      gitopsFiles,
      'Model services, as the template generated them',
    );
    const sources = new Map<string, GitRepo>();
    const services: LoopService[] = [];
    for (const setup of options.services) {
      const { gitopsPath, ...rest } = setup.service;
      const source = await GitRepo.init(
        path.join(workDir, 'sources', rest.name),
        setup.sourceFiles,
        `${rest.name}: generated from the model-service template`,
      );
      sources.set(rest.name, source);
      services.push({
        ...rest,
        sourceRepo: source.dir,
        gitopsRepo: gitops.dir,
        gitopsPath: gitopsPath ?? DEFAULT_GITOPS_PATH(rest.name),
      });
    }
    const byName = new Map(services.map(s => [s.name, s]));
    const pollMs = options.pollMs ?? 1000;

    const build = await startBuildController({
      jenkins: options.jenkins,
      registry: options.registry,
      services,
      breaks,
      stageMs: options.stageMs,
      log,
    });
    stops.push(() => build.stop());

    const gitopsController = await startGitOpsController({
      argocd: options.argocd,
      kube: options.kube,
      kubectl: options.kubectl,
      services,
      breaks,
      pollMs,
      ...(options.gitopsRepoURL
        ? { repoURL: () => options.gitopsRepoURL! }
        : {}),
      log,
    });
    stops.push(() => gitopsController.stop());

    const kubelet = await startKubeletStandIn({
      kube: options.kube,
      registry: options.registry,
      registryHosts: options.registryHosts,
      namespaces: [...new Set(services.map(s => s.namespace))],
      breaks,
      // Only the loop's own Deployments: other workloads in these namespaces are not ours.
      manages: deployment => byName.has(deployment.metadata.name),
      serviceOf: deployment =>
        byName.has(deployment.metadata.name)
          ? deployment.metadata.name
          : undefined,
      pollMs,
      log,
    });
    stops.push(() => kubelet.stop());

    const adapters = Object.fromEntries(
      options.services
        .filter(s => s.serving)
        .map(s => [s.service.name, s.serving!]),
    );
    if (Object.keys(adapters).length) {
      const serving = await startServingController({
        kube: options.kube,
        services: services.filter(s => adapters[s.name]),
        adapters,
        breaks,
        pollMs,
        log,
      });
      stops.push(() => serving.stop());
    }

    // SCM polling: a new HEAD on main starts a build (as a push webhook would).
    const seen = new Map<string, string>();
    for (const s of services) {
      const head = await sources.get(s.name)!.head();
      if (options.deliverAtStart ?? true) {
        build
          .trigger(s.name, 'first commit of the generated repository')
          .catch(e => note(`build trigger failed: ${(e as Error).message}`, s.name));
      }
      seen.set(s.name, head);
    }
    let polling = false;
    const scmTimer = setInterval(async () => {
      if (polling) return;
      polling = true;
      try {
        for (const s of services) {
          const head = await sources.get(s.name)!.head();
          if (head !== seen.get(s.name)) {
            seen.set(s.name, head);
            note(`new commit ${head.slice(0, 7)} on main: build triggered`, s.name);
            // Not awaited: trigger() resolves when the build starts, which may
            // wait for a running build of the same service.
            build
              .trigger(s.name, `push of ${head.slice(0, 7)}`)
              .catch(e => note(`build trigger failed: ${(e as Error).message}`, s.name));
          }
        }
      } catch (e) {
        note(`SCM poll failed: ${(e as Error).message}`);
      } finally {
        polling = false;
      }
    }, options.scmPollMs ?? 1000);
    stops.push(() => clearInterval(scmTimer));

    const kubeClient = new KubeClient({
      url: options.kube.url,
      ca: options.kube.ca,
      token: options.kube.token,
    });
    const commitCounter = new Map<string, number>();
    const loop: DeliveryLoop = {
      workDir,
      services,
      breaks,
      async commit(service, message) {
        const repo = sources.get(service);
        if (!repo) throw new Error(`the delivery loop has no service ${service}`);
        const n = (commitCounter.get(service) ?? 0) + 1;
        commitCounter.set(service, n);
        const sha = await repo.commit(
          { 'CHANGELOG.md': `${service}: change ${n} at ${new Date().toISOString()}\n` },
          message ?? `${service}: change ${n}`,
          { name: 'ML engineer', email: 'ml-engineer@ml.internal' },
        );
        note(`committed ${sha.slice(0, 7)}`, service);
        return sha;
      },
      async sourceHead(service) {
        const repo = sources.get(service);
        if (!repo) throw new Error(`the delivery loop has no service ${service}`);
        return repo.head();
      },
      breakLink(service, brk, opts) {
        if (!byName.has(service)) throw new Error(`the delivery loop has no service ${service}`);
        breaks.set(service, brk, opts);
        note(`break ${brk}${opts?.stage ? ` (stage ${opts.stage})` : ''}`, service);
      },
      repair(service, brk) {
        breaks.clear(service, brk);
        note(`repaired ${brk ?? 'every link'}`, service);
      },
      autoCommit(everyMs) {
        const timer = setInterval(() => {
          for (const s of services) {
            loop.commit(s.name, `${s.name}: scheduled change`).catch(e =>
              note(`scheduled commit failed: ${(e as Error).message}`, s.name),
            );
          }
        }, everyMs);
        const stop = () => clearInterval(timer);
        stops.push(stop);
        return stop;
      },
      async waitForRollout(service, sha, timeoutMs = 60_000) {
        const s = byName.get(service);
        if (!s) throw new Error(`the delivery loop has no service ${service}`);
        const deadline = Date.now() + timeoutMs;
        let last = 'no pods yet';
        for (;;) {
          const reply = await kubeClient.request(
            'GET',
            `/api/v1/namespaces/${s.namespace}/pods?labelSelector=${encodeURIComponent(
              `backstage.io/kubernetes-id=${s.name}`,
            )}`,
          );
          const pods = ((reply.json ?? {}) as PodList).items ?? [];
          const ready = pods.filter(p =>
            p.status?.conditions?.some(c => c.type === 'Ready' && c.status === 'True'),
          );
          const onSha = pods.filter(p =>
            p.spec?.containers?.some(c => c.image?.endsWith(`:${sha}`)),
          );
          const app = options.argocd.getApplication(s.argoApp);
          const appStatus = app?.status as
            | { sync?: { status?: string }; health?: { status?: string } }
            | undefined;
          const appDone =
            appStatus?.sync?.status === 'Synced' &&
            appStatus?.health?.status === 'Healthy';
          if (
            pods.length > 0 &&
            ready.length === pods.length &&
            onSha.length === pods.length &&
            appDone
          )
            return;
          last = `${pods.length} pods, ${ready.length} ready, ${onSha.length} on ${sha.slice(0, 7)}; Argo CD app ${appStatus?.sync?.status ?? '?'}/${appStatus?.health?.status ?? '?'}`;
          if (Date.now() > deadline) {
            throw new Error(`${service} did not roll out ${sha.slice(0, 7)} in ${timeoutMs} ms: ${last}`);
          }
          await new Promise(r => setTimeout(r, 250));
        }
      },
      events: () => [...history],
      stop: stopAll,
    };
    return loop;
  } catch (e) {
    await stopAll();
    throw e;
  }
}

/**
 * Changes the seeded fleet while the soak runs, through the same real APIs
 * (and the Argo CD simulator's seeding API, standing in for its controller):
 * pods restart (the kubelet's status: restartCount + 1, a fresh start),
 * services roll out a new image (a real tag pushed to the registry, the
 * Deployment's template, its pods' spec and status, the Argo CD app's
 * desired and running images), and Argo CD syncs run (Running with
 * OutOfSync, then Succeeded and Synced). One change per tick, bounded.
 */
import { pushImage } from '@internal/test-env';
import { BenchEnvironment } from '../environment';
import { Rng, seededRng } from '../rng';
import { KubeWriter } from './kubeWriter';
import { withRetries } from './upstreams';
import { iso, podAddresses, podStatus } from './objects';
import { BENCH_REGISTRY_HOST, PodPlan, ServicePlan, sha1 } from './plan';

export interface MutationCounts {
  podRestarts: number;
  rollouts: number;
  argoSyncs: number;
  errors: number;
  lastError?: string;
}

/** What a service runs now (the mutator moves it on). */
export interface LiveImage {
  tag: string;
  image: string;
  imageID: string;
}

export class FleetMutator {
  readonly counts: MutationCounts = {
    podRestarts: 0,
    rollouts: 0,
    argoSyncs: 0,
    errors: 0,
  };
  private readonly rng: Rng = seededRng(66);
  private readonly restarts = new Map<string, number>();
  private readonly live = new Map<number, LiveImage>();
  /** Pods the lag probes hold: the mutator leaves them alone. */
  readonly reserved = new Set<string>();
  private timer?: NodeJS.Timeout;
  private busy = false;
  private tick = 0;
  private generation = new Map<string, number>();

  constructor(
    private readonly env: BenchEnvironment,
    private readonly intervalMs = 1_000,
  ) {}

  admin(cluster: string): KubeWriter {
    return this.env.admins[
      this.env.plan.clusters.findIndex(c => c.name === cluster)
    ];
  }

  /** The image a service's pods run now. */
  liveImage(s: ServicePlan): LiveImage {
    const known = this.live.get(s.index);
    if (known) return known;
    const tag = s.tags[s.runningTag].tag;
    const digest = this.env.pushed.digests.get(`${s.repository}:${tag}`);
    return {
      tag,
      image: `${BENCH_REGISTRY_HOST}/${s.repository}:${tag}`,
      imageID: `${BENCH_REGISTRY_HOST}/${s.repository}@${digest}`,
    };
  }

  restartCount(pod: PodPlan): number {
    return (
      this.restarts.get(`${pod.cluster}/${pod.namespace}/${pod.name}`) ??
      (pod.state === 'crash-loop' ? 5 : 0)
    );
  }

  /** Writes a pod's status as the kubelet would for `state` (restarts counted). */
  async writePod(
    pod: PodPlan,
    state: PodPlan['state'],
    restart: boolean,
  ): Promise<void> {
    const s = this.env.plan.services[pod.service!];
    const key = `${pod.cluster}/${pod.namespace}/${pod.name}`;
    const restarts = this.restartCount(pod) + (restart ? 1 : 0);
    this.restarts.set(key, restarts);
    const live = this.liveImage(s);
    const now = Date.now();
    await this.admin(pod.cluster).patchStatus(
      'v1',
      'pods',
      pod.namespace,
      pod.name,
      podStatus({
        pod,
        state,
        image: live.image,
        imageID: live.imageID,
        ...podAddresses(pod, this.env.plan),
        startedAt: now,
        now,
        restartCount: restarts,
      }),
    );
  }

  private pick<T>(items: T[]): T {
    return items[Math.floor(this.rng() * items.length)];
  }

  private runningPods(): PodPlan[] {
    return this.env.plan.pods.filter(
      p =>
        p.service !== undefined &&
        p.state === 'running' &&
        !this.reserved.has(p.name),
    );
  }

  private async restartPod() {
    const pod = this.pick(this.runningPods());
    await this.writePod(pod, 'running', true);
    this.counts.podRestarts++;
  }

  /** A new tag, pushed for real, rolled out to every pod of the service. */
  async rollout(s: ServicePlan): Promise<LiveImage> {
    const n = this.counts.rollouts + 1;
    const revision = sha1(`${s.repository}#soak${n}`);
    const tag = revision.slice(0, 7);
    const created = iso(Date.now());
    const pushed = await withRetries(`push ${s.repository}:${tag}`, () =>
      pushImage(
        {
          url: this.env.registry.url,
          username: this.env.registry.username,
          password: this.env.registry.password,
        },
        {
          repository: s.repository,
          tag,
          created,
          revision,
          layerSizes: [700 + n],
        },
      ),
    );
    const live: LiveImage = {
      tag,
      image: `${BENCH_REGISTRY_HOST}/${s.repository}:${tag}`,
      imageID: `${BENCH_REGISTRY_HOST}/${s.repository}@${pushed.digest}`,
    };
    this.live.set(s.index, live);
    for (const cluster of Object.keys(s.replicas)) {
      const kube = this.admin(cluster);
      const gen = (this.generation.get(`${cluster}/${s.name}`) ?? 1) + 1;
      this.generation.set(`${cluster}/${s.name}`, gen);
      await kube.patch(
        'apps/v1',
        'deployments',
        s.namespace,
        s.name,
        {
          spec: {
            template: {
              spec: {
                containers: [{ name: 'model-server', image: live.image }],
              },
            },
          },
        },
        'strategic',
      );
      await kube.patchStatus('apps/v1', 'deployments', s.namespace, s.name, {
        observedGeneration: gen,
      });
      const pods = this.env.plan.pods.filter(
        p => p.service === s.index && p.cluster === cluster && p.node,
      );
      for (const pod of pods) {
        await kube.patch(
          'v1',
          'pods',
          pod.namespace,
          pod.name,
          {
            spec: { containers: [{ name: 'model-server', image: live.image }] },
          },
          'strategic',
        );
        await this.writePod(pod, pod.state, pod.state === 'running');
      }
    }
    const app = this.env.argocd.sim.getApplication(s.name);
    if (app) {
      const source = {
        ...app.spec.source,
        kustomize: { images: [live.image] },
      };
      this.env.argocd.sim.putApplication({
        ...app,
        spec: { ...app.spec, source },
        status: {
          ...app.status,
          sync: { status: 'Synced', revision: sha1(`gitops/${s.name}/${tag}`) },
          summary: { images: [live.image] },
          reconciledAt: iso(Date.now()),
        },
      } as Parameters<BenchEnvironment['argocd']['sim']['putApplication']>[0]);
    }
    this.counts.rollouts++;
    return live;
  }

  private async argoSync() {
    const s = this.pick(this.env.plan.services);
    if (this.reserved.has(s.name)) return;
    const sim = this.env.argocd.sim;
    const op = sim.getApplication(s.name)?.status?.operationState;
    if (!op) return;
    // Held for the whole sync: a lag probe flipping the same app in between
    // would have its change overwritten by the "Succeeded" write below.
    this.reserved.add(s.name);
    try {
      const startedAt = iso(Date.now());
      const { finishedAt: _done, ...running } = op;
      sim.setStatus(s.name, {
        sync: { status: 'OutOfSync' },
        operationState: {
          ...running,
          phase: 'Running',
          message:
            'syncing (the benchmark mutator plays the Argo CD controller)',
          startedAt,
        },
      });
      await new Promise(r => setTimeout(r, 1_500));
      sim.setStatus(s.name, {
        sync: { status: 'Synced' },
        operationState: {
          ...running,
          phase: 'Succeeded',
          message: 'successfully synced (all tasks run)',
          startedAt,
          finishedAt: iso(Date.now()),
        },
        reconciledAt: iso(Date.now()),
      });
      this.counts.argoSyncs++;
    } finally {
      this.reserved.delete(s.name);
    }
  }

  start(): void {
    this.timer = setInterval(() => {
      if (this.busy) return;
      this.busy = true;
      const kind = this.tick++ % 4;
      let work: Promise<unknown>;
      if (kind === 3) {
        const small = this.env.plan.services.filter(
          s =>
            !s.gpu &&
            !this.reserved.has(s.name) &&
            Object.values(s.replicas).reduce((a, b) => a + b, 0) <= 12,
        );
        work = this.rollout(this.pick(small));
      } else if (kind === 2) {
        work = this.argoSync();
      } else {
        work = this.restartPod();
      }
      work
        .catch(e => {
          this.counts.errors++;
          this.counts.lastError = (e as Error).message;
        })
        .finally(() => {
          this.busy = false;
        });
    }, this.intervalMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    while (this.busy) await new Promise(r => setTimeout(r, 50));
  }
}

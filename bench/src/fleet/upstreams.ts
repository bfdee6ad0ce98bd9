/**
 * The fleet's other upstreams, from the same plan as the clusters: the REAL
 * registry (Debian's docker-registry) gets one or two tags per service
 * (tiny layers, pushed with bounded concurrency); the simulators
 * (@internal/simulators, each says it is one) get one Jenkins job per
 * service, one Argo CD Application per service in one Argo CD simulator, and
 * a few Open Inference Protocol model-server simulators that serve every
 * service's model.
 */
import { randomBytes } from 'node:crypto';
import pLimit from 'p-limit';
import {
  ArgoCdSimulator,
  BuildSeed,
  JenkinsSimulator,
  OipSimulator,
  StageSeed,
  startArgoCdSimulator,
  startJenkinsSimulator,
  startOipSimulator,
} from '@internal/simulators';
import { RunningRegistry, pushImage } from '@internal/test-env';
import {
  BENCH_GITOPS_REPO,
  FleetPlan,
  ServicePlan,
  imageRef,
  sha1,
} from './plan';
import { iso } from './objects';

export interface PushedTags {
  /** `repository:tag` → digest */
  digests: Map<string, string>;
  /** `repository:tag` → config `created` */
  created: Map<string, string>;
  ms: number;
}

/**
 * Retries a registry call on network errors (a loaded machine sometimes resets
 * a keep-alive connection); the registry's own refusals are not retried.
 */
export async function withRetries<T>(
  what: string,
  f: () => Promise<T>,
  attempts = 4,
): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await f();
    } catch (e) {
      const err = e as Error & { cause?: { code?: string; message?: string } };
      const network =
        err.message === 'fetch failed' || err.name === 'TypeError';
      if (!network || n >= attempts) {
        throw new Error(
          `${what}: ${err.message}${
            err.cause ? ` (${err.cause.code ?? err.cause.message})` : ''
          }`,
        );
      }
      await new Promise(r => setTimeout(r, 200 * n));
    }
  }
}

/** Pushes every planned tag (newest last per repository, so `created` orders them). */
export async function seedRegistry(
  plan: FleetPlan,
  reg: RunningRegistry,
  now: number,
  concurrency = 6,
): Promise<PushedTags> {
  const started = Date.now();
  const target = {
    url: reg.url,
    username: reg.username,
    password: reg.password,
  };
  const digests = new Map<string, string>();
  const created = new Map<string, string>();
  const limit = pLimit(concurrency);
  await Promise.all(
    plan.services.map(s =>
      limit(async () => {
        for (let t = s.tags.length - 1; t >= 0; t--) {
          const tag = s.tags[t];
          const when = iso(now - tag.ageHours * 3_600_000);
          const pushed = await withRetries(
            `push ${s.repository}:${tag.tag}`,
            () =>
              pushImage(target, {
                repository: s.repository,
                tag: tag.tag,
                format: 'docker',
                created: when,
                revision: tag.revision,
                labels: {
                  'org.opencontainers.image.source': `https://git.bench.local/${s.repository}`,
                },
                layerSizes: [1024 + (s.index % 7) * 97, 512 + t * 31],
              }),
          );
          digests.set(`${s.repository}:${tag.tag}`, pushed.digest);
          created.set(`${s.repository}:${tag.tag}`, when);
        }
      }),
    ),
  );
  return { digests, created, ms: Date.now() - started };
}

// ---------------------------------------------------------------------------
// Jenkins (simulator)

export const STAGES = [
  'Checkout',
  'Unit tests',
  'Build image',
  'Push image',
  'Update GitOps',
];

function stages(
  durationMs: number,
  outcome: 'success' | 'failed' | 'building',
): StageSeed[] {
  const share = [0.06, 0.34, 0.36, 0.14, 0.1];
  let offset = 0;
  const out: StageSeed[] = [];
  for (const [i, name] of STAGES.entries()) {
    const d = Math.round(durationMs * share[i]);
    if (outcome === 'failed' && name === 'Push image') {
      out.push({
        name,
        status: 'FAILED',
        durationMillis: d,
        startOffsetMillis: offset,
        error: {
          message:
            'script returned exit code 1 (denied: requested access to the resource is denied)',
          type: 'hudson.AbortException',
        },
      });
      break;
    }
    if (outcome === 'building' && name === 'Build image') {
      out.push({
        name,
        status: 'IN_PROGRESS',
        durationMillis: d,
        startOffsetMillis: offset,
      });
      break;
    }
    out.push({
      name,
      status: 'SUCCESS',
      durationMillis: d,
      startOffsetMillis: offset,
    });
    offset += d;
  }
  return out;
}

function builds(s: ServicePlan, now: number): BuildSeed[] {
  const remote = `https://git.bench.local/${s.repository}.git`;
  const duration = (s.gpu ? 1_500_000 : 240_000) + (s.index % 5) * 13_000;
  const out: BuildSeed[] = [];
  // Oldest first: one successful build per pushed tag.
  for (let t = s.tags.length - 1; t >= 0; t--) {
    const tag = s.tags[t];
    const pushedAt = now - tag.ageHours * 3_600_000;
    out.push({
      number: out.length + 1,
      result: 'SUCCESS',
      building: false,
      timestamp: pushedAt - Math.round(duration * 0.86),
      duration,
      startedBy: null,
      scm: [
        {
          remoteUrl: remote,
          sha: tag.revision,
          branch: 'refs/remotes/origin/main',
        },
      ],
      changes: [
        {
          commitId: tag.revision,
          msg: `Model update ${tag.tag}`,
          author: 'ana',
        },
      ],
      stages: stages(duration, 'success'),
    });
  }
  if (s.build !== 'success') {
    const commit = sha1(`${s.repository}#next`);
    const started = now - (s.build === 'building' ? 4 : 50) * 60_000;
    out.push({
      number: out.length + 1,
      result: s.build === 'failed' ? 'FAILURE' : null,
      building: s.build === 'building',
      timestamp: started,
      ...(s.build === 'failed' ? { duration: 180_000 } : {}),
      startedBy: null,
      scm: [
        { remoteUrl: remote, sha: commit, branch: 'refs/remotes/origin/main' },
      ],
      changes: [
        { commitId: commit, msg: 'Retrain on last week', author: 'ben' },
      ],
      stages: stages(s.build === 'failed' ? 180_000 : duration, s.build),
    });
  }
  return out;
}

export interface BenchJenkins {
  sim: JenkinsSimulator;
  username: string;
  apiToken: string;
}

export async function startBenchJenkins(
  plan: FleetPlan,
  now: number,
): Promise<BenchJenkins> {
  const username = 'portal';
  const apiToken = randomBytes(16).toString('hex');
  const sim = await startJenkinsSimulator({
    users: [
      {
        username,
        apiToken,
        password: randomBytes(12).toString('hex'),
        permissions: ['read'],
      },
    ],
    libraryRemoteUrl: null,
  });
  for (const s of plan.services) {
    sim.addJob(s.jenkinsJob, {
      type: 'pipeline',
      description: `Builds and pushes ${s.repository} (simulator)`,
      scmRemote: `https://git.bench.local/${s.repository}.git`,
      stages: STAGES,
      builds: builds(s, now),
    });
  }
  return { sim, username, apiToken };
}

// ---------------------------------------------------------------------------
// Argo CD (simulator)

export function gitopsRevision(s: ServicePlan, tagIndex: number): string {
  return sha1(`gitops/${s.name}/${s.tags[tagIndex].tag}`);
}

export interface BenchArgoCd {
  sim: ArgoCdSimulator;
  username: string;
  password: string;
}

export function applicationOf(
  s: ServicePlan,
  plan: FleetPlan,
  now: number,
  overrides: { runningTag?: number; syncing?: boolean } = {},
) {
  const runningTag = overrides.runningTag ?? s.runningTag;
  const source = (t: number) => ({
    repoURL: BENCH_GITOPS_REPO,
    path: `apps/${s.name}/overlays/prod`,
    targetRevision: 'main',
    kustomize: { images: [imageRef(s, t)] },
  });
  const pods = plan.pods.filter(p => p.service === s.index);
  const ready = pods.filter(p => p.state === 'running').length;
  let health: 'Healthy' | 'Progressing' | 'Degraded' = 'Healthy';
  if (ready === 0) health = 'Degraded';
  else if (ready < pods.length) health = 'Progressing';
  const outOfSync = s.desiredTag !== runningTag;
  const deployedAt = now - (s.tags[runningTag].ageHours - 1) * 3_600_000;
  const history = [
    {
      id: 0,
      revision: gitopsRevision(s, runningTag),
      deployStartedAt: iso(deployedAt - 40_000),
      deployedAt: iso(deployedAt),
      source: source(runningTag),
      initiatedBy: { automated: true },
    },
  ];
  return {
    metadata: {
      name: s.name,
      labels: { 'backstage-name': s.name, team: s.namespace },
      finalizers: ['resources-finalizer.argocd.argoproj.io'],
    },
    spec: {
      project: 'default',
      source: source(s.desiredTag),
      destination: {
        server: 'https://kubernetes.default.svc',
        namespace: s.namespace,
      },
      ...(s.autoSync
        ? { syncPolicy: { automated: { prune: true, selfHeal: true } } }
        : {}),
    },
    status: {
      sync: {
        status: outOfSync ? ('OutOfSync' as const) : ('Synced' as const),
        revision: gitopsRevision(s, s.desiredTag),
      },
      health: { status: health },
      history,
      reconciledAt: iso(now - 60_000),
      operationState: {
        operation: {
          sync: { revision: history[0].revision },
          initiatedBy: { automated: true },
        },
        phase: overrides.syncing
          ? ('Running' as const)
          : ('Succeeded' as const),
        message: overrides.syncing
          ? `waiting for healthy state of apps/Deployment/${s.name}`
          : 'successfully synced (all tasks run)',
        startedAt: history[0].deployStartedAt,
        ...(overrides.syncing ? {} : { finishedAt: history[0].deployedAt }),
      },
      sourceType: 'Kustomize',
      summary: { images: [imageRef(s, runningTag)] },
      resources: [
        {
          group: 'apps',
          version: 'v1',
          kind: 'Deployment',
          namespace: s.namespace,
          name: s.name,
          status: outOfSync ? 'OutOfSync' : 'Synced',
        },
        {
          group: '',
          version: 'v1',
          kind: 'Service',
          namespace: s.namespace,
          name: s.name,
          status: 'Synced',
        },
      ],
    },
  };
}

export async function startBenchArgoCd(
  plan: FleetPlan,
  now: number,
): Promise<BenchArgoCd> {
  const username = 'portal';
  const password = randomBytes(12).toString('hex');
  const sim = await startArgoCdSimulator({ users: { [username]: password } });
  for (const s of plan.services) {
    sim.putApplication(
      applicationOf(s, plan, now) as Parameters<
        ArgoCdSimulator['putApplication']
      >[0],
    );
  }
  return { sim, username, password };
}

// ---------------------------------------------------------------------------
// Model servers (Open Inference Protocol simulators)

export interface BenchModelServers {
  servers: OipSimulator[];
  /** Endpoint (base URL) of a service's model server. */
  endpointOf(serviceIndex: number): string;
  stop(): Promise<void>;
}

/** `count` KServe-flavoured OIP simulators; service i is served by server i % count. */
export async function startBenchModelServers(
  plan: FleetPlan,
  count: number,
): Promise<BenchModelServers> {
  const servers: OipSimulator[] = [];
  try {
    for (let k = 0; k < count; k++) {
      servers.push(
        await startOipSimulator({
          flavour: 'kserve',
          models: plan.services
            .filter(s => s.index % count === k)
            .map(s => ({ name: s.name, ready: !s.modelNotReady })),
        }),
      );
    }
  } catch (e) {
    await Promise.all(servers.map(s => s.stop()));
    throw e;
  }
  return {
    servers,
    endpointOf: i => servers[i % count].url,
    stop: async () => {
      await Promise.all(servers.map(s => s.stop()));
    },
  };
}

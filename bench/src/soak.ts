/**
 * Load and soak: our backend alone against the seeded fleet, `viewers`
 * closed-loop viewers for `minutes` while the mutator restarts pods, rolls
 * out new images and runs Argo CD syncs. Alongside, lag probes change one
 * object at a time (a pod into CrashLoopBackOff and back, a rollout, an Argo
 * CD app out of sync and back) and poll the entity's health until the change
 * shows, timing it. RSS is sampled every 15 s.
 */
import { BenchEnvironment } from './environment';
import { startMeasuredBackend } from './compare';
import { checkOurs, oursView } from './backends/views';
import { FleetMutator, MutationCounts } from './fleet/mutator';
import { PodPlan, ServicePlan } from './fleet/plan';
import { accountUsername } from './fleet/seedCluster';
import { AuditCounter, diffCounts } from './measure/audit';
import { LatencySummary, summarize } from './measure/stats';
import { ResultRow } from './measure/table';
import { runViews, sendView } from './measure/viewers';
import { seededRng } from './rng';
import { Pool } from 'undici';

export interface SoakOptions {
  minutes: number;
  viewers: number;
  repoRoot: string;
  log: (line: string) => void;
}

export interface LagStats {
  samples: number[];
  misses: number;
  summary: LatencySummary;
}

export interface SoakResult {
  minutes: number;
  viewers: number;
  views: number;
  failures: number;
  failureSamples: string[];
  latency: LatencySummary;
  /** p99 per minute of the soak, ms. */
  p99PerMinute: number[];
  rss: {
    /** After the warm-up (10 viewers), before the soak's load. */
    afterWarmupMb: number;
    /** Steady state: after the first fifth of the soak (at most one minute in). */
    startMb: number;
    endMb: number;
    maxMb: number;
    /** [ms since the soak started, MB] every 15 s. */
    samples: Array<[number, number]>;
    /** V8's heap (used + garbage) at the end of the load. */
    heapTotalAtEndMb: number;
    /** The live heap: after a full GC at the end. */
    liveHeapAfterGcMb: number;
    /** RSS 20 s after the viewers stopped. */
    atRestMb: number;
  };
  mutations: MutationCounts;
  lag: { pod: LagStats; rollout: LagStats; argo: LagStats };
  /** Shortest refresh interval of the config the lags are judged against, ms. */
  refreshIntervalMs: number;
  apiserverRequests: number;
  firstCompleteMs: number;
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));
/** Argo CD REST cache lifetime (mlops.argocd.refreshSeconds default). */
const ARGO_REFRESH_MS = 15_000;
const PROBE_TIMEOUT_MS = 60_000;
/** How often the lag probes ask (the resolution of a measured lag). */
const PROBE_POLL_MS = 100;

interface HealthDoc {
  details?: {
    workload?: {
      clusters?: Array<{
        cluster: string;
        pods?: Array<{
          name: string;
          status?: string;
          reason?: string;
          restarts?: number;
          problems?: Array<{ kind?: string }>;
          images?: Array<{ tag?: string }>;
        }>;
      }>;
    };
    sync?: { apps?: Array<{ name: string; sync?: string }> };
  };
}

async function health(
  pool: Pool,
  name: string,
  token: string,
): Promise<HealthDoc | undefined> {
  const res = await sendView(pool, oursView(name, token));
  if (res.status !== 200) return undefined;
  return JSON.parse(res.body) as HealthDoc;
}

/**
 * Polls the entity's health every 100 ms until `seen` holds. The lag is the
 * time from the write to the sending of the first request whose answer shows
 * the change (so a slow answer under load does not count as lag); undefined
 * when nothing showed it within a minute.
 */
async function lagUntil(
  pool: Pool,
  name: string,
  token: string,
  since: number,
  seen: (doc: HealthDoc) => boolean,
): Promise<number | undefined> {
  while (Date.now() - since < PROBE_TIMEOUT_MS) {
    const sent = Date.now();
    const doc = await health(pool, name, token).catch(() => undefined);
    if (doc && seen(doc)) return sent - since;
    await sleep(PROBE_POLL_MS);
  }
  return undefined;
}

function podOf(doc: HealthDoc, pod: PodPlan) {
  return doc.details?.workload?.clusters
    ?.find(c => c.cluster === pod.cluster)
    ?.pods?.find(p => p.name === pod.name);
}

function lagStats(samples: number[], misses: number): LagStats {
  return { samples, misses, summary: summarize(samples) };
}

export async function runSoak(
  env: BenchEnvironment,
  options: SoakOptions,
): Promise<SoakResult> {
  const { log } = options;
  const audit = new AuditCounter(env.auditLogs);
  const token = env.viewerToken;
  const services = env.plan.services;
  const r = await startMeasuredBackend(env, 'ours', options, audit);
  const mutator = new FleetMutator(env);
  try {
    const warm = await runViews({
      pool: r.pool,
      concurrency: 10,
      views: services.length,
      view: i => oursView(services[i].name, token),
      check: checkOurs,
    });
    log(
      `[soak] warm-up: ${warm.views} views, ${
        warm.failures
      } failed, p50 ${warm.latency.p50.toFixed(1)} ms`,
    );

    const durationMs = options.minutes * 60_000;
    const start = Date.now();
    const deadline = start + durationMs;
    const rssAfterWarmup = r.backend.memory().rssMb;
    const rssSamples: Array<[number, number]> = [[0, rssAfterWarmup]];
    let rssStart = NaN;
    const steadyAt = Math.min(60_000, durationMs / 5);
    const steadyTimer = setTimeout(() => {
      rssStart = r.backend.memory().rssMb;
      rssSamples.push([Date.now() - start, rssStart]);
    }, steadyAt);
    const before = audit.read();
    const perMinute: number[][] = [];
    const rssTimer = setInterval(() => {
      try {
        rssSamples.push([Date.now() - start, r.backend.memory().rssMb]);
      } catch {
        // the backend is gone: the viewers report it
      }
    }, 15_000);
    mutator.start();

    const rng = seededRng(7);
    const viewers = runViews({
      pool: r.pool,
      concurrency: options.viewers,
      views: Number.MAX_SAFE_INTEGER,
      view: () =>
        oursView(services[Math.floor(rng() * services.length)].name, token),
      check: checkOurs,
      stopped: () => Date.now() >= deadline,
      onView: ms => {
        const minute = Math.floor((Date.now() - start) / 60_000);
        (perMinute[minute] ??= []).push(ms);
      },
    });

    // Lag probes, one at a time, until the end.
    const podLag: number[] = [];
    const rolloutLag: number[] = [];
    const argoLag: number[] = [];
    const misses = { pod: 0, rollout: 0, argo: 0 };
    const probeRng = seededRng(8);
    const pickPod = (): PodPlan => {
      const pods = env.plan.pods.filter(
        p =>
          p.service !== undefined &&
          p.state === 'running' &&
          !mutator.reserved.has(p.name),
      );
      return pods[Math.floor(probeRng() * pods.length)];
    };
    const record = (
      into: number[],
      kind: keyof typeof misses,
      lag: number | undefined,
    ) => {
      if (lag === undefined) misses[kind]++;
      else into.push(lag);
    };
    const probes = (async () => {
      for (let n = 0; Date.now() < deadline - 5_000; n++) {
        const kind = n % 3;
        if (kind === 0) {
          const pod = pickPod();
          const s = services[pod.service!];
          const crashing = (d: HealthDoc) =>
            (podOf(d, pod)?.problems ?? []).some(
              q => q.kind === 'crash-loop' || q.kind === 'oom-killed',
            );
          mutator.reserved.add(pod.name);
          try {
            let t0 = Date.now();
            await mutator.writePod(pod, 'crash-loop', true);
            record(
              podLag,
              'pod',
              await lagUntil(r.pool, s.name, token, t0, crashing),
            );
            t0 = Date.now();
            await mutator.writePod(pod, 'running', true);
            record(
              podLag,
              'pod',
              await lagUntil(
                r.pool,
                s.name,
                token,
                t0,
                d => podOf(d, pod) !== undefined && !crashing(d),
              ),
            );
          } finally {
            mutator.reserved.delete(pod.name);
          }
        } else if (kind === 1) {
          const candidates = services.filter(
            x =>
              !x.gpu &&
              !mutator.reserved.has(x.name) &&
              Object.values(x.replicas).reduce((a, b) => a + b, 0) <= 12,
          );
          const s: ServicePlan =
            candidates[Math.floor(probeRng() * candidates.length)];
          mutator.reserved.add(s.name);
          try {
            const live = await mutator.rollout(s);
            const t0 = Date.now();
            const mine = env.plan.pods.filter(
              p => p.service === s.index && p.node,
            );
            record(
              rolloutLag,
              'rollout',
              await lagUntil(r.pool, s.name, token, t0, d =>
                mine.every(p =>
                  (podOf(d, p)?.images ?? []).some(i => i.tag === live.tag),
                ),
              ),
            );
          } finally {
            mutator.reserved.delete(s.name);
          }
        } else {
          const s = services[Math.floor(probeRng() * services.length)];
          if (mutator.reserved.has(s.name)) continue;
          mutator.reserved.add(s.name);
          try {
            const sim = env.argocd.sim;
            const was =
              sim.getApplication(s.name)?.status?.sync?.status ?? 'Synced';
            const flipped = was === 'Synced' ? 'OutOfSync' : 'Synced';
            const appSync = (d: HealthDoc) =>
              d.details?.sync?.apps?.find(a => a.name === s.name)?.sync;
            // Start from what the backend already shows, so a stale answer
            // cannot pass for a fast one.
            await lagUntil(
              r.pool,
              s.name,
              token,
              Date.now(),
              d => appSync(d) === was,
            );
            // Flip it, then back: each change timed until the backend shows it.
            for (const status of [flipped, was] as const) {
              const t0 = Date.now();
              sim.setStatus(s.name, { sync: { status } });
              record(
                argoLag,
                'argo',
                await lagUntil(
                  r.pool,
                  s.name,
                  token,
                  t0,
                  d => appSync(d) === status,
                ),
              );
            }
          } finally {
            mutator.reserved.delete(s.name);
          }
        }
        await sleep(2_000);
      }
    })();

    const result = await viewers;
    await probes;
    await mutator.stop();
    clearInterval(rssTimer);
    clearTimeout(steadyTimer);
    await sleep(300);
    const mem = r.backend.memory();
    rssSamples.push([Date.now() - start, mem.rssMb]);
    // Where the RSS under load went: V8's heap size then, the live heap after
    // a full GC, and the RSS after 20 s at rest.
    const heapUnderLoad = r.backend.heap();
    const afterGc = await r.backend.memoryAfterGc();
    await sleep(20_000);
    const atRest = r.backend.memory().rssMb;
    const apiserverRequests =
      diffCounts(audit.read(), before).byUser[accountUsername('ours')] ?? 0;
    const soak: SoakResult = {
      minutes: options.minutes,
      viewers: options.viewers,
      views: result.views,
      failures: result.failures,
      failureSamples: result.failureSamples,
      latency: result.latency,
      p99PerMinute: perMinute.map(x => summarize(x).p99),
      rss: {
        afterWarmupMb: rssAfterWarmup,
        startMb: rssStart,
        endMb: mem.rssMb,
        maxMb: Math.max(...rssSamples.map(x => x[1])),
        samples: rssSamples,
        heapTotalAtEndMb: heapUnderLoad?.heapTotalMb ?? NaN,
        liveHeapAfterGcMb: afterGc.heap?.heapUsedMb ?? NaN,
        atRestMb: atRest,
      },
      mutations: { ...mutator.counts },
      lag: {
        pod: lagStats(podLag, misses.pod),
        rollout: lagStats(rolloutLag, misses.rollout),
        argo: lagStats(argoLag, misses.argo),
      },
      refreshIntervalMs: ARGO_REFRESH_MS,
      apiserverRequests,
      firstCompleteMs: r.firstCompleteMs,
    };
    log(
      `[soak] ${soak.views} views in ${options.minutes} min, ${
        soak.failures
      } failed, p99 ${soak.latency.p99.toFixed(
        1,
      )} ms; mutations ${JSON.stringify(
        soak.mutations,
      )}; lag pod max ${soak.lag.pod.summary.max.toFixed(
        0,
      )} ms, rollout max ${soak.lag.rollout.summary.max.toFixed(
        0,
      )} ms, argo max ${soak.lag.argo.summary.max.toFixed(
        0,
      )} ms; RSS ${rssStart.toFixed(0)} → ${mem.rssMb.toFixed(0)} MB`,
    );
    return soak;
  } finally {
    await mutator.stop();
    await r.pool.close();
    await r.backend.stop();
  }
}

/** The soak's table (no baseline: it runs against our backend alone). */
export function soakRows(s: SoakResult): ResultRow[] {
  // The probes poll every 100 ms: a lag is known to that resolution, so a
  // change is "within the refresh interval" when its lag ≤ interval + 100 ms.
  const refresh = s.refreshIntervalMs + PROBE_POLL_MS;
  return [
    {
      metric: `views (${s.viewers} viewers, ${s.minutes} min)`,
      unit: '',
      ours: s.views,
    },
    {
      metric: 'failed views',
      unit: '',
      ours: s.failures,
      target: { kind: 'at-most', value: 0 },
    },
    { metric: 'p50 entity health', unit: 'ms', ours: s.latency.p50 },
    { metric: 'p99 entity health', unit: 'ms', ours: s.latency.p99 },
    {
      metric: 'p99 of the worst minute',
      unit: 'ms',
      ours: Math.max(...s.p99PerMinute),
    },
    {
      metric: `pod status change visible, max of ${s.lag.pod.samples.length} (${s.lag.pod.misses} missed)`,
      unit: 'ms',
      ours: s.lag.pod.misses ? Infinity : s.lag.pod.summary.max,
      target: { kind: 'at-most', value: refresh },
    },
    {
      metric: `new image on every pod visible, max of ${s.lag.rollout.samples.length} (${s.lag.rollout.misses} missed)`,
      unit: 'ms',
      ours: s.lag.rollout.misses ? Infinity : s.lag.rollout.summary.max,
      target: { kind: 'at-most', value: refresh },
    },
    {
      metric: `Argo CD sync status visible, max of ${s.lag.argo.samples.length} (${s.lag.argo.misses} missed)`,
      unit: 'ms',
      ours: s.lag.argo.misses ? Infinity : s.lag.argo.summary.max,
      target: { kind: 'at-most', value: refresh },
    },
    {
      metric: 'RSS after the warm-up (10 viewers)',
      unit: 'MB',
      ours: s.rss.afterWarmupMb,
    },
    {
      metric: `RSS at the soak's start (after ${Math.round(
        Math.min(60, (s.minutes * 60) / 5),
      )} s of load)`,
      unit: 'MB',
      ours: s.rss.startMb,
    },
    {
      metric: 'RSS at the end (flat: ≤ start + 10 %)',
      unit: 'MB',
      ours: s.rss.endMb,
      target: { kind: 'at-most', value: Math.round(s.rss.startMb * 1.1) },
    },
    { metric: 'RSS max during the soak', unit: 'MB', ours: s.rss.maxMb },
    {
      metric: "V8 heap size at the soak's end (live + garbage)",
      unit: 'MB',
      ours: s.rss.heapTotalAtEndMb,
    },
    {
      metric: 'live V8 heap at the end (after a full GC)',
      unit: 'MB',
      ours: s.rss.liveHeapAfterGcMb,
    },
    {
      metric: 'RSS 20 s after the viewers stopped',
      unit: 'MB',
      ours: s.rss.atRestMb,
    },
    {
      metric: `mutations (${s.mutations.podRestarts} restarts, ${s.mutations.rollouts} rollouts, ${s.mutations.argoSyncs} syncs, ${s.mutations.errors} errors)`,
      unit: '',
      ours:
        s.mutations.podRestarts + s.mutations.rollouts + s.mutations.argoSyncs,
    },
    {
      metric: 'apiserver requests during the soak',
      unit: 'req',
      ours: s.apiserverRequests,
    },
  ];
}

/**
 * The side-by-side benchmark: both backends run at the same time against the
 * same seeded environment; each is started alone (so its start is not slowed
 * by the other's) and timed to its first complete answer; then, per level of
 * concurrent viewers, ours and the baseline take the same sequence of page
 * views in turn, with the apiservers' audit logs read before and after each
 * run and RSS read after it; last, ours' fleet route is timed warm.
 */
import os from 'node:os';
import { Pool } from 'undici';
import { freePort } from '@internal/test-env';
import { BenchEnvironment } from './environment';
import { baselineConfig, oursConfig } from './backends/config';
import {
  BenchBackend,
  HeapUsage,
  logTail,
  startBackend,
} from './backends/process';
import {
  baselineComplete,
  baselineView,
  checkBaseline,
  checkOurs,
  fleetView,
  oursComplete,
  oursView,
} from './backends/views';
import { BENCH_REGISTRY_HOST, ServicePlan } from './fleet/plan';
import { BackendId, accountUsername } from './fleet/seedCluster';
import { AuditCounter, RequestCounts, diffCounts } from './measure/audit';
import { QuietResult, waitForQuiet } from './measure/quiet';
import { LatencySummary, summarize } from './measure/stats';
import { ResultRow } from './measure/table';
import {
  LevelResult,
  View,
  runViews,
  sendView,
  viewerPool,
} from './measure/viewers';
import { seededRng } from './rng';

export interface CompareOptions {
  levels: number[];
  /** Measured views per level and backend. */
  views: number;
  /** Views per backend before the first level (caches, JIT), default one per service. */
  warmupViews?: number;
  fleetRepeats: number;
  repoRoot: string;
  log: (line: string) => void;
  /** Only ours (the soak uses it); default both. */
  only?: BackendId;
  /** Write a V8 CPU profile of each backend into the work dir (`--cpu-prof`). */
  profile?: boolean;
}

export interface BackendLevel {
  level: LevelResult;
  /** Interleaved blocks the level was split into. */
  blocks: number;
  /** 1-minute load average of the machine before and after the level. */
  loadAverage: [number, number];
  /**
   * Before each of this backend's blocks: how long the benchmark waited for
   * the machine to be quiet (ms) and whether it was (see measure/quiet.ts).
   */
  quietBeforeBlocks: QuietResult[];
  /** Requests that reached the apiservers during the measured views. */
  apiserverRequests: number;
  perThousandViews: number;
  rssMb: number;
  peakMb: number;
  heap?: HeapUsage;
  /** RSS and live heap right after a full garbage collection. */
  rssAfterGcMb: number;
  heapAfterGc?: HeapUsage;
}

export interface BackendRun {
  id: BackendId;
  firstCompleteMs: number;
  catalogCompleteMs: number;
  /** Requests to the apiservers from spawn to the first complete answer, and during warm-up. */
  startupRequests: number;
  warmupRequests: number;
  levels: Record<number, BackendLevel>;
  /** `verb resource` → requests during the measured views (all levels). */
  requestMix: Record<string, number>;
  /** Memory REST_MS (60 s) after the last level, without views. */
  idle?: { rssMb: number; rssAfterGcMb: number; heapAfterGc?: HeapUsage };
}

export interface FloorRun {
  /** RSS of the catalog-only backend REST_MS (60 s) after its catalog holds every entity. */
  rssMb: number;
  heap?: HeapUsage;
  rssAfterGcMb: number;
  heapAfterGc?: HeapUsage;
  readyMs: number;
}

export interface CompareResult {
  runs: Partial<Record<BackendId, BackendRun>>;
  floor?: FloorRun;
  fleet?: { entities: number; latency: LatencySummary };
  sample: string;
}

export interface RunningBackend {
  backend: BenchBackend;
  pool: Pool;
  firstCompleteMs: number;
  /** When the backend's catalog held every entity of the file. */
  catalogCompleteMs: number;
  startupRequests: number;
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

/** True when the backend's catalog answers for Component `name`. */
async function catalogHolds(
  pool: Parameters<typeof sendView>[0],
  token: string,
  name: string,
): Promise<boolean> {
  const res = await sendView(pool, {
    method: 'GET',
    path: `/api/catalog/entities/by-name/component/default/${name}`,
    headers: { authorization: `Bearer ${token}` },
  }).catch(() => undefined);
  return res?.status === 200;
}

/** How long a backend is left without views before "RSS at rest" is read. */
const REST_MS = 60_000;

/** The entity the first-complete-health clock waits for: a GPU service whose every signal has data. */
export function sampleService(env: BenchEnvironment): ServicePlan {
  const { plan } = env;
  const healthy = (s: ServicePlan) =>
    s.build === 'success' &&
    !s.modelNotReady &&
    plan.pods
      .filter(p => p.service === s.index)
      .every(p => p.state === 'running');
  return (
    plan.services.find(s => s.gpu && healthy(s)) ??
    plan.services.find(healthy) ??
    plan.services[0]
  );
}

export async function startMeasuredBackend(
  env: BenchEnvironment,
  id: BackendId,
  options: Pick<CompareOptions, 'repoRoot' | 'log' | 'profile'>,
  audit: AuditCounter,
): Promise<RunningBackend> {
  const port = await freePort();
  const common = {
    port,
    viewerToken: env.viewerToken,
    catalogFile: env.catalogFile,
    clusters: env.clustersFor(id),
  };
  const config =
    id === 'ours'
      ? oursConfig({
          ...common,
          registry: {
            url: env.registry.url,
            host: BENCH_REGISTRY_HOST,
            username: env.registry.username,
            password: env.registry.password,
          },
          jenkins: {
            url: env.jenkins.sim.url,
            username: env.jenkins.username,
            apiToken: env.jenkins.apiToken,
          },
          argocd: {
            url: env.argocd.sim.url,
            username: env.argocd.username,
            password: env.argocd.password,
          },
          inferenceHosts: env.models.servers.map(s => new URL(s.url).host),
        })
      : baselineConfig(common);
  const before = audit.read();
  const backend = startBackend({
    id,
    config,
    port,
    repoRoot: options.repoRoot,
    workDir: env.workDir,
    ...(options.profile
      ? {
          nodeFlags: [
            '--cpu-prof',
            `--cpu-prof-dir=${env.workDir}`,
            `--cpu-prof-name=${id}.cpuprofile`,
          ],
        }
      : {}),
  });
  const pool = viewerPool(backend.url, 64);
  const sample = sampleService(env);
  const entity = env.entities.find(e => e.metadata.name === sample.name)!;
  const expectedPods = env.plan.pods.filter(
    p => p.service === sample.index,
  ).length;
  const view =
    id === 'ours'
      ? oursView(sample.name, env.viewerToken)
      : baselineView(entity, env.viewerToken);
  let lastMissing: string[] = ['no answer yet'];
  const deadline = backend.spawnedAt + 5 * 60_000;
  for (;;) {
    if (backend.exited())
      throw new Error(`the ${id} backend exited:\n${logTail(backend)}`);
    if (Date.now() > deadline) {
      await backend.stop();
      throw new Error(
        `the ${id} backend gave no complete answer for ${
          sample.name
        } within 5 minutes (${lastMissing.join('; ')}):\n${logTail(backend)}`,
      );
    }
    try {
      const res = await sendView(pool, view);
      if (res.status === 200) {
        const verdict =
          id === 'ours'
            ? oursComplete(res.body)
            : baselineComplete(
                res.body,
                Object.keys(sample.replicas).length,
                expectedPods,
              );
        if (verdict.ok) break;
        lastMissing = verdict.missing;
      } else lastMissing = [`HTTP ${res.status}`];
    } catch (e) {
      lastMissing = [(e as Error).message];
    }
    await sleep(200);
  }
  const firstCompleteMs = Date.now() - backend.spawnedAt;
  await sleep(300);
  const startupRequests =
    diffCounts(audit.read(), before).byUser[accountUsername(id)] ?? 0;
  // The sample can answer before the catalog has ingested every entity: wait
  // for the last one, so no measured view meets a catalog still filling up.
  const last = env.entities[env.entities.length - 1].metadata.name;
  for (;;) {
    if (await catalogHolds(pool, env.viewerToken, last)) break;
    if (Date.now() > deadline)
      throw new Error(`the ${id} backend's catalog never held ${last}`);
    await sleep(250);
  }
  const catalogCompleteMs = Date.now() - backend.spawnedAt;
  options.log(
    `[bench] ${id}: first complete health of ${
      sample.name
    } ${firstCompleteMs} ms after spawn (${startupRequests} apiserver requests so far), catalog complete after ${catalogCompleteMs} ms, RSS ${backend
      .memory()
      .rssMb.toFixed(0)} MB`,
  );
  return { backend, pool, firstCompleteMs, catalogCompleteMs, startupRequests };
}

function viewFor(
  env: BenchEnvironment,
  id: BackendId,
): (serviceIndex: number) => View {
  return i => {
    const s = env.plan.services[i];
    return id === 'ours'
      ? oursView(s.name, env.viewerToken)
      : baselineView(env.entities[i], env.viewerToken);
  };
}

/** The entity sequence of a level: the same for both backends. */
export function viewSequence(
  services: number,
  length: number,
  seed: number,
): number[] {
  const rng = seededRng(seed);
  return Array.from({ length }, () => Math.floor(rng() * services));
}

export async function compareBackends(
  env: BenchEnvironment,
  options: CompareOptions,
): Promise<CompareResult> {
  const { log } = options;
  const audit = new AuditCounter(env.auditLogs);
  const ids: BackendId[] = options.only ? [options.only] : ['baseline', 'ours'];
  const running: Partial<Record<BackendId, RunningBackend>> = {};
  const runs: Partial<Record<BackendId, BackendRun>> = {};
  const sample = sampleService(env);
  try {
    // Started one after the other: each start is timed without the other competing.
    for (const id of ids) {
      running[id] = await startMeasuredBackend(env, id, options, audit);
    }
    const warmup = options.warmupViews ?? env.plan.services.length;
    for (const id of ids) {
      const r = running[id]!;
      const before = audit.read();
      const result = await runViews({
        pool: r.pool,
        concurrency: 10,
        views: warmup,
        view: i => viewFor(env, id)(i % env.plan.services.length),
        check: id === 'ours' ? checkOurs : checkBaseline,
      });
      await sleep(300);
      const warmupRequests =
        diffCounts(audit.read(), before).byUser[accountUsername(id)] ?? 0;
      runs[id] = {
        id,
        firstCompleteMs: r.firstCompleteMs,
        catalogCompleteMs: r.catalogCompleteMs,
        startupRequests: r.startupRequests,
        warmupRequests,
        levels: {},
        requestMix: {},
      };
      log(
        `[bench] ${id}: warm-up ${result.views} views (every service) in ${(
          result.wallMs / 1000
        ).toFixed(1)} s, p50 ${result.latency.p50.toFixed(1)} ms, ${
          result.failures
        } failed${
          result.failures ? ` (${result.failureSamples[0]})` : ''
        }, ${warmupRequests} apiserver requests`,
      );
    }

    for (const level of options.levels) {
      const sequence = viewSequence(
        env.plan.services.length,
        options.views,
        1000 + level,
      );
      // The machine is shared: the two backends take the level in interleaved
      // blocks (at least four views per viewer each), alternating who goes
      // first, so both see the same background load over the level.
      const blocks = Math.max(
        1,
        Math.min(6, Math.floor(options.views / (level * 4))),
      );
      const acc = new Map<
        BackendId,
        {
          samples: number[];
          failures: number;
          failureSamples: string[];
          wallMs: number;
          requests: number;
          quiet: QuietResult[];
        }
      >(
        ids.map(id => [
          id,
          {
            samples: [],
            failures: 0,
            failureSamples: [],
            wallMs: 0,
            requests: 0,
            quiet: [],
          },
        ]),
      );
      const loadBefore = os.loadavg()[0];
      for (let b = 0; b < blocks; b++) {
        const from = Math.floor((b * options.views) / blocks);
        const to = Math.floor(((b + 1) * options.views) / blocks);
        const order = (b + level) % 2 === 0 ? ids : [...ids].reverse();
        for (const id of order) {
          const r = running[id]!;
          // the last block's leftovers (GC of the baseline's LISTs in its
          // backend and the apiservers) are not charged to this one
          const quiet = await waitForQuiet();
          if (!quiet.quiet)
            log(
              `[bench] ${id} @${level} block ${
                b + 1
              }: machine still busy after ${(quiet.waitedMs / 1000).toFixed(
                1,
              )} s (idle ${(quiet.idle * 100).toFixed(0)} %), measuring anyway`,
            );
          const before = audit.read();
          const block = await runViews({
            pool: r.pool,
            concurrency: level,
            views: to - from,
            offset: from,
            view: i => viewFor(env, id)(sequence[i]),
            check: id === 'ours' ? checkOurs : checkBaseline,
          });
          await sleep(300);
          const diff: RequestCounts = diffCounts(audit.read(), before);
          const user = accountUsername(id);
          const a = acc.get(id)!;
          a.quiet.push(quiet);
          a.samples.push(...block.samples);
          a.failures += block.failures;
          a.failureSamples.push(
            ...block.failureSamples.slice(0, 5 - a.failureSamples.length),
          );
          a.wallMs += block.wallMs;
          a.requests += diff.byUser[user] ?? 0;
          for (const [key, n] of Object.entries(diff.byUserVerbResource)) {
            if (!key.startsWith(`${user} `)) continue;
            const k = key.slice(user.length + 1);
            runs[id]!.requestMix[k] = (runs[id]!.requestMix[k] ?? 0) + n;
          }
        }
      }
      const loadAfter = os.loadavg()[0];
      for (const id of ids) {
        const r = running[id]!;
        const a = acc.get(id)!;
        const result: LevelResult = {
          concurrency: level,
          views: a.samples.length,
          latency: summarize(a.samples),
          failures: a.failures,
          failureSamples: a.failureSamples,
          wallMs: a.wallMs,
          viewsPerSecond: (a.samples.length / a.wallMs) * 1000,
          samples: a.samples,
        };
        const requests = a.requests;
        const mem = r.backend.memory();
        const heap = r.backend.heap();
        const afterGc = await r.backend.memoryAfterGc();
        runs[id]!.levels[level] = {
          level: result,
          blocks,
          loadAverage: [loadBefore, loadAfter],
          quietBeforeBlocks: a.quiet,
          apiserverRequests: requests,
          perThousandViews: (requests / Math.max(1, result.views)) * 1000,
          rssMb: mem.rssMb,
          peakMb: mem.peakMb,
          heap,
          rssAfterGcMb: afterGc.rssMb,
          heapAfterGc: afterGc.heap,
        };
        log(
          `[bench] ${id} @${level}: ${
            result.views
          } views in ${blocks} blocks, ${(result.wallMs / 1000).toFixed(
            1,
          )} s (${result.viewsPerSecond.toFixed(
            1,
          )}/s) p50 ${result.latency.p50.toFixed(
            1,
          )} p95 ${result.latency.p95.toFixed(
            1,
          )} p99 ${result.latency.p99.toFixed(1)} ms, ${
            result.failures
          } failed${
            result.failures ? ` (${result.failureSamples[0]})` : ''
          }, ${requests} apiserver requests, RSS ${mem.rssMb.toFixed(
            0,
          )} MB (${afterGc.rssMb.toFixed(
            0,
          )} MB after a full GC), load ${loadBefore.toFixed(
            1,
          )} → ${loadAfter.toFixed(1)}, waited ${(
            a.quiet.reduce((t, q) => t + q.waitedMs, 0) / 1000
          ).toFixed(1)} s for a quiet machine before its blocks${
            a.quiet.some(q => !q.quiet) ? ' (not always quiet)' : ''
          }`,
        );
      }
    }

    // Memory at rest: REST_MS without views after the last level (V8's
    // memory reducer gives pages back ~10–40 s after the last big GC when
    // the process is idle; at 20 s it often had not run yet), then a full GC.
    await sleep(REST_MS);
    for (const id of ids) {
      const r = running[id]!;
      const mem = r.backend.memory();
      const afterGc = await r.backend.memoryAfterGc();
      runs[id]!.idle = {
        rssMb: mem.rssMb,
        rssAfterGcMb: afterGc.rssMb,
        heapAfterGc: afterGc.heap,
      };
      log(
        `[bench] ${id} idle ${
          REST_MS / 1000
        } s after the last level: RSS ${mem.rssMb.toFixed(
          0,
        )} MB (${afterGc.rssMb.toFixed(0)} MB after a full GC, live heap ${
          afterGc.heap?.heapUsedMb.toFixed(0) ?? '?'
        } MB)`,
      );
    }

    const floor = await measureFloor(env, options);

    let fleet: CompareResult['fleet'];
    if (running.ours && options.fleetRepeats > 0) {
      const pool = running.ours.pool;
      const samples: number[] = [];
      let entities = 0;
      for (let k = 0; k < options.fleetRepeats + 3; k++) {
        const t0 = performance.now();
        const res = await sendView(pool, fleetView(env.viewerToken));
        const ms = performance.now() - t0;
        if (res.status !== 200)
          throw new Error(
            `fleet health: HTTP ${res.status} ${res.body.slice(0, 300)}`,
          );
        entities = (JSON.parse(res.body) as { items: unknown[] }).items.length;
        if (k >= 3) samples.push(ms); // the first three warm it
      }
      fleet = { entities, latency: summarize(samples) };
      log(
        `[bench] ours fleet health: ${entities} entities, p50 ${fleet.latency.p50.toFixed(
          1,
        )} ms, max ${fleet.latency.max.toFixed(1)} ms over ${
          samples.length
        } requests`,
      );
    }
    return { runs, fleet, floor, sample: sample.name };
  } finally {
    for (const r of Object.values(running)) {
      await r?.pool.close();
      await r?.backend.stop();
    }
  }
}

/**
 * RSS of the same backend with only the catalog (bench/src/backends/floor.ts),
 * after its catalog has ingested every entity: what a backend started this
 * way costs before any Kubernetes plugin.
 */
export async function measureFloor(
  env: BenchEnvironment,
  options: Pick<CompareOptions, 'repoRoot' | 'log'>,
): Promise<FloorRun> {
  const port = await freePort();
  const backend = startBackend({
    id: 'floor',
    config: baselineConfig({
      port,
      viewerToken: env.viewerToken,
      catalogFile: env.catalogFile,
      clusters: env.clustersFor('baseline'),
    }),
    port,
    repoRoot: options.repoRoot,
    workDir: env.workDir,
  });
  const pool = viewerPool(backend.url, 2);
  const last = env.entities[env.entities.length - 1].metadata.name;
  try {
    for (;;) {
      if (backend.exited())
        throw new Error(`the floor backend exited:\n${logTail(backend)}`);
      if (Date.now() - backend.spawnedAt > 5 * 60_000)
        throw new Error(`the floor backend's catalog never held ${last}`);
      if (await catalogHolds(pool, env.viewerToken, last)) break;
      await sleep(250);
    }
    const readyMs = Date.now() - backend.spawnedAt;
    // At rest as long as the others, before reading memory.
    await sleep(REST_MS);
    const rssMb = backend.memory().rssMb;
    const heap = backend.heap();
    const afterGc = await backend.memoryAfterGc();
    const floor: FloorRun = {
      rssMb,
      heap,
      rssAfterGcMb: afterGc.rssMb,
      heapAfterGc: afterGc.heap,
      readyMs,
    };
    options.log(
      `[bench] floor (catalog only): catalog complete ${readyMs} ms after spawn, RSS ${floor.rssMb.toFixed(
        0,
      )} MB (${floor.rssAfterGcMb.toFixed(0)} MB after a full GC)`,
    );
    return floor;
  } finally {
    await pool.close();
    await backend.stop();
  }
}

/** The results table (targets of issue 6). */
export function resultRows(
  result: CompareResult,
  levels: number[],
): ResultRow[] {
  const ours = result.runs.ours;
  const base = result.runs.baseline;
  const rows: ResultRow[] = [];
  for (const level of levels) {
    const o = ours?.levels[level];
    const b = base?.levels[level];
    if (!o) continue;
    rows.push(
      {
        metric: `p50 entity health @${level} viewers`,
        unit: 'ms',
        ours: o.level.latency.p50,
        baseline: b?.level.latency.p50,
      },
      {
        metric: `p95 entity health @${level} viewers`,
        unit: 'ms',
        ours: o.level.latency.p95,
        baseline: b?.level.latency.p95,
      },
      {
        metric: `p99 entity health @${level} viewers`,
        unit: 'ms',
        ours: o.level.latency.p99,
        baseline: b?.level.latency.p99,
        target: { kind: 'ratio-at-most', value: 0.1 },
      },
      {
        metric: `apiserver requests / 1,000 views @${level}`,
        unit: 'req',
        ours: o.perThousandViews,
        baseline: b?.perThousandViews,
        target: { kind: 'ratio-at-most', value: 0.01 },
      },
      {
        metric: `failed views @${level}`,
        unit: '',
        ours: o.level.failures,
        baseline: b?.level.failures,
        target: { kind: 'at-most', value: 0 },
      },
    );
  }
  const last = Math.max(...levels);
  const o = ours?.levels[last];
  const b = base?.levels[last];
  if (o) {
    rows.push(
      {
        metric: `RSS right after @${last} viewers`,
        unit: 'MB',
        ours: o.rssMb,
        baseline: b?.rssMb,
        target: { kind: 'at-most', value: 400 },
      },
      {
        metric: 'peak RSS of the run (VmHWM)',
        unit: 'MB',
        ours: o.peakMb,
        baseline: b?.peakMb,
      },
    );
  }
  if (ours?.idle) {
    rows.push(
      {
        metric: `RSS at rest (${REST_MS / 1000} s after the last level)`,
        unit: 'MB',
        ours: ours.idle.rssMb,
        baseline: base?.idle?.rssMb,
        target: { kind: 'at-most', value: 400 },
      },
      {
        metric: 'live V8 heap at rest (after a full GC)',
        unit: 'MB',
        ours: ours.idle.heapAfterGc?.heapUsedMb ?? NaN,
        baseline: base?.idle?.heapAfterGc?.heapUsedMb,
      },
    );
  }
  if (result.floor) {
    rows.push({
      metric: 'reference: catalog-only backend (floor), RSS at rest',
      unit: 'MB',
      ours: result.floor.rssMb,
    });
    if (result.floor.heapAfterGc)
      rows.push({
        metric: 'reference: floor, live V8 heap (after a full GC)',
        unit: 'MB',
        ours: result.floor.heapAfterGc.heapUsedMb,
      });
  }
  if (ours)
    rows.push({
      metric: 'time to first complete health',
      unit: 's',
      ours: ours.firstCompleteMs / 1000,
      baseline: base ? base.firstCompleteMs / 1000 : undefined,
    });
  if (ours)
    rows.push({
      metric: 'catalog holds every entity (after spawn)',
      unit: 's',
      ours: ours.catalogCompleteMs / 1000,
      baseline: base ? base.catalogCompleteMs / 1000 : undefined,
    });
  if (result.fleet)
    rows.push({
      metric: `fleet health, ${result.fleet.entities} entities, warm (p50)`,
      unit: 'ms',
      ours: result.fleet.latency.p50,
      target: { kind: 'below', value: 300 },
    });
  return rows;
}

/**
 * The benchmark environment: one real kube-apiserver (+ etcd) per cluster
 * with an audit log, the real registry (token auth), the Jenkins, Argo CD
 * and model-server simulators, all on free 127.0.0.1 ports, seeded from one
 * fleet plan; and the catalog file both backends read. `stop()` ends every
 * process and server it started.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  RunningKubeApiserver,
  RunningRegistry,
  startKubeApiserver,
  startRegistry,
} from '@internal/test-env';
import { CatalogEntity, catalogEntities, catalogYaml } from './fleet/catalog';
import { KubeWriter } from './fleet/kubeWriter';
import { FleetPlan, FleetSize, describeFleet, planFleet } from './fleet/plan';
import { BackendId, SeededCluster, seedCluster } from './fleet/seedCluster';
import {
  BenchArgoCd,
  BenchJenkins,
  BenchModelServers,
  PushedTags,
  seedRegistry,
  startBenchArgoCd,
  startBenchJenkins,
  startBenchModelServers,
} from './fleet/upstreams';
import { auditArgs } from './measure/audit';
import { BenchCluster } from './backends/config';

export interface BenchEnvironment {
  plan: FleetPlan;
  workDir: string;
  apiservers: RunningKubeApiserver[];
  auditLogs: string[];
  /** Admin clients (seeder, mutator), one per cluster, in plan order. */
  admins: KubeWriter[];
  seeded: SeededCluster[];
  registry: RunningRegistry;
  pushed: PushedTags;
  jenkins: BenchJenkins;
  argocd: BenchArgoCd;
  models: BenchModelServers;
  catalogFile: string;
  entities: CatalogEntity[];
  viewerToken: string;
  /** Seeding wall time per step, ms. */
  timings: Record<string, number>;
  /** The clusters as a backend's config needs them, with that backend's token. */
  clustersFor(id: BackendId): BenchCluster[];
  stop(): Promise<void>;
}

export interface StartEnvironmentOptions {
  size: FleetSize;
  workDir: string;
  /** OIP model-server simulators (default 20). */
  modelServers?: number;
  /** Requests in flight per apiserver while seeding (default 10). */
  seedConcurrency?: number;
  log: (line: string) => void;
}

export async function startBenchEnvironment(
  options: StartEnvironmentOptions,
): Promise<BenchEnvironment> {
  const { size, workDir, log } = options;
  const started = Date.now();
  const timings: Record<string, number> = {};
  const cleanups: Array<() => Promise<void> | void> = [];
  const stop = async () => {
    for (const c of cleanups.splice(0).reverse()) {
      try {
        await c();
      } catch (e) {
        log(`[env] cleanup failed: ${(e as Error).message}`);
      }
    }
  };
  try {
    const plan = planFleet(size);
    log(`[env] plan: ${describeFleet(plan)}`);
    const now = Date.now();
    const registryPassword = randomBytes(12).toString('hex');

    const apiserversReady = Promise.all(
      plan.clusters.map(async c => {
        const audit = auditArgs(path.join(workDir, `audit-${c.name}`));
        const kube = await startKubeApiserver({ extraArgs: audit.args });
        cleanups.push(() => kube.stop());
        log(
          `[env] kube-apiserver ${c.name} ${kube.url} ready (${
            Date.now() - started
          } ms)`,
        );
        return { kube, logPath: audit.logPath };
      }),
    );
    const registryReady = (async () => {
      const reg = await startRegistry({
        auth: 'token',
        username: 'portal',
        password: registryPassword,
      });
      cleanups.push(() => reg.stop());
      const pushed = await seedRegistry(plan, reg, now);
      timings.registry = pushed.ms;
      log(
        `[env] registry ${reg.url}: ${pushed.digests.size} tags pushed in ${pushed.ms} ms`,
      );
      return { reg, pushed };
    })();
    const simsReady = (async () => {
      const jenkins = await startBenchJenkins(plan, now);
      cleanups.push(() => jenkins.sim.stop());
      const argocd = await startBenchArgoCd(plan, now);
      cleanups.push(() => argocd.sim.stop());
      const models = await startBenchModelServers(
        plan,
        Math.min(options.modelServers ?? 20, plan.services.length),
      );
      cleanups.push(() => models.stop());
      log(
        `[env] simulators: Jenkins ${jenkins.sim.url} (${plan.services.length} jobs), Argo CD ${argocd.sim.url} (${plan.services.length} apps), ${models.servers.length} model servers`,
      );
      return { jenkins, argocd, models };
    })();
    const results = await Promise.allSettled([
      apiserversReady,
      registryReady,
      simsReady,
    ]);
    for (const r of results) if (r.status === 'rejected') throw r.reason;
    const apis = await apiserversReady;
    const { reg, pushed } = await registryReady;
    const { jenkins, argocd, models } = await simsReady;

    const admins = apis.map(
      a =>
        new KubeWriter(
          a.kube.url,
          Buffer.from(a.kube.caData, 'base64').toString('utf8'),
          a.kube.adminToken,
          options.seedConcurrency ?? 10,
        ),
    );
    cleanups.push(() => Promise.all(admins.map(a => a.close())).then(() => {}));
    const seedStarted = Date.now();
    const digestOf = (repository: string, tag: string) =>
      pushed.digests.get(`${repository}:${tag}`);
    const seeded = await Promise.all(
      plan.clusters.map(async (c, i) => {
        const s = await seedCluster(admins[i], {
          plan,
          cluster: c.name,
          digestOf,
          now,
          concurrency: options.seedConcurrency ?? 10,
        });
        log(
          `[env] ${c.name}: ${s.writes} writes in ${s.ms} ms (${Math.round(
            (s.writes / s.ms) * 1000,
          )}/s)`,
        );
        return s;
      }),
    );
    timings.clusters = Date.now() - seedStarted;

    const entities = catalogEntities(plan, models.endpointOf);
    const catalogFile = path.join(workDir, 'catalog.yaml');
    fs.writeFileSync(catalogFile, catalogYaml(entities));
    timings.total = Date.now() - started;
    log(
      `[env] seeded in ${timings.total} ms; catalog ${catalogFile} (${entities.length} entities)`,
    );

    return {
      plan,
      workDir,
      apiservers: apis.map(a => a.kube),
      auditLogs: apis.map(a => a.logPath),
      admins,
      seeded,
      registry: reg,
      pushed,
      jenkins,
      argocd,
      models,
      catalogFile,
      entities,
      viewerToken: randomBytes(24).toString('hex'),
      timings,
      clustersFor: id =>
        plan.clusters.map((c, i) => ({
          name: c.name,
          url: apis[i].kube.url,
          caData: apis[i].kube.caData,
          token: seeded[i].tokens[id],
        })),
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

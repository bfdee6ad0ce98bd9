/**
 * The portal in its production shape, on one machine: N replicas of the real
 * backend (packages/backend) loaded with app-config.yaml +
 * app-config.production.yaml + a generated overlay, sharing one real
 * PostgreSQL (POSTGRES_* from the environment, as in production) and one real
 * Redis (REDIS_URL), reading the upstreams of upstreams.ts. Each replica has
 * its own port and TechDocs folder (a pod's emptyDir), and names its
 * database sessions after itself (`application_name`) so PostgreSQL can tell
 * which replica did what. The first replica starts alone (it creates the
 * plugin databases and runs the migrations), the others together once it is
 * ready: Backstage's migrations race when replicas start at once on an empty
 * database (README). Everything listens on 127.0.0.1 free ports; `stop()`
 * ends it all.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { freePort } from '@internal/test-env';
import {
  BackendProcess,
  backendPackageDir,
  startBackendProcess,
} from './backendProcess';
import { RunningPostgres, startPostgres } from './postgres';
import { RunningRedis, startRedis } from './redis';
import { installTaskAudit } from './taskAudit';
import { Upstreams, startUpstreams } from './upstreams';

export interface ProductionShapeOptions {
  /** replica names (default `replica-a`, `replica-b`) */
  replicas?: string[];
  /** `refreshSeconds` of every mlops upstream cache (default 5) */
  refreshSeconds?: number;
  /** `mlops.notifications.delivery.frequencySeconds` (default 10, the minimum) */
  notifierFrequencySeconds?: number;
  /**
   * Plugin databases whose scheduler claims are recorded (see taskAudit.ts),
   * installed once the first replica has created them. Default the mlops one.
   */
  taskAuditDatabases?: string[];
  log?: (line: string) => void;
}

export interface ReplicaInfo {
  name: string;
  /** the `application_name` of its PostgreSQL sessions */
  applicationName: string;
  /** its TechDocs publish folder (a pod's emptyDir) */
  techdocsDir: string;
  process: BackendProcess;
}

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface ProductionShape {
  pg: RunningPostgres;
  redis: RunningRedis;
  upstreams: Upstreams;
  replicas: ReplicaInfo[];
  /** the backends' PostgreSQL user (not a superuser; CREATEDB) */
  databaseUser: string;
  /** the static external-access token the overlay gives the backends */
  token: string;
  /** the config files every replica loads, in order (the replica's own overlay last) */
  configFiles(replica: string): string[];
  /** ms each replica took to become ready (the first alone, then the others together) */
  startupMs: Record<string, number>;
  /** GET on a replica with the token, a fresh connection closed after the answer */
  get(replica: ReplicaInfo, pathname: string): Promise<HttpAnswer>;
  /** GET + JSON.parse, failing on anything but 200 */
  getJson<T>(replica: ReplicaInfo, pathname: string): Promise<T>;
  stop(): Promise<void>;
}

/** GET with `Connection: close` on a new socket (TechDocs writes its cache when the socket closes). */
function httpGet(
  url: string,
  headers: Record<string, string>,
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      url,
      {
        agent: false,
        headers: { ...headers, Connection: 'close' },
        timeout: 20_000,
      },
      res => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', d => (body += d));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout: GET ${url}`)));
    req.on('error', reject);
  });
}

export async function startProductionShape(
  options: ProductionShapeOptions = {},
): Promise<ProductionShape> {
  const log = options.log ?? (() => {});
  const names = options.replicas ?? ['replica-a', 'replica-b'];
  const refreshSeconds = options.refreshSeconds ?? 5;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-production-'));
  const stops: Array<() => Promise<void>> = [];
  const replicas: ReplicaInfo[] = [];
  let stopping: Promise<void> | undefined;
  const stopAll = () => {
    stopping ??= (async () => {
      await Promise.allSettled(replicas.map(r => r.process.stop()));
      await Promise.allSettled(stops.splice(0).map(s => s()));
      fs.rmSync(dir, { recursive: true, force: true });
    })();
    return stopping;
  };
  try {
    const started = await Promise.allSettled([
      startPostgres({ log }),
      startRedis({ log }),
      startUpstreams({ log }),
    ]);
    for (const s of started) {
      if (s.status === 'fulfilled') stops.push(() => s.value.stop());
    }
    for (const s of started) if (s.status === 'rejected') throw s.reason;
    const [pg, redis, upstreams] = started.map(
      s => (s as PromiseFulfilledResult<unknown>).value,
    ) as [RunningPostgres, RunningRedis, Upstreams];

    // The backends' role, as a managed PostgreSQL would give it: no superuser,
    // allowed to create the per-plugin databases.
    const databaseUser = 'backstage';
    const databasePassword = randomBytes(12).toString('hex');
    await pg.createRole(databaseUser, databasePassword, { createdb: true });

    const token = randomBytes(24).toString('hex');
    const catalogFile = path.join(dir, 'catalog.yaml');
    fs.writeFileSync(catalogFile, upstreams.catalogYaml());
    const upstreamConfig = upstreams.appConfig({ refreshSeconds });
    const common = path.join(dir, 'app-config.checks.yaml');
    fs.writeFileSync(
      common,
      stringify({
        backend: {
          auth: {
            externalAccess: [
              {
                type: 'static',
                options: { token, subject: 'production-checks' },
              },
            ],
          },
        },
        catalog: {
          locations: [{ type: 'file', target: catalogFile }],
        },
        ...upstreamConfig,
        mlops: {
          ...(upstreamConfig.mlops as object),
          notifications: {
            delivery: {
              frequencySeconds: options.notifierFrequencySeconds ?? 10,
              initialDelaySeconds: 0,
            },
          },
        },
      }),
      { mode: 0o600 },
    );

    const repoRoot = path.resolve(backendPackageDir(), '..', '..');
    const baseFiles = [
      path.join(repoRoot, 'app-config.yaml'),
      path.join(repoRoot, 'app-config.production.yaml'),
      common,
    ];
    const plans = await Promise.all(
      names.map(async name => {
        const port = await freePort();
        const techdocsDir = path.join(dir, `techdocs-${name}`);
        fs.mkdirSync(techdocsDir);
        const applicationName = `mlops-portal-${name}`;
        const overlay = path.join(dir, `app-config.${name}.yaml`);
        const url = `http://127.0.0.1:${port}`;
        fs.writeFileSync(
          overlay,
          stringify({
            app: { baseUrl: url },
            backend: {
              baseUrl: url,
              listen: { host: '127.0.0.1', port },
              database: { connection: { application_name: applicationName } },
            },
            techdocs: {
              publisher: { local: { publishDirectory: techdocsDir } },
            },
          }),
        );
        return { name, port, techdocsDir, applicationName, overlay };
      }),
    );
    const env = {
      POSTGRES_HOST: pg.host,
      POSTGRES_PORT: String(pg.port),
      POSTGRES_USER: databaseUser,
      POSTGRES_PASSWORD: databasePassword,
      REDIS_URL: redis.url,
    };
    // The first replica starts alone and creates the databases and tables;
    // the others start together once it is ready (see README: Backstage's
    // migrations race when replicas start at once on an empty database).
    const startupMs: Record<string, number> = {};
    const startReplica = async (p: (typeof plans)[number]) => {
      const t0 = Date.now();
      const proc = await startBackendProcess({
        name: p.name,
        port: p.port,
        configFiles: [...baseFiles, p.overlay],
        env,
        log,
      });
      startupMs[p.name] = Date.now() - t0;
      replicas.push({
        name: p.name,
        applicationName: p.applicationName,
        techdocsDir: p.techdocsDir,
        process: proc,
      });
    };
    await startReplica(plans[0]);
    for (const database of options.taskAuditDatabases ?? [
      'backstage_plugin_mlops',
    ]) {
      await installTaskAudit(pg, database);
    }
    const rest = await Promise.allSettled(plans.slice(1).map(startReplica));
    for (const r of rest) if (r.status === 'rejected') throw r.reason;
    replicas.sort((a, b) => names.indexOf(a.name) - names.indexOf(b.name));

    const auth = { Authorization: `Bearer ${token}` };
    const get = (replica: ReplicaInfo, pathname: string) =>
      httpGet(`${replica.process.url}${pathname}`, auth);
    return {
      pg,
      redis,
      upstreams,
      replicas,
      databaseUser,
      token,
      startupMs,
      configFiles: name => [
        ...baseFiles,
        plans.find(p => p.name === name)!.overlay,
      ],
      get,
      async getJson<T>(replica: ReplicaInfo, pathname: string): Promise<T> {
        const res = await get(replica, pathname);
        if (res.status !== 200) {
          throw new Error(
            `GET ${pathname} on ${replica.name}: HTTP ${
              res.status
            } ${res.body.slice(0, 300)}`,
          );
        }
        return JSON.parse(res.body) as T;
      },
      stop: stopAll,
    };
  } catch (e) {
    await stopAll();
    throw e;
  }
}

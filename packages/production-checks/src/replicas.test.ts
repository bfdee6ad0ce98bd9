/**
 * The portal in its production shape: two replicas of the real backend
 * (packages/backend, app-config.yaml + app-config.production.yaml + a test
 * overlay) on one real PostgreSQL and one real Redis (Debian packages),
 * reading a real kube-apiserver, a real registry and the Jenkins, Argo CD and
 * vLLM simulators. Everything is observed through the real interfaces: the
 * backends' HTTP APIs, PostgreSQL's tables, Redis' keys, the backends' logs.
 * One setup for the whole file; the tests run in order and build on each
 * other (an upstream change, then a replica killed).
 */
import fs from 'node:fs';
import path from 'node:path';
import { EntityHealth } from '@internal/plugin-mlops-common';
import { waitFor } from '@internal/test-env';
import {
  ProductionShape,
  ReplicaInfo,
  startProductionShape,
} from './productionShape';
import { openSignalsSocket } from './signalsSocket';
import { TaskEvent, taskEvents, taskRow } from './taskAudit';
import { OWNER_USER, SERVICES, ServicePlan } from './upstreams';

const REFRESH_SECONDS = 5;
const NOTIFIER_SECONDS = 10;
const NOTIFIER_TASK = 'mlops-delivery-notifier';
const MLOPS_DB = 'backstage_plugin_mlops';
/** Slack on top of the refresh interval for a loaded CI machine. */
const SLACK_MS = 4_000;

jest.setTimeout(60_000);

let shape: ProductionShape;
let a: ReplicaInfo;
let b: ReplicaInfo;
/** When the second replica was ready (both up from then on). */
let bothUpAt: number;
const measured: Record<string, unknown> = {};

const healthPath = (s: ServicePlan) =>
  `/api/mlops/entities/component/default/${s.name}/health`;

const health = (r: ReplicaInfo, s: ServicePlan) =>
  shape.getJson<EntityHealth>(r, healthPath(s));

/**
 * What must be the same on every replica: each signal's status and reason,
 * the delivery verdict and steps. Probe latencies (`(13 ms)`) differ per
 * probe and are left out.
 */
function view(h: EntityHealth) {
  const norm = (s: string) => s.replace(/\(\d+ ms\)/g, '(… ms)');
  return {
    entityRef: h.entityRef,
    signals: Object.fromEntries(
      Object.entries(h.signals)
        .sort(([x], [y]) => x.localeCompare(y))
        .map(([k, v]) => [
          k,
          `${v.status}: ${norm(v.reason)}${
            v.problem ? ` [${v.problem.fault}]` : ''
          }`,
        ]),
    ),
    delivery: {
      status: h.delivery.status,
      verdict: norm(h.delivery.verdict),
      firstBroken: h.delivery.firstBroken,
      steps: h.delivery.steps.map(
        s =>
          `${s.id} ${s.status}: ${norm(s.summary)}${s.at ? ` @${s.at}` : ''}`,
      ),
    },
  };
}

async function deliveryStates(): Promise<Record<string, string>> {
  const rows = await shape.pg.query<{ entity_ref: string; state: string }>(
    'SELECT entity_ref, state FROM mlops_delivery_state ORDER BY entity_ref',
    [],
    MLOPS_DB,
  );
  return Object.fromEntries(rows.map(r => [r.entity_ref, r.state]));
}

const ref = (s: ServicePlan) => `component:default/${s.name}`;

beforeAll(async () => {
  const t0 = Date.now();
  shape = await startProductionShape({
    refreshSeconds: REFRESH_SECONDS,
    notifierFrequencySeconds: NOTIFIER_SECONDS,
  });
  [a, b] = shape.replicas;
  bothUpAt = Date.now();
  measured.setupMs = bothUpAt - t0;
  measured.replicaStartupMs = shape.startupMs;
  // The catalog has processed the entities and both watch caches are filled.
  await waitFor(
    'both replicas to judge every model service',
    async () => {
      for (const r of [a, b]) {
        for (const s of SERVICES) {
          const res = await shape.get(r, healthPath(s));
          if (res.status !== 200) return false;
          const h = JSON.parse(res.body) as EntityHealth;
          if (h.signals.workload.status === 'unknown') return false;
        }
      }
      return true;
    },
    60_000,
    500,
  );
  // The notifier has recorded each service's first state (silently).
  await waitFor(
    'the delivery notifier to record every model service',
    async () => Object.keys(await deliveryStates()).length === SERVICES.length,
    4 * NOTIFIER_SECONDS * 1000,
    500,
  );
  measured.readyForTestsMs = Date.now() - t0;
}, 300_000);

afterAll(async () => {
  await shape?.stop();
  // One line for the runtime numbers of this file (README: "Runtime").
  // eslint-disable-next-line no-console
  console.log(`production-checks measurements: ${JSON.stringify(measured)}`);
}, 60_000);

describe('two backend replicas on one PostgreSQL and one Redis', () => {
  it('share one database: the same catalog, the plugin tables and state once', async () => {
    // Both serve the same catalog rows (same uid: one database, not two copies).
    for (const s of SERVICES) {
      const path_ = `/api/catalog/entities/by-name/component/default/${s.name}`;
      const [ea, eb] = await Promise.all([
        shape.getJson<{ metadata: { uid: string } }>(a, path_),
        shape.getJson<{ metadata: { uid: string } }>(b, path_),
      ]);
      expect(ea.metadata.uid).toBeTruthy();
      expect(eb.metadata.uid).toBe(ea.metadata.uid);
    }
    // One database per plugin, owned by the backends' (non-superuser) role.
    const dbs = await shape.pg.query<{ datname: string; owner: string }>(
      `SELECT datname, pg_get_userbyid(datdba) AS owner FROM pg_database
       WHERE datname LIKE 'backstage_plugin_%' ORDER BY datname`,
    );
    expect(dbs.filter(d => d.datname === MLOPS_DB)).toEqual([
      { datname: MLOPS_DB, owner: shape.databaseUser },
    ]);
    expect(dbs.map(d => d.datname)).toEqual(
      expect.arrayContaining([
        'backstage_plugin_catalog',
        'backstage_plugin_notifications',
      ]),
    );
    // The mlops migration ran once, though both replicas started on it.
    const migrations = await shape.pg.query<{ name: string; n: string }>(
      'SELECT name, count(*) AS n FROM knex_migrations GROUP BY name',
      [],
      MLOPS_DB,
    );
    expect(migrations).toEqual([
      { name: '20261201120000_delivery_notification_state.js', n: '1' },
    ]);
    // The delivery notifier's state, one row per model service, as judged.
    expect(await deliveryStates()).toEqual({
      [ref(SERVICES[0])]: 'ok',
      [ref(SERVICES[1])]: 'ok',
      [ref(SERVICES[2])]: 'broken',
    });
    // Both replicas hold sessions on the mlops database, each under its own name.
    const sessions = await shape.pg.query<{ application_name: string }>(
      `SELECT DISTINCT application_name FROM pg_stat_activity
       WHERE datname = $1 AND usename = $2`,
      [MLOPS_DB, shape.databaseUser],
    );
    expect(sessions.map(s => s.application_name).sort()).toEqual(
      [a.applicationName, b.applicationName].sort(),
    );
  });

  it('share the Redis cache: a TechDocs page one replica served is served by the other', async () => {
    const page =
      '/api/techdocs/static/docs/default/component/fraud-detector/index.html';
    const marker = `production-checks page ${Date.now()}`;
    // Only replica A's own folder (a pod's emptyDir) has the page.
    const file = path.join(
      a.techdocsDir,
      'default/component/fraud-detector/index.html',
    );
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `<html><body>${marker}</body></html>`);
    const redis = await shape.redis.client();
    try {
      expect(await redis.keys('mlops-portal:techdocs:*')).toEqual([]);
      expect((await shape.get(b, page)).status).toBe(404);

      const fromA = await shape.get(a, page);
      expect(fromA.status).toBe(200);
      expect(fromA.body).toContain(marker);
      // TechDocs writes the page to the cache when the socket closes, under
      // the page's path (base64, as Backstage's cache client keys it), in the
      // namespace app-config.production.yaml gives: `mlops-portal:<plugin>:`.
      const key = `mlops-portal:techdocs:${Buffer.from(
        'default/component/fraud-detector/index.html',
      ).toString('base64')}`;
      await waitFor(
        `${key} in Redis`,
        async () => (await redis.keys('mlops-portal:techdocs:*')).includes(key),
        10_000,
        100,
      );
      // techdocs.cache.ttl of app-config.production.yaml: one hour.
      const ttl = Number(await redis.command('PTTL', key));
      expect(ttl).toBeGreaterThan(3_500_000);
      expect(ttl).toBeLessThanOrEqual(3_600_000);
      // The stored answer is the page A served.
      const stored = JSON.parse(String(await redis.command('GET', key))) as {
        value: string;
      };
      expect(Buffer.from(stored.value, 'base64').toString('utf8')).toContain(
        marker,
      );

      const fromB = await shape.get(b, page);
      expect(fromB.status).toBe(200);
      expect(fromB.body).toContain(marker);
      expect(
        fs.existsSync(
          path.join(b.techdocsDir, 'default/component/fraud-detector'),
        ),
      ).toBe(false);
    } finally {
      redis.close();
    }
  });

  it('serve the same health for every model service', async () => {
    for (const s of SERVICES) {
      const [ha, hb] = await Promise.all([health(a, s), health(b, s)]);
      expect(view(hb)).toEqual(view(ha));
    }
    const fraud = await health(a, SERVICES[0]);
    expect(fraud.delivery.verdict).toBe(
      `delivers end to end: 2/2 pods ready on :${SERVICES[0].revision.slice(
        0,
        7,
      )}`,
    );
    expect(fraud.delivery.steps.map(s => s.status)).toEqual(
      Array(7).fill('ok'),
    );
    const llm = await health(b, SERVICES[2]);
    expect(llm.delivery.firstBroken).toBe('build');
    expect(llm.delivery.verdict).toMatch(/failed at stage Push image/);
  });

  it('both show an upstream change within the refresh interval', async () => {
    const [fraud, churn] = SERVICES;
    const t0 = Date.now();
    await shape.upstreams.crashLoop(fraud, 1);
    shape.upstreams.outOfSync(churn);
    const seen: Record<string, number> = {};
    const last: Record<string, unknown> = {};
    const flips: string[] = [];
    const shown = {
      [fraud.name]: (h: EntityHealth) =>
        h.delivery.firstBroken === 'running' &&
        h.delivery.verdict.startsWith('Running: 1/2 pods ready') &&
        h.signals.workload.status !== 'ok',
      [churn.name]: (h: EntityHealth) =>
        h.delivery.firstBroken === 'synced' &&
        h.delivery.verdict.includes('OutOfSync'),
    };
    await waitFor(
      'both replicas to show both changes',
      async () => {
        await Promise.all(
          [a, b].flatMap(r =>
            [fraud, churn].map(async s => {
              const key = `${r.name} ${s.name}`;
              const h = await health(r, s);
              last[key] = view(h);
              if (shown[s.name](h)) {
                seen[key] ??= Date.now() - t0;
              } else if (seen[key] !== undefined) {
                flips.push(`${key} went back to the old health`);
              }
            }),
          ),
        );
        return Object.keys(seen).length === 4;
      },
      REFRESH_SECONDS * 1000 + SLACK_MS + 10_000,
      200,
    ).catch(e => {
      throw new Error(
        `${(e as Error).message}\nshown: ${JSON.stringify(
          seen,
        )}\nlast health: ${JSON.stringify(last, null, 1)}`,
      );
    });
    measured.changeShownAfterMs = seen;
    // Once a replica showed the change, it never served the old health again.
    expect(flips).toEqual([]);
    for (const [key, ms] of Object.entries(seen)) {
      expect(`${key}: ${ms <= REFRESH_SECONDS * 1000 + SLACK_MS}`).toBe(
        `${key}: true`,
      );
    }
    // And they agree again, on everything.
    for (const s of SERVICES) {
      const [ha, hb] = await Promise.all([health(a, s), health(b, s)]);
      expect(view(hb)).toEqual(view(ha));
    }
  });

  it('tell the owner once per incident, from one replica', async () => {
    const [fraud, churn] = SERVICES;
    const user = `user:default/${OWNER_USER}`;
    type Row = { scope: string; title: string; updated: Date | null };
    const notices = () =>
      shape.pg.query<Row>(
        `SELECT scope, title, updated FROM notification
         WHERE "user" = $1 AND topic = 'mlops-delivery' ORDER BY scope`,
        [user],
        'backstage_plugin_notifications',
      );
    await waitFor(
      'both incidents notified',
      async () => (await notices()).length === 2,
      4 * NOTIFIER_SECONDS * 1000,
      500,
    );
    // One more full run on either replica after that: nothing is sent again.
    const after = Date.now();
    await waitFor(
      'another notifier run',
      async () =>
        (
          await taskEvents(shape.pg, MLOPS_DB, NOTIFIER_TASK)
        ).some((e: TaskEvent) => e.event === 'release' && e.at > after),
      3 * NOTIFIER_SECONDS * 1000,
      500,
    );
    const rows = await notices();
    expect(rows.map(r => [r.scope, r.title, r.updated])).toEqual([
      [
        `mlops-delivery:${ref(churn)}`,
        `${churn.name}: delivery broken at Synced`,
        null,
      ],
      [
        `mlops-delivery:${ref(fraud)}`,
        `${fraud.name}: delivery broken at Running`,
        null,
      ],
    ]);
    expect(await deliveryStates()).toMatchObject({
      [ref(fraud)]: 'broken',
      [ref(churn)]: 'broken',
    });
    // The sends, as each replica logged them: two in all.
    const sent = [a, b].map(r =>
      r.process
        .logs()
        .filter(l => l.plugin === 'mlops')
        .map(l => /(\d+) notification\(s\) sent/.exec(l.message)?.[1])
        .reduce((n, x) => n + Number(x ?? 0), 0),
    );
    measured.notificationsSentPerReplica = sent;
    expect(sent[0] + sent[1]).toBe(2);
  });

  it('run the global delivery notifier on one replica at a time, once per interval', async () => {
    // Runs since the audit was installed: at least three (two slots between
    // them to compare), at least two of them with both replicas up. Replica A
    // may or may not have run one alone before B was ready (that depends on
    // how long B took to start), so both counts are waited for.
    await waitFor(
      'three notifier runs, two of them since both replicas were up',
      async () => {
        const released = (
          await taskEvents(shape.pg, MLOPS_DB, NOTIFIER_TASK)
        ).filter(e => e.event === 'release');
        return (
          released.length >= 3 &&
          released.filter(e => e.at > bothUpAt).length >= 2
        );
      },
      5 * NOTIFIER_SECONDS * 1000,
      500,
    );
    const events = await taskEvents(shape.pg, MLOPS_DB, NOTIFIER_TASK);
    const claims = events.filter(e => e.event === 'claim');
    const releases = new Map(
      events.filter(e => e.event === 'release').map(e => [e.ticket, e]),
    );
    measured.notifierClaims = claims.map(
      c =>
        `${c.replica.replace('mlops-portal-', '')}@${new Date(c.at)
          .toISOString()
          .slice(11, 23)}`,
    );
    const names = [a.applicationName, b.applicationName];
    for (const c of claims) expect(names).toContain(c.replica);
    // Each run was ended by the replica that started it, and the next run
    // started no earlier than the time that release scheduled: one run per
    // slot. The slots are one interval apart (PostgreSQL's own clock).
    const runs = claims.slice(0, -1).map((c, i) => {
      const release = releases.get(c.ticket);
      const next = claims[i + 1];
      const nextRelease = releases.get(next.ticket);
      return {
        endedBySameReplica: release?.replica === c.replica,
        nextNotBeforeItsSlot:
          release?.nextRunAt !== undefined &&
          next.at >= release.nextRunAt - 100,
        slotsOneIntervalApart:
          nextRelease?.nextRunAt === undefined ||
          (release?.nextRunAt !== undefined &&
            nextRelease.nextRunAt - release.nextRunAt >=
              NOTIFIER_SECONDS * 1000 - 100),
      };
    });
    expect(runs).toEqual(
      runs.map(() => ({
        endedBySameReplica: true,
        nextNotBeforeItsSlot: true,
        slotsOneIntervalApart: true,
      })),
    );
    // So, over the window, no more runs than intervals (+1), whichever
    // replica claimed: a claim comes at most one poll (5 s, Backstage's
    // scheduler) after its slot.
    expect(claims.length).toBeGreaterThanOrEqual(3);
    const window = claims[claims.length - 1].at - claims[0].at;
    expect(claims.length).toBeLessThanOrEqual(
      Math.floor((window + 5_000) / (NOTIFIER_SECONDS * 1000)) + 1,
    );
    expect(claims.filter(c => c.at > bothUpAt).length).toBeGreaterThanOrEqual(
      2,
    );
    // The scheduler's own row: global, every NOTIFIER_SECONDS.
    const row = await taskRow(shape.pg, MLOPS_DB, NOTIFIER_TASK);
    expect(row?.settings).toMatchObject({
      cadence: `PT${NOTIFIER_SECONDS}S`,
    });
  });

  it('push a notification to browsers on either replica (signals cross replicas through the events bus in PostgreSQL)', async () => {
    const sockets = await Promise.all(
      [a, b].map(r => openSignalsSocket(r.process.url, 'notifications')),
    );
    measured.signalsConnectAttempts = sockets.map(s => s.attempt);
    try {
      const title = `production-checks broadcast ${Date.now()}`;
      const sentAt = Date.now();
      const res = await fetch(`${a.process.url}/api/notifications/`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${shape.token}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({
          recipients: { type: 'broadcast' },
          payload: { title, severity: 'normal' },
        }),
      });
      expect(res.status).toBe(200);
      const [created] = (await res.json()) as Array<{ id: string }>;
      // Sent through replica A: a browser on B hears of it as one on A does.
      const [onA, onB] = await Promise.all(
        sockets.map((s, i) =>
          s
            .next(
              m => m.message?.notification_id === created.id,
              REFRESH_SECONDS * 1000 + SLACK_MS,
            )
            .catch(e => {
              const r = [a, b][i];
              const said = r.process
                .logs()
                .filter(l => /event|signal/i.test(`${l.plugin} ${l.message}`))
                .map(l => `${l.plugin}: ${l.message}`)
                .slice(-15);
              throw new Error(
                `${r.name}: ${(e as Error).message}\n${said.join('\n')}`,
              );
            }),
        ),
      );
      measured.signalOnOtherReplicaMs = Date.now() - sentAt;
      for (const m of [onA, onB])
        expect(m).toEqual({
          channel: 'notifications',
          message: { action: 'new_notification', notification_id: created.id },
        });
    } finally {
      for (const s of sockets) s.close();
    }
  });

  it('keeps serving, and keeps running the scheduled work, when the other replica is killed', async () => {
    const before = await Promise.all(SERVICES.map(s => health(a, s)));
    // Kill B between two notifier runs (a run killed midway holds the task
    // until its timeout, 120 s: the scheduler's rule, not ours).
    await waitFor(
      'the notifier to be idle',
      async () => !(await taskRow(shape.pg, MLOPS_DB, NOTIFIER_TASK))?.running,
      15_000,
      50,
    );
    const killedAt = Date.now();
    await b.process.kill('SIGKILL');
    expect(b.process.exited()).toBe(true);
    await expect(
      shape.get(b, '/.backstage/health/v1/readiness'),
    ).rejects.toThrow();

    // A answers as before: readiness, catalog, the same health.
    expect((await shape.get(a, '/.backstage/health/v1/readiness')).status).toBe(
      200,
    );
    const after = await Promise.all(SERVICES.map(s => health(a, s)));
    expect(after.map(view)).toEqual(before.map(view));

    // And the global task goes on, on A alone.
    let ranAfterKill: TaskEvent | undefined;
    await waitFor(
      'replica A to run the notifier after the kill',
      async () => {
        const events = await taskEvents(shape.pg, MLOPS_DB, NOTIFIER_TASK);
        ranAfterKill = events.find(
          e => e.event === 'release' && e.at > killedAt,
        );
        return Boolean(ranAfterKill);
      },
      2 * NOTIFIER_SECONDS * 1000 + SLACK_MS + 5_000,
      250,
    );
    expect(ranAfterKill!.replica).toBe(a.applicationName);
    measured.notifierOnAAfterKillMs = ranAfterKill!.at - killedAt;
  });
});

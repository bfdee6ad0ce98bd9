/**
 * Harness for a REAL Prometheus (Debian package `prometheus`, 2.42): started
 * on a free 127.0.0.1 port with a scrape config written here (every target
 * scraped every `scrapeIntervalSeconds`, default 1 s) and a TSDB in a temp
 * dir. `waitForScrapes(n)` waits until every target has been scraped n more
 * times, so a test can change what a target exports and then read it back.
 *
 * Install: `apt-get install prometheus` (the package's service is not
 * started here; `PROMETHEUS_BIN` overrides the binary).
 */
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitFor } from './ports';

export interface ScrapeTarget {
  /** `job` label of the target's series (unique per target). */
  job: string;
  /** Full URL of the metrics endpoint, e.g. `http://127.0.0.1:8002/metrics`. */
  url: string;
  /** Extra target labels, e.g. `{ namespace: 'ml', pod: 'llm-0' }`. */
  labels?: Record<string, string>;
  /** Keep the target's own labels on conflict (`honor_labels`), as the DCGM exporter needs. Default true. */
  honorLabels?: boolean;
}

export interface StartPrometheusOptions {
  scrapeTargets: ScrapeTarget[];
  /** Default 1. */
  scrapeIntervalSeconds?: number;
  log?: (line: string) => void;
}

export interface RunningPrometheus {
  /** http://127.0.0.1:<port> */
  url: string;
  port: number;
  /**
   * Resolves once every target has been scraped `count` more times than when
   * called (and, unless `requireUp: false`, its last scrape succeeded).
   */
  waitForScrapes(
    count: number,
    options?: { timeoutMs?: number; requireUp?: boolean },
  ): Promise<void>;
  /** Unix time in seconds of the newest scrape of `job` (the `up` sample). */
  lastScrapeTime(job: string): Promise<number>;
  /**
   * Replaces the scrape targets: rewrites the config and sends SIGHUP, as
   * service discovery would when pods come and go (e.g. a target's `pod`
   * label follows the pod that now serves). Resolves once the new config is
   * loaded (`prometheus_config_last_reload_successful` and a newer reload time).
   */
  setScrapeTargets(targets: ScrapeTarget[]): Promise<void>;
  /** Runs an instant query and returns the raw JSON answer (for tests of the harness itself). */
  rawQuery(promql: string): Promise<unknown>;
  /** Stops the process, keeping port and data (for "Prometheus is down" tests). */
  kill(): Promise<void>;
  /** Stops it and deletes its directory. */
  stop(): Promise<void>;
}

const PROMETHEUS_BIN = process.env.PROMETHEUS_BIN ?? 'prometheus';

const liveChildren = new Set<ChildProcess>();
const liveDirs = new Set<string>();
let exitHookInstalled = false;

function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of liveChildren) {
      try {
        child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
    for (const dir of liveDirs)
      fs.rmSync(dir, { recursive: true, force: true });
  });
}

/** A detached shell that kills the child and removes its dir once this process is gone (covers SIGKILL). */
function spawnWatchdog(childPid: number, dir: string): ChildProcess {
  const script =
    'while kill -0 "$1" 2>/dev/null; do sleep 1; done; kill -9 "$2" 2>/dev/null; rm -rf "$3"';
  const dog = spawn(
    'sh',
    [
      '-c',
      script,
      'test-env-prometheus-watchdog',
      String(process.pid),
      String(childPid),
      dir,
    ],
    {
      detached: true,
      stdio: 'ignore',
    },
  );
  dog.on('error', () => {});
  dog.unref();
  return dog;
}

function yamlString(value: string): string {
  return JSON.stringify(value);
}

function scrapeConfig(
  targets: ScrapeTarget[],
  intervalSeconds: number,
): string {
  const lines = [
    'global:',
    `  scrape_interval: ${intervalSeconds}s`,
    `  evaluation_interval: ${intervalSeconds}s`,
    'scrape_configs:',
  ];
  const jobs = new Set<string>();
  for (const t of targets) {
    if (jobs.has(t.job))
      throw new Error(`startPrometheus: duplicate job "${t.job}"`);
    jobs.add(t.job);
    const url = new URL(t.url);
    // 127.0.0.0/8 is all loopback (the demo's fixed addresses are 127.0.8.x).
    const loopbackV4 =
      net.isIPv4(url.hostname) && url.hostname.startsWith('127.');
    if (!loopbackV4 && !['localhost', '[::1]'].includes(url.hostname)) {
      throw new Error(
        `startPrometheus: scrape target ${t.url} is not on loopback`,
      );
    }
    lines.push(
      `  - job_name: ${yamlString(t.job)}`,
      `    scrape_interval: ${intervalSeconds}s`,
      `    scrape_timeout: ${Math.round(
        Math.max(500, intervalSeconds * 800),
      )}ms`,
      `    honor_labels: ${t.honorLabels ?? true}`,
      `    scheme: ${url.protocol.replace(':', '')}`,
      `    metrics_path: ${yamlString(url.pathname || '/metrics')}`,
    );
    if (url.search) {
      lines.push('    params:');
      for (const [k, values] of groupParams(url.searchParams)) {
        lines.push(
          `      ${yamlString(k)}: [${values.map(yamlString).join(', ')}]`,
        );
      }
    }
    lines.push(
      '    static_configs:',
      `      - targets: [${yamlString(url.host)}]`,
    );
    const labels = Object.entries(t.labels ?? {});
    if (labels.length) {
      lines.push('        labels:');
      for (const [k, v] of labels)
        lines.push(`          ${k}: ${yamlString(v)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function groupParams(params: URLSearchParams): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [k, v] of params) out.set(k, [...(out.get(k) ?? []), v]);
  return out;
}

function getJson(url: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: 5000 }, res => {
      const chunks: Buffer[] = [];
      res.on('data', c => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // not JSON
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

export async function startPrometheus(
  options: StartPrometheusOptions,
): Promise<RunningPrometheus> {
  installExitHook();
  const interval = options.scrapeIntervalSeconds ?? 1;
  const log = options.log ?? (() => {});
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'test-env-prometheus-'));
  liveDirs.add(dir);
  const configPath = path.join(dir, 'prometheus.yml');
  fs.writeFileSync(configPath, scrapeConfig(options.scrapeTargets, interval));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  let watchdog: ChildProcess | undefined;
  const tail: string[] = [];

  const start = async () => {
    const proc = spawn(
      PROMETHEUS_BIN,
      [
        `--config.file=${configPath}`,
        `--storage.tsdb.path=${path.join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--storage.tsdb.retention.time=1h',
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = proc;
    liveChildren.add(proc);
    const onData = (chunk: Buffer) => {
      for (const line of chunk
        .toString('utf8')
        .split('\n')
        .filter(l => l.trim())) {
        tail.push(line);
        if (tail.length > 30) tail.shift();
        log(`[prometheus] ${line}`);
      }
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', onData);
    const exited = new Promise<string>(resolve => {
      proc.on('error', e =>
        resolve(
          `cannot start ${PROMETHEUS_BIN} (${e.message}); install it with apt-get install prometheus`,
        ),
      );
      proc.on('exit', code => resolve(`prometheus exited with code ${code}`));
    });
    proc.on('exit', () => liveChildren.delete(proc));
    if (proc.pid) watchdog = spawnWatchdog(proc.pid, dir);
    let failed: string | undefined;
    void exited.then(reason => {
      failed = reason;
    });
    try {
      await Promise.race([
        waitFor(
          'Prometheus to be ready',
          async () => (await getJson(`${url}/-/ready`)).status === 200,
          30_000,
          100,
        ),
        exited.then(reason => Promise.reject(new Error(reason))),
      ]);
    } catch (e) {
      // Give stderr a moment to arrive before quoting it.
      await new Promise(r => setTimeout(r, 50));
      throw new Error(`${failed ?? (e as Error).message}\n${tail.join('\n')}`);
    }
  };

  const kill = async () => {
    const proc = child;
    child = undefined;
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise(r => proc.once('exit', r));
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
    watchdog?.kill('SIGKILL');
    watchdog = undefined;
  };

  const query = async (promql: string) => {
    const res = await getJson(
      `${url}/api/v1/query?query=${encodeURIComponent(promql)}`,
    );
    return res.body as {
      status?: string;
      data?: {
        result?: Array<{
          metric: Record<string, string>;
          value: [number, string];
        }>;
      };
    };
  };

  const scrapeCounts = async (): Promise<
    Map<string, { count: number; up: number }>
  > => {
    const [counts, ups] = await Promise.all([
      query('count_over_time(up[1h])'),
      query('up'),
    ]);
    const out = new Map<string, { count: number; up: number }>();
    for (const r of counts.data?.result ?? [])
      out.set(r.metric.job, { count: Number(r.value[1]), up: 0 });
    for (const r of ups.data?.result ?? []) {
      const entry = out.get(r.metric.job);
      if (entry) entry.up = Number(r.value[1]);
    }
    return out;
  };

  try {
    await start();
  } catch (e) {
    await kill();
    fs.rmSync(dir, { recursive: true, force: true });
    liveDirs.delete(dir);
    throw e;
  }

  let targets = options.scrapeTargets;
  // Prometheus' own /metrics (it does not scrape itself here).
  const reloadTime = async (): Promise<number> => {
    const res = await getJson(`${url}/metrics`);
    const match =
      /^prometheus_config_last_reload_success_timestamp_seconds\s+(\S+)/m.exec(
        String(res.body),
      );
    return match ? Number(match[1]) : 0;
  };
  return {
    url,
    port,
    async setScrapeTargets(next) {
      const config = scrapeConfig(next, interval); // throws before anything changes
      const before = await reloadTime();
      targets = next;
      fs.writeFileSync(configPath, config);
      if (!child?.pid) return; // killed: the next start reads the new file
      // Reload times have a 1 s resolution: make sure "newer" can be seen.
      await new Promise(r => setTimeout(r, Math.max(0, before * 1000 + 1000 - Date.now())));
      child.kill('SIGHUP');
      await waitFor(
        'Prometheus to reload its config',
        async () => (await reloadTime()) > before,
        10_000,
        100,
      );
    },
    async waitForScrapes(count, opts = {}) {
      const before = await scrapeCounts();
      const jobs = targets.map(t => t.job);
      let last = before;
      await waitFor(
        `${count} more scrape(s) of ${jobs.join(', ')}`,
        async () => {
          last = await scrapeCounts();
          return jobs.every(job => {
            const now = last.get(job);
            return (
              now !== undefined &&
              now.count >= (before.get(job)?.count ?? 0) + count &&
              (opts.requireUp === false || now.up === 1)
            );
          });
        },
        opts.timeoutMs ?? Math.max(10_000, count * interval * 1000 * 4),
        Math.max(50, interval * 250),
      ).catch(e => {
        throw new Error(
          `${(e as Error).message}; scrapes so far: ${JSON.stringify(
            Object.fromEntries(last),
          )}`,
        );
      });
    },
    async lastScrapeTime(job) {
      const res = await query(`timestamp(up{job=${JSON.stringify(job)}})`);
      const value = res.data?.result?.[0]?.value?.[1];
      if (value === undefined) throw new Error(`no scrape of job ${job} yet`);
      return Number(value);
    },
    async rawQuery(promql) {
      return query(promql);
    },
    kill,
    async stop() {
      await kill();
      fs.rmSync(dir, { recursive: true, force: true });
      liveDirs.delete(dir);
    },
  };
}

/**
 * Runs one benchmarked backend as its own child process
 * (`node -r sucrase/register/ts bench/src/backends/<id>.ts --config <file>`,
 * from the repo root), so its RSS is its own: config written to a 0600 temp
 * file, output kept in a log file, RSS read from /proc/<pid>/status, stopped
 * with SIGTERM (SIGKILL after a grace period), and killed if the benchmark
 * exits first.
 */
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { AppConfig } from './config';
import { deployedNodeFlags } from './deployedFlags';

export type BackendId = 'ours' | 'baseline' | 'floor';

export interface BenchBackend {
  id: BackendId;
  /** `http://127.0.0.1:<port>` */
  url: string;
  pid: number;
  /** Date.now() at spawn. */
  spawnedAt: number;
  logFile: string;
  /** Resident set size now, in MB (VmRSS), and the peak so far (VmHWM). */
  memory(): { rssMb: number; peakMb: number };
  /** The newest process.memoryUsage() the backend logged (MB), if any. */
  heap(): HeapUsage | undefined;
  /**
   * Asks the backend for a full garbage collection (SIGUSR2, see
   * memoryProbe.ts), then reads its RSS and live heap.
   */
  memoryAfterGc(): Promise<{ rssMb: number; heap?: HeapUsage }>;
  exited(): boolean;
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
let hooked = false;

function hookExit() {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const child of live) {
      try {
        child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

export function readMemory(pid: number): { rssMb: number; peakMb: number } {
  const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) =>
    Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

export interface HeapUsage {
  heapUsedMb: number;
  heapTotalMb: number;
  externalMb: number;
}

/** The last `[bench-memory]` (or `tag`) line of a log (see memoryProbe.ts). */
export function lastHeapUsage(
  logText: string,
  tag = '[bench-memory]',
): HeapUsage | undefined {
  const at = logText.lastIndexOf(`${tag} `);
  if (at < 0) return undefined;
  const end = logText.indexOf('\n', at);
  const line = logText.slice(at + tag.length + 1, end < 0 ? undefined : end);
  try {
    const m = JSON.parse(line) as Record<string, number>;
    const mb = (x: number) => x / 2 ** 20;
    return {
      heapUsedMb: mb(m.heapUsed),
      heapTotalMb: mb(m.heapTotal),
      externalMb: mb(m.external),
    };
  } catch {
    return undefined;
  }
}

export interface StartBackendOptions {
  id: BackendId;
  config: AppConfig;
  port: number;
  repoRoot: string;
  workDir: string;
  /** Backstage's log level for the child (default warn: no per-request lines). */
  logLevel?: string;
  /** Extra node flags (e.g. `--cpu-prof`). */
  nodeFlags?: string[];
}

export function startBackend(options: StartBackendOptions): BenchBackend {
  hookExit();
  const { id, repoRoot, workDir } = options;
  const configFile = path.join(workDir, `app-config.${id}.yaml`);
  fs.writeFileSync(configFile, stringify(options.config), { mode: 0o600 });
  const logFile = path.join(workDir, `backend.${id}.log`);
  const log = fs.openSync(logFile, 'w');
  const entry = path.join(repoRoot, 'bench', 'src', 'backends', `${id}.ts`);
  const probe = path.join(
    repoRoot,
    'bench',
    'src',
    'backends',
    'memoryProbe.ts',
  );
  const spawnedAt = Date.now();
  const child = spawn(
    process.execPath,
    [
      // As the portal is deployed (deploy/kustomize), for every backend.
      ...deployedNodeFlags(repoRoot),
      ...(options.nodeFlags ?? []),
      // For investigating a run (e.g. BENCH_NODE_FLAGS=--trace-gc); every backend gets them.
      ...(process.env.BENCH_NODE_FLAGS?.split(/\s+/).filter(Boolean) ?? []),
      '--expose-gc',
      '-r',
      'sucrase/register/ts',
      '-r',
      probe,
      entry,
      '--config',
      configFile,
    ],
    {
      cwd: repoRoot,
      stdio: ['ignore', log, log],
      env: {
        ...process.env,
        LOG_LEVEL: options.logLevel ?? 'warn',
      },
    },
  );
  fs.closeSync(log);
  live.add(child);
  let exited = false;
  const gone = new Promise<void>(resolve =>
    child.on('exit', () => {
      exited = true;
      live.delete(child);
      resolve();
    }),
  );
  if (!child.pid) throw new Error(`could not start the ${id} backend`);
  const pid = child.pid;
  return {
    id,
    url: `http://127.0.0.1:${options.port}`,
    pid,
    spawnedAt,
    logFile,
    memory: () => readMemory(pid),
    heap: () => {
      try {
        return lastHeapUsage(fs.readFileSync(logFile, 'utf8'));
      } catch {
        return undefined;
      }
    },
    exited: () => exited,
    async memoryAfterGc() {
      const count = () =>
        fs.readFileSync(logFile, 'utf8').split('[bench-memory-gc]').length;
      const before = count();
      process.kill(pid, 'SIGUSR2');
      const deadline = Date.now() + 15_000;
      while (count() === before && Date.now() < deadline)
        await new Promise(r => setTimeout(r, 100));
      await new Promise(r => setTimeout(r, 200));
      return {
        rssMb: readMemory(pid).rssMb,
        heap: lastHeapUsage(
          fs.readFileSync(logFile, 'utf8'),
          '[bench-memory-gc]',
        ),
      };
    },
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await gone;
      clearTimeout(timer);
    },
  };
}

/** The last lines of a backend's log (for error messages). */
export function logTail(backend: BenchBackend, lines = 30): string {
  try {
    return fs
      .readFileSync(backend.logFile, 'utf8')
      .split('\n')
      .slice(-lines)
      .join('\n');
  } catch {
    return '(no log)';
  }
}

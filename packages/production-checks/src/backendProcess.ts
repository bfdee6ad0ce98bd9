/**
 * Runs the repo's real backend (packages/backend/src/index.ts) from source in
 * a child process, as a production replica: NODE_ENV=production (JSON log
 * lines), the given `--config` files in order, the given environment. The
 * TypeScript is compiled on load by Backstage's own node transform (SWC, the
 * one `backstage-cli package start` uses), without the CLI's file watcher.
 */
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface BackendLogLine {
  /** `info`, `warn`, `error`… (`raw` for a line that is not JSON) */
  level: string;
  message: string;
  /** Backstage's `plugin` field (or `service` for root services) */
  plugin?: string;
  /** ms since epoch, when the line had a timestamp */
  time?: number;
  fields: Record<string, unknown>;
}

export interface BackendProcess {
  name: string;
  /** http://127.0.0.1:<port> */
  url: string;
  pid: number;
  /** every line the process logged so far */
  logs(): BackendLogLine[];
  /** the last lines, as text (for failure messages) */
  logTail(lines?: number): string;
  /** true once the process has exited */
  exited(): boolean;
  /** sends the signal and waits for the process to end (SIGKILL: a crashed replica) */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** SIGTERM (Backstage's graceful shutdown), SIGKILL after `graceMs` (default 15 s). Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

export interface StartBackendOptions {
  /** shown in logs and errors, e.g. `replica-a` */
  name: string;
  /** the port the config makes it listen on (127.0.0.1) */
  port: number;
  /** absolute paths of the `--config` files, in order */
  configFiles: string[];
  /** environment on top of PATH/HOME/LANG (e.g. POSTGRES_*, REDIS_URL) */
  env: Record<string, string>;
  /** default 120 s */
  readyTimeoutMs?: number;
  log?: (line: string) => void;
}

/** The folder of the repo's backend package (packages/backend), found upwards from `start`. */
export function backendPackageDir(start: string = process.cwd()): string {
  let dir = path.resolve(start);
  for (;;) {
    const candidate = path.join(dir, 'packages', 'backend');
    if (fs.existsSync(path.join(candidate, 'src', 'index.ts'))) {
      return candidate;
    }
    const parent = path.dirname(dir);
    if (parent === dir) {
      throw new Error(`no packages/backend/src/index.ts above ${start}`);
    }
    dir = parent;
  }
}

/** `@backstage/cli-node/config/nodeTransform.cjs`, resolved from the backend package. */
export function nodeTransformPath(backendDir: string): string {
  try {
    return require.resolve('@backstage/cli-node/config/nodeTransform.cjs', {
      paths: [backendDir],
    });
  } catch (e) {
    throw new Error(
      `cannot run the backend from source: @backstage/cli-node/config/nodeTransform.cjs ` +
        `is not resolvable from ${backendDir} (it comes with @backstage/cli): ${
          (e as Error).message
        }`,
    );
  }
}

function parseLine(line: string): BackendLogLine {
  try {
    const json = JSON.parse(line) as Record<string, unknown>;
    if (json && typeof json === 'object' && typeof json.message === 'string') {
      const ts =
        typeof json.timestamp === 'string'
          ? Date.parse(json.timestamp)
          : undefined;
      let plugin: string | undefined;
      if (typeof json.plugin === 'string') plugin = json.plugin;
      else if (typeof json.service === 'string') plugin = json.service;
      return {
        level: String(json.level ?? 'info'),
        message: json.message,
        plugin,
        time: Number.isFinite(ts) ? ts : undefined,
        fields: json,
      };
    }
  } catch {
    // not JSON
  }
  return { level: 'raw', message: line, fields: {} };
}

/** A startup failure: Backstage logs it and keeps the process alive, so look for it. */
function startupFailure(l: BackendLogLine): boolean {
  return (
    l.level === 'error' &&
    /Unhandled rejection|failed to start|startup failed|Plugin '.*' startup failed/i.test(
      l.message,
    )
  );
}

const live = new Set<ChildProcess>();
let exitHook = false;

/** Starts the backend and resolves once `/.backstage/health/v1/readiness` answers 200. */
export async function startBackendProcess(
  options: StartBackendOptions,
): Promise<BackendProcess> {
  const log = options.log ?? (() => {});
  const backendDir = backendPackageDir();
  const transform = nodeTransformPath(backendDir);
  const url = `http://127.0.0.1:${options.port}`;
  const lines: BackendLogLine[] = [];
  if (!exitHook) {
    exitHook = true;
    // A test process that dies must not leave backends behind.
    process.on('exit', () => {
      for (const c of live) c.kill('SIGKILL');
    });
  }
  const child = spawn(
    process.execPath,
    [
      '--require',
      transform,
      'src/index.ts',
      ...options.configFiles.flatMap(f => ['--config', f]),
    ],
    {
      cwd: backendDir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: process.env.HOME ?? '/tmp',
        LANG: 'C.UTF-8',
        NODE_ENV: 'production',
        ...options.env,
      },
    },
  );
  live.add(child);
  let exitedWith: string | undefined;
  const exitPromise = new Promise<void>(resolve =>
    child.once('exit', (code, signal) => {
      exitedWith = signal ?? `code ${code}`;
      live.delete(child);
      resolve();
    }),
  );
  let partial = '';
  const onData = (chunk: Buffer) => {
    const text = partial + chunk.toString();
    const parts = text.split('\n');
    partial = parts.pop() ?? '';
    for (const raw of parts) {
      if (!raw.trim()) continue;
      const parsed = parseLine(raw);
      lines.push(parsed);
      log(
        `[${options.name}] ${parsed.level} ${parsed.plugin ?? ''} ${
          parsed.message
        }`,
      );
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);

  const logTail = (n = 40) =>
    lines
      .slice(-n)
      .map(l => `${l.level} ${l.plugin ?? ''} ${l.message}`)
      .join('\n');
  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    if (exitedWith === undefined) child.kill(signal);
    await exitPromise;
  };
  let stopping: Promise<void> | undefined;
  const stop = (graceMs = 15_000) => {
    stopping ??= (async () => {
      if (exitedWith !== undefined) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exitPromise;
      clearTimeout(timer);
    })();
    return stopping;
  };

  const started = Date.now();
  const timeoutMs = options.readyTimeoutMs ?? 120_000;
  try {
    for (;;) {
      if (exitedWith !== undefined) {
        throw new Error(`exited (${exitedWith}) before it was ready`);
      }
      const failure = lines.find(startupFailure);
      if (failure) {
        throw new Error(`failed to start: ${failure.message}`);
      }
      if (Date.now() - started > timeoutMs) {
        throw new Error(`not ready after ${timeoutMs} ms`);
      }
      try {
        const res = await fetch(`${url}/.backstage/health/v1/readiness`, {
          signal: AbortSignal.timeout(2_000),
        });
        if (res.status === 200) break;
      } catch {
        // not listening yet
      }
      await new Promise(r => setTimeout(r, 250));
    }
  } catch (e) {
    await stop(2_000);
    throw new Error(
      `backend ${options.name} (${url}): ${(e as Error).message}\n${logTail(
        30,
      )}`,
    );
  }
  log(
    `[${options.name}] ready in ${Date.now() - started} ms (pid ${child.pid})`,
  );
  return {
    name: options.name,
    url,
    pid: child.pid!,
    logs: () => lines.slice(),
    logTail,
    exited: () => exitedWith !== undefined,
    kill,
    stop,
  };
}

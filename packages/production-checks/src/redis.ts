/**
 * A REAL Redis server for tests: Debian's `redis-server` on a free
 * 127.0.0.1 port with a password, no persistence, its working dir in a temp
 * dir. `stop()` ends it and removes the dir.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitFor } from '@internal/test-env';
import { redisServerBinary } from './binaries';
import { RespClient } from './resp';

export interface RunningRedis {
  host: '127.0.0.1';
  port: number;
  password: string;
  /** `redis://:<password>@127.0.0.1:<port>` — the form `backend.cache.connection` takes */
  url: string;
  /** `redis_version` from INFO */
  version: string;
  /** a new client connection (close it when done) */
  client(): Promise<RespClient>;
  logTail(lines?: number): string;
  /** SIGTERM, SIGKILL after 5 s; removes the temp dir. Idempotent. */
  stop(): Promise<void>;
}

export interface StartRedisOptions {
  log?: (line: string) => void;
}

const READY_TIMEOUT_MS = 15_000;

const live = new Set<ChildProcess>();
let exitHook = false;
/** A test process that dies must not leave servers behind. */
function track(child: ChildProcess) {
  if (!exitHook) {
    exitHook = true;
    process.on('exit', () => {
      for (const c of live) c.kill('SIGKILL');
    });
  }
  live.add(child);
  child.once('exit', () => live.delete(child));
}

export async function startRedis(
  options: StartRedisOptions = {},
): Promise<RunningRedis> {
  const log = options.log ?? (() => {});
  const binary = redisServerBinary();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-redis-'));
  const output: string[] = [];
  let child: ChildProcess | undefined;
  let exited: string | undefined;
  const cleanup = async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const gone = new Promise<void>(r => child!.once('exit', () => r()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child?.kill('SIGKILL'), 5_000);
      await gone;
      clearTimeout(timer);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const port = await freePort();
    const password = randomBytes(12).toString('hex');
    // The password goes in a config file, not on the command line (ps shows arguments).
    const conf = path.join(dir, 'redis.conf');
    fs.writeFileSync(
      conf,
      [
        'bind 127.0.0.1',
        `port ${port}`,
        `dir ${dir}`,
        `requirepass ${password}`,
        'save ""',
        'appendonly no',
        'protected-mode yes',
        'daemonize no',
        'logfile ""',
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    child = spawn(binary, [conf], {
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: dir,
    });
    track(child);
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) {
        if (!line.trim()) continue;
        output.push(line);
        if (output.length > 100) output.shift();
        log(`[redis] ${line}`);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code, signal) => {
      exited = `exited with ${signal ?? `code ${code}`}`;
    });
    const connect = () => RespClient.connect(port, { password });
    let version = '';
    await waitFor(
      `redis-server on 127.0.0.1:${port}`,
      async () => {
        if (exited) {
          throw new Error(
            `redis-server ${exited}:\n${output.slice(-20).join('\n')}`,
          );
        }
        const c = await connect();
        try {
          if ((await c.command('PING')) !== 'PONG') return false;
          const info = String(await c.command('INFO', 'server'));
          version = /redis_version:(\S+)/.exec(info)?.[1] ?? '';
          return true;
        } finally {
          c.close();
        }
      },
      READY_TIMEOUT_MS,
      100,
    );
    log(`[redis] ${version} ready on 127.0.0.1:${port}`);
    let stopping: Promise<void> | undefined;
    return {
      host: '127.0.0.1',
      port,
      password,
      url: `redis://:${password}@127.0.0.1:${port}`,
      version,
      client: connect,
      logTail: (lines = 40) => output.slice(-lines).join('\n'),
      stop() {
        stopping ??= cleanup();
        return stopping;
      },
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}

/**
 * A REAL PostgreSQL server for tests: Debian's `initdb` + `postgres` on a
 * free 127.0.0.1 port, with its data directory and unix socket in a fresh
 * temp dir. PostgreSQL refuses to run as root, so as root both run as the
 * `postgres` system user (created by the Debian package) and the temp dir is
 * handed to that user. Password (SCRAM) auth over TCP, as a managed
 * PostgreSQL would have it; `stop()` ends the server and removes the dir.
 */
import {
  ChildProcess,
  SpawnOptions,
  execFile,
  spawn,
} from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort, waitFor } from '@internal/test-env';
import { PostgresBinaries, postgresBinaries, systemUser } from './binaries';
import { PgConnectionConfig, pgClient } from './pgClient';

const execFileAsync = promisify(execFile);

export interface RunningPostgres {
  host: '127.0.0.1';
  port: number;
  /** the bootstrap superuser (`postgres`) */
  superuser: string;
  superuserPassword: string;
  /** server version as `SHOW server_version` says it */
  version: string;
  binaries: PostgresBinaries;
  /** connection settings for `pg` (superuser unless `user`/`password` given) */
  connection(options?: {
    database?: string;
    user?: string;
    password?: string;
  }): PgConnectionConfig;
  /** runs one statement as the superuser (in `database`, default `postgres`) */
  query<R extends Record<string, unknown> = Record<string, unknown>>(
    sql: string,
    params?: unknown[],
    database?: string,
  ): Promise<R[]>;
  /** `CREATE ROLE <name> LOGIN [CREATEDB] PASSWORD …` */
  createRole(
    name: string,
    password: string,
    options?: { createdb?: boolean },
  ): Promise<void>;
  /** the last lines the server wrote to stderr */
  logTail(lines?: number): string;
  /** fast shutdown (SIGINT), SIGKILL after 10 s; removes the temp dir. Idempotent. */
  stop(): Promise<void>;
}

export interface StartPostgresOptions {
  /** extra `-c name=value` server settings */
  settings?: Record<string, string | number>;
  log?: (line: string) => void;
}

const READY_TIMEOUT_MS = 30_000;

const live = new Set<ChildProcess>();
let exitHook = false;
/** A test process that dies must not leave servers behind: immediate shutdown. */
function track(child: ChildProcess) {
  if (!exitHook) {
    exitHook = true;
    process.on('exit', () => {
      for (const c of live) c.kill('SIGQUIT');
    });
  }
  live.add(child);
  child.once('exit', () => live.delete(child));
}
const STOP_TIMEOUT_MS = 10_000;

/** Settings that make a throwaway test server fast; durability is not needed. */
const TEST_SETTINGS: Record<string, string | number> = {
  fsync: 'off',
  synchronous_commit: 'off',
  full_page_writes: 'off',
  // Two Backstage backends open one pool per plugin each.
  max_connections: 300,
  shared_buffers: '32MB',
};

/** The uid/gid PostgreSQL runs as: ours, or the `postgres` user when we are root. */
function runAs(): { uid: number; gid: number } | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    return undefined;
  }
  const user = systemUser('postgres');
  if (!user) {
    throw new Error(
      'running as root, and PostgreSQL refuses to run as root, but there is no "postgres" ' +
        'system user to run it as (the Debian package "postgresql" creates it)',
    );
  }
  return { uid: user.uid, gid: user.gid };
}

function processOptions(
  user: { uid: number; gid: number } | undefined,
): Pick<SpawnOptions, 'env' | 'uid' | 'gid'> {
  return {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      LANG: 'C.UTF-8',
      LC_ALL: 'C.UTF-8',
    },
    ...(user ? { uid: user.uid, gid: user.gid } : {}),
  };
}

/** Starts PostgreSQL; on failure, cleans up and throws with the server's own words. */
export async function startPostgres(
  options: StartPostgresOptions = {},
): Promise<RunningPostgres> {
  const log = options.log ?? (() => {});
  const binaries = postgresBinaries();
  const user = runAs();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-pg-'));
  let child: ChildProcess | undefined;
  const stderr: string[] = [];
  let exited: string | undefined;

  const cleanup = async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const gone = new Promise<void>(r => child!.once('exit', () => r()));
      child.kill('SIGINT');
      const timer = setTimeout(() => child?.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await gone;
      clearTimeout(timer);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };

  try {
    const dataDir = path.join(dir, 'data');
    const password = randomBytes(12).toString('hex');
    const pwfile = path.join(dir, 'pwfile');
    fs.writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
    if (user) {
      fs.chownSync(dir, user.uid, user.gid);
      fs.chownSync(pwfile, user.uid, user.gid);
    }
    try {
      await execFileAsync(
        binaries.initdb,
        [
          '-D',
          dataDir,
          '-U',
          'postgres',
          '--pwfile',
          pwfile,
          '--auth-local=trust',
          '--auth-host=scram-sha-256',
          '--encoding=UTF8',
          '--locale=C',
          '--no-sync',
          '--no-instructions',
        ],
        { ...processOptions(user), timeout: 60_000 },
      );
    } catch (e) {
      const err = e as { stderr?: string; message: string };
      throw new Error(
        `initdb (${binaries.initdb}) failed: ${
          err.stderr?.trim() || err.message
        }`,
      );
    }
    fs.rmSync(pwfile);

    const port = await freePort();
    const settings = { ...TEST_SETTINGS, ...options.settings };
    const args = [
      '-D',
      dataDir,
      '-p',
      String(port),
      '-k',
      dir,
      '-c',
      'listen_addresses=127.0.0.1',
      ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
    ];
    child = spawn(binaries.postgres, args, {
      ...processOptions(user),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    track(child);
    const onLine = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) {
        if (!line) continue;
        stderr.push(line);
        if (stderr.length > 200) stderr.shift();
        log(`[postgres] ${line}`);
      }
    };
    child.stderr?.on('data', onLine);
    child.stdout?.on('data', onLine);
    child.once('exit', (code, signal) => {
      exited = `exited with ${signal ?? `code ${code}`}`;
    });

    const connection = (
      o: { database?: string; user?: string; password?: string } = {},
    ): PgConnectionConfig => ({
      host: '127.0.0.1',
      port,
      user: o.user ?? 'postgres',
      password: o.password ?? password,
      database: o.database ?? 'postgres',
    });
    const query = async <R extends Record<string, unknown>>(
      sql: string,
      params: unknown[] = [],
      database?: string,
    ): Promise<R[]> => {
      const client = pgClient(connection({ database }));
      await client.connect();
      try {
        return (await client.query(sql, params)).rows as R[];
      } finally {
        await client.end();
      }
    };
    const deadline = Date.now() + READY_TIMEOUT_MS;
    await waitFor(
      `PostgreSQL on 127.0.0.1:${port}`,
      async () => {
        if (exited) {
          throw new Error(
            `postgres ${exited}:\n${stderr.slice(-20).join('\n')}`,
          );
        }
        await query('SELECT 1');
        return true;
      },
      READY_TIMEOUT_MS,
      100,
    ).catch(e => {
      throw new Error(
        `${(e as Error).message}${
          Date.now() >= deadline ? `\n${stderr.slice(-20).join('\n')}` : ''
        }`,
      );
    });
    const [{ server_version: version }] = await query<{
      server_version: string;
    }>('SHOW server_version');
    log(`[postgres] ${version} ready on 127.0.0.1:${port} (${dir})`);

    let stopping: Promise<void> | undefined;
    return {
      host: '127.0.0.1',
      port,
      superuser: 'postgres',
      superuserPassword: password,
      version,
      binaries,
      connection,
      query,
      async createRole(name, rolePassword, o = {}) {
        const client = pgClient(connection());
        await client.connect();
        try {
          const ident = client.escapeIdentifier(name);
          const literal = client.escapeLiteral(rolePassword);
          await client.query(
            `CREATE ROLE ${ident} LOGIN ${
              o.createdb ? 'CREATEDB' : ''
            } PASSWORD ${literal}`,
          );
        } finally {
          await client.end();
        }
      },
      logTail: (lines = 40) => stderr.slice(-lines).join('\n'),
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

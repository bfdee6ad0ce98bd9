/**
 * Finds the Debian binaries the production checks start (PostgreSQL and
 * Redis), and the system user PostgreSQL must run as when we are root. Every
 * failure names the Debian package that provides what is missing.
 */
import fs from 'node:fs';
import path from 'node:path';

export function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

export function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

export interface PostgresBinaries {
  /** folder holding initdb and postgres */
  binDir: string;
  initdb: string;
  postgres: string;
  /** major version from the folder name (`/usr/lib/postgresql/15/bin` → 15), when known */
  major?: number;
}

const DEBIAN_PG_ROOT = '/usr/lib/postgresql';

function pgIn(binDir: string, major?: number): PostgresBinaries | undefined {
  const initdb = path.join(binDir, 'initdb');
  const postgres = path.join(binDir, 'postgres');
  if (!isExecutable(initdb) || !isExecutable(postgres)) return undefined;
  return { binDir, initdb, postgres, major };
}

/**
 * PostgreSQL's server binaries: `MLOPS_PG_BINDIR` if set, else the newest
 * Debian `/usr/lib/postgresql/<major>/bin` (package `postgresql`), else
 * `initdb`/`postgres` on PATH (resolved through symlinks, so a
 * `/usr/local/bin/postgres` link to Debian's binary finds Debian's folder).
 */
export function postgresBinaries(): PostgresBinaries {
  const override = process.env.MLOPS_PG_BINDIR;
  if (override) {
    const found = pgIn(override);
    if (!found) {
      throw new Error(
        `MLOPS_PG_BINDIR=${override} holds no executable initdb and postgres`,
      );
    }
    return found;
  }
  const majors = fs.existsSync(DEBIAN_PG_ROOT)
    ? fs
        .readdirSync(DEBIAN_PG_ROOT)
        .filter(d => /^\d+$/.test(d))
        .map(Number)
        .sort((a, b) => b - a)
    : [];
  for (const major of majors) {
    const found = pgIn(path.join(DEBIAN_PG_ROOT, String(major), 'bin'), major);
    if (found) return found;
  }
  const onPath = findOnPath('postgres');
  if (onPath) {
    const real = fs.realpathSync(onPath);
    const found = pgIn(path.dirname(real));
    if (found) return found;
  }
  throw new Error(
    `PostgreSQL server binaries not found (looked in ${DEBIAN_PG_ROOT}/<major>/bin and on PATH). ` +
      'Install the Debian package "postgresql" (apt-get install postgresql), ' +
      'or set MLOPS_PG_BINDIR to a folder holding initdb and postgres.',
  );
}

/** `redis-server` from `MLOPS_REDIS_SERVER`, PATH or /usr/bin (Debian package `redis-server`). */
export function redisServerBinary(): string {
  const override = process.env.MLOPS_REDIS_SERVER;
  if (override) {
    if (!isExecutable(override)) {
      throw new Error(`MLOPS_REDIS_SERVER=${override} is not executable`);
    }
    return override;
  }
  const found =
    findOnPath('redis-server') ??
    (isExecutable('/usr/bin/redis-server') ? '/usr/bin/redis-server' : '');
  if (!found) {
    throw new Error(
      'redis-server not found on PATH or at /usr/bin/redis-server. ' +
        'Install the Debian package "redis-server" (apt-get install redis-server), ' +
        'or set MLOPS_REDIS_SERVER.',
    );
  }
  return found;
}

export interface SystemUser {
  name: string;
  uid: number;
  gid: number;
}

/** A user from /etc/passwd, or undefined. */
export function systemUser(name: string): SystemUser | undefined {
  let passwd: string;
  try {
    passwd = fs.readFileSync('/etc/passwd', 'utf8');
  } catch {
    return undefined;
  }
  for (const line of passwd.split('\n')) {
    const [user, , uid, gid] = line.split(':');
    if (user === name && uid !== undefined && gid !== undefined) {
      return { name, uid: Number(uid), gid: Number(gid) };
    }
  }
  return undefined;
}

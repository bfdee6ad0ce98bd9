/**
 * Harness for a REAL Kubernetes API server: kube-apiserver v1.20.2 (built from
 * Debian's `kubernetes` source package by `scripts/provision/kube-apiserver.sh`)
 * backed by Debian's etcd, both on free 127.0.0.1 ports.
 *
 * - Certificates (CA, serving cert for 127.0.0.1/localhost, service-account
 *   key pair) are made with the `openssl` CLI in a fresh temp dir.
 * - Authentication: a static token file with an admin token (group
 *   `system:masters`) and a read-only token whose user is bound to a
 *   ClusterRole allowing get/list/watch on every resource.
 * - Authorization: RBAC. No controller-manager, scheduler or kubelet run, so
 *   tests write object status themselves (see /work/shared/KUBE-APISERVER.md).
 *
 * Nothing here is a simulator: every answer comes from the real binary.
 */
import { ChildProcess, execFile, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort, waitFor } from './ports';

const execFileAsync = promisify(execFile);

export interface RunningKubeApiserver {
  /** https://127.0.0.1:<port> */
  url: string;
  /** base64 of the CA PEM (the form kubeconfig/Backstage `caData` uses) */
  caData: string;
  /** path to the CA PEM */
  caFile: string;
  /** static token of a user in group system:masters */
  adminToken: string;
  /** static token of a user bound to a get/list/watch-everything ClusterRole */
  readOnlyToken: string;
  kubectlPath: string;
  /** kills kube-apiserver + etcd and removes the temp dir */
  stop(): Promise<void>;
}

export interface StartKubeApiserverOptions {
  log?: (line: string) => void;
  /**
   * Extra kube-apiserver flags, appended after the harness' own (e.g.
   * `--audit-policy-file=…`, `--audit-log-path=…` for the benchmarks'
   * server-side request counting). Default none.
   */
  extraArgs?: string[];
}

const PROVISION_SCRIPT = 'scripts/provision/kube-apiserver.sh';
const ADMIN_USER = 'test-env-admin';
const READ_ONLY_USER = 'test-env-read-only';
const READ_ONLY_ROLE = 'test-env-read-only';
const MAX_START_ATTEMPTS = 3;
const ETCD_READY_TIMEOUT_MS = 20_000;
const APISERVER_READY_TIMEOUT_MS = 45_000;
const STDERR_TAIL_LINES = 40;

// ---------------------------------------------------------------------------
// Binaries

function findRepoRoot(): string {
  const starts = [
    typeof __dirname === 'string' ? __dirname : undefined,
    process.cwd(),
  ].filter((s): s is string => Boolean(s));
  for (const start of starts) {
    let dir = path.resolve(start);
    for (;;) {
      if (fs.existsSync(path.join(dir, PROVISION_SCRIPT))) return dir;
      const parent = path.dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  // packages/test-env/src -> repo root
  return path.resolve(
    typeof __dirname === 'string' ? __dirname : process.cwd(),
    '../../..',
  );
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Locates kube-apiserver, etcd and kubectl. kube-apiserver and kubectl come
 * from MLOPS_KUBE_APISERVER / MLOPS_KUBECTL or <repo>/.cache/kube/bin; etcd
 * from PATH (Debian's etcd-server puts it at /usr/bin/etcd).
 */
export function kubeBinaries(): {
  kubeApiserver: string;
  etcd: string;
  kubectl: string;
} {
  const binDir = path.join(findRepoRoot(), '.cache', 'kube', 'bin');
  const kubeApiserver =
    process.env.MLOPS_KUBE_APISERVER || path.join(binDir, 'kube-apiserver');
  const kubectl = process.env.MLOPS_KUBECTL || path.join(binDir, 'kubectl');
  const etcd =
    findOnPath('etcd') ??
    (isExecutable('/usr/bin/etcd') ? '/usr/bin/etcd' : undefined);

  const missing: string[] = [];
  if (!isExecutable(kubeApiserver)) {
    missing.push(
      `kube-apiserver not found at ${kubeApiserver}${
        process.env.MLOPS_KUBE_APISERVER ? ' (from MLOPS_KUBE_APISERVER)' : ''
      }`,
    );
  }
  if (!isExecutable(kubectl)) {
    missing.push(
      `kubectl not found at ${kubectl}${
        process.env.MLOPS_KUBECTL ? ' (from MLOPS_KUBECTL)' : ''
      }`,
    );
  }
  if (!etcd) {
    missing.push(
      'etcd not found on PATH or at /usr/bin/etcd (Debian package etcd-server)',
    );
  }
  if (missing.length > 0) {
    throw new Error(
      `${missing.join(
        '; ',
      )}. Run ${PROVISION_SCRIPT} (from the repo root) to ` +
        'install etcd and build kube-apiserver/kubectl into .cache/kube/bin, ' +
        'or point MLOPS_KUBE_APISERVER / MLOPS_KUBECTL at existing binaries.',
    );
  }
  return { kubeApiserver, etcd: etcd!, kubectl };
}

// ---------------------------------------------------------------------------
// Process bookkeeping: children die with us (exit hook, signals, and a shell
// watchdog that also covers SIGKILL of this process).

const liveChildren = new Set<ChildProcess>();
const liveDirs = new Set<string>();
let exitHookInstalled = false;

function killAllNow() {
  for (const child of liveChildren) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  liveChildren.clear();
  for (const dir of liveDirs) {
    try {
      fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      // best effort
    }
  }
  liveDirs.clear();
}

function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', killAllNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = () => {
      killAllNow();
      // If nobody else handles the signal, keep its default meaning (exit).
      if (process.listenerCount(signal) === 1) {
        process.removeListener(signal, onSignal);
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, onSignal);
  }
}

/** A detached shell that kills `pids` and removes `dir` once we are gone. */
function startWatchdog(pids: number[], dir: string): ChildProcess | undefined {
  try {
    const script =
      'while kill -0 "$1" 2>/dev/null; do sleep 1; done; ' +
      'shift; d="$1"; shift; kill -KILL "$@" 2>/dev/null; rm -rf "$d"';
    const watchdog = spawn(
      '/bin/sh',
      [
        '-c',
        script,
        'test-env-kube-watchdog',
        String(process.pid),
        dir,
        ...pids.map(String),
      ],
      { detached: true, stdio: 'ignore' },
    );
    watchdog.on('error', () => {});
    watchdog.unref();
    return watchdog;
  } catch {
    return undefined;
  }
}

interface Child {
  proc: ChildProcess;
  name: string;
  tail: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  isRunning(): boolean;
}

function startChild(
  name: string,
  bin: string,
  args: string[],
  log: ((line: string) => void) | undefined,
): Child {
  const proc = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  liveChildren.add(proc);
  const tail: string[] = [];
  let running = true;
  const onData = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      tail.push(line);
      if (tail.length > STDERR_TAIL_LINES) tail.shift();
      log?.(`[${name}] ${line}`);
    }
  };
  proc.stdout?.on('data', onData);
  proc.stderr?.on('data', onData);
  const exited = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
  }>(resolve => {
    proc.on('error', err => {
      tail.push(`spawn error: ${err.message}`);
      running = false;
      liveChildren.delete(proc);
      resolve({ code: null, signal: null });
    });
    proc.on('exit', (code, signal) => {
      running = false;
      liveChildren.delete(proc);
      resolve({ code, signal });
    });
  });
  // Never keep the test process alive just because of these children; the
  // exit hook and the watchdog kill them.
  proc.unref();
  (proc.stdout as unknown as { unref?: () => void } | null)?.unref?.();
  (proc.stderr as unknown as { unref?: () => void } | null)?.unref?.();
  return { proc, name, tail, exited, isRunning: () => running };
}

async function stopChild(child: Child | undefined, timeoutMs = 5_000) {
  if (!child || !child.isRunning()) return;
  child.proc.kill('SIGTERM');
  // A referenced timer keeps the event loop alive until the child is gone
  // (the child itself is unref'd).
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>(resolve => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    if ((await Promise.race([child.exited, timeout])) === 'timeout') {
      child.proc.kill('SIGKILL');
      timer = setTimeout(() => {}, timeoutMs);
      await child.exited;
    }
  } finally {
    clearTimeout(timer);
  }
}

class StartupError extends Error {
  constructor(message: string, readonly portCollision: boolean) {
    super(message);
  }
}

function describeFailure(child: Child, what: string): string {
  return `${what}; last output of ${child.name}:\n  ${
    child.tail.length ? child.tail.join('\n  ') : '(none)'
  }`;
}

function looksLikePortCollision(child: Child): boolean {
  return child.tail.some(line =>
    /address already in use|bind: address|failed to listen/i.test(line),
  );
}

/**
 * Waits until `check` passes; fails fast (with the child's last output) if
 * the child exits first.
 */
async function waitReady(
  child: Child,
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  let done = false;
  const exitedEarly = child.exited.then(({ code, signal }) => {
    if (done) return;
    throw new StartupError(
      describeFailure(
        child,
        `${child.name} exited (code ${code}, signal ${signal}) before ${what}`,
      ),
      looksLikePortCollision(child),
    );
  });
  exitedEarly.catch(() => {}); // handled through the race below
  try {
    await Promise.race([
      waitFor(
        what,
        async () => child.isRunning() && (await check()),
        timeoutMs,
        200,
      ),
      exitedEarly,
    ]);
  } catch (e) {
    if (e instanceof StartupError) throw e;
    throw new StartupError(
      describeFailure(child, (e as Error).message),
      looksLikePortCollision(child),
    );
  } finally {
    done = true;
  }
}

// ---------------------------------------------------------------------------
// HTTP helpers

interface Reply {
  status: number;
  body: string;
}

function httpGet(url: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: 2_000 }, res => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', d => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`timeout: GET ${url}`)));
    req.on('error', reject);
  });
}

function kubeRequest(
  baseUrl: string,
  ca: string,
  token: string,
  method: string,
  urlPath: string,
  body?: unknown,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = https.request(
      new URL(urlPath, baseUrl),
      {
        method,
        ca,
        timeout: 5_000,
        headers: {
          Authorization: `Bearer ${token}`,
          Accept: 'application/json',
          ...(payload
            ? {
                'Content-Type': 'application/json',
                'Content-Length': Buffer.byteLength(payload),
              }
            : {}),
        },
      },
      res => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', d => (text += d));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: text }),
        );
      },
    );
    req.on('timeout', () =>
      req.destroy(new Error(`timeout: ${method} ${urlPath}`)),
    );
    req.on('error', reject);
    req.end(payload);
  });
}

// ---------------------------------------------------------------------------
// Certificates and tokens

async function openssl(args: string[], cwd: string) {
  try {
    await execFileAsync('openssl', args, { cwd });
  } catch (e) {
    const err = e as Error & { stderr?: string };
    throw new Error(
      `openssl ${args[0]} failed: ${err.stderr?.trim() || err.message} ` +
        `(is the openssl package installed? ${PROVISION_SCRIPT} installs it)`,
    );
  }
}

interface Pki {
  caFile: string;
  certFile: string;
  keyFile: string;
  saPub: string;
  saKey: string;
}

async function makePki(dir: string): Promise<Pki> {
  const ec = [
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
  ];
  await openssl(
    [
      'req',
      '-x509',
      ...ec,
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      '3650',
      '-subj',
      '/CN=test-env-kube-ca',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
  await openssl(
    [
      'req',
      '-new',
      ...ec,
      '-keyout',
      'server.key',
      '-out',
      'server.csr',
      '-subj',
      '/CN=kube-apiserver',
    ],
    dir,
  );
  fs.writeFileSync(
    path.join(dir, 'server.ext'),
    [
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      'subjectAltName=IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,' +
        'DNS:kubernetes.default,DNS:kubernetes.default.svc,' +
        'DNS:kubernetes.default.svc.cluster.local',
      '',
    ].join('\n'),
  );
  await openssl(
    [
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'server.crt',
      '-days',
      '365',
      '-extfile',
      'server.ext',
    ],
    dir,
  );
  await openssl(
    [
      'genpkey',
      '-algorithm',
      'RSA',
      '-pkeyopt',
      'rsa_keygen_bits:2048',
      '-out',
      'sa.key',
    ],
    dir,
  );
  await openssl(['pkey', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'], dir);
  return {
    caFile: path.join(dir, 'ca.crt'),
    certFile: path.join(dir, 'server.crt'),
    keyFile: path.join(dir, 'server.key'),
    saPub: path.join(dir, 'sa.pub'),
    saKey: path.join(dir, 'sa.key'),
  };
}

function randomToken(): string {
  return crypto.randomBytes(24).toString('hex');
}

// ---------------------------------------------------------------------------
// Start

async function distinctFreePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

interface Attempt {
  etcd: Child;
  apiserver: Child;
  url: string;
}

async function startOnce(
  bins: ReturnType<typeof kubeBinaries>,
  dir: string,
  pki: Pki,
  tokensFile: string,
  adminToken: string,
  attemptNo: number,
  log: ((line: string) => void) | undefined,
  extraArgs: string[] = [],
): Promise<Attempt> {
  const [etcdPort, peerPort, apiPort] = await distinctFreePorts(3);
  const etcdUrl = `http://127.0.0.1:${etcdPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const dataDir = path.join(dir, `etcd-data-${attemptNo}`);

  const etcd = startChild(
    'etcd',
    bins.etcd,
    [
      '--data-dir',
      dataDir,
      '--listen-client-urls',
      etcdUrl,
      '--advertise-client-urls',
      etcdUrl,
      '--listen-peer-urls',
      peerUrl,
      '--initial-advertise-peer-urls',
      peerUrl,
      '--initial-cluster',
      `default=${peerUrl}`,
      '--name',
      'default',
    ],
    log,
  );
  let apiserver: Child | undefined;
  try {
    await waitReady(
      etcd,
      `etcd health on ${etcdUrl}`,
      async () => {
        const res = await httpGet(`${etcdUrl}/health`);
        return res.status === 200 && /"health"\s*:\s*"true"/.test(res.body);
      },
      ETCD_READY_TIMEOUT_MS,
    );

    apiserver = startChild(
      'kube-apiserver',
      bins.kubeApiserver,
      [
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        `--secure-port=${apiPort}`,
        '--insecure-port=0',
        '--endpoint-reconciler-type=none',
        `--etcd-servers=${etcdUrl}`,
        `--tls-cert-file=${pki.certFile}`,
        `--tls-private-key-file=${pki.keyFile}`,
        `--client-ca-file=${pki.caFile}`,
        `--token-auth-file=${tokensFile}`,
        '--authorization-mode=RBAC',
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        `--service-account-key-file=${pki.saPub}`,
        `--service-account-signing-key-file=${pki.saKey}`,
        '--api-audiences=https://kubernetes.default.svc.cluster.local',
        '--service-cluster-ip-range=10.0.0.0/24',
        '--disable-admission-plugins=ServiceAccount',
        '--allow-privileged=true',
        '--profiling=false',
        ...extraArgs,
      ],
      log,
    );
    const url = `https://127.0.0.1:${apiPort}`;
    const ca = fs.readFileSync(pki.caFile, 'utf8');
    await waitReady(
      apiserver,
      `kube-apiserver /readyz on ${url}`,
      async () => {
        const res = await kubeRequest(url, ca, adminToken, 'GET', '/readyz');
        return res.status === 200 && res.body.trim() === 'ok';
      },
      APISERVER_READY_TIMEOUT_MS,
    );
    return { etcd, apiserver, url };
  } catch (e) {
    await stopChild(apiserver);
    await stopChild(etcd);
    throw e;
  }
}

async function createReadOnlyAccess(
  url: string,
  ca: string,
  adminToken: string,
  readOnlyToken: string,
) {
  const rbac = '/apis/rbac.authorization.k8s.io/v1';
  const create = async (collection: string, obj: unknown) => {
    const res = await kubeRequest(
      url,
      ca,
      adminToken,
      'POST',
      `${rbac}/${collection}`,
      obj,
    );
    if (res.status !== 201) {
      throw new Error(
        `creating ${collection} failed: HTTP ${res.status} ${res.body.slice(
          0,
          500,
        )}`,
      );
    }
  };
  await create('clusterroles', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: READ_ONLY_ROLE },
    rules: [
      { apiGroups: ['*'], resources: ['*'], verbs: ['get', 'list', 'watch'] },
    ],
  });
  await create('clusterrolebindings', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: READ_ONLY_ROLE },
    roleRef: {
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      name: READ_ONLY_ROLE,
    },
    subjects: [
      {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'User',
        name: READ_ONLY_USER,
      },
    ],
  });
  // RBAC is served from informers: wait until the binding is in effect.
  await waitFor(
    'the read-only ClusterRoleBinding to take effect',
    async () =>
      (
        await kubeRequest(
          url,
          ca,
          readOnlyToken,
          'GET',
          '/api/v1/namespaces?limit=1',
        )
      ).status === 200,
    10_000,
    50,
  );
}

/**
 * Starts etcd + kube-apiserver on free loopback ports and sets up an admin
 * and a read-only token. Retries with new ports on a port collision.
 */
export async function startKubeApiserver(
  opts: StartKubeApiserverOptions = {},
): Promise<RunningKubeApiserver> {
  const { log, extraArgs } = opts;
  const bins = kubeBinaries();
  installExitHook();

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'test-env-kube-'));
  liveDirs.add(dir);
  let attempt: Attempt | undefined;
  let watchdog: ChildProcess | undefined;
  const cleanup = async (children: Attempt | undefined) => {
    if (children) {
      await stopChild(children.apiserver);
      await stopChild(children.etcd);
    }
    if (watchdog?.pid) {
      try {
        process.kill(watchdog.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
    liveDirs.delete(dir);
  };
  try {
    const startedAt = Date.now();
    const pki = await makePki(dir);
    const adminToken = randomToken();
    const readOnlyToken = randomToken();
    const tokensFile = path.join(dir, 'tokens.csv');
    fs.writeFileSync(
      tokensFile,
      `${adminToken},${ADMIN_USER},uid-${ADMIN_USER},"system:masters"\n` +
        `${readOnlyToken},${READ_ONLY_USER},uid-${READ_ONLY_USER},"test-env:read-only"\n`,
      { mode: 0o600 },
    );

    for (let n = 1; ; n++) {
      try {
        attempt = await startOnce(
          bins,
          dir,
          pki,
          tokensFile,
          adminToken,
          n,
          log,
          extraArgs,
        );
        break;
      } catch (e) {
        const collision = e instanceof StartupError && e.portCollision;
        if (!collision || n >= MAX_START_ATTEMPTS) {
          throw new Error(
            `kube-apiserver failed to start (attempt ${n}/${MAX_START_ATTEMPTS}): ${
              (e as Error).message
            }`,
          );
        }
        log?.(
          `[test-env] port collision on attempt ${n}; retrying with new ports`,
        );
      }
    }
    const running = attempt;
    watchdog = startWatchdog(
      [running.apiserver.proc.pid, running.etcd.proc.pid].filter(
        (p): p is number => typeof p === 'number',
      ),
      dir,
    );

    const ca = fs.readFileSync(pki.caFile, 'utf8');
    await createReadOnlyAccess(running.url, ca, adminToken, readOnlyToken);
    log?.(
      `[test-env] kube-apiserver ready at ${running.url} in ${
        Date.now() - startedAt
      } ms`,
    );

    let stopped: Promise<void> | undefined;
    return {
      url: running.url,
      caData: Buffer.from(ca, 'utf8').toString('base64'),
      caFile: pki.caFile,
      adminToken,
      readOnlyToken,
      kubectlPath: bins.kubectl,
      stop() {
        stopped ??= cleanup(running);
        return stopped;
      },
    };
  } catch (e) {
    await cleanup(attempt);
    throw e;
  }
}

/**
 * Harness for the REAL CNCF Distribution registry (Debian package
 * `docker-registry`, 2.8.x), plus image seeding through its HTTP API.
 *
 * - `startRegistry()` runs `docker-registry serve config.yml` on a free
 *   127.0.0.1 port with filesystem storage in a temp dir, optionally with
 *   htpasswd (`basic`) or Docker token (`token`) auth. In token mode an
 *   in-process token server (node:http) issues RS256 JWTs whose header carries
 *   `x5c` = a self-signed certificate (made with the `openssl` CLI) that the
 *   registry trusts through `auth.token.rootcertbundle`.
 * - `pushImage()` uploads blobs and manifests exactly like a client would
 *   (POST upload, PUT with digest, PUT manifest), handling all three auth modes.
 *
 * Nothing here is a simulator: every answer comes from the real binary.
 */
import { ChildProcess, execFile, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort, waitFor } from './ports';

const execFileAsync = promisify(execFile);

export type RegistryAuthMode = 'none' | 'basic' | 'token';

export interface RunningRegistry {
  /** http://127.0.0.1:<port> */
  url: string;
  /** 127.0.0.1:<port> */
  host: string;
  auth: RegistryAuthMode;
  /** Credentials for basic mode (htpasswd) and token mode (token server). */
  username?: string;
  password?: string;
  /** Token mode: http://127.0.0.1:<port2>/token */
  tokenRealm?: string;
  /** Token mode: the `service` the registry expects in tokens (`aud`). */
  tokenService?: string;
  /** Token mode: number of tokens the token server issued so far. */
  tokenRequests: () => number;
  /** Kills the registry (and token server) and deletes its directory. */
  stop(): Promise<void>;
  /** Stops the registry process (if running) and starts it again on the same port and storage. */
  restart(): Promise<void>;
  /** Stops the registry process, keeping storage, port and token server. */
  kill(): Promise<void>;
}

export interface StartRegistryOptions {
  auth?: RegistryAuthMode;
  username?: string;
  password?: string;
  log?: (line: string) => void;
}

const REGISTRY_BIN = process.env.DOCKER_REGISTRY_BIN ?? 'docker-registry';
const TOKEN_ISSUER = 'test-env-token-issuer';
const TOKEN_SERVICE = 'test-env-registry';
const TOKEN_TTL_SECONDS = 300;

// ---------------------------------------------------------------------------
// Process bookkeeping: children die with us, even on SIGKILL (watchdog).

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
    for (const dir of liveDirs) {
      try {
        fs.rmSync(dir, { recursive: true, force: true });
      } catch {
        // best effort
      }
    }
  });
}

/**
 * A detached shell that kills `childPid` (and removes `dir`) once this node
 * process is gone, covering the cases where 'exit' handlers never run
 * (SIGKILL of a jest worker, OOM...). It is killed by us on a normal stop.
 */
function spawnWatchdog(childPid: number, dir: string): ChildProcess {
  const script =
    'while kill -0 "$1" 2>/dev/null; do sleep 1; done; kill -9 "$2" 2>/dev/null; rm -rf "$3"';
  const dog = spawn(
    'sh',
    ['-c', script, 'watchdog', String(process.pid), String(childPid), dir],
    { detached: true, stdio: 'ignore' },
  );
  dog.unref();
  return dog;
}

async function terminate(child: ChildProcess, graceMs = 1500): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>(resolve => {
    const timer = setTimeout(() => {
      try {
        child.kill('SIGKILL');
      } catch {
        // ignore
      }
    }, graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    try {
      child.kill('SIGTERM');
    } catch {
      clearTimeout(timer);
      resolve();
    }
  });
}

// ---------------------------------------------------------------------------
// Credentials material.

/**
 * bcrypt hash for htpasswd (Distribution accepts only bcrypt). Uses python3's
 * `crypt` module (glibc/libxcrypt `$2b$`), falling back to apache2-utils'
 * `htpasswd -nbB`, which is apt-get installed if missing. Cost 4 keeps every
 * request cheap: the registry re-checks the hash on each request.
 */
async function bcryptHash(username: string, password: string): Promise<string> {
  const pythons = ['/usr/bin/python3', 'python3'].filter(
    p => !p.startsWith('/') || fs.existsSync(p),
  );
  const py =
    'import crypt,sys;print(crypt.crypt(sys.argv[1],crypt.mksalt(crypt.METHOD_BLOWFISH,rounds=16)))';
  for (const python of pythons) {
    try {
      const { stdout } = await execFileAsync(python, [
        '-W',
        'ignore',
        '-c',
        py,
        password,
      ]);
      const hash = stdout.trim();
      if (/^\$2[aby]\$\d\d\$.{53}$/.test(hash)) return hash;
    } catch {
      // try the next way
    }
  }
  const htpasswd = async () => {
    const { stdout } = await execFileAsync('htpasswd', [
      '-nbBC',
      '4',
      username,
      password,
    ]);
    return stdout.trim().split(':').slice(1).join(':');
  };
  try {
    return await htpasswd();
  } catch {
    await execFileAsync('apt-get', ['install', '-y', '-q', 'apache2-utils'], {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    return await htpasswd();
  }
}

interface SigningMaterial {
  certPath: string;
  key: crypto.KeyObject;
  x5c: string;
}

async function makeSigningMaterial(dir: string): Promise<SigningMaterial> {
  const keyPath = path.join(dir, 'token-key.pem');
  const certPath = path.join(dir, 'token-cert.pem');
  await execFileAsync('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-sha256',
    '-keyout',
    keyPath,
    '-out',
    certPath,
    '-days',
    '30',
    '-subj',
    `/CN=${TOKEN_ISSUER}`,
  ]);
  const key = crypto.createPrivateKey(fs.readFileSync(keyPath));
  const cert = new crypto.X509Certificate(fs.readFileSync(certPath));
  return { certPath, key, x5c: cert.raw.toString('base64') };
}

const b64url = (data: Buffer | string) =>
  Buffer.from(data).toString('base64url');

function signJwt(material: SigningMaterial, claims: object): string {
  const header = { typ: 'JWT', alg: 'RS256', x5c: [material.x5c] };
  const input = `${b64url(JSON.stringify(header))}.${b64url(
    JSON.stringify(claims),
  )}`;
  const signature = crypto.sign('sha256', Buffer.from(input), material.key);
  return `${input}.${b64url(signature)}`;
}

interface AccessEntry {
  type: string;
  name: string;
  actions: string[];
}

/** `type:name:actions`; the name may itself contain ':' (not for repos, but be lenient). */
function parseScope(scope: string): AccessEntry | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first < 0 || last === first) return undefined;
  return {
    type: scope.slice(0, first),
    name: scope.slice(first + 1, last),
    actions: scope
      .slice(last + 1)
      .split(',')
      .filter(Boolean),
  };
}

function timingSafeEqualStr(a: string, b: string) {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && crypto.timingSafeEqual(ab, bb);
}

interface TokenServer {
  realm: string;
  issued: () => number;
  close: () => Promise<void>;
}

/**
 * Docker token spec (`GET /token?service=&scope=&scope=` with Basic creds).
 * Grants every requested scope. Answers Harbor-style with an empty
 * `access_token` next to `token`, on purpose.
 */
async function startTokenServer(
  material: SigningMaterial,
  username: string,
  password: string,
  log: (l: string) => void,
): Promise<TokenServer> {
  let issued = 0;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const send = (
      status: number,
      body: object,
      headers: Record<string, string> = {},
    ) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    if (url.pathname !== '/token') {
      send(404, { errors: [{ code: 'NOT_FOUND', message: 'not found' }] });
      return;
    }
    if (req.method !== 'GET') {
      send(405, {
        errors: [{ code: 'UNSUPPORTED', message: 'only GET is supported' }],
      });
      return;
    }
    const authz = req.headers.authorization ?? '';
    const m = /^Basic\s+(\S+)$/i.exec(authz);
    const decoded = m ? Buffer.from(m[1], 'base64').toString('utf8') : '';
    const sep = decoded.indexOf(':');
    const user = sep >= 0 ? decoded.slice(0, sep) : '';
    const pass = sep >= 0 ? decoded.slice(sep + 1) : '';
    if (
      !m ||
      !timingSafeEqualStr(user, username) ||
      !timingSafeEqualStr(pass, password)
    ) {
      log(`token server: rejected credentials for ${JSON.stringify(user)}`);
      send(
        401,
        {
          errors: [
            { code: 'UNAUTHORIZED', message: 'invalid username or password' },
          ],
        },
        { 'www-authenticate': `Basic realm="${TOKEN_ISSUER}"` },
      );
      return;
    }
    const service = url.searchParams.get('service') ?? TOKEN_SERVICE;
    const access: AccessEntry[] = [];
    for (const raw of url.searchParams.getAll('scope')) {
      for (const one of raw.split(' ').filter(Boolean)) {
        const entry = parseScope(one);
        if (entry) access.push(entry);
      }
    }
    const now = Math.floor(Date.now() / 1000);
    const token = signJwt(material, {
      iss: TOKEN_ISSUER,
      sub: user,
      aud: service,
      exp: now + TOKEN_TTL_SECONDS,
      nbf: now - 10,
      iat: now,
      jti: crypto.randomUUID(),
      access,
    });
    issued++;
    send(200, {
      token,
      access_token: '',
      expires_in: TOKEN_TTL_SECONDS,
      issued_at: new Date(now * 1000).toISOString(),
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    realm: `http://127.0.0.1:${port}/token`,
    issued: () => issued,
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// ---------------------------------------------------------------------------
// The registry itself.

function registryConfig(opts: {
  port: number;
  storageDir: string;
  auth: RegistryAuthMode;
  htpasswdPath?: string;
  tokenRealm?: string;
  certPath?: string;
}): string {
  const lines = [
    'version: 0.1',
    'log:',
    '  level: warn',
    '  formatter: text',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${JSON.stringify(opts.storageDir)}`,
    '  delete:',
    '    enabled: true',
    '  maintenance:',
    '    uploadpurging:',
    '      enabled: false',
    'http:',
    `  addr: 127.0.0.1:${opts.port}`,
    `  secret: ${crypto.randomBytes(16).toString('hex')}`,
    '  headers:',
    '    X-Content-Type-Options: [nosniff]',
  ];
  if (opts.auth === 'basic') {
    lines.push(
      'auth:',
      '  htpasswd:',
      `    realm: ${TOKEN_SERVICE}`,
      `    path: ${JSON.stringify(opts.htpasswdPath)}`,
    );
  } else if (opts.auth === 'token') {
    lines.push(
      'auth:',
      '  token:',
      `    realm: ${JSON.stringify(opts.tokenRealm)}`,
      `    service: ${TOKEN_SERVICE}`,
      `    issuer: ${TOKEN_ISSUER}`,
      `    rootcertbundle: ${JSON.stringify(opts.certPath)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export async function startRegistry(
  opts: StartRegistryOptions = {},
): Promise<RunningRegistry> {
  installExitHook();
  const auth = opts.auth ?? 'none';
  const log = opts.log ?? (() => {});
  const username = auth === 'none' ? undefined : opts.username ?? 'tester';
  const password =
    auth === 'none'
      ? undefined
      : opts.password ?? `pw-${crypto.randomBytes(6).toString('hex')}`;

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'test-env-registry-'));
  liveDirs.add(dir);
  const storageDir = path.join(dir, 'storage');
  fs.mkdirSync(storageDir);
  const configPath = path.join(dir, 'config.yml');

  let tokenServer: TokenServer | undefined;
  let child: ChildProcess | undefined;
  let watchdog: ChildProcess | undefined;
  const stderrTail: string[] = [];
  let port = 0;

  const cleanupAll = async () => {
    if (child) {
      liveChildren.delete(child);
      await terminate(child);
      child = undefined;
    }
    watchdog?.kill('SIGKILL');
    watchdog = undefined;
    await tokenServer?.close();
    tokenServer = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
    liveDirs.delete(dir);
  };

  try {
    let htpasswdPath: string | undefined;
    let certPath: string | undefined;
    if (auth === 'basic') {
      htpasswdPath = path.join(dir, 'htpasswd');
      fs.writeFileSync(
        htpasswdPath,
        `${username}:${await bcryptHash(username!, password!)}\n`,
      );
    } else if (auth === 'token') {
      const material = await makeSigningMaterial(dir);
      certPath = material.certPath;
      tokenServer = await startTokenServer(material, username!, password!, log);
    }

    const writeConfig = () =>
      fs.writeFileSync(
        configPath,
        registryConfig({
          port,
          storageDir,
          auth,
          htpasswdPath,
          tokenRealm: tokenServer?.realm,
          certPath,
        }),
      );

    /** Spawns the registry on `port` and waits until /v2/ answers 200 or 401. */
    const launch = async () => {
      stderrTail.length = 0;
      const proc = spawn(REGISTRY_BIN, ['serve', configPath], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = proc;
      liveChildren.add(proc);
      watchdog?.kill('SIGKILL');
      watchdog = proc.pid ? spawnWatchdog(proc.pid, dir) : undefined;
      let spawnError: Error | undefined;
      proc.on('error', e => {
        spawnError = e;
      });
      const onData = (chunk: Buffer) => {
        for (const line of chunk.toString('utf8').split('\n')) {
          if (!line.trim()) continue;
          stderrTail.push(line);
          if (stderrTail.length > 40) stderrTail.shift();
          log(`registry: ${line}`);
        }
      };
      proc.stdout!.on('data', onData);
      proc.stderr!.on('data', onData);
      proc.on('exit', () => liveChildren.delete(proc));
      // waitFor() retries on thrown errors, so a dead process ends the wait
      // by returning true and is reported afterwards.
      const failure = () =>
        spawnError
          ? String(spawnError)
          : proc.exitCode !== null || proc.signalCode !== null
          ? `exited with ${proc.exitCode ?? proc.signalCode}`
          : undefined;
      try {
        await waitFor(
          `docker-registry on 127.0.0.1:${port}`,
          async () => {
            if (failure()) return true;
            const res = await fetch(`http://127.0.0.1:${port}/v2/`, {
              signal: AbortSignal.timeout(1000),
            });
            await res.arrayBuffer();
            return res.status === 200 || res.status === 401;
          },
          15_000,
          50,
        );
        const failed = failure();
        if (failed) throw new Error(failed);
      } catch (e) {
        liveChildren.delete(proc);
        await terminate(proc, 500);
        if (child === proc) child = undefined;
        throw new Error(
          `docker-registry failed to start on 127.0.0.1:${port}: ${
            (e as Error).message
          }\n` + `--- last registry output ---\n${stderrTail.join('\n')}`,
        );
      }
    };

    // A free port can be taken between freePort() and the bind: retry then.
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      writeConfig();
      try {
        await launch();
        break;
      } catch (e) {
        const addrInUse = stderrTail.some(l =>
          /address already in use/i.test(l),
        );
        if (!addrInUse || attempt >= 3) throw e;
      }
    }

    const host = `127.0.0.1:${port}`;
    const stopProcess = async () => {
      if (!child) return;
      const proc = child;
      child = undefined;
      liveChildren.delete(proc);
      watchdog?.kill('SIGKILL');
      watchdog = undefined;
      await terminate(proc);
    };

    return {
      url: `http://${host}`,
      host,
      auth,
      username,
      password,
      tokenRealm: tokenServer?.realm,
      tokenService: auth === 'token' ? TOKEN_SERVICE : undefined,
      tokenRequests: () => tokenServer?.issued() ?? 0,
      stop: cleanupAll,
      kill: stopProcess,
      restart: async () => {
        await stopProcess();
        await launch();
      },
    };
  } catch (e) {
    await cleanupAll();
    throw e;
  }
}

// ---------------------------------------------------------------------------
// HTTP API client (blobs, manifests) with Basic and Bearer auth.

export interface RegistryTarget {
  url: string;
  username?: string;
  password?: string;
}

export const MediaTypes = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar+gzip',
  inToto: 'application/vnd.in-toto+json',
} as const;

/** The four manifest types a client should accept, in one Accept header. */
export const ALL_MANIFEST_ACCEPT = [
  MediaTypes.ociIndex,
  MediaTypes.ociManifest,
  MediaTypes.dockerList,
  MediaTypes.dockerManifest,
].join(', ');

export const sha256Digest = (data: Buffer | string) =>
  `sha256:${crypto.createHash('sha256').update(data).digest('hex')}`;

function parseChallenge(
  header: string | null,
): { scheme: string; params: Record<string, string> } | undefined {
  if (!header) return undefined;
  const m = /^\s*(\w+)\s*(.*)$/.exec(header);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  for (const p of m[2].matchAll(
    /(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g,
  )) {
    params[p[1].toLowerCase()] =
      p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3];
  }
  return { scheme: m[1].toLowerCase(), params };
}

type Body = Buffer | string | undefined;

/**
 * Minimal authenticated client for one repository: follows a Basic or Bearer
 * challenge once per request and then sends the credential proactively.
 */
class RegistryHttp {
  private authorization?: string;

  constructor(
    private readonly target: RegistryTarget,
    private readonly wantedScopes: string[],
  ) {}

  private basic() {
    if (this.target.username === undefined) return undefined;
    return `Basic ${Buffer.from(
      `${this.target.username}:${this.target.password ?? ''}`,
    ).toString('base64')}`;
  }

  private async authenticate(challengeHeader: string | null) {
    const challenge = parseChallenge(challengeHeader);
    if (!challenge)
      throw new Error(
        `401 without a usable WWW-Authenticate: ${challengeHeader}`,
      );
    if (challenge.scheme === 'basic') {
      const basic = this.basic();
      if (!basic)
        throw new Error(
          'registry wants Basic auth but no credentials were given',
        );
      this.authorization = basic;
      return;
    }
    if (challenge.scheme !== 'bearer' || !challenge.params.realm) {
      throw new Error(`unsupported challenge: ${challengeHeader}`);
    }
    const realm = new URL(challenge.params.realm);
    if (challenge.params.service)
      realm.searchParams.set('service', challenge.params.service);
    const scopes = new Set(this.wantedScopes);
    for (const s of (challenge.params.scope ?? '').split(' ').filter(Boolean))
      scopes.add(s);
    for (const s of scopes) realm.searchParams.append('scope', s);
    const headers: Record<string, string> = {};
    const basic = this.basic();
    if (basic) headers.authorization = basic;
    const res = await fetch(realm, { headers });
    const text = await res.text();
    if (!res.ok)
      throw new Error(
        `token request to ${realm.origin}${realm.pathname} failed: ${res.status} ${text}`,
      );
    const json = JSON.parse(text) as { token?: string; access_token?: string };
    // Harbor-style responses carry an empty access_token: prefer a non-empty one.
    const token = json.token || json.access_token;
    if (!token) throw new Error(`token response without a token: ${text}`);
    this.authorization = `Bearer ${token}`;
  }

  async request(
    method: string,
    pathOrUrl: string,
    init: { headers?: Record<string, string>; body?: Body } = {},
  ): Promise<Response> {
    const url = new URL(pathOrUrl, this.target.url);
    const send = () => {
      const headers: Record<string, string> = { ...(init.headers ?? {}) };
      if (this.authorization) headers.authorization = this.authorization;
      const body =
        typeof init.body === 'string'
          ? init.body
          : init.body
          ? new Uint8Array(init.body)
          : undefined;
      return fetch(url, { method, headers, body, redirect: 'manual' });
    };
    let res = await send();
    if (res.status === 401) {
      const challenge = res.headers.get('www-authenticate');
      await res.arrayBuffer();
      await this.authenticate(challenge);
      res = await send();
    }
    return res;
  }
}

async function expectStatus(
  res: Response,
  expected: number[],
  what: string,
): Promise<string> {
  const text = await res.text();
  if (!expected.includes(res.status)) {
    throw new Error(`${what}: HTTP ${res.status} ${text.slice(0, 500)}`);
  }
  return text;
}

async function uploadBlob(
  client: RegistryHttp,
  repository: string,
  data: Buffer,
): Promise<string> {
  const digest = sha256Digest(data);
  const start = await client.request(
    'POST',
    `/v2/${repository}/blobs/uploads/`,
    {
      headers: { 'content-length': '0' },
    },
  );
  await expectStatus(start, [202], `start upload in ${repository}`);
  const location = start.headers.get('location');
  if (!location)
    throw new Error(`upload start in ${repository} returned no Location`);
  // Location may be relative or absolute; keep its query (_state) and add digest.
  const uploadUrl = new URL(location, start.url || 'http://invalid');
  uploadUrl.searchParams.set('digest', digest);
  const put = await client.request('PUT', uploadUrl.toString(), {
    headers: {
      'content-type': 'application/octet-stream',
      'content-length': String(data.length),
    },
    body: data,
  });
  await expectStatus(put, [201], `finish upload of ${digest} in ${repository}`);
  const got = put.headers.get('docker-content-digest');
  if (got && got !== digest)
    throw new Error(`registry stored ${got}, expected ${digest}`);
  return digest;
}

async function putManifest(
  client: RegistryHttp,
  repository: string,
  reference: string | undefined,
  mediaType: string,
  body: Buffer,
): Promise<string> {
  const digest = sha256Digest(body);
  const res = await client.request(
    'PUT',
    `/v2/${repository}/manifests/${reference ?? digest}`,
    {
      headers: { 'content-type': mediaType },
      body,
    },
  );
  await expectStatus(res, [201], `PUT manifest ${repository}:${reference}`);
  const got = res.headers.get('docker-content-digest');
  if (got && got !== digest)
    throw new Error(`registry answered digest ${got}, expected ${digest}`);
  return digest;
}

/** Uploads one blob (POST + PUT) and returns its digest. */
export async function pushBlob(
  target: RegistryTarget,
  repository: string,
  data: Buffer | string,
): Promise<string> {
  const client = new RegistryHttp(target, [
    `repository:${repository}:pull,push`,
  ]);
  return uploadBlob(client, repository, Buffer.from(data));
}

/**
 * PUTs a manifest body verbatim and returns the registry's answer without
 * throwing, so tests can push odd or malformed manifests.
 *
 * What Distribution 2.8 rejects (from its manifest handlers): a body that does
 * not parse as the Content-Type's schema (400 MANIFEST_INVALID); a `mediaType`
 * field that contradicts the Content-Type, or `manifests` inside an image
 * manifest / `config`/`layers` inside an index (type-confusion checks since
 * 2.8.0); schemaVersion other than 2; a config/layer/child that is not in the
 * repository (400 MANIFEST_BLOB_UNKNOWN); layer `urls` outside the allow list;
 * an unknown Content-Type with a v2 body is parsed by its `mediaType`, and
 * schema1 manifests are refused unless signed (MANIFEST_UNVERIFIED/INVALID).
 * It does NOT check that the config is valid JSON or that layers are tarballs.
 */
export async function putRawManifest(
  target: RegistryTarget,
  repository: string,
  reference: string,
  mediaType: string,
  body: string | Buffer,
): Promise<{
  status: number;
  digest?: string;
  body: string;
  headers: Headers;
}> {
  const client = new RegistryHttp(target, [
    `repository:${repository}:pull,push`,
  ]);
  const res = await client.request(
    'PUT',
    `/v2/${repository}/manifests/${reference}`,
    {
      headers: { 'content-type': mediaType },
      body: Buffer.from(body),
    },
  );
  const text = await res.text();
  return {
    status: res.status,
    digest: res.headers.get('docker-content-digest') ?? undefined,
    body: text,
    headers: res.headers,
  };
}

// ---------------------------------------------------------------------------
// Image seeding.

export interface PushImageSpec {
  /** e.g. 'ml/fraud-detector' (multi-segment allowed) */
  repository: string;
  tag: string;
  /** default 'docker' (schema2) */
  format?: 'docker' | 'oci' | 'oci-index' | 'docker-list';
  /** RFC3339; goes into the config blob `created` (default: now) */
  created?: string;
  /** org.opencontainers.image.revision label (and OCI manifest annotation) */
  revision?: string;
  labels?: Record<string, string>;
  /** random layer bytes of these sizes (default [1024]) */
  layerSizes?: number[];
  /** index/list formats: default linux/amd64 + linux/arm64 */
  platforms?: Array<{ architecture: string; os: string; variant?: string }>;
}

export interface PushedImage {
  /** digest of what the tag points to (the index/list for multi-platform formats) */
  digest: string;
  mediaType: string;
  /** sum of layers + config of the (amd64, else first) image */
  size: number;
  /** config digest of the (amd64, else first) image */
  configDigest: string;
  /** index/list formats: every entry of `manifests[]` in order (oci-index: the attestation last) */
  childDigests?: string[];
}

interface SingleImage {
  digest: string;
  mediaType: string;
  manifestSize: number;
  configDigest: string;
  size: number;
}

const REVISION_LABEL = 'org.opencontainers.image.revision';
const CREATED_LABEL = 'org.opencontainers.image.created';

async function pushSingle(
  client: RegistryHttp,
  spec: PushImageSpec,
  oci: boolean,
  platform: { architecture: string; os: string; variant?: string },
  /** tag, or undefined to PUT by the manifest's digest */
  reference: string | undefined,
): Promise<SingleImage> {
  const created = spec.created ?? new Date().toISOString();
  const layers = (spec.layerSizes ?? [1024]).map(n => crypto.randomBytes(n));
  const layerDigests: string[] = [];
  for (const layer of layers)
    layerDigests.push(await uploadBlob(client, spec.repository, layer));
  const labels: Record<string, string> = { ...(spec.labels ?? {}) };
  if (spec.revision !== undefined) labels[REVISION_LABEL] = spec.revision;
  const config = Buffer.from(
    JSON.stringify({
      created,
      architecture: platform.architecture,
      os: platform.os,
      ...(platform.variant ? { variant: platform.variant } : {}),
      config: {
        Env: [
          'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        ],
        Cmd: ['/bin/sh'],
        Labels: labels,
      },
      rootfs: { type: 'layers', diff_ids: layerDigests },
      history: layers.map(() => ({
        created,
        created_by: 'test-env pushImage',
      })),
    }),
  );
  const configDigest = await uploadBlob(client, spec.repository, config);
  const annotations: Record<string, string> = {};
  if (oci) {
    annotations[CREATED_LABEL] = created;
    if (spec.revision !== undefined)
      annotations[REVISION_LABEL] = spec.revision;
  }
  const manifest = {
    schemaVersion: 2,
    mediaType: oci ? MediaTypes.ociManifest : MediaTypes.dockerManifest,
    config: {
      mediaType: oci ? MediaTypes.ociConfig : MediaTypes.dockerConfig,
      digest: configDigest,
      size: config.length,
    },
    layers: layers.map((l, i) => ({
      mediaType: oci ? MediaTypes.ociLayer : MediaTypes.dockerLayer,
      digest: layerDigests[i],
      size: l.length,
    })),
    ...(oci && Object.keys(annotations).length ? { annotations } : {}),
  };
  const body = Buffer.from(JSON.stringify(manifest));
  const digest = await putManifest(
    client,
    spec.repository,
    reference,
    manifest.mediaType,
    body,
  );
  return {
    digest,
    mediaType: manifest.mediaType,
    manifestSize: body.length,
    configDigest,
    size: config.length + layers.reduce((a, l) => a + l.length, 0),
  };
}

/** A BuildKit-style attestation manifest (in-toto layer), pushed by digest. */
async function pushAttestation(
  client: RegistryHttp,
  repository: string,
): Promise<SingleImage> {
  const statement = Buffer.from(
    JSON.stringify({
      _type: 'https://in-toto.io/Statement/v0.1',
      predicateType: 'https://slsa.dev/provenance/v0.2',
      subject: [],
      predicate: { builder: { id: 'test-env' } },
    }),
  );
  const layerDigest = await uploadBlob(client, repository, statement);
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'unknown',
      os: 'unknown',
      config: {},
      rootfs: { type: 'layers', diff_ids: [layerDigest] },
    }),
  );
  const configDigest = await uploadBlob(client, repository, config);
  const manifest = {
    schemaVersion: 2,
    mediaType: MediaTypes.ociManifest,
    config: {
      mediaType: MediaTypes.ociConfig,
      digest: configDigest,
      size: config.length,
    },
    layers: [
      {
        mediaType: MediaTypes.inToto,
        digest: layerDigest,
        size: statement.length,
        annotations: {
          'in-toto.io/predicate-type': 'https://slsa.dev/provenance/v0.2',
        },
      },
    ],
  };
  const body = Buffer.from(JSON.stringify(manifest));
  const digest = await putManifest(
    client,
    repository,
    undefined,
    MediaTypes.ociManifest,
    body,
  );
  return {
    digest,
    mediaType: MediaTypes.ociManifest,
    manifestSize: body.length,
    configDigest,
    size: config.length + statement.length,
  };
}

/**
 * Pushes an image (or a multi-platform index/list) through the registry HTTP
 * API and tags it. Works with no auth, Basic (htpasswd) and Bearer (token).
 */
export async function pushImage(
  target: RegistryTarget,
  spec: PushImageSpec,
): Promise<PushedImage> {
  const format = spec.format ?? 'docker';
  const client = new RegistryHttp(target, [
    `repository:${spec.repository}:pull,push`,
  ]);
  if (format === 'docker' || format === 'oci') {
    const img = await pushSingle(
      client,
      spec,
      format === 'oci',
      { architecture: 'amd64', os: 'linux' },
      spec.tag,
    );
    return {
      digest: img.digest,
      mediaType: img.mediaType,
      size: img.size,
      configDigest: img.configDigest,
    };
  }

  const oci = format === 'oci-index';
  const platforms = spec.platforms ?? [
    { architecture: 'amd64', os: 'linux' },
    { architecture: 'arm64', os: 'linux' },
  ];
  const entries: Array<Record<string, unknown>> = [];
  const children: SingleImage[] = [];
  for (const platform of platforms) {
    // Children are PUT by their own digest (no tag).
    const child = await pushSingle(client, spec, oci, platform, undefined);
    children.push(child);
    entries.push({
      mediaType: child.mediaType,
      digest: child.digest,
      size: child.manifestSize,
      platform: {
        architecture: platform.architecture,
        os: platform.os,
        ...(platform.variant ? { variant: platform.variant } : {}),
      },
    });
  }
  const main =
    children[
      platforms.findIndex(p => p.architecture === 'amd64' && p.os === 'linux')
    ] ?? children[0];
  if (oci) {
    const att = await pushAttestation(client, spec.repository);
    entries.push({
      mediaType: att.mediaType,
      digest: att.digest,
      size: att.manifestSize,
      platform: { architecture: 'unknown', os: 'unknown' },
      annotations: {
        'vnd.docker.reference.digest': main.digest,
        'vnd.docker.reference.type': 'attestation-manifest',
      },
    });
  }
  const annotations: Record<string, string> = {};
  if (oci) {
    annotations[CREATED_LABEL] = spec.created ?? new Date().toISOString();
    if (spec.revision !== undefined)
      annotations[REVISION_LABEL] = spec.revision;
  }
  const index = {
    schemaVersion: 2,
    mediaType: oci ? MediaTypes.ociIndex : MediaTypes.dockerList,
    manifests: entries,
    ...(oci ? { annotations } : {}),
  };
  const body = Buffer.from(JSON.stringify(index));
  const digest = await putManifest(
    client,
    spec.repository,
    spec.tag,
    index.mediaType,
    body,
  );
  return {
    digest,
    mediaType: index.mediaType,
    size: main.size,
    configDigest: main.configDigest,
    childDigests: entries.map(e => e.digest as string),
  };
}

/**
 * Authorization header for plain-fetch tests against a RunningRegistry:
 * nothing for 'none', Basic for 'basic', a fresh Bearer token (one token
 * request, counted by tokenRequests) for 'token'.
 */
export async function registryAuthHeaders(
  registry: RunningRegistry,
  scopes: string[] = [],
): Promise<Record<string, string>> {
  if (registry.auth === 'none') return {};
  const basic = `Basic ${Buffer.from(
    `${registry.username}:${registry.password}`,
  ).toString('base64')}`;
  if (registry.auth === 'basic') return { authorization: basic };
  const realm = new URL(registry.tokenRealm!);
  realm.searchParams.set('service', registry.tokenService!);
  for (const s of scopes) realm.searchParams.append('scope', s);
  const res = await fetch(realm, { headers: { authorization: basic } });
  const text = await res.text();
  if (!res.ok) throw new Error(`token request failed: ${res.status} ${text}`);
  const json = JSON.parse(text) as { token?: string; access_token?: string };
  return { authorization: `Bearer ${json.token || json.access_token}` };
}

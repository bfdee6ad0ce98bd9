// Provisions what the repo needs on a machine that has only Node.js 20 + npm:
// Node 22 (from the npm registry's node-linux-<arch> package, which also
// carries the C headers native addons build against), the committed yarn
// release (yarnPath), and `yarn install` when the lockfile or a manifest
// changed. Plain JavaScript, no dependencies: it must run before any install.
// Every step is skipped when its output is already there.
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const NODE_VERSION = '22.23.3';
const cacheDir = path.join(repoRoot, '.cache', 'toolchain');

export function log(message) {
  process.stderr.write(`[setup] ${message}\n`);
}

function nodePackageName() {
  const arch = { x64: 'x64', arm64: 'arm64' }[process.arch];
  if (process.platform !== 'linux' || !arch) {
    throw new Error(`no Node ${NODE_VERSION} package for ${process.platform}/${process.arch}; install Node 22 yourself and put it first on PATH`);
  }
  return `node-linux-${arch}`;
}

/** Returns { nodeDir, node } of a Node 22 with headers, downloading it from the npm registry once. */
export function ensureNode() {
  const nodeDir = path.join(cacheDir, `node-v${NODE_VERSION}`);
  const node = path.join(nodeDir, 'bin', 'node');
  if (fs.existsSync(node) && fs.existsSync(path.join(nodeDir, 'include', 'node', 'node.h'))) {
    return { nodeDir, node };
  }
  const pkg = `${nodePackageName()}@${NODE_VERSION}`;
  log(`fetching Node ${NODE_VERSION} (${pkg}) from the npm registry — first run only`);
  fs.mkdirSync(cacheDir, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(cacheDir, 'node-dl-'));
  try {
    const out = execFileSync('npm', ['pack', pkg, '--pack-destination', tmp, '--silent'], {
      cwd: tmp,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const tarball = path.join(tmp, out.trim().split('\n').pop());
    const unpack = path.join(tmp, 'unpack');
    fs.mkdirSync(unpack);
    execFileSync('tar', ['xzf', tarball, '-C', unpack], { stdio: 'inherit' });
    fs.rmSync(nodeDir, { recursive: true, force: true });
    fs.renameSync(path.join(unpack, 'package'), nodeDir);
    fs.chmodSync(node, 0o755);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
  log(`Node ${version} ready in ${path.relative(repoRoot, nodeDir)}`);
  return { nodeDir, node };
}

/** The committed yarn release named by .yarnrc.yml's yarnPath. */
export function yarnRelease() {
  const rc = fs.readFileSync(path.join(repoRoot, '.yarnrc.yml'), 'utf8');
  const m = /^yarnPath:\s*(\S+)/m.exec(rc);
  if (!m) throw new Error('.yarnrc.yml has no yarnPath');
  return path.join(repoRoot, m[1]);
}

/** Environment for every child: Node 22 first on PATH, node-gyp pointed at its headers. */
export function toolchainEnv({ nodeDir }) {
  const env = { ...process.env };
  env.PATH = [path.join(nodeDir, 'bin'), path.join(repoRoot, 'node_modules', '.bin'), env.PATH].join(path.delimiter);
  // node-gyp would download headers from the Node.js site (unreachable): use the package's own.
  env.npm_config_nodedir = nodeDir;
  env.YARN_ENABLE_TELEMETRY = '0';
  env.YARN_ENABLE_PROGRESS_BARS = '0';
  // ~/.npmrc may set an outdated nodedir; the env var above wins.
  delete env.NODE_OPTIONS;
  return env;
}

function installFingerprint() {
  const hash = createHash('sha256');
  hash.update(NODE_VERSION);
  for (const file of ['yarn.lock', '.yarnrc.yml', 'package.json']) {
    hash.update(fs.readFileSync(path.join(repoRoot, file)));
  }
  for (const dir of ['packages', 'plugins']) {
    const base = path.join(repoRoot, dir);
    if (!fs.existsSync(base)) continue;
    for (const name of fs.readdirSync(base).sort()) {
      const manifest = path.join(base, name, 'package.json');
      if (fs.existsSync(manifest)) hash.update(`${dir}/${name}`).update(fs.readFileSync(manifest));
    }
  }
  return hash.digest('hex');
}

/** Runs `yarn install` unless node_modules matches the lockfile and manifests already. */
export function ensureInstall(tc) {
  const stamp = path.join(repoRoot, 'node_modules', '.mlops-install-stamp');
  const fingerprint = installFingerprint();
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === fingerprint) return;
  log('installing dependencies (yarn install) …');
  const started = Date.now();
  const result = spawnSync(tc.node, [yarnRelease(), 'install'], {
    cwd: repoRoot,
    env: toolchainEnv(tc),
    stdio: 'inherit',
  });
  if (result.status !== 0) throw new Error(`yarn install failed (exit ${result.status})`);
  fs.writeFileSync(stamp, installFingerprint());
  log(`dependencies installed in ${Math.round((Date.now() - started) / 1000)} s`);
}

/** Installs Debian packages that are missing (root only; CI and dev machines here are root). */
export function ensureDebianPackages(packages, { why }) {
  const missing = packages.filter(p => {
    const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', p], { encoding: 'utf8' });
    return r.status !== 0 || !r.stdout.includes('install ok installed');
  });
  if (missing.length === 0) return;
  if (os.userInfo().uid !== 0) {
    throw new Error(`missing Debian packages for ${why}: ${missing.join(' ')} — install them with apt-get (needs root)`);
  }
  log(`installing Debian packages for ${why}: ${missing.join(' ')}`);
  const apt = args =>
    spawnSync('apt-get', args, {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    }).status;
  const listsEmpty = !fs.existsSync('/var/lib/apt/lists') || fs.readdirSync('/var/lib/apt/lists').filter(f => f.endsWith('_Packages')).length === 0;
  if (listsEmpty && apt(['update', '-qq']) !== 0) throw new Error('apt-get update failed');
  let status = apt(['install', '-y', '-qq', '--no-install-recommends', ...missing]);
  if (status !== 0) {
    // Stale lists: refresh once and retry.
    if (apt(['update', '-qq']) !== 0) throw new Error('apt-get update failed');
    status = apt(['install', '-y', '-qq', '--no-install-recommends', ...missing]);
  }
  if (status !== 0) throw new Error(`apt-get install ${missing.join(' ')} failed`);
}

/** Node 22 + dependencies: everything a command of this repo needs first. */
export function setup() {
  const tc = ensureNode();
  ensureInstall(tc);
  return { ...tc, env: toolchainEnv(tc) };
}

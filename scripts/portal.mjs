#!/usr/bin/env node
// The repo's two commands, runnable with the machine's Node 20 + npm:
//   npm start   → node scripts/portal.mjs start   (portal + demo data on http://localhost:3000)
//   npm test    → node scripts/portal.mjs test    (every test: types, unit/integration, end-to-end)
// Both provision Node 22, yarn and the dependencies first (scripts/lib/toolchain.mjs).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { ensureDebianPackages, log, repoRoot, setup } from './lib/toolchain.mjs';

const command = process.argv[2];
const args = process.argv.slice(3);

function option(name, fallback) {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
}

/**
 * Starts the demo environment (packages/test-env/src/demo: real registry,
 * kube-apiserver and Prometheus; simulated Jenkins, Argo CD, model servers and
 * DCGM exporters) and resolves with its READY info and process.
 */
export function startDemoEnv(tc, { appPort, backendPort, configOut }) {
  const child = spawn(
    tc.node,
    ['-r', 'sucrase/register/ts', 'packages/test-env/src/demo/cli.ts', '--config-out', configOut, '--app-port', String(appPort), '--backend-port', String(backendPort)],
    { cwd: repoRoot, env: tc.env, stdio: ['pipe', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout });
    lines.on('line', line => {
      if (line.startsWith('DEMO-READY ')) resolve({ child, info: JSON.parse(line.slice(11)) });
      else process.stdout.write(`[demo] ${line.replace(/^\[demo\] /, '')}\n`);
    });
    child.on('exit', code => reject(new Error(`demo environment exited (${code}) before it was ready`)));
  });
}

async function start() {
  const tc = setup();
  ensureDebianPackages(
    ['docker-registry', 'openssl', 'python3', 'prometheus', 'python3-fastapi', 'python3-uvicorn', 'python3-torch', 'python3-prometheus-client'],
    { why: 'the demo environment' },
  );
  // etcd + kube-apiserver for the demo cluster: built once per machine, then cached (seconds).
  if (run(tc, 'bash', ['scripts/provision/kube-apiserver.sh']) !== 0) {
    throw new Error('provisioning kube-apiserver failed (scripts/provision/kube-apiserver.sh)');
  }
  const appPort = Number(option('app-port', '3000'));
  const backendPort = Number(option('backend-port', '7007'));
  const configOut = path.join(repoRoot, '.cache', 'demo', 'app-config.generated.yaml');
  const { child: demo, info } = await startDemoEnv(tc, { appPort, backendPort, configOut });
  log(`demo environment ready in ${info.ms} ms: registry ${info.registry} (${info.images} images), kube-apiserver ${info.kubernetes} (${info.pods} pods), Prometheus ${info.prometheus}`);
  log(`simulators (not the real products): Jenkins ${info.jenkins}, Argo CD ${info.argocd}, ${info.modelServers.length} model servers, ${info.dcgmExporters.length} DCGM exporters`);
  for (const s of info.realModelServers ?? [])
    log(`real model server: ${s.service} (the template's generated FastAPI app), endpoint ${s.endpoint}`);
  if (info.deliveryLoop) {
    log(`delivery loop (simulated controllers on the real registry, kube-apiserver and git): support-chat is delivered from ${info.deliveryLoop.sourceRepositories.join(', ')}`);
    log(`  watch it move: cd ${info.deliveryLoop.sourceRepositories[0]} && git commit --allow-empty -m "my change"  (it also commits every ${info.deliveryLoop.commitsEverySeconds} s)`);
  }
  for (const p of info.problems ?? []) log(`demo problem: ${typeof p === 'string' ? p : JSON.stringify(p)}`);
  log(`starting the portal: http://localhost:${appPort} (backend http://localhost:${backendPort})`);
  const portal = spawn(
    path.join(repoRoot, 'node_modules', '.bin', 'backstage-cli'),
    ['repo', 'start', '--config', path.join(repoRoot, 'app-config.yaml'), '--config', configOut],
    { cwd: repoRoot, env: tc.env, stdio: 'inherit' },
  );
  const shutdown = code => {
    portal.kill('SIGTERM');
    demo.stdin.end();
    demo.kill('SIGTERM');
    setTimeout(() => process.exit(code), 500).unref();
  };
  process.on('SIGINT', () => shutdown(130));
  process.on('SIGTERM', () => shutdown(143));
  portal.on('exit', code => shutdown(code ?? 1));
  demo.on('exit', code => {
    log(`demo environment stopped (${code}); stopping the portal`);
    shutdown(code ?? 1);
  });
}

function run(tc, cmd, cmdArgs, opts = {}) {
  log(`$ ${[path.basename(cmd), ...cmdArgs].join(' ')}`);
  const started = Date.now();
  const r = spawnSync(cmd, cmdArgs, { cwd: repoRoot, env: { ...tc.env, ...opts.env }, stdio: 'inherit' });
  log(`  … ${Math.round((Date.now() - started) / 1000)} s, exit ${r.status}`);
  return r.status ?? 1;
}

async function test() {
  const t0 = Date.now();
  const tc = setup();
  ensureDebianPackages(['docker-registry', 'openssl', 'python3', 'chromium', 'prometheus', 'git', 'openjdk-17-jre-headless', 'python3-fastapi', 'python3-uvicorn', 'python3-torch', 'python3-prometheus-client', 'postgresql', 'redis-server'], { why: 'the test environment' });
  if (run(tc, 'bash', ['scripts/provision/kube-apiserver.sh']) !== 0) {
    throw new Error('provisioning kube-apiserver failed (scripts/provision/kube-apiserver.sh)');
  }
  const failures = [];
  if (run(tc, path.join(repoRoot, 'node_modules', '.bin', 'tsc'), ['--noEmit']) !== 0) failures.push('type check (tsc)');

  // Unit and integration tests of every package (jest through backstage-cli).
  const jestJson = path.join(repoRoot, '.cache', 'test-results', 'jest.json');
  fs.mkdirSync(path.dirname(jestJson), { recursive: true });
  fs.rmSync(jestJson, { force: true });
  const jestStatus = run(tc, path.join(repoRoot, 'node_modules', '.bin', 'backstage-cli'), ['repo', 'test', '--json', `--outputFile=${jestJson}`], {
    env: { CI: 'true' },
  });
  let passed = 0;
  let failed = 0;
  if (fs.existsSync(jestJson)) {
    const results = JSON.parse(fs.readFileSync(jestJson, 'utf8'));
    passed += results.numPassedTests;
    failed += results.numFailedTests + results.numRuntimeErrorTestSuites;
  }
  if (jestStatus !== 0) failures.push('unit/integration tests (jest)');

  // End-to-end: the portal in real Chromium against the real demo registry.
  const e2eJson = path.join(repoRoot, '.cache', 'test-results', 'e2e.json');
  fs.rmSync(e2eJson, { force: true });
  const e2eStatus = run(tc, tc.node, ['-r', 'sucrase/register/ts', 'e2e/run.ts'], { env: { E2E_RESULTS: e2eJson } });
  if (fs.existsSync(e2eJson)) {
    const e2e = JSON.parse(fs.readFileSync(e2eJson, 'utf8'));
    passed += e2e.passed;
    failed += e2e.failed;
  }
  if (e2eStatus !== 0) failures.push('end-to-end tests (Chromium)');

  log(`all tests finished in ${Math.round((Date.now() - t0) / 1000)} s`);
  if (failures.length) log(`FAILED: ${failures.join(', ')}`);
  if (failures.length && failed === 0) failed = failures.length;
  process.stdout.write(`\ntests: ${passed} passed, ${failed} failed\n`);
  process.exit(failures.length ? 1 : 0);
}

const commands = { start, test, setup: async () => void setup() };
if (!commands[command]) {
  process.stderr.write('usage: node scripts/portal.mjs <start|test|setup> [--app-port N --backend-port N]\n');
  process.exit(2);
}
commands[command]().catch(e => {
  process.stderr.write(`\n${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});

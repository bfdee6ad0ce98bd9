/*
 * End-to-end: the real portal (backstage-cli repo start) with the demo
 * environment (real registry, kube-apiserver and Prometheus; Jenkins, Argo CD,
 * model-server and DCGM simulators), driven by Debian's Chromium through
 * playwright-core.
 * Run by the README's test command; prints one line per test and writes
 * {passed, failed} to $E2E_RESULTS.
 *
 *   node -r sucrase/register/ts e2e/run.ts
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Browser, chromium } from 'playwright-core';
import YAML from 'yaml';
import { freePort, waitFor } from '../packages/test-env/src';
import { startDemoEnvironment } from '../packages/test-env/src/demo/environment';
import { DEMO_REGISTRY_HOST, demoRevision } from '../packages/test-env/src/demo/seed';
import {
  CHROMIUM,
  Env,
  assert,
  card,
  cardByTitle,
  cardText,
  openEntity,
  repoRoot,
  roadieOverview,
  screenshots,
  test,
  tests,
  timings,
} from './harness';
import { registerDeliveryLoopTests } from './deliveryLoop';

test('image card lists the demo tags newest first, read from the real registry', async env => {
  await openEntity(env, 'fraud-detector');
  const card = await cardByTitle(env);
  const table = card.getByRole('table');
  await table.waitFor({ timeout: 30_000 });
  const rows = await table.getByRole('row').allInnerTexts();
  const body = rows.slice(1);
  assert(body.length === 5, `expected 5 tag rows, got ${body.length}: ${JSON.stringify(rows)}`);
  for (let i = 0; i < 5; i++) {
    const rev = demoRevision('ml/fraud-detector', i);
    assert(body[i].includes(rev.slice(0, 7)), `row ${i} should be tag ${rev.slice(0, 7)}: ${body[i]}`);
    assert(body[i].includes(rev.slice(0, 12)), `row ${i} should show revision ${rev.slice(0, 12)}: ${body[i]}`);
    assert(/sha256:[0-9a-f]{12}/.test(body[i]), `row ${i} should show a short digest: ${body[i]}`);
    assert(/\d+(\.\d)? kB/.test(body[i]), `row ${i} should show a size: ${body[i]}`);
  }
  assert(body[0].includes('5 hours ago'), `newest tag should be 5 hours old: ${body[0]}`);
  const text = await card.innerText();
  assert(text.includes(`${DEMO_REGISTRY_HOST}/ml/fraud-detector`), 'card names the repository');
  assert(text.includes('Showing 5 of 5 tags'), 'card footer counts the tags');
  await card.screenshot({ path: path.join(screenshots, 'image-card.png') });
});

test('image card shows platforms of a multi-arch OCI index and reads Harbor slugs', async env => {
  await openEntity(env, 'llm-chat');
  const card = await cardByTitle(env);
  await card.getByRole('table').waitFor({ timeout: 30_000 });
  const text = await card.innerText();
  assert(text.includes('linux/amd64') && text.includes('linux/arm64'), `platforms listed: ${text}`);
  assert(!text.includes('unknown/unknown'), 'attestation entries are not platforms');
  await openEntity(env, 'image-classifier');
  const harbor = await cardByTitle(env);
  await harbor.getByRole('table').waitFor({ timeout: 30_000 });
  assert((await harbor.innerText()).includes('vision/image-classifier'), 'Harbor slug resolved');
});

test('a repository that was never pushed is named as not found', async env => {
  await openEntity(env, 'churn-scoring');
  const card = await cardByTitle(env);
  await card.getByText(/not found \(404\)/).waitFor({ timeout: 30_000 });
  const text = await card.innerText();
  assert(text.includes('registry demo-registry (registry.demo.local)'), `names the registry: ${text}`);
  assert(text.includes('has no repository "ml/churn-scoring"'), `says why: ${text}`);
  await card.screenshot({ path: path.join(screenshots, 'image-card-not-found.png') });
});

test('stopping the registry turns the card into a clear "unreachable" error; the page still works', async env => {
  await env.reg.kill();
  try {
    // The backend serves cached tags for refreshSeconds (5 s in the demo config).
    await new Promise(r => setTimeout(r, 6000));
    await openEntity(env, 'fraud-detector');
    const card = await cardByTitle(env);
    await card.getByText(/unreachable/).waitFor({ timeout: 30_000 });
    const text = await card.innerText();
    assert(text.includes('registry demo-registry (registry.demo.local): unreachable'), `names upstream and fault: ${text}`);
    assert(text.includes('refused the connection'), `says why: ${text}`);
    // The rest of the page still renders.
    assert(await env.page.getByText('About', { exact: true }).isVisible(), 'About card still visible');
    await card.screenshot({ path: path.join(screenshots, 'image-card-registry-down.png') });
  } finally {
    await env.reg.restart();
  }
  // And it recovers.
  await new Promise(r => setTimeout(r, 6000));
  await openEntity(env, 'fraud-detector');
  await (await cardByTitle(env)).getByRole('table').waitFor({ timeout: 30_000 });
});

test('a healthy model service: every card shows live data read through the upstream APIs', async env => {
  // Warm: the dev bundle and the backend caches, then measure a fresh navigation.
  await openEntity(env, 'fraud-detector');
  await cardText(env, 'Delivery', /delivers end to end/i);
  await env.page.goto('about:blank');
  const t0 = Date.now();
  await env.page.goto(`${env.appUrl}/catalog/default/component/fraud-detector`, { timeout: 120_000 });
  const delivery = await cardText(env, 'Delivery', /delivers end to end/i);
  const build = await cardText(env, 'Build', /#\d+/);
  await card(env, 'Container image').getByRole('table').waitFor({ timeout: 60_000 });
  const sync = await cardText(env, 'Argo CD sync', /Synced/);
  const inference = await cardText(env, 'Inference', /Model ready/i);
  timings['fraud-detector: navigation to all cards rendered'] = Date.now() - t0;

  for (const step of ['Commit', 'Build', 'Image', 'Desired in GitOps', 'Synced', 'Running', 'Serving'])
    assert(delivery.includes(step), `delivery card lists step ${step}: ${delivery}`);
  assert(!/Broken at/.test(delivery), `nothing broken: ${delivery}`);
  const revision = demoRevision('ml/fraud-detector', 0).slice(0, 7);
  assert(build.includes(revision), `build card shows the commit of the newest image ${revision}: ${build}`);
  assert(/succeeded|Success/i.test(build), `build card shows a successful build: ${build}`);
  assert(sync.includes('Healthy'), `sync card shows the app healthy: ${sync}`);
  assert(/TorchServe|torchserve/.test(inference), `inference card names the protocol: ${inference}`);
  // Roadie's own Argo CD card stays usable next to ours (read through the GET-only proxy).
  await roadieOverview(env).getByText('Healthy').first().waitFor({ timeout: 60_000 });
  for (const [title, file] of [
    ['Delivery', 'delivery-card.png'],
    ['Build', 'build-card.png'],
    ['Argo CD sync', 'sync-card.png'],
    ['Inference', 'inference-card.png'],
  ] as const)
    await card(env, title).screenshot({ path: path.join(screenshots, file) });
  await roadieOverview(env).screenshot({ path: path.join(screenshots, 'roadie-argocd-overview-next-to-ours.png') });
  await env.page.screenshot({ path: path.join(screenshots, 'entity-page.png'), fullPage: true });
});

test('a GPU service: GPU card shows held and waiting GPUs, inference card charts latency from Prometheus', async env => {
  await openEntity(env, 'llm-chat');
  const gpu = await cardText(env, 'GPUs', /A100/);
  assert(/nvidia\.com\/gpu/.test(gpu), `GPU card names the resource: ${gpu}`);
  assert(/waiting/i.test(gpu), `GPU card says a pod waits for GPUs: ${gpu}`);
  assert(/\d+(\.\d+)?\s?%/.test(gpu), `GPU card shows utilization from DCGM metrics: ${gpu}`);
  const inference = await cardText(env, 'Inference', /p95/i, 90_000);
  assert(/req\/s/.test(inference), `inference card shows the request rate: ${inference}`);
  await card(env, 'GPUs').screenshot({ path: path.join(screenshots, 'gpu-card.png') });
  await card(env, 'Inference').screenshot({ path: path.join(screenshots, 'inference-card-llm.png') });
});

test('a broken service: the delivery card names the first broken step in words', async env => {
  await openEntity(env, 'churn-scoring');
  const delivery = await cardText(env, 'Delivery', /Broken at/);
  assert(/Broken at: Build/.test(delivery), `first broken step is the build: ${delivery}`);
  assert(/Push image/.test(delivery), `says the failed stage: ${delivery}`);
  await card(env, 'Delivery').screenshot({ path: path.join(screenshots, 'delivery-card-broken.png') });
});

test('Jenkins simulator down: the build card names the upstream and the fault, the rest of the page works', async env => {
  await env.demo.jenkins.sim.setFault({ mode: 'down' });
  try {
    await new Promise(r => setTimeout(r, 6000)); // refreshSeconds of the demo config
    await openEntity(env, 'fraud-detector');
    const build = await cardText(env, 'Build', /unreachable/);
    assert(/Jenkins/.test(build) && /unreachable/.test(build), `names upstream and fault: ${build}`);
    await cardText(env, 'Argo CD sync', /Synced/);
    await card(env, 'Build').screenshot({ path: path.join(screenshots, 'build-card-jenkins-down.png') });
  } finally {
    await env.demo.jenkins.sim.setFault({ mode: 'none' });
  }
});

test('deployment marked unavailable: the delivery card breaks at Running, and recovers', async env => {
  const pods = env.demo.cluster.pods.filter(p => p.service === 'fraud-detector');
  const before = await Promise.all(
    pods.map(p => env.demo.kubeAdmin.get<{ status: Record<string, unknown> }>('v1', 'pods', p.namespace, p.name)),
  );
  await env.demo.setDeploymentStatus('fraud-detector', {
    readyReplicas: 0,
    availableReplicas: 0,
    unavailableReplicas: pods.length,
    conditions: [
      { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' },
      { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: 'ReplicaSet has successfully progressed.' },
    ],
  });
  for (const p of pods)
    await env.demo.setPodStatus(p.namespace, p.name, {
      conditions: [{ type: 'Ready', status: 'False', reason: 'ContainersNotReady' }],
      containerStatuses: [
        {
          name: 'kserve-container',
          ready: false,
          started: false,
          restartCount: 6,
          image: p.image,
          imageID: p.imageID ?? '',
          state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m0s restarting failed container' } },
          lastState: { terminated: { exitCode: 1, reason: 'Error' } },
        },
      ],
    });
  try {
    await new Promise(r => setTimeout(r, 3000));
    await openEntity(env, 'fraud-detector');
    const delivery = await cardText(env, 'Delivery', /Broken at: Running/);
    assert(/Broken at: Running/.test(delivery), `first broken step is Running: ${delivery}`);
    await card(env, 'Delivery').screenshot({ path: path.join(screenshots, 'delivery-card-not-running.png') });
  } finally {
    for (const [i, p] of pods.entries())
      await env.demo.setPodStatus(p.namespace, p.name, before[i].status);
    await env.demo.setDeploymentStatus('fraud-detector', {
      readyReplicas: pods.length,
      availableReplicas: pods.length,
      unavailableReplicas: null,
      conditions: [
        { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' },
        { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: 'ReplicaSet has successfully progressed.' },
      ],
    });
  }
  await new Promise(r => setTimeout(r, 3000));
  await openEntity(env, 'fraud-detector');
  await cardText(env, 'Delivery', /delivers end to end/i);
});

test('the Model services page lists every demo service with its signals; the GPU fleet page lists the GPU nodes', async env => {
  const t0 = Date.now();
  await env.page.goto(`${env.appUrl}/model-services`, { timeout: 120_000 });
  const table = env.page.getByRole('table', { name: 'Model services' });
  await table.waitFor({ timeout: 60_000 });
  timings['Model services page: navigation to table'] = Date.now() - t0;
  // The generated fleet (last test) may already be in the catalog: find each demo service by name.
  const search = env.page.getByRole('searchbox', { name: 'Search' });
  for (const [name, title] of [
    ['fraud-detector', /Fraud detector/],
    ['llm-chat', /LLM chat/],
    ['image-classifier', /classifier/i],
    ['churn-scoring', /churn/i],
  ] as const) {
    await search.fill(name);
    await table.getByRole('link', { name: title }).first().waitFor({ timeout: 30_000 });
  }
  await search.fill('');
  // At this 1280 px window (sidebar open) every column up to the delivery verdict is on screen:
  // the table is no wider than its sideways-scrolling box.
  const fit = await table.evaluate(t => ({
    table: Math.round(t.getBoundingClientRect().width),
    box: t.parentElement!.clientWidth,
    window: window.innerWidth,
  }));
  assert(
    fit.window === 1280 && fit.table <= fit.box,
    `the Model services table fits a 1280 px window: table ${fit.table} px, visible ${fit.box} px (window ${fit.window} px)`,
  );
  // Each signal's icon sits in the middle of its column, under the middle of its header.
  // (no `??` or `?.` in here: sucrase turns them into helpers the page does not have)
  const offCentre = await table.evaluate(t => {
    const headers = [...t.querySelectorAll('thead th')].map(h => h.textContent || '');
    const off: string[] = [];
    for (const title of ['Build', 'Image', 'Sync', 'Workload', 'Inference', 'GPU']) {
      const column = headers.indexOf(title);
      for (const row of t.querySelectorAll('tbody tr')) {
        const cell = row.children[column];
        const icon = cell ? cell.querySelector('svg') : null;
        if (!cell || !icon) {
          off.push(`${title}: no icon`);
          continue;
        }
        const c = cell.getBoundingClientRect();
        const i = icon.getBoundingClientRect();
        const by = Math.round(i.left + i.width / 2 - (c.left + c.width / 2));
        if (Math.abs(by) > 4) off.push(`${title}: ${by} px`);
      }
    }
    return off;
  });
  assert(offCentre.length === 0, `signal icons off the middle of their column: ${offCentre.slice(0, 6).join(', ')}`);
  await env.page.screenshot({ path: path.join(screenshots, 'model-services-page.png'), fullPage: true });
  await env.page.goto(`${env.appUrl}/gpu-fleet`, { timeout: 120_000 });
  await env.page.getByText('gpu-a100-1').first().waitFor({ timeout: 60_000 });
  const gpuText = await env.page.locator('body').innerText();
  for (const node of ['gpu-a100-1', 'gpu-a100-2', 'gpu-rtx-1', 'gpu-l4-1']) assert(gpuText.includes(node), `GPU fleet lists ${node}`);
  assert(/MIG|mig/.test(gpuText), 'GPU fleet shows MIG');
  await env.page.screenshot({ path: path.join(screenshots, 'gpu-fleet-page.png'), fullPage: true });
});

// A git commit walks the Delivery card to serving; each broken link is named, then recovers.
registerDeliveryLoopTests();

/** Every credential in the generated config: values of keys that name a secret. */
function secretsOf(value: unknown, key = ''): string[] {
  if (typeof value === 'string')
    return /password|token|apikey|authorization|secret|caData/i.test(key) && value.length >= 8
      ? [value.replace(/^Bearer /, '')]
      : [];
  if (Array.isArray(value)) return value.flatMap(v => secretsOf(v, key));
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => secretsOf(v, k));
  return [];
}

test('no API response to the browser contains a credential of any upstream', async env => {
  const secrets = secretsOf(env.demo.config).filter(s => !s.startsWith('LS0t')); // caData is a public CA
  assert(secrets.length >= 6, `found the demo's credentials in its config: ${secrets.length}`);
  const seen: string[] = [];
  const listener = async (res: { url(): string; text(): Promise<string> }) => {
    if (res.url().includes('/api/')) seen.push(await res.text().catch(() => ''));
  };
  env.page.on('response', listener);
  await openEntity(env, 'fraud-detector');
  await (await cardByTitle(env)).getByRole('table').waitFor({ timeout: 30_000 });
  await cardText(env, 'Delivery', /delivers end to end|Broken at|Held up at/i);
  await roadieOverview(env).getByText('Healthy').first().waitFor({ timeout: 60_000 });
  env.page.off('response', listener);
  assert(seen.length > 0, 'saw API responses');
  for (const body of seen)
    for (const secret of secrets) assert(!body.includes(secret), 'a response contained an upstream credential');
});

const FLEET_SIZE = 1000;

/** `count` model services as a catalog file: several owners and runtimes, no upstream annotations. */
function fleetEntities(count: number): string {
  const runtimes = ['torchserve', 'vllm', 'triton', 'fastapi'];
  const docs: string[] = [];
  for (let i = 0; i < count; i++) {
    docs.push(
      JSON.stringify({
        apiVersion: 'backstage.io/v1alpha1',
        kind: 'Component',
        metadata: { name: `fleet-model-${String(i).padStart(4, '0')}`, tags: [runtimes[i % 4]] },
        spec: { type: 'model-service', lifecycle: 'experimental', owner: `team-${i % 12}` },
      }),
    );
  }
  return `${docs.join('\n---\n')}\n`;
}

/** Model services of the demo catalog (demo/catalog/model-services.yaml). */
function demoModelServices(): number {
  return YAML.parseAllDocuments(fs.readFileSync(path.join(repoRoot, 'demo', 'catalog', 'model-services.yaml'), 'utf8'))
    .map(d => d.toJS())
    .filter(e => e?.kind === 'Component' && ['model-service', 'model-server'].includes(e?.spec?.type)).length;
}

test(`the Model services page with ${FLEET_SIZE} generated plus the demo model services renders its first page fast`, async env => {
  // Wait until the catalog has ingested the generated fleet.
  const total = (FLEET_SIZE + demoModelServices()).toLocaleString('en-US');
  const summary = env.page.getByText(new RegExp(`^${total} model services`));
  const deadline = Date.now() + 240_000;
  for (;;) {
    await env.page.goto(`${env.appUrl}/model-services`, { timeout: 120_000 });
    await env.page.getByRole('table', { name: 'Model services' }).waitFor({ timeout: 60_000 });
    if (await summary.isVisible()) break;
    assert(Date.now() < deadline, `the catalog did not ingest ${total} model services in 4 minutes`);
    await new Promise(r => setTimeout(r, 5000));
  }
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) {
    await env.page.goto('about:blank');
    const t0 = Date.now();
    await env.page.goto(`${env.appUrl}/model-services`, { timeout: 120_000 });
    await summary.waitFor({ timeout: 60_000 });
    await env.page.getByRole('table', { name: 'Model services' }).getByRole('row').nth(50).waitFor({ timeout: 60_000 });
    runs.push(Date.now() - t0);
  }
  const rows = await env.page.getByRole('table', { name: 'Model services' }).getByRole('row').count();
  assert(rows === 51, `one page of 50 rows plus the header: ${rows}`);
  timings[`Model services page (${total} services): navigation to first page, best of 3`] = Math.min(...runs);
  await env.page.screenshot({ path: path.join(screenshots, 'model-services-page-1000.png') });
});

async function main() {
  const results = { passed: 0, failed: 0 };
  fs.mkdirSync(screenshots, { recursive: true });
  const appPort = await freePort();
  const backendPort = await freePort();
  const appUrl = `http://localhost:${appPort}`;
  const backendUrl = `http://localhost:${backendPort}`;
  const demo = await startDemoEnvironment({ appPort, backendPort, log: () => {} });
  const reg = demo.registry;
  process.stdout.write(`# demo environment up in ${Math.round(demo.ms / 1000)} s\n`);
  const configOut = path.join(repoRoot, '.cache', 'e2e', 'app-config.e2e.yaml');
  fs.mkdirSync(path.dirname(configOut), { recursive: true });
  // 1,000 more model services for the fleet page's render time (config arrays
  // replace each other: keep app-config.yaml's own locations).
  const fleetFile = path.join(repoRoot, '.cache', 'e2e', 'fleet-1000.yaml');
  fs.writeFileSync(fleetFile, fleetEntities(FLEET_SIZE));
  const base = YAML.parse(fs.readFileSync(path.join(repoRoot, 'app-config.yaml'), 'utf8'));
  const config = {
    ...demo.config,
    catalog: { locations: [...base.catalog.locations, { type: 'file', target: fleetFile }] },
  };
  fs.writeFileSync(configOut, JSON.stringify(config), { mode: 0o600 });
  const logFile = path.join(repoRoot, '.cache', 'e2e', 'portal.log');
  const log = fs.openSync(logFile, 'w');
  const portal = spawn(
    path.join(repoRoot, 'node_modules', '.bin', 'backstage-cli'),
    ['repo', 'start', '--config', path.join(repoRoot, 'app-config.yaml'), '--config', configOut],
    { cwd: repoRoot, env: { ...process.env, BROWSER: 'none' }, stdio: ['ignore', log, log], detached: true },
  );
  let browser: Browser | undefined;
  const started = Date.now();
  try {
    await waitFor('the backend', async () => (await fetch(`${backendUrl}/api/mlops/health`)).ok, 240_000, 1000);
    await waitFor('the frontend dev server', async () => (await fetch(appUrl)).ok, 240_000, 1000);
    process.stdout.write(`# portal up in ${Math.round((Date.now() - started) / 1000)} s (log: ${path.relative(repoRoot, logFile)})\n`);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const env: Env = { demo, reg, appUrl, backendUrl, portal, browser, page };
    // E2E_ONLY=<regex>: a developer's shortcut to run some tests (CI never sets it).
    const only = process.env.E2E_ONLY ? new RegExp(process.env.E2E_ONLY) : undefined;
    for (const [i, t] of tests.entries()) {
      if (only && !only.test(t.name)) continue;
      const t0 = Date.now();
      try {
        await t.fn(env);
        results.passed++;
        process.stdout.write(`ok ${i + 1} - ${t.name} (${Date.now() - t0} ms)\n`);
      } catch (e) {
        results.failed++;
        await page.screenshot({ path: path.join(repoRoot, '.cache', 'e2e', `failure-${i + 1}.png`), fullPage: true }).catch(() => {});
        process.stdout.write(`not ok ${i + 1} - ${t.name}\n  ${String(e instanceof Error ? e.message : e).split('\n').join('\n  ')}\n`);
      }
    }
  } catch (e) {
    results.failed++;
    process.stdout.write(`not ok - e2e setup: ${e instanceof Error ? e.message : String(e)}\n`);
    process.stdout.write(fs.readFileSync(logFile, 'utf8').split('\n').slice(-40).join('\n'));
  } finally {
    await browser?.close().catch(() => {});
    try {
      process.kill(-portal.pid!, 'SIGTERM');
    } catch {
      // already gone
    }
    await demo.stop();
  }
  for (const [what, ms] of Object.entries(timings)) process.stdout.write(`# measured: ${what}: ${ms} ms\n`);
  process.stdout.write(`# e2e: ${results.passed} passed, ${results.failed} failed\n`);
  if (process.env.E2E_RESULTS) fs.writeFileSync(process.env.E2E_RESULTS, JSON.stringify(results));
  process.exit(results.failed ? 1 : 0);
}

main();

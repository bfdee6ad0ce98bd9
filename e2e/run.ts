/*
 * End-to-end: the real portal (backstage-cli repo start) with the real demo
 * registry, driven by Debian's Chromium through playwright-core.
 * Run by the README's test command; prints one line per test and writes
 * {passed, failed} to $E2E_RESULTS.
 *
 *   node -r sucrase/register/ts e2e/run.ts
 */
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Browser, Page, chromium } from 'playwright-core';
import { freePort, startRegistry, waitFor, RunningRegistry } from '../packages/test-env/src';
import { DEMO_REGISTRY_HOST, demoRevision, seedDemoRegistry } from '../packages/test-env/src/demo/seed';

const repoRoot = path.resolve(__dirname, '..');
const screenshots = path.join(repoRoot, 'plugins', 'mlops', 'docs', 'screenshots');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

interface Env {
  reg: RunningRegistry;
  appUrl: string;
  backendUrl: string;
  portal: ChildProcess;
  browser: Browser;
  page: Page;
}

const tests: Array<{ name: string; fn: (env: Env) => Promise<void> }> = [];
const test = (name: string, fn: (env: Env) => Promise<void>) => tests.push({ name, fn });

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

async function openEntity(env: Env, name: string) {
  await env.page.goto(`${env.appUrl}/catalog/default/component/${name}`);
  const title = env.page.getByText('Container image', { exact: true });
  const enter = env.page.getByRole('button', { name: /^enter$/i });
  // First visit: the guest sign-in page (the dev bundle may still be compiling).
  await title.or(enter).first().waitFor({ timeout: 180_000 });
  if (await enter.isVisible()) {
    await enter.click();
    await title.waitFor({ timeout: 60_000 });
  }
}

async function cardByTitle(env: Env) {
  // The InfoCard whose header reads "Container image".
  return env.page.locator('.MuiCard-root').filter({ has: env.page.getByText('Container image', { exact: true }) });
}

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

test('no API response to the browser contains the registry password', async env => {
  const seen: string[] = [];
  const listener = async (res: { url(): string; text(): Promise<string> }) => {
    if (res.url().includes('/api/')) seen.push(await res.text().catch(() => ''));
  };
  env.page.on('response', listener);
  await openEntity(env, 'fraud-detector');
  await (await cardByTitle(env)).getByRole('table').waitFor({ timeout: 30_000 });
  env.page.off('response', listener);
  assert(seen.length > 0, 'saw API responses');
  for (const body of seen) assert(!body.includes(env.reg.password!), 'a response contained the registry password');
});

async function main() {
  const results = { passed: 0, failed: 0 };
  fs.mkdirSync(screenshots, { recursive: true });
  const appPort = await freePort();
  const backendPort = await freePort();
  const appUrl = `http://localhost:${appPort}`;
  const backendUrl = `http://localhost:${backendPort}`;
  const reg = await startRegistry({ auth: 'token', username: 'portal', password: `e2e-${process.pid}-secret` });
  await seedDemoRegistry(reg);
  const configOut = path.join(repoRoot, '.cache', 'e2e', 'app-config.e2e.yaml');
  fs.mkdirSync(path.dirname(configOut), { recursive: true });
  fs.writeFileSync(
    configOut,
    JSON.stringify({
      app: { baseUrl: appUrl },
      backend: { baseUrl: backendUrl, listen: { port: backendPort }, cors: { origin: appUrl } },
      mlops: {
        registries: [
          { name: 'demo-registry', url: reg.url, host: DEMO_REGISTRY_HOST, username: reg.username, password: reg.password, refreshSeconds: 5, timeoutMs: 3000 },
        ],
      },
    }),
  );
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
    const env: Env = { reg, appUrl, backendUrl, portal, browser, page };
    for (const [i, t] of tests.entries()) {
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
    await reg.stop();
  }
  process.stdout.write(`# e2e: ${results.passed} passed, ${results.failed} failed\n`);
  if (process.env.E2E_RESULTS) fs.writeFileSync(process.env.E2E_RESULTS, JSON.stringify(results));
  process.exit(results.failed ? 1 : 0);
}

main();

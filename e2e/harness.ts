/**
 * The e2e harness: the test registry, the environment every test gets, and
 * helpers that find what a person sees on a page (cards by their title).
 */
import path from 'node:path';
import { ChildProcess } from 'node:child_process';
import { Browser, Page } from 'playwright-core';
import { RunningRegistry } from '../packages/test-env/src';
import { DemoEnvironment } from '../packages/test-env/src/demo/environment';

export const repoRoot = path.resolve(__dirname, '..');
export const screenshots = path.join(repoRoot, 'plugins', 'mlops', 'docs', 'screenshots');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface Env {
  demo: DemoEnvironment;
  reg: RunningRegistry;
  appUrl: string;
  backendUrl: string;
  portal: ChildProcess;
  browser: Browser;
  page: Page;
}

export const tests: Array<{ name: string; fn: (env: Env) => Promise<void> }> = [];
export const test = (name: string, fn: (env: Env) => Promise<void>) => tests.push({ name, fn });

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

export async function openEntity(env: Env, name: string) {
  const title = env.page.getByText('Container image', { exact: true });
  const enter = env.page.getByRole('button', { name: /^enter$/i });
  const notFound = env.page.getByText('Entity not found', { exact: true });
  // The catalog may still be ingesting (the e2e catalog holds 1,000 more services).
  const deadline = Date.now() + 240_000;
  for (;;) {
    await env.page.goto(`${env.appUrl}/catalog/default/component/${name}`, { timeout: 120_000 });
    // First visit: the guest sign-in page (the dev bundle may still be compiling).
    await title.or(enter).or(notFound).first().waitFor({ timeout: 180_000 });
    if (await enter.isVisible()) {
      await enter.click();
      await title.or(notFound).first().waitFor({ timeout: 60_000 });
    }
    if (!(await notFound.isVisible())) return;
    if (Date.now() > deadline) throw new Error(`the catalog has no ${name} after 4 minutes`);
    await new Promise(r => setTimeout(r, 3000));
  }
}

/** Roadie's Argo CD overview (a Backstage Table, not an InfoCard). */
export function roadieOverview(env: Env) {
  return env.page
    .locator('.MuiPaper-root')
    .filter({ has: env.page.getByText('ArgoCD overview', { exact: true }) })
    .last();
}

export async function cardByTitle(env: Env) {
  // The InfoCard whose header reads "Container image".
  return env.page.locator('.MuiCard-root').filter({ has: env.page.getByText('Container image', { exact: true }) });
}

/** The Backstage InfoCard whose header title is exactly `title`. */
export function card(env: Env, title: string) {
  return env.page.locator('.MuiCard-root').filter({
    has: env.page.locator('.MuiCardHeader-title', { hasText: new RegExp(`^${title}$`) }),
  });
}

export async function cardText(env: Env, title: string, waitFor: RegExp, timeout = 60_000) {
  const c = card(env, title);
  await c.getByText(waitFor).first().waitFor({ timeout });
  return c.innerText();
}

export const timings: Record<string, number> = {};


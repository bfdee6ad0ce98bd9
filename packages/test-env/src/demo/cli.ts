/*
 * The demo environment behind the README's start command: starts a real
 * registry (Debian's docker-registry, token auth) on a free 127.0.0.1 port,
 * pushes the demo images, writes the app-config the portal is started with,
 * prints one `DEMO-READY {json}` line, and keeps the registry running until
 * it gets SIGINT/SIGTERM or its stdin closes.
 *
 *   node -r sucrase/register/ts packages/test-env/src/demo/cli.ts \
 *     --config-out .cache/demo/app-config.generated.yaml [--app-port 3000] [--backend-port 7007]
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { startRegistry } from '../registry';
import { DEMO_REGISTRY_HOST, seedDemoRegistry } from './seed';

function arg(name: string, fallback?: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? process.argv[i + 1] : fallback;
  if (value === undefined) throw new Error(`missing --${name}`);
  return value;
}

async function main() {
  const configOut = path.resolve(arg('config-out'));
  const appPort = Number(arg('app-port', '3000'));
  const backendPort = Number(arg('backend-port', '7007'));
  const password = randomBytes(12).toString('hex');
  const started = Date.now();
  const reg = await startRegistry({ auth: 'token', username: 'portal', password });
  const images = await seedDemoRegistry(reg);

  // JSON is valid YAML: no YAML library needed to write the config.
  const config = {
    app: { baseUrl: `http://localhost:${appPort}` },
    backend: {
      baseUrl: `http://localhost:${backendPort}`,
      listen: { port: backendPort },
      cors: { origin: `http://localhost:${appPort}` },
    },
    mlops: {
      registries: [
        {
          name: 'demo-registry',
          url: reg.url,
          host: DEMO_REGISTRY_HOST,
          username: 'portal',
          password,
          refreshSeconds: 5,
          timeoutMs: 3000,
        },
      ],
    },
  };
  fs.mkdirSync(path.dirname(configOut), { recursive: true });
  fs.writeFileSync(
    configOut,
    `# Written by packages/test-env/src/demo/cli.ts for this run only (git-ignored).\n${JSON.stringify(config, null, 2)}\n`,
    { mode: 0o600 },
  );
  process.stdout.write(
    `DEMO-READY ${JSON.stringify({ registry: reg.url, images, configOut, ms: Date.now() - started })}\n`,
  );

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await reg.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.stdin.on('end', stop);
  process.stdin.resume();
}

main().catch(e => {
  process.stderr.write(`demo environment failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});

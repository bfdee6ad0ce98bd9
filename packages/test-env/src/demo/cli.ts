/*
 * The demo environment behind the README's start command: starts every
 * upstream the portal reads (see environment.ts: a real registry,
 * kube-apiserver and Prometheus, and support-chat's real generated FastAPI
 * service; simulated Jenkins, Argo CD, the other model servers and DCGM
 * exporters) on free 127.0.0.1 ports, writes the app-config the
 * portal is started with, prints one `DEMO-READY {json}` line, and keeps
 * everything running until it gets SIGINT/SIGTERM or its stdin closes.
 *
 *   node -r sucrase/register/ts packages/test-env/src/demo/cli.ts \
 *     --config-out .cache/demo/app-config.generated.yaml [--app-port 3000] [--backend-port 7007] \
 *     [--deliver-every 120]   (seconds between the delivery loop's own commits to support-chat; 0 = none)
 */
import fs from 'node:fs';
import path from 'node:path';
import { startDemoEnvironment } from './environment';

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
  const verbose = process.argv.includes('--verbose');
  // support-chat's delivery loop commits on its own this often (0: only on request).
  const deliverEverySeconds = Number(arg('deliver-every', '120'));
  const env = await startDemoEnvironment({
    appPort,
    backendPort,
    deliveryEveryMs: deliverEverySeconds * 1000,
    log: line => {
      // Progress lines only; the children's own output with --verbose.
      if (verbose || line.startsWith('[demo]'))
        process.stdout.write(`${line}\n`);
    },
  });

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await env.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.stdin.on('end', stop);
  process.stdin.resume();

  // JSON is valid YAML: no YAML library needed to write the config.
  fs.mkdirSync(path.dirname(configOut), { recursive: true });
  fs.writeFileSync(
    configOut,
    `# Written by packages/test-env/src/demo/cli.ts for this run only (git-ignored).\n${JSON.stringify(
      env.config,
      null,
      2,
    )}\n`,
    { mode: 0o600 },
  );
  process.stdout.write(
    `DEMO-READY ${JSON.stringify({
      registry: env.registry.url,
      images: env.images.length,
      kubernetes: env.kube.url,
      prometheus: env.prometheus.url,
      jenkins: env.jenkins.sim.url,
      argocd: env.argocd.sim.url,
      // Simulators only; the real generated FastAPI service is `realModelServers`.
      modelServers: env.modelServers.servers.map(s => ({
        service: s.service,
        pod: s.pod,
        url: s.url,
      })),
      realModelServers: env.fastapi
        ? [
            {
              service: 'support-chat',
              endpoint: env.fastapi.url,
              pid: env.fastapi.service()?.pid ?? null,
            },
          ]
        : [],
      // The delivery loop: `git commit` in a source repository starts a delivery.
      deliveryLoop: env.delivery
        ? {
            sourceRepositories: env.delivery.services.map(s => s.sourceRepo),
            gitopsRepository: env.delivery.services[0]?.gitopsRepo ?? null,
            commitsEverySeconds: deliverEverySeconds,
          }
        : null,
      // Why a part of the demo is not real here (e.g. python3 packages missing).
      problems: [env.deliveryProblem].filter(Boolean),
      dcgmExporters: env.dcgm.exporters.map(d => ({
        node: d.node,
        url: d.sim.url,
      })),
      pods: env.cluster.pods.length,
      configOut,
      ms: env.ms,
    })}\n`,
  );
}

main().catch(e => {
  process.stderr.write(
    `demo environment failed: ${
      e instanceof Error ? e.stack ?? e.message : String(e)
    }\n`,
  );
  process.exit(1);
});

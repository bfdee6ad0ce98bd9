/**
 * support-chat's real model server, without the rest of the demo: the
 * template's FastAPI source rendered with a generated entity's values, and
 * what happens on a machine whose python3 lacks Debian's packages (the demo
 * still starts, says why, and seeds support-chat's pod as crash-looping).
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  MODEL_SERVICE_TEMPLATE,
  generatedFastapiValues,
  renderSkeleton,
} from './generatedFastapi';
import { DEMO_SERVICES } from './scenario';

jest.setTimeout(60_000);

const plan = DEMO_SERVICES.find(s => s.name === 'support-chat')!;

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-generated-fastapi-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function refused(host: string, port: number): Promise<boolean> {
  return new Promise(resolve => {
    const socket = net.connect(port, host);
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

describe('renderSkeleton', () => {
  it("renders the template's FastAPI source with a generated CPU entity's values, as fetch:template does", () => {
    const out = path.join(tmp, 'render');
    const files = renderSkeleton(
      path.join(MODEL_SERVICE_TEMPLATE, 'skeleton', 'source', 'fastapi'),
      generatedFastapiValues(plan),
      out,
    );
    expect(files.sort()).toEqual(
      expect.arrayContaining(['Dockerfile', 'app/main.py', 'requirements.txt']),
    );
    const main = fs.readFileSync(path.join(out, 'app', 'main.py'), 'utf8');
    expect(main).not.toMatch(/\$\{\{|\{%|%\}/);
    expect(main).toContain('"""support-chat: a minimal OpenAI-compatible');
    expect(main).toContain(
      'MODEL_NAME = os.environ.get("MODEL_NAME", "support")',
    );
    // gpuCount 0: the CPU wheels; trimBlocks: no blank lines left by the tags.
    const requirements = fs.readFileSync(
      path.join(out, 'requirements.txt'),
      'utf8',
    );
    expect(requirements).toMatch(/^torch==[\d.]+\+cpu$/m);
    expect(requirements).not.toMatch(/redis|chromadb|\n\n/);
    expect(fs.readFileSync(path.join(out, 'Dockerfile'), 'utf8')).toContain(
      'MODEL_NAME=support',
    );
  });
});

describe('without python3-fastapi, -uvicorn, -torch and -prometheus-client', () => {
  // A python3 that sees no dist-packages, as on a machine without those Debian packages.
  let fakePython: string;
  beforeAll(() => {
    fakePython = path.join(tmp, 'python3-without-packages');
    fs.writeFileSync(fakePython, '#!/bin/sh\nexec /usr/bin/python3 -S "$@"\n', {
      mode: 0o755,
    });
  });

  /** Loads the demo modules afresh with MLOPS_PYTHON set (read when ../fastapi loads). */
  function withFakePython<T>(load: () => T): T {
    const before = process.env.MLOPS_PYTHON;
    process.env.MLOPS_PYTHON = fakePython;
    try {
      let loaded: T | undefined;
      jest.isolateModules(() => {
        loaded = load();
      });
      return loaded!;
    } finally {
      if (before === undefined) delete process.env.MLOPS_PYTHON;
      else process.env.MLOPS_PYTHON = before;
    }
  }

  it('startGeneratedFastapi says what is missing and how to install it, and leaves nothing behind', async () => {
    const { startGeneratedFastapi } = withFakePython(
      () =>
        require('./generatedFastapi') as typeof import('./generatedFastapi'),
    );
    const before = fs
      .readdirSync(os.tmpdir())
      .filter(d => d.startsWith('demo-support-chat-'));
    const address = { host: '127.0.8.83', port: 18000 };
    const result = await startGeneratedFastapi(plan, { address });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toContain(
      `support-chat's model server (the template's FastAPI app under ${fakePython}) did not start`,
    );
    expect(result.reason).toContain("No module named 'torch'");
    expect(result.reason).toContain('apt-get install');
    expect(result.reason).toContain('python3-torch');
    expect(await refused(address.host, address.port)).toBe(true);
    expect(
      fs
        .readdirSync(os.tmpdir())
        .filter(d => d.startsWith('demo-support-chat-')),
    ).toEqual(before);
  });

  it('the demo still starts the other services, logs why support-chat has no server, and seeds its pod as crash-looping', async () => {
    const { startDemoEnvironment } = withFakePython(
      () => require('./environment') as typeof import('./environment'),
    );
    const lines: string[] = [];
    const env = await startDemoEnvironment({
      requestsPerSecond: 0,
      scrapeIntervalSeconds: 1,
      rolloutController: false,
      torchserveManagementAddress: { host: '127.0.0.1', port: 0 },
      fastapiAddress: { host: '127.0.0.1', port: 0 },
      log: line => lines.push(line),
    });
    try {
      expect(env.generatedFastapi?.ok).toBe(false);
      const warning = lines.find(l =>
        l.startsWith("[demo] warning: support-chat's model server"),
      );
      expect(warning).toContain("No module named 'torch'");
      expect(warning).toContain('apt-get install');

      // The simulated services are there as always.
      expect(
        [...new Set(env.modelServers.servers.map(s => s.service))].sort(),
      ).toEqual(['fraud-detector', 'image-classifier', 'llm-chat']);
      const ping = await fetch(
        `${env.modelServers.endpoints['fraud-detector']}/ping`,
        {
          headers: {
            authorization: `Bearer ${env.modelServers.torchserveToken}`,
          },
        },
      );
      expect(ping.status).toBe(200);

      const [pod] = await env.kubeAdmin.list<{
        metadata: { name: string };
        status: {
          containerStatuses: Array<{
            state: { waiting?: { reason: string } };
            lastState: { terminated?: { exitCode: number; message: string } };
          }>;
        };
      }>('v1', 'pods', 'genai', 'backstage.io/kubernetes-id=support-chat');
      const container = pod.status.containerStatuses[0];
      expect(container.state.waiting?.reason).toBe('CrashLoopBackOff');
      expect(container.lastState.terminated?.exitCode).toBe(1);
      expect(container.lastState.terminated?.message).toContain(
        "No module named 'torch'",
      );
      expect(
        env.services.find(s => s.name === 'support-chat')?.pods[0].state,
      ).toBe('crash-loop');
    } finally {
      await env.stop();
    }
  });
});

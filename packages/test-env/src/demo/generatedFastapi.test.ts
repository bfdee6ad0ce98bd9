/**
 * support-chat's real model server, without the rest of the demo: the
 * template's FastAPI source rendered with a generated entity's values, and
 * what happens on a machine whose python3 lacks Debian's packages (the demo
 * still starts, says why, and support-chat's pods crash-loop with the reason).
 */
import fs from 'node:fs';
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

  it('fastapiMissing says what is missing and how to install it', async () => {
    const { fastapiMissing } = withFakePython(
      () => require('./deliveryLoop') as typeof import('./deliveryLoop'),
    );
    const missing = await fastapiMissing();
    expect(missing).toContain("No module named 'fastapi'");
    expect(missing).toContain('apt-get install');
    expect(missing).toContain('python3-torch');
  });

  it('the demo still starts the other services, logs why support-chat has no server, and its delivered pods crash-loop saying so', async () => {
    const { startDemoEnvironment } = withFakePython(
      () => require('./environment') as typeof import('./environment'),
    );
    const lines: string[] = [];
    const env = await startDemoEnvironment({
      requestsPerSecond: 0,
      scrapeIntervalSeconds: 1,
      rolloutController: false,
      buildStageMs: 100,
      torchserveManagementAddress: { host: '127.0.0.1', port: 0 },
      fastapiAddress: { host: '127.0.0.1', port: 0 },
      log: line => lines.push(line),
    });
    try {
      expect(env.deliveryProblem).toContain(
        `support-chat's model server (the template's FastAPI app under ${fakePython}) cannot start`,
      );
      const warning = lines.find(l =>
        l.startsWith("[demo] warning: support-chat's model server"),
      );
      expect(warning).toContain("No module named 'fastapi'");
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

      // The loop still delivers support-chat; its pods crash with the reason.
      type Pod = {
        status: {
          containerStatuses?: Array<{
            state: { waiting?: { reason: string } };
            lastState: { terminated?: { exitCode: number; message?: string } };
          }>;
        };
      };
      let container: NonNullable<Pod['status']['containerStatuses']>[0] | undefined;
      const deadline = Date.now() + 90_000;
      while (Date.now() < deadline) {
        const [pod] = await env.kubeAdmin.list<Pod>(
          'v1',
          'pods',
          'genai',
          'backstage.io/kubernetes-id=support-chat',
        );
        container = pod?.status?.containerStatuses?.[0];
        if (container?.lastState.terminated) break;
        await new Promise(r => setTimeout(r, 500));
      }
      expect(container?.state.waiting?.reason).toBe('CrashLoopBackOff');
      expect(container?.lastState.terminated?.exitCode).toBe(1);
      expect(container?.lastState.terminated?.message).toContain(
        "No module named 'fastapi'",
      );
    } finally {
      await env.stop();
    }
  });
});

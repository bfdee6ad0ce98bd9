import {
  OipSimulator,
  TorchServeSimulator,
  VllmSimulator,
  startOipSimulator,
  startTorchServeSimulator,
  startVllmSimulator,
} from '@internal/simulators';
import { InferenceReport } from '@internal/plugin-mlops-common';
import { InferenceConfig } from './config';
import { InferenceProber } from './InferenceProber';
import { servingFactOf } from './servingFact';
import { InferenceTarget } from './target';

jest.setTimeout(30_000);

const hostOf = (url: string) => new URL(url).host;

function prober(
  allowed: string[],
  extra: Partial<InferenceConfig> = {},
  now?: () => number,
) {
  return InferenceProber.create({
    config: {
      allowedEndpoints: allowed,
      timeoutMs: 2000,
      refreshSeconds: 15,
      perHostConcurrency: 2,
      ...extra,
    },
    now,
  });
}

const probe = (
  allowed: string[],
  target: InferenceTarget,
  extra: Partial<InferenceConfig> = {},
) => prober(allowed, extra).probe(target);

/** The parts of a report a card shows, for compact expectations. */
const verdict = (r: InferenceReport) => ({
  live: r.live,
  ready: r.ready,
  modelReady: r.modelReady,
  status: r.health.status,
  fault: r.health.problem?.fault,
});

describe('InferenceProber: TorchServe', () => {
  let ts: TorchServeSimulator;
  let allowed: string[];
  let target: InferenceTarget;
  beforeAll(async () => {
    ts = await startTorchServeSimulator({
      models: [{ name: 'fraud', minWorkers: 2 }],
    });
    allowed = [hostOf(ts.inferenceUrl), hostOf(ts.managementUrl)];
    target = {
      endpoint: ts.inferenceUrl,
      protocol: 'torchserve',
      model: 'fraud',
      managementEndpoint: ts.managementUrl,
    };
  });
  afterAll(() => ts.stop());
  const tokens = () => ({
    torchserveToken: ts.keys.inference,
    torchserveManagementToken: ts.keys.management,
  });

  it('is ok with both keys: /ping Healthy and 2/2 workers READY, with the latency of /ping', async () => {
    const r = await probe(allowed, target, tokens());
    expect(verdict(r)).toEqual({
      live: true,
      ready: true,
      modelReady: true,
      status: 'ok',
      fault: undefined,
    });
    expect(r.latencyMs).toBeGreaterThanOrEqual(0);
    expect(r.latencyMs).toBeLessThan(2000);
    expect(r.checks).toEqual([
      expect.objectContaining({
        kind: 'ready',
        path: '/ping',
        httpStatus: 200,
        ok: true,
        detail: '/ping: Healthy',
      }),
      expect.objectContaining({
        kind: 'model-ready',
        path: '/models/fraud',
        httpStatus: 200,
        ok: true,
        detail: 'model fraud: 2/2 workers READY (minWorkers 2)',
      }),
    ]);
    expect(r.health.reason).toMatch(
      /^live and ready, model fraud ready \(\d+ ms\)$/,
    );
  });

  it('says token auth is on when /ping answers 400 and no key is configured', async () => {
    const r = await probe(allowed, target);
    expect(verdict(r)).toEqual({
      live: true,
      ready: undefined,
      modelReady: undefined,
      status: 'unknown',
      fault: 'unauthorized',
    });
    expect(r.health.problem?.message).toContain(
      'token auth is on: configure mlops.inference.torchserveToken',
    );
    expect(r.checks[0]).toMatchObject({ path: '/ping', httpStatus: 400 });
  });

  it('says the configured key was rejected, without showing it', async () => {
    const r = await probe(allowed, target, {
      torchserveToken: 'not-the-key',
      torchserveManagementToken: ts.keys.management,
    });
    expect(r.health.problem).toMatchObject({
      fault: 'unauthorized',
      httpStatus: 400,
    });
    expect(r.health.problem?.message).toContain(
      'rejected mlops.inference.torchserveToken',
    );
    expect(JSON.stringify(r)).not.toContain('not-the-key');
    expect(JSON.stringify(r)).not.toContain(ts.keys.management);
  });

  it('warns when a worker is missing (/ping 500 Unhealthy) and errs when none is READY', async () => {
    ts.setReadyWorkers('fraud', 1);
    const partial = await probe(allowed, target, tokens());
    expect(verdict(partial)).toMatchObject({
      ready: false,
      modelReady: true,
      status: 'warning',
    });
    expect(partial.health.reason).toContain('/ping: Unhealthy');
    ts.setReadyWorkers('fraud', 0);
    const none = await probe(allowed, target, tokens());
    expect(verdict(none)).toMatchObject({
      live: true,
      ready: false,
      modelReady: false,
      status: 'error',
    });
    expect(none.health.reason).toBe(
      'model fraud is not ready: model fraud: 0/2 workers READY (minWorkers 2)',
    );
    ts.setReadyWorkers('fraud', 2);
  });

  it('does not trust /ping alone: no management endpoint leaves the model unknown', async () => {
    const r = await probe(
      allowed,
      { endpoint: ts.inferenceUrl, protocol: 'torchserve', model: 'fraud' },
      tokens(),
    );
    expect(verdict(r)).toEqual({
      live: true,
      ready: true,
      modelReady: undefined,
      status: 'unknown',
      fault: undefined,
    });
    expect(r.health.reason).toContain(
      "TorchServe's /ping says Healthy even when no model is loaded",
    );
  });

  it('reports a model that is not registered, and a management API that wants its key', async () => {
    const missing = await probe(
      allowed,
      { ...target, model: 'churn' },
      tokens(),
    );
    expect(verdict(missing)).toMatchObject({
      modelReady: false,
      status: 'error',
    });
    expect(missing.health.reason).toContain(
      'model churn is not registered (ModelNotFoundException: Model not found: churn)',
    );
    const noKey = await probe(allowed, target, {
      torchserveToken: ts.keys.inference,
    });
    expect(verdict(noKey)).toMatchObject({
      ready: true,
      modelReady: undefined,
      status: 'unknown',
      fault: 'unauthorized',
    });
    expect(noKey.health.problem?.message).toContain(
      'configure mlops.inference.torchserveManagementToken',
    );
    expect(noKey.health.problem?.upstream).toBe(
      `TorchServe management ${hostOf(ts.managementUrl)}`,
    );
  });

  it('reports a server that is down as unreachable and a hanging one as timed out', async () => {
    await ts.setFault({ mode: 'down' }, 'inference');
    const down = await probe(allowed, target, tokens());
    expect(verdict(down)).toMatchObject({
      live: undefined,
      status: 'error',
      fault: 'unreachable',
    });
    expect(down.health.reason).toBe(
      `TorchServe ${hostOf(
        ts.inferenceUrl,
      )} refused the connection (is it running?)`,
    );
    await ts.setFault({ mode: 'slow', delayMs: 5000 }, 'inference');
    const started = Date.now();
    const slow = await probe(allowed, target, { ...tokens(), timeoutMs: 500 });
    expect(verdict(slow)).toMatchObject({ status: 'error', fault: 'timeout' });
    expect(Date.now() - started).toBeLessThan(2000);
    await ts.setFault({ mode: 'none' }, 'all');
  });
});

describe.each(['kserve', 'triton'] as const)(
  'InferenceProber: Open Inference Protocol (%s flavour)',
  flavour => {
    let sim: OipSimulator;
    let allowed: string[];
    let target: InferenceTarget;
    const notReady = flavour === 'kserve' ? 503 : 400;
    beforeAll(async () => {
      sim = await startOipSimulator({ flavour, models: [{ name: 'resnet' }] });
      allowed = [hostOf(sim.url)];
      target = {
        endpoint: sim.url,
        protocol: flavour === 'kserve' ? 'kserve-v2' : 'triton',
        model: 'resnet',
      };
    });
    afterAll(() => sim.stop());

    it('is ok when live, ready and the model is ready (judged by status code, whatever the body)', async () => {
      const r = await probe(allowed, target);
      expect(verdict(r)).toEqual({
        live: true,
        ready: true,
        modelReady: true,
        status: 'ok',
        fault: undefined,
      });
      expect(r.checks.map(c => [c.path, c.httpStatus, c.ok])).toEqual([
        ['/v2/health/live', 200, true],
        ['/v2/health/ready', 200, true],
        ['/v2/models/resnet/ready', 200, true],
      ]);
    });

    it(`reads a model that is not ready (${notReady}) as an error`, async () => {
      sim.setModelReady('resnet', false);
      const r = await probe(allowed, target);
      sim.setModelReady('resnet', true);
      expect(verdict(r)).toMatchObject({
        live: true,
        ready: true,
        modelReady: false,
        status: 'error',
      });
      expect(r.checks[2]).toMatchObject({ httpStatus: notReady, ok: false });
    });

    it(`reads a server that is not ready (${notReady}) but whose model is as a warning`, async () => {
      sim.setServerReady(false);
      const r = await probe(allowed, target);
      sim.setServerReady(true);
      expect(verdict(r)).toMatchObject({
        live: true,
        ready: false,
        modelReady: true,
        status: 'warning',
      });
      expect(r.checks[1]).toMatchObject({ httpStatus: notReady, ok: false });
      expect(
        r.health.reason.includes('while it loads models in explicit mode'),
      ).toBe(flavour === 'triton');
    });

    it('reads an unknown model and a dead server as errors', async () => {
      const unknown = await probe(allowed, { ...target, model: 'bert' });
      expect(verdict(unknown)).toMatchObject({
        modelReady: false,
        status: 'error',
      });
      expect(unknown.health.reason).toContain(
        flavour === 'kserve'
          ? 'model bert does not exist'
          : "unknown model: 'bert'",
      );
      sim.setServerLive(false);
      const dead = await probe(allowed, target);
      sim.setServerLive(true);
      expect(verdict(dead)).toMatchObject({ live: false, status: 'error' });
    });

    it('keeps the model unknown (never ok) without a model name', async () => {
      const r = await probe(allowed, { ...target, model: undefined });
      expect(verdict(r)).toEqual({
        live: true,
        ready: true,
        modelReady: undefined,
        status: 'unknown',
        fault: undefined,
      });
      expect(r.health.reason).toContain('set annotation mlops.io/model-name');
    });
  },
);

describe('InferenceProber: vLLM (openai)', () => {
  it('says "not listening yet" while the weights load, then ok once /health and /v1/models answer', async () => {
    const vllm = await startVllmSimulator({
      servedModelName: 'llama',
      loadDelayMs: 1500,
    });
    try {
      const allowed = [hostOf(vllm.url)];
      const target: InferenceTarget = {
        endpoint: vllm.url,
        protocol: 'openai',
        model: 'llama',
      };
      const loading = await probe(allowed, target);
      expect(verdict(loading)).toMatchObject({
        status: 'error',
        fault: 'unreachable',
      });
      expect(loading.health.reason).toContain(
        'not listening yet (model may be loading)',
      );
      await vllm.loaded;
      const r = await probe(allowed, target);
      expect(verdict(r)).toEqual({
        live: true,
        ready: true,
        modelReady: true,
        status: 'ok',
        fault: undefined,
      });
      const other = await probe(allowed, { ...target, model: 'mistral' });
      expect(verdict(other)).toMatchObject({
        modelReady: false,
        status: 'error',
      });
      expect(other.health.reason).toContain('serves llama, not mistral');
    } finally {
      await vllm.stop();
    }
  });

  describe('with --api-key', () => {
    let vllm: VllmSimulator;
    beforeAll(async () => {
      vllm = await startVllmSimulator({
        servedModelName: 'llama',
        apiKey: 'sk-vllm-key',
      });
    });
    afterAll(() => vllm.stop());
    const target = () => ({
      endpoint: vllm.url,
      protocol: 'openai' as const,
      model: 'llama',
    });

    it('reads /health (open) but needs the key for /v1/models', async () => {
      const r = await probe([hostOf(vllm.url)], target());
      expect(verdict(r)).toEqual({
        live: true,
        ready: true,
        modelReady: undefined,
        status: 'unknown',
        fault: 'unauthorized',
      });
      expect(r.health.reason).toContain(
        'configure mlops.inference.openaiApiKey',
      );
      const keyed = await probe([hostOf(vllm.url)], target(), {
        openaiApiKey: 'sk-vllm-key',
      });
      expect(verdict(keyed).status).toBe('ok');
    });

    it('reads an empty 503 from /health as a dead engine', async () => {
      vllm.setEngineDead(true);
      const r = await probe([hostOf(vllm.url)], target(), {
        openaiApiKey: 'sk-vllm-key',
      });
      vllm.setEngineDead(false);
      expect(verdict(r)).toMatchObject({
        live: true,
        ready: false,
        status: 'error',
      });
      expect(r.health.reason).toContain('EngineDeadError');
    });
  });
});

describe('InferenceProber: plain http, policy, cache and limits', () => {
  let sim: OipSimulator;
  let other: OipSimulator;
  beforeAll(async () => {
    sim = await startOipSimulator({
      flavour: 'kserve',
      models: [{ name: 'resnet' }],
    });
    other = await startOipSimulator({
      flavour: 'kserve',
      models: [{ name: 'resnet' }],
    });
  });
  afterAll(async () => {
    await sim.stop();
    await other.stop();
  });

  it('http: 2xx on the given path is ready, anything else is not', async () => {
    const target: InferenceTarget = {
      endpoint: `${sim.url}/v2/health/ready`,
      protocol: 'http',
    };
    const ok = await probe([hostOf(sim.url)], target);
    expect(verdict(ok)).toEqual({
      live: true,
      ready: true,
      modelReady: true,
      status: 'ok',
      fault: undefined,
    });
    sim.setServerReady(false);
    const not = await probe([hostOf(sim.url)], target);
    sim.setServerReady(true);
    expect(verdict(not)).toMatchObject({
      live: true,
      ready: false,
      status: 'error',
    });
    expect(not.health.reason).toBe(
      'the server is not ready: GET /v2/health/ready: 503 (Server is not ready.)',
    );
  });

  it('fetches nothing from an endpoint (or management endpoint) the rules do not allow', async () => {
    const before = other.requests().length + sim.requests().length;
    const r = await probe([hostOf(sim.url)], {
      endpoint: other.url,
      protocol: 'kserve-v2',
      model: 'resnet',
    });
    expect(verdict(r)).toEqual({
      live: undefined,
      ready: undefined,
      modelReady: undefined,
      status: 'unknown',
      fault: 'not-allowed',
    });
    expect(r.health.problem?.message).toContain(
      `port ${new URL(other.url).port} of 127.0.0.1 is not allowed`,
    );
    expect(r.health.problem?.message).toContain(
      'allow it in mlops.inference.allowedEndpoints',
    );
    const mgmt = await probe([hostOf(sim.url)], {
      endpoint: sim.url,
      protocol: 'torchserve',
      model: 'resnet',
      managementEndpoint: other.url,
    });
    expect(mgmt.health.problem).toMatchObject({ fault: 'not-allowed' });
    expect(mgmt.health.problem?.message).toContain(
      'mlops.io/inference-management-endpoint',
    );
    expect(other.requests().length + sim.requests().length).toBe(before);
    expect(servingFactOf(r)).toEqual({ problem: r.health.problem });
  });

  it('serves one cached report per endpoint for refreshSeconds (re-probed ahead in its last quarter), one upstream read for concurrent callers', async () => {
    let clock = Date.parse('2026-11-22T10:00:00Z');
    const p = prober([hostOf(sim.url)], { refreshSeconds: 15 }, () => clock);
    const target: InferenceTarget = {
      endpoint: sim.url,
      protocol: 'kserve-v2',
      model: 'resnet',
    };
    const count = () =>
      sim.requests().filter(q => q.path.startsWith('/v2/')).length;
    const before = count();
    const reports = await Promise.all([
      p.probe(target),
      p.probe(target),
      p.probe(target),
      p.probe(target),
    ]);
    expect(new Set(reports).size).toBe(1);
    expect(count() - before).toBe(3); // live, ready, model ready: once
    clock += 10_000;
    expect(await p.probe(target)).toBe(reports[0]);
    expect(count() - before).toBe(3);
    // In the last quarter of its 15 s: the cached report at once, probed
    // again in the background (refresh-ahead).
    clock += 4_000;
    expect(await p.probe(target)).toBe(reports[0]);
    const deadline = Date.now() + 5_000;
    while (count() - before < 6 && Date.now() < deadline)
      await new Promise(r => setTimeout(r, 10));
    expect(count() - before).toBe(6);
    clock += 2_000;
    const refreshed = await p.probe(target);
    expect(refreshed.checkedAt).toBe('2026-11-22T10:00:14.000Z');
    expect(count() - before).toBe(6);
    // Nobody asked in time: an expired report is probed before answering.
    clock += 20_000;
    const fresh = await p.probe(target);
    expect(fresh.checkedAt).toBe('2026-11-22T10:00:36.000Z');
    expect(count() - before).toBe(9);
    expect(servingFactOf(fresh)).toEqual({
      ready: true,
      reason: fresh.health.reason,
    });
  });

  it('sends at most perHostConcurrency requests to one host at a time', async () => {
    const target: InferenceTarget = {
      endpoint: sim.url,
      protocol: 'kserve-v2',
      model: 'resnet',
    };
    await sim.setFault({ mode: 'slow', delayMs: 300 });
    try {
      const arrivals = async (limit: number) => {
        const from = sim.requests().length;
        await probe([hostOf(sim.url)], target, { perHostConcurrency: limit });
        const at = sim
          .requests()
          .slice(from)
          .map(q => q.at);
        return at.slice(1).map((t, i) => t - at[i]);
      };
      const serial = await arrivals(1);
      expect(serial).toHaveLength(2);
      for (const gap of serial) expect(gap).toBeGreaterThanOrEqual(250);
      const parallel = await arrivals(3);
      for (const gap of parallel) expect(gap).toBeLessThan(150);
    } finally {
      await sim.setFault({ mode: 'none' });
    }
  });
});

/**
 * Model server simulators: TorchServe (token on /ping, paging, describe as
 * array, metrics modes), KServe vs Triton health flavours, and vLLM (late
 * listener, empty /health bodies, error formats, metrics naming).
 */
import { startTorchServeSimulator, TorchServeSimulator } from './torchserve';
import { startOipSimulator } from './oip';
import { startVllmSimulator } from './vllm';

describe('TorchServe simulator', () => {
  let ts: TorchServeSimulator;
  beforeAll(async () => {
    ts = await startTorchServeSimulator({
      metricsMode: 'prometheus',
      hostname: 'ts-0',
      models: [
        { name: 'fraud', minWorkers: 2 },
        { name: 'churn' },
        { name: 'ranker' },
      ],
    });
  });
  afterAll(() => ts.stop());

  const inf = (path: string, init: RequestInit = {}) =>
    fetch(`${ts.inferenceUrl}${path}`, {
      ...init,
      headers: {
        Authorization: `Bearer ${ts.keys.inference}`,
        ...(init.headers ?? {}),
      },
    });
  const mgmt = (path: string) =>
    fetch(`${ts.managementUrl}${path}`, {
      headers: { Authorization: `Bearer ${ts.keys.management}` },
    });

  it('answers /ping without a token 400 InvalidKeyException (token auth is on by default)', async () => {
    const res = await fetch(`${ts.inferenceUrl}/ping`);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      code: 400,
      type: 'InvalidKeyException',
    });
  });

  it('answers /ping 200 Healthy, and 500 Unhealthy when a model lacks minWorkers', async () => {
    const ok = await inf('/ping');
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ status: 'Healthy' });
    ts.setReadyWorkers('fraud', 1);
    const bad = await inf('/ping');
    expect(bad.status).toBe(500);
    expect(await bad.json()).toEqual({ status: 'Unhealthy' });
    ts.setReadyWorkers('fraud', 2);
  });

  it('says Healthy with no model loaded at all', async () => {
    const empty = await startTorchServeSimulator({ tokenAuth: false });
    try {
      const res = await fetch(`${empty.url}/ping`);
      expect(res.status).toBe(200);
    } finally {
      await empty.stop();
    }
  });

  it('pages /models by offset tokens, giving a token even when a page ends on the last model', async () => {
    const p1 = (await (await mgmt('/models?limit=2')).json()) as {
      nextPageToken?: string;
      models: Array<{ modelName: string }>;
    };
    expect(p1.nextPageToken).toBe('2');
    expect(p1.models.map(m => m.modelName)).toEqual(['churn', 'fraud']);
    const p2 = (await (
      await mgmt('/models?limit=1&next_page_token=2')
    ).json()) as typeof p1;
    expect(p2.models.map(m => m.modelName)).toEqual(['ranker']);
    expect(p2.nextPageToken).toBe('3');
    const p3 = (await (
      await mgmt('/models?limit=1&next_page_token=3')
    ).json()) as typeof p1;
    expect(p3.models).toEqual([]);
    expect(p3).not.toHaveProperty('nextPageToken');
  });

  it('describes a model as an array and answers unknown models with {code,type,message}', async () => {
    const one = (await (await mgmt('/models/fraud')).json()) as Array<{
      modelName: string;
      workers: Array<{ status: string }>;
    }>;
    expect(Array.isArray(one)).toBe(true);
    expect(one[0].modelName).toBe('fraud');
    expect(one[0].workers.map(w => w.status)).toEqual(['READY', 'READY']);
    const missing = await mgmt('/models/nope');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({
      code: 404,
      type: 'ModelNotFoundException',
      message: 'Model not found: nope',
    });
  });

  it('exposes ts_* counters with a trailing comma after the last label, and nothing in log mode', async () => {
    await inf('/predictions/fraud', { method: 'POST', body: '[1,2]' });
    const text = await (await fetch(`${ts.metricsUrl}/metrics`)).text();
    expect(text).toContain('# TYPE ts_inference_requests_total counter\n');
    expect(text).toContain(
      'ts_inference_requests_total{model_name="fraud",model_version="default",hostname="ts-0",} 1.0\n',
    );
    expect(text).toMatch(
      /^Requests2XX\{Level="Host",Hostname="ts-0",\} \d+\.0$/m,
    );
    const logMode = await startTorchServeSimulator({ models: [{ name: 'm' }] });
    try {
      expect(await (await fetch(`${logMode.metricsUrl}/metrics`)).text()).toBe(
        '',
      );
    } finally {
      await logMode.stop();
    }
  });
});

describe('Open Inference Protocol simulators', () => {
  it('KServe flavour answers JSON and 503 when not ready, 404 for an unknown model', async () => {
    const ks = await startOipSimulator({
      flavour: 'kserve',
      models: [{ name: 'iris' }],
    });
    try {
      const ready = await fetch(`${ks.url}/v2/health/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ ready: true });
      ks.setServerReady(false);
      const notReady = await fetch(`${ks.url}/v2/health/ready`);
      expect(notReady.status).toBe(503);
      expect(await notReady.json()).toEqual({ error: 'Server is not ready.' });
      ks.setModelReady('iris', false);
      const model = await fetch(`${ks.url}/v2/models/iris/ready`);
      expect(model.status).toBe(503);
      expect(await model.json()).toEqual({
        error: 'Model with name iris is not ready.',
      });
      const unknown = await fetch(`${ks.url}/v2/models/nope/ready`);
      expect(unknown.status).toBe(404);
      expect(await unknown.json()).toEqual({
        error: 'Model with name nope does not exist.',
      });
      expect(
        ((await (await fetch(`${ks.url}/v2`)).json()) as { name: string }).name,
      ).toBe('kserve');
    } finally {
      await ks.stop();
    }
  });

  it('Triton flavour answers empty bodies and 400 when not ready, and serves the repository index and nv_* metrics', async () => {
    const tr = await startOipSimulator({
      flavour: 'triton',
      models: [{ name: 'resnet', versions: ['1', '2'] }],
      gpus: [
        { uuid: 'GPU-1a2b', utilization: 0.42, memoryUsedBytes: 1_073_741_824 },
      ],
    });
    try {
      const ready = await fetch(`${tr.url}/v2/health/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.text()).toBe('');
      tr.setServerReady(false);
      const notReady = await fetch(`${tr.url}/v2/health/ready`);
      expect(notReady.status).toBe(400);
      expect(await notReady.text()).toBe('');
      expect((await fetch(`${tr.url}/v2/health/live`)).status).toBe(200);
      tr.setModelReady('resnet', false);
      const index = await fetch(`${tr.url}/v2/repository/index`, {
        method: 'POST',
      });
      expect(await index.json()).toEqual([
        {
          name: 'resnet',
          version: '2',
          state: 'UNAVAILABLE',
          reason: 'unloaded',
        },
      ]);
      expect(tr.metricsUrl).not.toBe(tr.url);
      const metrics = await (await fetch(`${tr.metricsUrl}/metrics`)).text();
      expect(metrics).toContain(
        'nv_inference_request_success{model="resnet",version="2"} 0\n',
      );
      expect(metrics).toContain(
        'nv_gpu_utilization{gpu_uuid="GPU-1a2b"} 0.42\n',
      );
    } finally {
      await tr.stop();
    }
  });
});

describe('vLLM simulator', () => {
  it('refuses connections until the weights have loaded', async () => {
    const v = await startVllmSimulator({ loadDelayMs: 300 });
    try {
      await expect(fetch(`${v.url}/health`)).rejects.toThrow();
      await v.loaded;
      const res = await fetch(`${v.url}/health`);
      expect(res.status).toBe(200);
    } finally {
      await v.stop();
    }
  });

  it('answers /health with empty 200/503 bodies and guards only /v1 with the API key', async () => {
    const v = await startVllmSimulator({
      apiKey: 'k',
      servedModelName: 'llama',
    });
    try {
      const ok = await fetch(`${v.url}/health`);
      expect(ok.status).toBe(200);
      expect(await ok.text()).toBe('');
      v.setEngineDead(true);
      const dead = await fetch(`${v.url}/health`);
      expect(dead.status).toBe(503);
      expect(await dead.text()).toBe('');
      expect((await fetch(`${v.url}/metrics`)).status).toBe(200);
      const denied = await fetch(`${v.url}/v1/models`);
      expect(denied.status).toBe(401);
      expect(await denied.json()).toEqual({ error: 'Unauthorized' });
      const models = (await (
        await fetch(`${v.url}/v1/models`, {
          headers: { Authorization: 'Bearer k' },
        })
      ).json()) as {
        object: string;
        data: Array<{ id: string; owned_by: string; max_model_len: number }>;
      };
      expect(models.object).toBe('list');
      expect(models.data[0]).toMatchObject({
        id: 'llama',
        owned_by: 'vllm',
        max_model_len: 8192,
      });
    } finally {
      await v.stop();
    }
  });

  it('nests error bodies since 0.10.1 and keeps them flat in the old format', async () => {
    const body = JSON.stringify({
      model: 'other',
      messages: [{ role: 'user', content: 'hi' }],
    });
    const post = (url: string) =>
      fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body,
      });
    const nested = await startVllmSimulator();
    const flat = await startVllmSimulator({ errorFormat: 'flat' });
    try {
      const n = await post(nested.url);
      expect(n.status).toBe(404);
      expect(await n.json()).toEqual({
        error: {
          message: 'The model `other` does not exist.',
          type: 'NotFoundError',
          param: 'model',
          code: 404,
        },
      });
      const f = (await (await post(flat.url)).json()) as Record<
        string,
        unknown
      >;
      expect(f).toMatchObject({
        object: 'error',
        message: 'The model `other` does not exist.',
        code: 404,
      });
    } finally {
      await nested.stop();
      await flat.stop();
    }
  });

  it('writes metrics like prometheus_client: model_name/engine labels, _total with _created gauges, buckets', async () => {
    const v = await startVllmSimulator({
      servedModelName: 'llama',
      kvCacheMetric: 'both',
    });
    try {
      v.setLoad({ running: 3, waiting: 1, kvCacheUsage: 0.25 });
      await fetch(`${v.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          model: 'llama',
          messages: [{ role: 'user', content: 'hi' }],
        }),
      });
      const text = await (await fetch(`${v.url}/metrics`)).text();
      expect(text).toContain(
        'vllm:num_requests_running{model_name="llama",engine="0"} 3.0\n',
      );
      expect(text).toContain(
        'vllm:kv_cache_usage_perc{model_name="llama",engine="0"} 0.25\n',
      );
      expect(text).toContain(
        'vllm:gpu_cache_usage_perc{model_name="llama",engine="0"} 0.25\n',
      );
      expect(text).toContain('# TYPE vllm:request_success_total counter\n');
      expect(text).toContain(
        'vllm:request_success_total{model_name="llama",engine="0",finished_reason="stop"} 1.0\n',
      );
      expect(text).toMatch(
        /# TYPE vllm:prompt_tokens_created gauge\nvllm:prompt_tokens_created\{model_name="llama",engine="0"\} \d\.\d+e\+09\n/,
      );
      expect(text).toContain(
        'vllm:e2e_request_latency_seconds_bucket{model_name="llama",engine="0",le="0.5"} 1.0\n',
      );
      expect(text).toContain(
        'vllm:e2e_request_latency_seconds_bucket{model_name="llama",engine="0",le="+Inf"} 1.0\n',
      );
      const onlyNew = await startVllmSimulator();
      try {
        expect(
          await (await fetch(`${onlyNew.url}/metrics`)).text(),
        ).not.toContain('gpu_cache_usage_perc');
      } finally {
        await onlyNew.stop();
      }
    } finally {
      await v.stop();
    }
  });
});

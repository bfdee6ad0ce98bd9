import {
  DcgmSimulator,
  OipSimulator,
  TorchServeSimulator,
  VllmSimulator,
  startDcgmExporterSimulator,
  startOipSimulator,
  startTorchServeSimulator,
  startVllmSimulator,
} from '@internal/simulators';
import { RunningPrometheus, startPrometheus } from '@internal/test-env';
import { PrometheusClient } from './PrometheusClient';
import {
  errorRate,
  gpuUtilization,
  meanLatency,
  p95Latency,
  requestRate,
} from './queries';
import { readGpuUsage, readServingMetrics } from './readers';

jest.setTimeout(60_000);

/**
 * Model-server and DCGM exporter simulators scraped every second by a real
 * Prometheus. The test sends a known number of requests between scrapes (all
 * counters are 0 at the first scrape) and sets known GPU gauges, so every
 * number asserted below follows from what was sent.
 */
describe('queries against a real Prometheus scraping the simulators', () => {
  let prom: RunningPrometheus;
  let vllm: VllmSimulator;
  let ts: TorchServeSimulator;
  let triton: OipSimulator;
  let dcgmA: DcgmSimulator;
  let dcgmB: DcgmSimulator;
  let dcgmC: DcgmSimulator;
  const sent: Record<string, number[]> = {};
  const client = () =>
    new PrometheusClient({ url: prom.url, headers: {}, timeoutMs: 5000 });

  beforeAll(async () => {
    [vllm, ts, triton] = await Promise.all([
      startVllmSimulator({ servedModelName: 'llama' }),
      startTorchServeSimulator({
        tokenAuth: false,
        metricsMode: 'prometheus',
        models: [
          { name: 'fraud' },
          { name: 'broken', minWorkers: 1, readyWorkers: 0 },
        ],
      }),
      startOipSimulator({
        flavour: 'triton',
        models: [{ name: 'resnet' }, { name: 'bert', ready: false }],
      }),
    ]);
    // Node A: released exporter (`Hostname`), a one-GPU pod, a two-GPU pod and an unallocated GPU.
    dcgmA = await startDcgmExporterSimulator({
      hostname: 'gpu-node-a',
      gpus: [
        {
          gpu: 0,
          uuid: 'GPU-a0',
          utilizationPercent: 42,
          fbUsedMiB: 30_000,
          fbFreeMiB: 51_000,
          pod: { namespace: 'ml', pod: 'llm-0', container: 'vllm' },
        },
        {
          gpu: 1,
          uuid: 'GPU-a1',
          utilizationPercent: 58,
          fbUsedMiB: 10_000,
          fbFreeMiB: 71_000,
          pod: { namespace: 'ml', pod: 'big-0', container: 'train' },
        },
        {
          gpu: 2,
          uuid: 'GPU-a2',
          utilizationPercent: 62,
          fbUsedMiB: 20_000,
          fbFreeMiB: 61_000,
          pod: { namespace: 'ml', pod: 'big-0', container: 'train' },
        },
        {
          gpu: 3,
          uuid: 'GPU-a3',
          utilizationPercent: 7,
          fbUsedMiB: 500,
          fbFreeMiB: 80_500,
        },
      ],
    });
    // Node B: exporter main (`hostname`), one A100 split into two MIG instances (no DEV_GPU_UTIL there).
    dcgmB = await startDcgmExporterSimulator({
      hostname: 'gpu-node-b',
      hostnameLabel: 'hostname',
      gpus: [
        {
          gpu: 0,
          uuid: 'GPU-b0',
          mig: { profile: '3g.20gb', instanceId: 1 },
          grEngineActive: 0.25,
          fbUsedMiB: 5_000,
          fbFreeMiB: 14_000,
          pod: { namespace: 'ml', pod: 'llm-1', container: 'vllm' },
        },
        {
          gpu: 0,
          uuid: 'GPU-b0',
          mig: { profile: '3g.20gb', instanceId: 2 },
          grEngineActive: 0.75,
          fbUsedMiB: 9_000,
          fbFreeMiB: 10_000,
          pod: { namespace: 'team-b', pod: 'ocr-0', container: 'ocr' },
        },
      ],
    });
    // Node C: scraped without honor_labels, so the workload's pod labels arrive as exported_*.
    dcgmC = await startDcgmExporterSimulator({
      hostname: 'gpu-node-c',
      gpus: [
        {
          gpu: 0,
          uuid: 'GPU-c0',
          utilizationPercent: 80,
          fbUsedMiB: 1_000,
          fbFreeMiB: 80_000,
          pod: { namespace: 'ml', pod: 'llm-2', container: 'vllm' },
        },
      ],
    });
    prom = await startPrometheus({
      scrapeTargets: [
        { job: 'vllm', url: `${vllm.url}/metrics` },
        { job: 'torchserve', url: `${ts.metricsUrl}/metrics` },
        { job: 'triton', url: `${triton.metricsUrl}/metrics` },
        { job: 'dcgm-a', url: `${dcgmA.url}/metrics` },
        { job: 'dcgm-b', url: `${dcgmB.url}/metrics` },
        {
          job: 'dcgm-c',
          url: `${dcgmC.url}/metrics`,
          honorLabels: false,
          labels: {
            namespace: 'gpu-operator',
            pod: 'nvidia-dcgm-exporter-x7k2p',
          },
        },
      ],
    });
    await prom.waitForScrapes(1);

    const post = (url: string, body: unknown) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const send = async (
      what: string,
      n: number,
      url: string,
      body: unknown,
    ) => {
      const statuses = await Promise.all(
        Array.from({ length: n }, () => post(url, body).then(r => r.status)),
      );
      sent[what] = [...new Set(statuses)];
    };
    // vLLM: 20 chat completions, each observed at 0.42 s end to end.
    const chat = {
      model: 'llama',
      messages: [{ role: 'user', content: 'hi' }],
    };
    await send('vllm', 20, `${vllm.url}/v1/chat/completions`, chat);
    // TorchServe: 30 served (12 345 µs each), 10 × 503 (no worker), 5 × 404.
    await send('ts fraud', 30, `${ts.inferenceUrl}/predictions/fraud`, {});
    await send('ts broken', 10, `${ts.inferenceUrl}/predictions/broken`, {});
    await send('ts nope', 5, `${ts.inferenceUrl}/predictions/nope`, {});
    // Triton: 40 successes (2 500 µs each) and 10 failures (model not ready).
    const infer = {
      inputs: [
        {
          name: 'input-0',
          datatype: 'FP32',
          shape: [1, 4],
          data: [1, 2, 3, 4],
        },
      ],
    };
    await send(
      'triton resnet',
      40,
      `${triton.url}/v2/models/resnet/infer`,
      infer,
    );
    await send('triton bert', 10, `${triton.url}/v2/models/bert/infer`, infer);
    await prom.waitForScrapes(2);
  });

  afterAll(async () => {
    await prom?.stop();
    await Promise.all(
      [vllm, ts, triton, dcgmA, dcgmB, dcgmC].map(s => s?.stop()),
    );
  });

  it('the simulators answered the traffic as planned', () => {
    expect(sent).toEqual({
      vllm: [200],
      'ts fraud': [200],
      'ts broken': [503],
      'ts nope': [404],
      'triton resnet': [200],
      'triton bert': [400],
    });
  });

  const atLastScrape = async (job: string) => ({
    time: new Date((await prom.lastScrapeTime(job)) * 1000),
  });

  it('vLLM: p95 of 20 requests at 0.42 s lies in their bucket (0.3, 0.5] (interpolated 0.49); 20 requests in 5 m', async () => {
    const p95 = await client().value(
      p95Latency('vllm', { job: 'vllm', model_name: 'llama' }).promql,
    );
    expect(p95).toBeGreaterThan(0.3);
    expect(p95).toBeLessThanOrEqual(0.5);
    expect(p95).toBeCloseTo(0.3 + 0.2 * 0.95, 6);
    const rate = await client().value(
      requestRate('vllm', { job: 'vllm' }).promql,
      await atLastScrape('vllm'),
    );
    expect(rate).toBeCloseTo(20 / 300, 9);
    const all = await readServingMetrics(client(), 'vllm', { job: 'vllm' });
    expect(all.p95LatencySeconds).toBeCloseTo(0.49, 6);
    expect(all.errorRate).toBeUndefined();
  });

  it('TorchServe: 10 of 45 requests failed (Requests5XX), mean latency 12 345 µs from the ts_* counters', async () => {
    const sel = { job: 'torchserve' };
    expect(
      await client().value(errorRate('torchserve', sel).promql),
    ).toBeCloseTo(10 / 45, 9);
    expect(
      await client().value(meanLatency('torchserve', sel).promql),
    ).toBeCloseTo(0.012345, 9);
    expect(
      await client().value(
        requestRate('torchserve', sel).promql,
        await atLastScrape('torchserve'),
      ),
    ).toBeCloseTo(45 / 300, 9);
  });

  it('Triton: 10 of 50 requests failed, mean latency 2 500 µs; per model via the `model` label', async () => {
    const m = await readServingMetrics(client(), 'triton', { job: 'triton' });
    expect(m.errorRate).toBeCloseTo(0.2, 9);
    expect(m.meanLatencySeconds).toBeCloseTo(0.0025, 9);
    expect(m.p95LatencySeconds).toBeUndefined();
    expect(
      await client().value(
        errorRate('triton', { job: 'triton', model: 'resnet' }).promql,
      ),
    ).toBe(0);
    expect(
      await client().value(
        errorRate('triton', { job: 'triton', model: 'bert' }).promql,
      ),
    ).toBe(1);
  });

  it('GPU per pod: exact gauges, multi-GPU averages and sums, MIG instances from GR_ENGINE_ACTIVE, exported_* pod labels', async () => {
    const rows = await readGpuUsage(client(), { by: 'pod' });
    expect(rows).toEqual([
      {
        namespace: 'ml',
        pod: 'big-0',
        utilizationPercent: 60,
        framebufferUsedMiB: 30_000,
        framebufferFreeMiB: 132_000,
      },
      {
        namespace: 'ml',
        pod: 'llm-0',
        utilizationPercent: 42,
        framebufferUsedMiB: 30_000,
        framebufferFreeMiB: 51_000,
      },
      {
        namespace: 'ml',
        pod: 'llm-1',
        utilizationPercent: 25,
        framebufferUsedMiB: 5_000,
        framebufferFreeMiB: 14_000,
      },
      {
        namespace: 'ml',
        pod: 'llm-2',
        utilizationPercent: 80,
        framebufferUsedMiB: 1_000,
        framebufferFreeMiB: 80_000,
      },
      {
        namespace: 'team-b',
        pod: 'ocr-0',
        utilizationPercent: 75,
        framebufferUsedMiB: 9_000,
        framebufferFreeMiB: 10_000,
      },
    ]);
    const one = await readGpuUsage(client(), {
      by: 'pod',
      namespace: 'ml',
      podRegex: 'llm-[0-9]+',
    });
    expect(one.map(r => r.pod)).toEqual(['llm-0', 'llm-1', 'llm-2']);
  });

  it('GPU per node: from `Hostname` and `hostname` alike, unallocated GPUs included', async () => {
    const rows = await readGpuUsage(client(), { by: 'node' });
    expect(rows).toEqual([
      {
        node: 'gpu-node-a',
        utilizationPercent: (42 + 58 + 62 + 7) / 4,
        framebufferUsedMiB: 60_500,
        framebufferFreeMiB: 263_500,
      },
      {
        node: 'gpu-node-b',
        utilizationPercent: 50,
        framebufferUsedMiB: 14_000,
        framebufferFreeMiB: 24_000,
      },
      {
        node: 'gpu-node-c',
        utilizationPercent: 80,
        framebufferUsedMiB: 1_000,
        framebufferFreeMiB: 80_000,
      },
    ]);
    const b = await client().vector(
      gpuUtilization({ by: 'node', nodeRegex: 'gpu-node-b' }).promql,
    );
    expect(b.map(s => [s.labels.node, s.value])).toEqual([['gpu-node-b', 50]]);
  });

  it('follows a gauge that changes', async () => {
    dcgmA.setGpu(0, { utilizationPercent: 91 });
    await prom.waitForScrapes(2);
    const [row] = await readGpuUsage(client(), {
      by: 'pod',
      namespace: 'ml',
      podRegex: 'llm-0',
    });
    expect(row.utilizationPercent).toBe(91);
  });
});

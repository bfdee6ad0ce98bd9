import { Entity } from '@backstage/catalog-model';
import { SignalHealth } from '@internal/plugin-mlops-common';
import {
  DcgmSimulator,
  startDcgmExporterSimulator,
} from '@internal/simulators';
import {
  RunningPrometheus,
  freePort,
  startPrometheus,
  waitFor,
} from '@internal/test-env';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import {
  FastApiMetrics,
  startFastApiMetrics,
} from '../../upstreams/prometheus/__testUtils__/fastapiMetrics';
import { PrometheusClient } from '../../upstreams/prometheus/PrometheusClient';
import { readGpuUtilizationSeries } from '../../upstreams/prometheus/readers';
import { readInferenceMetrics, withMetrics } from './inferenceProvider';

jest.setTimeout(60_000);

/**
 * The error-rate rule of the inference signal: a ready endpoint whose
 * Prometheus error rate is above 5% is a warning. A wire-level Prometheus
 * answers the error-rate query with the value the test chooses (the real
 * Prometheus computes these queries in PrometheusClient/queries tests).
 */
describe('inference signal with serving metrics', () => {
  let server: http.Server;
  let url: string;
  let errorRate = '0.01';
  let refuse = false;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (refuse) {
        res.writeHead(422, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            status: 'error',
            errorType: 'execution',
            error: 'query processing would load too many samples into memory',
          }),
        );
        return;
      }
      const query = decodeURIComponent(
        new URL(req.url ?? '', 'http://x').searchParams.get('query') ?? '',
      );
      const value =
        /5\d\d|status=~"5|error/i.test(query) && query.includes('/')
          ? errorRate
          : '2';
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          status: 'success',
          data: {
            resultType: 'vector',
            result: [{ metric: {}, value: [1700000000, value] }],
          },
        }),
      );
    });
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise(r => server.close(r)));

  const entity: Entity = {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'chat-api', annotations: {} },
    spec: { type: 'model-service' },
  };
  const ready: SignalHealth = {
    signal: 'inference',
    status: 'ok',
    reason: 'ready (12 ms)',
    checkedAt: 'x',
  };
  const run = () =>
    withMetrics(
      ready,
      entity,
      { endpoint: 'http://chat', protocol: 'http', model: 'chat' },
      new PrometheusClient({ url, headers: {}, timeoutMs: 2000 }),
      undefined,
    );

  it('stays ok under 5% errors and says the numbers', async () => {
    errorRate = '0.01';
    const health = await run();
    expect(health.status).toBe('ok');
    expect(health.reason).toMatch(/^ready \(12 ms\); 2 req\/s, 1% errors/);
  });

  it('turns warning above 5% errors, saying why', async () => {
    errorRate = '0.12';
    const health = await run();
    expect(health.status).toBe('warning');
    expect(health.reason).toMatch(/12% errors.*\(above 5% errors\)/);
  });

  it('names a Prometheus that refuses the query in metricsProblem and keeps the probe verdict', async () => {
    refuse = true;
    try {
      const { health, detail } = await readInferenceMetrics(
        { health: ready, ready: true },
        entity,
        { endpoint: 'http://chat', protocol: 'http', model: 'chat' },
        new PrometheusClient({ url, headers: {}, timeoutMs: 2000 }),
        undefined,
        { details: true },
      );
      expect(health.status).toBe('ok');
      expect(health.reason).toMatch(
        /^ready \(12 ms\); metrics unavailable: Prometheus \(127\.0\.0\.1:\d+\) rejected the query \(execution, 422\)/,
      );
      expect(detail.metrics).toBeUndefined();
      expect(detail.warnings).toEqual([]);
      expect(detail.metricsProblem).toMatchObject({
        upstream: `Prometheus (${new URL(url).host})`,
        fault: 'server-error',
        httpStatus: 422,
      });
      expect(detail.metricsProblem!.message).toContain('too many samples');
    } finally {
      refuse = false;
    }
  });

  it('names a Prometheus that is not listening as unreachable, status as probed', async () => {
    const port = await freePort();
    const { health, detail } = await readInferenceMetrics(
      { health: ready, ready: true },
      entity,
      { endpoint: 'http://chat', protocol: 'http', model: 'chat' },
      new PrometheusClient({
        url: `http://127.0.0.1:${port}`,
        headers: {},
        timeoutMs: 2000,
      }),
      undefined,
      { details: true },
    );
    expect(health.status).toBe('ok');
    expect(detail.metricsProblem).toMatchObject({
      upstream: `Prometheus (127.0.0.1:${port})`,
      fault: 'unreachable',
    });
  });
});

/**
 * The series behind the inference and GPU cards, from a real Prometheus
 * scraping the generated FastAPI service's metrics (real prometheus_client)
 * and a DCGM exporter simulator every second. The hour at one point a minute
 * is shortened to a minute at one point a second, and "the last five
 * minutes" to four seconds; every query is pinned to one time `at`.
 *
 * Traffic: 20 requests of 30 ms (phase 1), then ≥ 6 s later 20 of 400 ms
 * and 5 failed ones of 400 ms (phase 2). Histogram buckets 0.05 0.1 0.25 0.5…:
 * - phase 1 p95: rank 19 of 20 in (0, 0.05] → 0.05 × 19/20 = 47.5 ms
 * - phase 1+2 p95: rank 42.75 of 45 in (0.25, 0.5] → 0.25 + 0.25 × 22.75/25 = 477.5 ms
 * - error rate 5/45; rate(…[5m]) of 45 requests ≥ 45/300 req/s, and at most
 *   40% more (rate() extrapolates to the end of a step by at most one scrape
 *   interval, over a sampled span of at least three).
 */
describe('serving metrics and GPU series from a real Prometheus', () => {
  let fastapi: FastApiMetrics;
  let dcgm: DcgmSimulator;
  let prom: RunningPrometheus;
  let at: Date;
  const history = { range: '1m', step: '1s', recent: '4s' };
  const entity: Entity = {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'fraud', annotations: {} },
    spec: { type: 'model-service' },
  };

  beforeAll(async () => {
    [fastapi, dcgm] = await Promise.all([
      startFastApiMetrics(),
      startDcgmExporterSimulator({
        hostname: 'gpu-1',
        gpus: [
          {
            gpu: 0,
            uuid: 'GPU-0f0e0d0c-0b0a-0908-0706-050403020100',
            pod: { namespace: 'ml', pod: 'fraud-0', container: 'model' },
            utilizationPercent: 64,
            fbUsedMiB: 1000,
            fbFreeMiB: 39000,
          },
        ],
      }),
    ]);
    prom = await startPrometheus({
      scrapeTargets: [
        {
          job: 'fastapi',
          url: fastapi.metricsUrl,
          labels: { namespace: 'ml', pod: 'fraud-0', model_name: 'fraud' },
        },
        { job: 'dcgm', url: `${dcgm.url}/metrics` },
      ],
    });
    await prom.waitForScrapes(3); // every counter at 0 for three scrapes
    await fastapi.record({ status: '200', latency: 0.03, n: 20 });
    await prom.waitForScrapes(6);
    const phase2 = Date.now();
    await fastapi.record({ status: '200', latency: 0.4, n: 20 });
    await fastapi.record({ status: '500', latency: 0.4, n: 5 });
    dcgm.setGpu(0, { utilizationPercent: 90 });
    // Phase 2 is first scraped within ~1 s; `at` is after that and less than 4 s after phase2.
    at = new Date(phase2 + 2500);
    await waitFor(
      'a scrape after the evaluation time',
      async () => (await prom.lastScrapeTime('fastapi')) * 1000 > at.getTime(),
      10_000,
      100,
    );
  });
  afterAll(async () => {
    await prom?.stop();
    await Promise.all([fastapi?.stop(), dcgm?.stop()]);
  });

  const client = () =>
    new PrometheusClient({ url: prom.url, headers: {}, timeoutMs: 5000 });

  it('reads now, the series and the baseline, and warns of a latency spike and errors in words', async () => {
    const ready: SignalHealth = {
      signal: 'inference',
      status: 'ok',
      reason: 'ready (3 ms)',
      checkedAt: 'x',
    };
    const { health, detail } = await readInferenceMetrics(
      { health: ready, ready: true },
      entity,
      { endpoint: 'http://fraud', protocol: 'http', model: 'fraud' },
      client(),
      undefined,
      { details: true, history: { ...history, time: at } },
    );
    // The >5% rule of the signal is unchanged.
    expect(health.status).toBe('warning');
    expect(detail.metricsProblem).toBeUndefined();
    const m = detail.metrics!;
    expect(m.source).toBe(`Prometheus (127.0.0.1:${prom.port})`);
    expect(m.errorRate).toBeCloseTo(5 / 45, 9);
    expect(m.p95LatencyMs).toBeCloseTo(477.5, 6);
    expect(m.meanLatencyMs).toBeUndefined();
    expect(m.lastHourLatencyMs).toBeCloseTo(47.5, 6);
    expect(m.requestsPerSecond).toBeGreaterThanOrEqual(45 / 300);
    expect(m.requestsPerSecond).toBeLessThanOrEqual((45 / 300) * 1.4);
    expect(detail.warnings).toEqual([
      'ready but p95 latency 10.1× last hour',
      'error rate 11.1% over the last 5 minutes',
    ]);

    // One point a second, none after `at`, minutes without traffic left out.
    const latency = m.latencyMsSeries;
    // How many seconds phase 1 covers depends on scrape timing (a loaded CI
    // machine stretches it): at least the 4 phase-1 points checked below plus
    // the phase-2 point that ends the series.
    expect(latency.length).toBeGreaterThanOrEqual(5);
    for (let i = 1; i < latency.length; i++)
      expect(latency[i].t - latency[i - 1].t).toBe(1000);
    expect(latency[latency.length - 1].t).toBeLessThanOrEqual(at.getTime());
    expect(latency[0].v).toBeCloseTo(47.5, 6);
    expect(latency[latency.length - 1].v).toBeCloseTo(477.5, 6);
    for (const p of latency) {
      expect(p.v).toBeGreaterThanOrEqual(47.5 - 1e-6);
      expect(p.v).toBeLessThanOrEqual(477.5 + 1e-6);
    }
    const phase1 = latency.filter(p => Math.abs(p.v - 47.5) < 1e-6);
    expect(phase1.length).toBeGreaterThanOrEqual(4);

    const errors = m.errorRateSeries;
    expect(errors[0].v).toBe(0);
    expect(errors[errors.length - 1].v).toBeCloseTo(5 / 45, 9);
    for (const p of errors) expect(p.v).toBeLessThanOrEqual(5 / 45 + 1e-9);

    // The request rate exists before the first request (0), then follows the traffic.
    const rate = new Map(m.requestRateSeries.map(p => [p.t, p.v]));
    expect(m.requestRateSeries[0].v).toBe(0);
    expect(m.requestRateSeries[0].t).toBeLessThan(phase1[0].t);
    for (const p of phase1) {
      expect(rate.get(p.t)).toBeGreaterThanOrEqual(20 / 300);
      expect(rate.get(p.t)).toBeLessThanOrEqual((20 / 300) * 1.4);
    }
    const last = m.requestRateSeries[m.requestRateSeries.length - 1];
    expect(last.v).toBeGreaterThanOrEqual(45 / 300);
    expect(last.v).toBeLessThanOrEqual((45 / 300) * 1.4);
  });

  it('leaves the latency warning out when the server is not ready, and the series out without details', async () => {
    const notReady: SignalHealth = {
      signal: 'inference',
      status: 'error',
      reason: 'not ready (503)',
      checkedAt: 'x',
    };
    const { health, detail } = await readInferenceMetrics(
      { health: notReady, ready: false },
      entity,
      { endpoint: 'http://fraud', protocol: 'http', model: 'fraud' },
      client(),
      undefined,
      { details: true, history: { ...history, time: at } },
    );
    expect(health.status).toBe('error');
    expect(detail.warnings).toEqual([
      'error rate 11.1% over the last 5 minutes',
    ]);
    const lean = await readInferenceMetrics(
      { health: notReady, ready: false },
      entity,
      { endpoint: 'http://fraud', protocol: 'http', model: 'fraud' },
      client(),
      undefined,
    );
    expect(lean.detail).toEqual({ warnings: [] });
    expect(lean.health.reason).toMatch(
      /^not ready \(503\); [\d.]+ req\/s, [\d.]+% errors, p95 \d+ ms$/,
    );
  });

  it('reads GPU utilization per pod over time, following the DCGM gauge', async () => {
    const series = await readGpuUtilizationSeries(
      client(),
      { by: 'pod', namespace: 'ml', podRegex: 'fraud-0' },
      { range: '1m', step: '1s', time: at },
    );
    expect([...series.keys()]).toEqual(['ml/fraud-0']);
    const points = series.get('ml/fraud-0')!;
    expect(points.length).toBeGreaterThanOrEqual(8);
    expect(points[0].value).toBe(64);
    expect(points[points.length - 1].value).toBe(90);
    expect(new Set(points.map(p => p.value))).toEqual(new Set([64, 90]));
    expect(points[points.length - 1].time * 1000).toBeLessThanOrEqual(
      at.getTime(),
    );
  });
});

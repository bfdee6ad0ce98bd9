import { ConfigReader } from '@backstage/config';
import { RunningPrometheus, startPrometheus } from '@internal/test-env';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { UpstreamError } from '../http';
import {
  FastApiMetrics,
  startFastApiMetrics,
} from './__testUtils__/fastapiMetrics';
import { readPrometheusConfig } from './config';
import { PrometheusClient, parseSampleValue } from './PrometheusClient';
import { errorRate, p95Latency, quote, requestRate } from './queries';
import { readServingMetrics } from './readers';

jest.setTimeout(60_000);

function client(url: string, extra: Record<string, unknown> = {}) {
  return new PrometheusClient(
    readPrometheusConfig(
      new ConfigReader({
        mlops: { prometheus: { url, timeoutMs: 2000, ...extra } },
      }),
    )!,
  );
}

async function failure(p: Promise<unknown>): Promise<UpstreamError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof UpstreamError) return e;
    throw e;
  }
  throw new Error('expected the call to fail');
}

/**
 * The generated FastAPI service's metrics (real python prometheus_client)
 * scraped every second by a real Prometheus. The test records a known set of
 * requests between scrapes, so every number below follows from it.
 */
describe('PrometheusClient against a real Prometheus', () => {
  let fastapi: FastApiMetrics;
  let prom: RunningPrometheus;
  const sel = { job: 'fastapi', namespace: 'ml' };
  const oddTeam = 'fraud "core" \\ team';

  beforeAll(async () => {
    fastapi = await startFastApiMetrics();
    prom = await startPrometheus({
      scrapeTargets: [
        {
          job: 'fastapi',
          url: fastapi.metricsUrl,
          labels: { namespace: 'ml', pod: 'fraud-0', team: oddTeam },
        },
      ],
    });
    await prom.waitForScrapes(1); // every series present at 0
    // 100 requests: 90 succeed (50 × 30 ms, 30 × 200 ms, 10 × 400 ms), 10 fail after 3 s.
    await fastapi.record({ status: '200', latency: 0.03, n: 50 });
    await fastapi.record({ status: '200', latency: 0.2, n: 30 });
    await fastapi.record({ status: '200', latency: 0.4, n: 10 });
    await fastapi.record({ status: '500', latency: 3.0, n: 10 });
    await prom.waitForScrapes(2);
  });
  afterAll(async () => {
    await prom?.stop();
    await fastapi?.stop();
  });

  it('p95 latency from the histogram lies in the bucket of the true p95 (2.5–5 s), at the interpolated 3.75 s', async () => {
    // Cumulative buckets 0.05:50 0.25:80 0.5:90 5:100; rank 95 falls in (2.5, 5]: 2.5 + 2.5 × (95 − 90) / 10.
    const p95 = await client(prom.url).value(p95Latency('fastapi', sel).promql);
    expect(p95).toBeGreaterThan(2.5);
    expect(p95).toBeLessThanOrEqual(5);
    expect(p95).toBeCloseTo(3.75, 6);
  });

  it('error rate is 10 failed of 100', async () => {
    expect(
      await client(prom.url).value(errorRate('fastapi', sel).promql),
    ).toBeCloseTo(0.1, 9);
  });

  it('request rate is 100 requests over the 5 m window, read at the last scrape', async () => {
    const at = new Date((await prom.lastScrapeTime('fastapi')) * 1000);
    // First samples are 0, so rate() does not extrapolate to the window start; at the last scrape it does not extrapolate to the end.
    expect(
      await client(prom.url).value(requestRate('fastapi', sel).promql, {
        time: at,
      }),
    ).toBeCloseTo(100 / 300, 9);
    const all = await readServingMetrics(client(prom.url), 'fastapi', sel);
    expect(all.errorRate).toBeCloseTo(0.1, 9);
    expect(all.p95LatencySeconds).toBeCloseTo(3.75, 6);
    expect(all.requestsPerSecond).toBeGreaterThan(0);
    expect(all.meanLatencySeconds).toBeUndefined();
  });

  it('a selector with no series gives no value, and a window without traffic NaN, never 0', async () => {
    const none = await readServingMetrics(client(prom.url), 'fastapi', {
      job: 'nope',
    });
    expect(none).toEqual({});
    await prom.waitForScrapes(3); // no requests since: a 2 s window holds two equal samples
    expect(
      await client(prom.url).value(errorRate('fastapi', sel, '2s').promql),
    ).toBeNaN();
    const quiet = await readServingMetrics(
      client(prom.url),
      'fastapi',
      sel,
      '2s',
    );
    expect(quiet).toEqual({ requestsPerSecond: 0 });
  });

  it('escapes label values with quotes and backslashes', async () => {
    const samples = await client(prom.url).vector(
      `model_requests_total{team=${quote(oddTeam)}}`,
    );
    expect(samples.map(s => [s.labels.status, s.value]).sort()).toEqual([
      ['200', 90],
      ['500', 10],
    ]);
    expect(samples[0].labels.team).toBe(oddTeam);
  });

  it('parses scalar, string, matrix and the special values NaN, +Inf and -Inf', async () => {
    const c = client(prom.url);
    const scalar = await c.query('scalar(vector(42))');
    expect(scalar).toMatchObject({ resultType: 'scalar', value: 42 });
    expect(await c.query('"hello"')).toMatchObject({
      resultType: 'string',
      value: 'hello',
    });
    expect(await c.value('vector(NaN)')).toBeNaN();
    expect(await c.value('vector(1) / 0')).toBe(Infinity);
    expect(await c.value('vector(-1) / 0')).toBe(-Infinity);
    const matrix = await c.query('model_requests_total{status="500"}[1h]');
    if (matrix.resultType !== 'matrix')
      throw new Error(`got ${matrix.resultType}`);
    const points = matrix.series[0].points;
    expect(points.length).toBeGreaterThanOrEqual(3);
    expect(points[0].value).toBe(0);
    expect(points[points.length - 1].value).toBe(10);
    expect(parseSampleValue('1e3')).toBe(1000);
    expect(parseSampleValue('abc')).toBeUndefined();
  });

  it('sends long queries as a form POST and gets the same answer', async () => {
    const long = `sum(model_requests_total{job="fastapi"})${' + 0'.repeat(
      600,
    )}`;
    expect(long.length).toBeGreaterThan(1500);
    expect(await client(prom.url).value(long)).toBe(100);
  });

  it('reports a query Prometheus rejects (bad_data, 400) with its error text', async () => {
    const e = await failure(
      client(prom.url).value('sum(rate(model_requests_total[5m]'),
    );
    expect(e.problem).toMatchObject({ fault: 'server-error', httpStatus: 400 });
    expect(e.problem.message).toMatch(
      /^rejected the query \(bad_data, 400\): .*parse error/,
    );
  });

  it('asks for one value and refuses several', async () => {
    const e = await failure(client(prom.url).value('model_requests_total'));
    expect(e.problem.fault).toBe('malformed');
    expect(e.problem.message).toContain(
      'returned 2 series where one value was expected',
    );
  });

  it('reports Prometheus down as unreachable (last: stops it)', async () => {
    await prom.kill();
    const e = await failure(client(prom.url).value('vector(1)'));
    expect(e.problem).toMatchObject({
      fault: 'unreachable',
      upstream: `Prometheus (127.0.0.1:${prom.port})`,
    });
  });
});

/** A tiny wire-level server for what a healthy Prometheus will not do on demand. */
describe('PrometheusClient on the wire', () => {
  let server: http.Server;
  let url: string;
  let handler: (
    req: http.IncomingMessage,
    body: string,
    res: http.ServerResponse,
  ) => void = () => undefined;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', c => chunks.push(c));
      req.on('end', () =>
        handler(req, Buffer.concat(chunks).toString('utf8'), res),
      );
    });
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise(r => server.close(r));
  });
  const json = (res: http.ServerResponse, status: number, body: unknown) =>
    res
      .writeHead(status, { 'content-type': 'application/json' })
      .end(JSON.stringify(body));

  it('sends GET with query, timeout and headers; POSTs a form past 1500 characters', async () => {
    const seen: Array<{
      method?: string;
      url?: string;
      type?: string;
      body: string;
      auth?: string;
    }> = [];
    handler = (req, body, res) => {
      seen.push({
        method: req.method,
        url: req.url,
        type: req.headers['content-type'],
        body,
        auth: req.headers.authorization,
      });
      json(res, 200, {
        status: 'success',
        data: {
          resultType: 'vector',
          result: [{ metric: {}, value: [1700000000.5, '7'] }],
        },
      });
    };
    const c = client(url, {
      headers: { Authorization: 'Bearer prom-secret-token' },
    });
    expect(await c.value('up')).toBe(7);
    const long = `up${' or up'.repeat(400)}`;
    expect(await c.value(long)).toBe(7);
    expect(seen[0]).toMatchObject({
      method: 'GET',
      url: '/api/v1/query?query=up&timeout=2000ms',
      auth: 'Bearer prom-secret-token',
    });
    expect(seen[1]).toMatchObject({
      method: 'POST',
      url: '/api/v1/query',
      type: 'application/x-www-form-urlencoded',
    });
    expect(new URLSearchParams(seen[1].body).get('query')).toBe(long);
  });

  it.each([
    [422, 'execution', 'server-error'],
    [503, 'timeout', 'timeout'],
    [503, 'unavailable', 'server-error'],
    [500, 'internal', 'server-error'],
  ])(
    'maps {"status":"error"} %i %s to %s',
    async (status, errorType, fault) => {
      handler = (_req, _body, res) =>
        json(res, status, {
          status: 'error',
          errorType,
          error: `${errorType} went wrong`,
        });
      const e = await failure(client(url).value('up'));
      expect(e.problem).toMatchObject({ fault, httpStatus: status });
      expect(e.problem.message).toContain(
        `rejected the query (${errorType}, ${status}): ${errorType} went wrong`,
      );
    },
  );

  it('times out a Prometheus that does not answer', async () => {
    handler = () => undefined;
    const started = Date.now();
    const e = await failure(client(url).value('up'));
    expect(e.problem).toMatchObject({
      fault: 'timeout',
      message: 'did not answer within 2000 ms',
    });
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it('calls invalid sample values and non-JSON answers malformed, without leaking header secrets', async () => {
    handler = (_req, _body, res) =>
      json(res, 200, {
        status: 'success',
        data: {
          resultType: 'vector',
          result: [{ metric: {}, value: [1, 'many'] }],
        },
      });
    const bad = await failure(client(url).value('up'));
    expect(bad.problem).toMatchObject({ fault: 'malformed' });
    expect(bad.problem.message).toContain('invalid value');
    handler = (_req, _body, res) =>
      res.writeHead(401).end('token prom-secret-token is not valid');
    const denied = await failure(
      client(url, { headers: { Authorization: 'prom-secret-token' } }).value(
        'up',
      ),
    );
    expect(denied.problem.fault).toBe('unauthorized');
    expect(JSON.stringify(denied.problem)).not.toContain('prom-secret-token');
    handler = (_req, _body, res) =>
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end('<html>login</html>');
    expect((await failure(client(url).value('up'))).problem.fault).toBe(
      'malformed',
    );
  });

  it('validates mlops.prometheus at startup', () => {
    expect(readPrometheusConfig(new ConfigReader({}))).toBeUndefined();
    expect(() =>
      readPrometheusConfig(
        new ConfigReader({ mlops: { prometheus: { url: 'ftp://x' } } }),
      ),
    ).toThrow(/mlops\.prometheus\.url: must be http/);
    expect(() =>
      readPrometheusConfig(
        new ConfigReader({
          mlops: { prometheus: { url: 'http://u:p@x:9090' } },
        }),
      ),
    ).toThrow(/must not contain credentials/);
    expect(() =>
      readPrometheusConfig(
        new ConfigReader({
          mlops: { prometheus: { url: 'http://x', headers: { 'a b': 'c' } } },
        }),
      ),
    ).toThrow(/mlops\.prometheus\.headers/);
    expect(
      readPrometheusConfig(
        new ConfigReader({
          mlops: { prometheus: { url: 'http://x:9090/prom/' } },
        }),
      ),
    ).toEqual({
      url: 'http://x:9090/prom',
      headers: {},
      timeoutMs: 10_000,
      refreshSeconds: 15,
    });
  });
});

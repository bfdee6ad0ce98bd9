import http from 'node:http';
import { AddressInfo } from 'node:net';
import { CachedPrometheus } from './CachedPrometheus';
import { PrometheusClient } from './PrometheusClient';

/** A wire-level Prometheus API that counts queries (the real one is used in PrometheusClient.test.ts). */
describe('CachedPrometheus', () => {
  let server: http.Server;
  let url: string;
  let queries = 0;
  let fail = false;
  beforeAll(async () => {
    server = http.createServer((_req, res) => {
      queries++;
      if (fail) {
        res
          .writeHead(503, { 'content-type': 'application/json' })
          .end(
            '{"status":"error","errorType":"timeout","error":"query timed out"}',
          );
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          status: 'success',
          data: {
            resultType: 'vector',
            result: [{ metric: {}, value: [1700000000, '0.25'] }],
          },
        }),
      );
    });
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise(r => server.close(r)));

  const client = () =>
    new PrometheusClient({ url, headers: {}, timeoutMs: 2000 });

  it('asks Prometheus once per query and TTL, however many viewers ask', async () => {
    let now = 0;
    const cached = new CachedPrometheus(client(), 15_000, () => now);
    queries = 0;
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => cached.value('rate(x[5m])')),
    );
    expect(new Set(answers)).toEqual(new Set([0.25]));
    expect(queries).toBe(1);
    await cached.value('rate(x[5m])');
    expect(queries).toBe(1);
    now += 15_001;
    await cached.value('rate(x[5m])');
    expect(queries).toBe(2);
    await cached.value('rate(y[5m])');
    expect(queries).toBe(3);
  });

  it('does not keep failures', async () => {
    const cached = new CachedPrometheus(client(), 15_000);
    queries = 0;
    fail = true;
    await expect(cached.value('up')).rejects.toThrow();
    fail = false;
    await expect(cached.value('up')).resolves.toBe(0.25);
    expect(queries).toBe(2);
  });
});

import { Entity } from '@backstage/catalog-model';
import { SignalHealth } from '@internal/plugin-mlops-common';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { PrometheusClient } from '../../upstreams/prometheus/PrometheusClient';
import { withMetrics } from './inferenceProvider';

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
  beforeAll(async () => {
    server = http.createServer((req, res) => {
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
});

import http from 'node:http';
import { AddressInfo } from 'node:net';
import { RunningPrometheus, startPrometheus } from './prometheus';

describe('startPrometheus (real Prometheus)', () => {
  let server: http.Server;
  let prometheus: RunningPrometheus | undefined;
  let metricsUrl: string;

  beforeAll(async () => {
    server = http.createServer((_req, res) => {
      res.setHeader('content-type', 'text/plain; version=0.0.4');
      res.end('# TYPE demo_requests_total counter\ndemo_requests_total 7\n');
    });
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
    metricsUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
  });

  afterAll(async () => {
    await prometheus?.stop();
    await new Promise(r => server.close(r));
  });

  it('relabels a target after setScrapeTargets, as service discovery does when the serving pod changes', async () => {
    prometheus = await startPrometheus({
      scrapeTargets: [{ job: 'model', url: metricsUrl, labels: { pod: 'model-aaaaa' } }],
    });
    await prometheus.waitForScrapes(1);
    const pods = async () =>
      (
        (await prometheus!.rawQuery('demo_requests_total')) as {
          data: { result: Array<{ metric: { pod: string } }> };
        }
      ).data.result.map(r => r.metric.pod);
    expect(await pods()).toEqual(['model-aaaaa']);

    await prometheus.setScrapeTargets([{ job: 'model', url: metricsUrl, labels: { pod: 'model-bbbbb' } }]);
    await prometheus.waitForScrapes(1);
    // The old series goes stale after the relabel; the new one carries the new pod.
    const deadline = Date.now() + 15_000;
    let seen = await pods();
    while (!(seen.length === 1 && seen[0] === 'model-bbbbb') && Date.now() < deadline) {
      await new Promise(r => setTimeout(r, 250));
      seen = await pods();
    }
    expect(seen).toEqual(['model-bbbbb']);
  }, 60_000);

  it('scrapes any 127.0.0.0/8 address (the demo serves on 127.0.8.x) and refuses one beyond loopback', async () => {
    const other = http.createServer((_req, res) => {
      res.setHeader('content-type', 'text/plain; version=0.0.4');
      res.end('demo_alias_up 1\n');
    });
    await new Promise<void>(r => other.listen(0, '127.0.8.91', r));
    try {
      const url = `http://127.0.8.91:${(other.address() as AddressInfo).port}/metrics`;
      await prometheus!.setScrapeTargets([{ job: 'alias', url }]);
      await prometheus!.waitForScrapes(1);
      const rows = (
        (await prometheus!.rawQuery('demo_alias_up')) as {
          data: { result: unknown[] };
        }
      ).data.result;
      expect(rows).toHaveLength(1);
      await expect(
        prometheus!.setScrapeTargets([{ job: 'far', url: 'http://10.1.2.3:9100/metrics' }]),
      ).rejects.toThrow('is not on loopback');
    } finally {
      await new Promise(r => other.close(r));
    }
  }, 60_000);
});

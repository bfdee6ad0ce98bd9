import { waitFor } from '@internal/test-env';
import http from 'node:http';
import net from 'node:net';
import { ResourceCache } from './ResourceCache';
import { KubernetesClusterConfig } from './config';

/**
 * Wire cases a real kube-apiserver cannot be made to produce on demand in a
 * test: an expired continue token (needs etcd compaction, every 5 minutes)
 * and a watch that goes silent without closing. A local HTTP server answers
 * with the documented shapes (protocols/kubernetes.md §1).
 */

const pod = (name: string) => ({
  metadata: { name, namespace: 'ml', resourceVersion: '90' },
});

interface Fake {
  url: string;
  requests: string[];
  close(): Promise<void>;
}

async function startFake(watchMode: 'silent' | 'close-at-once'): Promise<Fake> {
  const requests: string[] = [];
  const sockets = new Set<net.Socket>();
  let continueCalls = 0;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    requests.push(req.url!);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/api/v1') {
      json(200, {
        kind: 'APIResourceList',
        groupVersion: 'v1',
        resources: [
          {
            name: 'pods',
            kind: 'Pod',
            namespaced: true,
            verbs: ['get', 'list', 'watch'],
          },
        ],
      });
    } else if (
      url.pathname === '/api/v1/pods' &&
      url.searchParams.get('watch') === '1'
    ) {
      res.writeHead(200, {
        'content-type': 'application/json',
        'transfer-encoding': 'chunked',
      });
      res.flushHeaders();
      if (watchMode === 'close-at-once') res.end();
      // 'silent': headers, then nothing, never closed (a hung connection).
    } else if (
      url.pathname === '/api/v1/pods' &&
      !url.searchParams.get('continue')
    ) {
      json(200, {
        kind: 'PodList',
        apiVersion: 'v1',
        metadata: { resourceVersion: '100', continue: 'tok1' },
        items: [pod('a'), pod('b')],
      });
    } else if (
      url.pathname === '/api/v1/pods' &&
      url.searchParams.get('continue') === 'tok1'
    ) {
      continueCalls++;
      if (continueCalls === 1) {
        json(410, {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message:
            'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.',
          reason: 'Expired',
          code: 410,
        });
      } else {
        json(200, {
          kind: 'PodList',
          apiVersion: 'v1',
          metadata: { resourceVersion: '100' },
          items: [pod('c')],
        });
      }
    } else {
      json(404, {
        kind: 'Status',
        code: 404,
        reason: 'NotFound',
        message: 'the server could not find the requested resource',
      });
    }
  });
  server.on('connection', s => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    requests,
    close: () =>
      new Promise(resolve => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function cluster(url: string): KubernetesClusterConfig {
  return {
    name: 'fake',
    url,
    host: new URL(url).host,
    token: { kind: 'static', value: 'token-123456' },
    skipTLSVerify: false,
  };
}

describe('ResourceCache wire handling', () => {
  let fake: Fake | undefined;
  let cache: ResourceCache | undefined;
  afterEach(async () => {
    await cache?.stop();
    await fake?.close();
  });

  it('restarts the list on HTTP 410 for an expired continue token, then watches from the list resourceVersion', async () => {
    fake = await startFake('silent');
    cache = ResourceCache.create({
      clusters: [cluster(fake.url)],
      kinds: ['pods'],
      pageSize: 2,
      backoffInitialMs: 50,
      watchdogMs: 60_000,
    });
    cache.start();
    await waitFor(
      'synced',
      async () => cache!.state('fake', 'pods')!.synced,
      5_000,
      20,
    );
    expect(
      cache
        .list('fake', 'pods')
        .map(p => p.metadata.name)
        .sort(),
    ).toEqual(['a', 'b', 'c']);
    const c = cache.counters().clusters.fake.kinds.pods!;
    // page 1, page 2 → 410, page 1 again, page 2.
    expect(c).toMatchObject({
      listRequests: 4,
      lists: 1,
      expired: 1,
      errors: 0,
    });
    await waitFor(
      'the watch',
      async () => fake!.requests.some(r => r.includes('watch=1')),
      2_000,
      20,
    );
    const watch = new URL(
      fake.requests.find(r => r.includes('watch=1'))!,
      'http://x',
    ).searchParams;
    expect(watch.get('resourceVersion')).toBe('100');
    expect(watch.get('allowWatchBookmarks')).toBe('true');
    expect(Number(watch.get('timeoutSeconds'))).toBeGreaterThan(0);
    expect(Number(watch.get('timeoutSeconds'))).toBeLessThanOrEqual(300);
  });

  it('aborts a watch that stays silent and resumes it from the same resourceVersion, without re-listing', async () => {
    fake = await startFake('silent');
    cache = ResourceCache.create({
      clusters: [cluster(fake.url)],
      kinds: ['pods'],
      pageSize: 500,
      watchdogMs: 200,
      backoffInitialMs: 50,
    });
    cache.start();
    await waitFor(
      'two watchdog aborts',
      async () => cache!.counters().totals.watchdogAborts >= 2,
      5_000,
      20,
    );
    const c = cache.counters().totals;
    expect(c.watches).toBeGreaterThanOrEqual(3);
    expect(c.errors).toBe(0);
    expect(cache.state('fake', 'pods')).toMatchObject({ synced: true });
    const watches = fake.requests.filter(r => r.includes('watch=1'));
    expect(
      new Set(
        watches.map(r =>
          new URL(r, 'http://x').searchParams.get('resourceVersion'),
        ),
      ),
    ).toEqual(new Set(['100']));
  });

  it('does not spin when the server ends every watch at once', async () => {
    fake = await startFake('close-at-once');
    cache = ResourceCache.create({
      clusters: [cluster(fake.url)],
      kinds: ['pods'],
      backoffInitialMs: 200,
      backoffMaxMs: 400,
    });
    cache.start();
    await new Promise(r => setTimeout(r, 1_500));
    const watches = cache.counters().totals.watches;
    // Three quick tries, then 100–200 ms, 200–400 ms… between the next ones.
    expect(watches).toBeGreaterThanOrEqual(3);
    expect(watches).toBeLessThan(12);
  });
});

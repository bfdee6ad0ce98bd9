import http from 'node:http';
import { AddressInfo } from 'node:net';
import { EndpointPolicy } from './endpointPolicy';
import { GuardedRequester } from './guardedRequest';
import { UpstreamError } from './http';

/**
 * SSRF: hostile endpoint values must never be fetched. Two loopback servers:
 * the allowed model server on 127.0.0.5, and a canary on 127.0.0.1 that
 * stands for everything that must not be reached. The canary counts every
 * TCP connection; the repo-wide socket guard records any attempt to leave
 * loopback. Fake DNS answers stand in for names resolving to other addresses.
 */
describe('EndpointPolicy (SSRF)', () => {
  let allowed: http.Server;
  let canary: http.Server;
  let allowedPort: number;
  let canaryPort: number;
  let canaryConnections = 0;
  let allowedHits: string[] = [];

  beforeAll(async () => {
    allowed = http.createServer((req, res) => {
      allowedHits.push(req.url ?? '');
      const redirects: Record<string, string> = {
        '/redirect-canary': `http://127.0.0.1:${canaryPort}/`,
        '/redirect-metadata': 'http://169.254.169.254/latest/meta-data/',
        '/redirect-name': `http://rebind.test:${allowedPort}/`,
        '/redirect-relative': '/ok',
        '/redirect-loop': '/redirect-loop',
      };
      if (redirects[req.url ?? ''])
        res.writeHead(302, { location: redirects[req.url ?? ''] }).end();
      else
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end('{"status":"Healthy"}');
    });
    canary = http.createServer((_req, res) => res.end('canary'));
    canary.on('connection', () => canaryConnections++);
    await new Promise<void>(r => allowed.listen(0, '127.0.0.5', r));
    await new Promise<void>(r => canary.listen(0, '127.0.0.1', r));
    allowedPort = (allowed.address() as AddressInfo).port;
    canaryPort = (canary.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise(r => allowed.close(r));
    await new Promise(r => canary.close(r));
  });

  const fakeDns: Record<string, string[]> = {
    'model.svc.cluster.local': ['127.0.0.5'],
    'rebind.test': ['127.0.0.1'],
    'metadata.svc.cluster.local': ['169.254.169.254'],
    'v6.svc.cluster.local': ['::1'],
  };
  const policy = () =>
    EndpointPolicy.create(
      [`127.0.0.5:${allowedPort}`, '*.svc.cluster.local', 'rebind.test'],
      {
        resolve: async name => {
          const hit = fakeDns[name];
          if (!hit) throw new Error(`ENOTFOUND ${name}`);
          return hit;
        },
      },
    );
  const requester = () =>
    new GuardedRequester(policy(), {
      upstream: 'inference endpoint',
      timeoutMs: 2000,
    });

  async function refused(url: string): Promise<string> {
    try {
      await requester().get(url);
    } catch (e) {
      if (e instanceof UpstreamError) {
        expect(e.problem.fault).toBe('not-allowed');
        return e.problem.message;
      }
      throw e;
    }
    throw new Error(`${url} was fetched`);
  }

  it('fetches an allowed endpoint (and follows a redirect that stays allowed)', async () => {
    allowedHits = [];
    const res = await requester().get(
      `http://127.0.0.5:${allowedPort}/redirect-relative`,
    );
    expect(res.status).toBe(200);
    expect(allowedHits).toEqual(['/redirect-relative', '/ok']);
  });

  const hostile = (): Array<[string, RegExp]> => {
    const c = canaryPort;
    const a = allowedPort;
    return [
      [`http://127.0.0.1:${c}/`, /host 127\.0\.0\.1 is not allowed/],
      [`http://localhost:${c}/`, /host localhost is not allowed/],
      [`http://LOCALHOST.:${c}/`, /host localhost is not allowed/],
      [`http://0x7f000001:${c}/`, /host 127\.0\.0\.1 is not allowed/],
      [`http://2130706433:${c}/`, /host 127\.0\.0\.1 is not allowed/],
      [`http://0177.0.0.1:${c}/`, /host 127\.0\.0\.1 is not allowed/],
      [`http://127.1:${c}/`, /host 127\.0\.0\.1 is not allowed/],
      [`http://0x7f.0.0.1:${c}/`, /host 127\.0\.0\.1 is not allowed/],
      [`http://%31%32%37.0.0.1:${c}/`, /host 127\.0\.0\.1 is not allowed/],
      [`http://[::1]:${c}/`, /host ::1 is not allowed/],
      [`http://[::ffff:127.0.0.1]:${c}/`, /host 127\.0\.0\.1 is not allowed/],
      [
        `http://[0:0:0:0:0:ffff:7f00:1]:${c}/`,
        /host 127\.0\.0\.1 is not allowed/,
      ],
      [`http://0.0.0.0:${c}/`, /host 0\.0\.0\.0 is not allowed/],
      [`http://0:${c}/`, /host 0\.0\.0\.0 is not allowed/],
      [`http://[::]:${c}/`, /host :: is not allowed/],
      [
        'http://169.254.169.254/latest/meta-data/',
        /host 169\.254\.169\.254 is not allowed/,
      ],
      [
        'http://metadata.google.internal/computeMetadata/v1/',
        /host metadata\.google\.internal is not allowed/,
      ],
      [
        `http://127.0.0.5:${c}/`,
        new RegExp(`port ${c} of 127\\.0\\.0\\.5 is not allowed`),
      ],
      ['http://127.0.0.5/', /port 80 of 127\.0\.0\.5 is not allowed/],
      [`http://user:pw@127.0.0.5:${a}/`, /credentials/],
      [`http://127.0.0.5:${a}@127.0.0.1:${c}/`, /credentials/],
      [
        `http://127.0.0.1:${c}#@127.0.0.5:${a}/`,
        /host 127\.0\.0\.1 is not allowed/,
      ],
      [
        `http://127.0.0.1:${c}\\@127.0.0.5:${a}/`,
        /host 127\.0\.0\.1 is not allowed|credentials/,
      ],
      [
        `http://127.0.0.5.nip.io:${a}/`,
        /host 127\.0\.0\.5\.nip\.io is not allowed/,
      ],
      [
        `http://svc.cluster.local:${c}/`,
        /host svc\.cluster\.local is not allowed/,
      ],
      [
        `http://evilsvc.cluster.local:${c}/`,
        /host evilsvc\.cluster\.local is not allowed/,
      ],
      [`http://model.svc.cluster.local.evil.test:${c}/`, /is not allowed/],
      [`http://ⓛocalhost:${c}/`, /host localhost is not allowed/],
      [`ftp://127.0.0.5:${a}/`, /scheme ftp: is not allowed/],
      ['file:///etc/passwd', /scheme file: is not allowed/],
      [`gopher://127.0.0.5:${a}/_GET`, /scheme gopher: is not allowed/],
      ['javascript:alert(1)', /scheme javascript: is not allowed/],
      ['http://[::1', /not a valid URL/],
      ['', /endpoint is empty/],
      // Allowed names that resolve to sensitive addresses: refused at connect time.
      [
        `http://metadata.svc.cluster.local:${a}/`,
        /resolves to 169\.254\.169\.254 \(linkLocal\)/,
      ],
      [`http://rebind.test:${c}/`, /resolves to 127\.0\.0\.1 \(loopback\)/],
      [`http://v6.svc.cluster.local:${c}/`, /resolves to ::1 \(loopback\)/],
      // Redirects from an allowed server to places that are not.
      [
        `http://127.0.0.5:${a}/redirect-canary`,
        /redirected to a URL that is not allowed: host 127\.0\.0\.1/,
      ],
      [
        `http://127.0.0.5:${a}/redirect-metadata`,
        /redirected to a URL that is not allowed: host 169\.254\.169\.254/,
      ],
      [`http://127.0.0.5:${a}/redirect-name`, /resolves to 127\.0\.0\.1/],
      [`http://127.0.0.5:${a}/redirect-loop`, /more than 3 redirects/],
    ];
  };

  it('refuses at least 30 hostile endpoint values without connecting anywhere but the allowed server', async () => {
    const cases = hostile();
    expect(cases.length).toBeGreaterThanOrEqual(30);
    canaryConnections = 0;
    for (const [url, reason] of cases) {
      const message = await refused(url);
      expect({ url, message }).toEqual({
        url,
        message: expect.stringMatching(reason),
      });
    }
    expect(canaryConnections).toBe(0);
    expect(
      (globalThis as { __mlopsBlockedConnections?: string[] })
        .__mlopsBlockedConnections,
    ).toEqual([]);
  });

  it('lets an allowed name through when it resolves to an allowed address', async () => {
    const res = await requester().get(
      `http://model.svc.cluster.local:${allowedPort}/ping`,
    );
    expect(res.status).toBe(200);
  });

  it('rejects invalid rules at startup with the rule in the message', () => {
    expect(() => EndpointPolicy.create(['http://x'])).toThrow(
      /invalid endpoint rule "http:\/\/x"/,
    );
    expect(() => EndpointPolicy.create(['10.0.0.0/99'])).toThrow(
      /invalid CIDR/,
    );
    expect(() => EndpointPolicy.create(['*.com.'])).toThrow(/invalid wildcard/);
    expect(() => EndpointPolicy.create(['host:70000'])).toThrow(/invalid port/);
    expect(() => EndpointPolicy.create(['0x7f.1'])).toThrow(/dotted decimal/);
  });

  it('matches CIDR rules and refuses everything when no rule is configured', () => {
    const p = EndpointPolicy.create(['10.20.0.0/16:8000']);
    expect(p.check('http://10.20.3.4:8000/v2/health/ready').ok).toBe(true);
    expect(p.check('http://10.21.3.4:8000/').ok).toBe(false);
    expect(EndpointPolicy.create([]).check('http://10.20.3.4:8000/')).toEqual({
      ok: false,
      reason:
        'host 10.20.3.4 is not allowed by mlops endpoint rules (none are configured)',
    });
  });
});

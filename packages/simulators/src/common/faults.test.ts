/**
 * The fault switches, exercised on each simulator through real sockets:
 * down (connection refused, then back on the same port), slow, status in the
 * upstream's own error format, malformed JSON, oversized bodies, pathPrefix.
 */
import { Fault } from './faults';
import { startArgoCdSimulator } from '../argocd/simulator';
import { startHarborSimulator } from '../harbor/simulator';
import { startJenkinsSimulator } from '../jenkins/simulator';

interface Target {
  url: string;
  setFault(f: Fault): Promise<void>;
  stop(): Promise<void>;
}

const cases: Array<{
  name: string;
  start: () => Promise<Target>;
  path: string;
  headers: Record<string, string>;
  statusBody: (status: number, body: string) => void;
}> = [
  {
    name: 'argocd',
    start: () => startArgoCdSimulator(),
    path: '/api/v1/applications',
    headers: {},
    statusBody: (status, body) => {
      const parsed = JSON.parse(body);
      expect(Object.keys(parsed).sort()).toEqual(['code', 'error', 'message']);
      expect(parsed.code).toBe(status === 503 ? 14 : 16);
    },
  },
  {
    name: 'jenkins',
    start: () => startJenkinsSimulator({ anonymousRead: true }),
    path: '/api/json',
    headers: {},
    statusBody: (_status, body) => expect(body).toContain('HTTP ERROR'),
  },
  {
    name: 'harbor',
    start: () => startHarborSimulator(),
    path: '/api/v2.0/projects',
    headers: {},
    statusBody: (status, body) => {
      expect(JSON.parse(body).errors[0].code).toBe(
        status === 503 ? 'UNKNOWN' : 'UNAUTHORIZED',
      );
    },
  },
];

describe.each(cases)(
  'fault switches on the $name simulator',
  ({ start, path, headers, statusBody }) => {
    let sim: Target;
    beforeAll(async () => {
      sim = await start();
    });
    afterAll(() => sim.stop());
    afterEach(() => sim.setFault({ mode: 'none' }));

    const call = (signal?: AbortSignal) =>
      fetch(`${sim.url}${path}`, { headers, signal });

    it('down: refuses connections, then serves again on the same port', async () => {
      await sim.setFault({ mode: 'down' });
      await expect(call()).rejects.toThrow();
      await sim.setFault({ mode: 'none' });
      const res = await call();
      expect(res.headers.get('x-simulator')).toBeTruthy();
    });

    it('slow: holds the request past a client timeout', async () => {
      await sim.setFault({ mode: 'slow', delayMs: 5_000 });
      const t0 = Date.now();
      await expect(call(AbortSignal.timeout(200))).rejects.toThrow();
      expect(Date.now() - t0).toBeLessThan(2_000);
    });

    it('status: answers in the upstream error format', async () => {
      for (const status of [401, 503]) {
        await sim.setFault({ mode: 'status', status });
        const res = await call();
        expect(res.status).toBe(status);
        statusBody(status, await res.text());
      }
    });

    it('malformed: 200 application/json that does not parse', async () => {
      await sim.setFault({ mode: 'malformed' });
      const res = await call();
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      const text = await res.text();
      expect(() => JSON.parse(text)).toThrow();
    });

    it('oversized: a valid JSON body of many MB', async () => {
      await sim.setFault({ mode: 'oversized', bytes: 5 * 1024 * 1024 });
      const res = await call();
      const buf = Buffer.from(await res.arrayBuffer());
      expect(buf.length).toBe(5 * 1024 * 1024);
      expect(() => JSON.parse(buf.toString('utf8'))).not.toThrow();
    });

    it('pathPrefix: limits the fault to matching paths', async () => {
      await sim.setFault({
        mode: 'status',
        status: 503,
        pathPrefix: '/nothing-here',
      });
      const res = await call();
      expect(res.status).not.toBe(503);
    });
  },
);

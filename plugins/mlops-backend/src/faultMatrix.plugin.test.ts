import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  EntityHealth,
  SignalKind,
  SignalStatus,
} from '@internal/plugin-mlops-common';
import {
  Fault,
  exampleApplication,
  startArgoCdSimulator,
  startJenkinsSimulator,
  startVllmSimulator,
} from '@internal/simulators';
import {
  RunningRegistry,
  pushImage,
  startRegistry,
  waitFor,
} from '@internal/test-env';
import crypto from 'node:crypto';
import http from 'node:http';
import { Socket } from 'node:net';
import request from 'supertest';
import { mlopsPlugin } from './plugin';

jest.setTimeout(120_000);

const REV = 'c0ffee00d4e5f60718293a4b5c6d7e8f90123456';
const TAG = REV.slice(0, 7);
const MIB = 1024 * 1024;

// Every secret is random, so finding one in a response can only mean a leak.
const random = (bytes: number) => crypto.randomBytes(bytes).toString('hex');
const JENKINS_USER = 'ci-reader';
const JENKINS_TOKEN = `11${random(16)}`;
const ARGO_USER = 'portal';
const ARGO_PASSWORD = `argo-${random(12)}`;
const REGISTRY_USER = 'puller';
const REGISTRY_PASSWORD = `reg-${random(12)}`;
const VLLM_KEY = `sk-${random(12)}`;
const SECRETS = [
  JENKINS_TOKEN,
  ARGO_PASSWORD,
  REGISTRY_PASSWORD,
  VLLM_KEY,
  Buffer.from(`${JENKINS_USER}:${JENKINS_TOKEN}`).toString('base64'),
  Buffer.from(`${REGISTRY_USER}:${REGISTRY_PASSWORD}`).toString('base64'),
];

/** Distribution's error codes for the statuses the stand-in answers. */
const REGISTRY_ERRORS: Record<number, [string, string]> = {
  401: ['UNAUTHORIZED', 'authentication required'],
  403: ['DENIED', 'requested access to the resource is denied'],
  404: ['NAME_UNKNOWN', 'repository name not known to registry'],
};

/**
 * A registry that misbehaves on demand, at the wire: it forwards every
 * request to the real registry (Debian's docker-registry) until a fault is
 * set, then refuses connections, stalls, or answers a status, truncated JSON
 * or an endless body the way a broken registry or proxy would. The real
 * registry cannot be made to do these itself.
 */
async function startRegistryStandIn(target: string) {
  const upstream = new URL(target);
  let fault: Fault = { mode: 'none' };
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const server = http.createServer((req, res) => {
    const forward = () => {
      const out = http.request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: upstream.host },
        },
        up => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      out.on('error', () => res.destroy());
      req.pipe(out);
    };
    const error = (status: number, code: string, message: string) => {
      res.writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        'docker-distribution-api-version': 'registry/2.0',
        ...(status === 401
          ? { 'www-authenticate': 'Basic realm="Registry Realm"' }
          : {}),
      });
      res.end(JSON.stringify({ errors: [{ code, message, detail: null }] }));
    };
    switch (fault.mode) {
      case 'slow': {
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (!res.destroyed) forward();
        }, fault.delayMs ?? 30_000);
        timers.add(timer);
        return;
      }
      case 'status': {
        const status = fault.status ?? 500;
        const [code, message] = REGISTRY_ERRORS[status] ?? [
          'UNKNOWN',
          'unknown error',
        ];
        error(status, code, message);
        return;
      }
      case 'malformed':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"name":"ml/fault-matrix","tags":["c0ff');
        return;
      case 'oversized': {
        res.writeHead(200, { 'content-type': 'application/json' });
        let left = fault.bytes ?? 16 * MIB;
        const chunk = 'x'.repeat(64 * 1024);
        res.write('{"name":"ml/fault-matrix","tags":["');
        const pump = (): void => {
          while (left > 0 && !res.destroyed) {
            left -= chunk.length;
            if (!res.write(chunk)) {
              res.once('drain', pump);
              return;
            }
          }
          res.end('"]}');
        };
        pump();
        return;
      }
      default:
        forward();
    }
  });
  server.on('connection', socket => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  let listening = true;
  const close = async () => {
    if (!listening) return;
    listening = false;
    const closed = new Promise<void>(resolve => server.close(() => resolve()));
    for (const s of sockets) s.destroy();
    await closed;
  };
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    async setFault(next: Fault) {
      fault = next;
      if (next.mode === 'down') await close();
      else if (!listening) {
        await new Promise<void>(resolve =>
          server.listen(port, '127.0.0.1', resolve),
        );
        listening = true;
      }
    },
    async stop() {
      for (const t of timers) clearTimeout(t);
      await close();
    },
  };
}

type Upstream = {
  name: string;
  signal: SignalKind;
  /** How the signal's reason names the upstream. */
  named: RegExp;
  setFault(fault: Fault): Promise<void>;
};

const FAULTS: Array<{ name: string; fault: Fault; reason: RegExp }> = [
  {
    name: 'down',
    fault: { mode: 'down' },
    reason: /refused|not listening|unreachable/i,
  },
  {
    name: 'slow past the timeout',
    fault: { mode: 'slow', delayMs: 3_000 },
    reason: /did not answer within 500 ms|timed out/i,
  },
  {
    name: '401',
    fault: { mode: 'status', status: 401 },
    reason: /401|unauthori/i,
  },
  {
    name: '403',
    fault: { mode: 'status', status: 403 },
    reason: /403|forbidden/i,
  },
  {
    name: '404',
    fault: { mode: 'status', status: 404 },
    reason: /404|not found|has no|not known/i,
  },
  {
    name: '500',
    fault: { mode: 'status', status: 500 },
    reason: /\b500\b|server error/i,
  },
  {
    name: 'malformed JSON',
    fault: { mode: 'malformed' },
    reason: /malformed|not valid JSON/i,
  },
  {
    name: 'oversized body',
    fault: { mode: 'oversized', bytes: 6 * MIB },
    reason: /larger than|too large/i,
  },
];

/**
 * Every upstream × every fault, through one backend: the faulted signal turns
 * `error` and says which upstream and what went wrong, every other signal
 * keeps its status, the backend keeps answering, and no answer carries a
 * configured secret.
 */
describe('fault matrix: GET /api/mlops/entities/component/default/fault-matrix/health', () => {
  let reg: RunningRegistry;
  let standIn: Awaited<ReturnType<typeof startRegistryStandIn>>;
  let jenkins: Awaited<ReturnType<typeof startJenkinsSimulator>>;
  let argo: Awaited<ReturnType<typeof startArgoCdSimulator>>;
  let vllm: Awaited<ReturnType<typeof startVllmSimulator>>;
  let backend: Awaited<ReturnType<typeof startTestBackend>>;
  const upstreams: Record<string, Upstream> = {};
  let baseline: Record<SignalKind, SignalStatus>;
  const leaks: string[] = [];

  /** Every body the backend sends goes through here. */
  const scan = (what: string, text: string) => {
    for (const secret of SECRETS) {
      if (text.includes(secret))
        leaks.push(`${what} contains a configured secret`);
    }
  };

  const getHealth = async (): Promise<EntityHealth> => {
    const res = await request(backend.server)
      .get('/api/mlops/entities/component/default/fault-matrix/health')
      .timeout(5_000);
    scan('the health route', res.text);
    expect(res.status).toBe(200);
    return res.body as EntityHealth;
  };

  const statuses = (h: EntityHealth) =>
    Object.fromEntries(
      Object.entries(h.signals).map(([k, s]) => [k, s.status]),
    ) as Record<SignalKind, SignalStatus>;

  beforeAll(async () => {
    [reg, jenkins, argo, vllm] = await Promise.all([
      startRegistry({
        auth: 'basic',
        username: REGISTRY_USER,
        password: REGISTRY_PASSWORD,
      }),
      startJenkinsSimulator({
        users: [{ username: JENKINS_USER, apiToken: JENKINS_TOKEN }],
      }),
      startArgoCdSimulator({ users: { [ARGO_USER]: ARGO_PASSWORD } }),
      startVllmSimulator({ servedModelName: 'chat', apiKey: VLLM_KEY }),
    ]);
    standIn = await startRegistryStandIn(reg.url);
    await pushImage(
      { url: reg.url, username: REGISTRY_USER, password: REGISTRY_PASSWORD },
      {
        repository: 'ml/fault-matrix',
        tag: TAG,
        revision: REV,
        created: '2026-05-01T00:00:00Z',
      },
    );
    jenkins.addJob('ml/fault-matrix', {
      type: 'pipeline',
      builds: [
        {
          number: 5,
          result: 'SUCCESS',
          duration: 60_000,
          scm: [
            {
              remoteUrl: 'https://git.example.test/ml/fault-matrix.git',
              sha: REV,
              branch: 'main',
            },
          ],
        },
      ],
    });
    argo.putApplication(exampleApplication('fault-matrix'));
    argo.setStatus('fault-matrix', {
      sync: { status: 'Synced', revision: REV },
      health: { status: 'Healthy' },
      summary: { images: [`${standIn.host}/ml/fault-matrix:${TAG}`] },
    });

    const entity: Entity = {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: {
        name: 'fault-matrix',
        namespace: 'default',
        annotations: {
          'mlops.io/image-repository': `${standIn.host}/ml/fault-matrix`,
          'jenkins.io/job-full-name': 'ml/fault-matrix',
          'argocd/app-name': 'fault-matrix',
          'mlops.io/inference-endpoint': vllm.url,
          'mlops.io/inference-protocol': 'openai',
          'mlops.io/model-name': 'chat',
        },
      },
      spec: { type: 'model-service', owner: 'ml', lifecycle: 'production' },
    };
    backend = await startTestBackend({
      features: [
        mlopsPlugin,
        catalogServiceMock.factory({ entities: [entity] }),
        mockServices.rootConfig.factory({
          data: {
            jenkins: {
              instances: [
                {
                  name: 'ci',
                  baseUrl: jenkins.url,
                  username: JENKINS_USER,
                  apiKey: JENKINS_TOKEN,
                },
              ],
            },
            argocd: {
              appLocatorMethods: [
                {
                  type: 'config',
                  instances: [
                    {
                      name: 'prod',
                      url: argo.url,
                      username: ARGO_USER,
                      password: ARGO_PASSWORD,
                    },
                  ],
                },
              ],
            },
            mlops: {
              jenkins: { refreshSeconds: 1, timeoutMs: 500 },
              argocd: { refreshSeconds: 1, timeoutMs: 500 },
              registries: [
                {
                  name: 'local',
                  url: standIn.url,
                  username: REGISTRY_USER,
                  password: REGISTRY_PASSWORD,
                  refreshSeconds: 1,
                  timeoutMs: 500,
                },
              ],
              inference: {
                allowedEndpoints: [new URL(vllm.url).host],
                openaiApiKey: VLLM_KEY,
                refreshSeconds: 1,
                timeoutMs: 500,
              },
            },
          },
        }),
      ],
    });

    upstreams.jenkins = {
      name: 'Jenkins',
      signal: 'build',
      named: /Jenkins ci \(127\.0\.0\.1:\d+\)/,
      setFault: f => jenkins.setFault(f),
    };
    upstreams.argocd = {
      name: 'Argo CD',
      signal: 'sync',
      named: /Argo CD prod \(127\.0\.0\.1:\d+\)/,
      setFault: f => argo.setFault(f),
    };
    upstreams.registry = {
      name: 'registry',
      signal: 'image',
      named: /registry local \(127\.0\.0\.1:\d+\)/,
      setFault: f => standIn.setFault(f),
    };
    upstreams.vllm = {
      name: 'vLLM',
      signal: 'inference',
      named: /vLLM \(OpenAI API\) 127\.0\.0\.1:\d+/,
      setFault: f => vllm.setFault(f),
    };

    let health: EntityHealth | undefined;
    await waitFor(
      'every configured signal to be ok',
      async () => {
        health = await getHealth();
        return (['build', 'image', 'sync', 'inference'] as const).every(
          s => health!.signals[s].status === 'ok',
        );
      },
      20_000,
      200,
    ).catch(e => {
      throw new Error(`${e}\n${JSON.stringify(health?.signals, null, 1)}`);
    });
    baseline = statuses(health!);
  });

  afterAll(async () => {
    await backend?.stop();
    await Promise.all([
      reg?.stop(),
      standIn?.stop(),
      jenkins?.stop(),
      argo?.stop(),
      vllm?.stop(),
    ]);
  });

  it('starts from a healthy baseline (Kubernetes is not configured here)', () => {
    expect(baseline).toEqual({
      build: 'ok',
      image: 'ok',
      sync: 'ok',
      inference: 'ok',
      workload: 'unknown',
      gpu: 'unknown',
    });
  });

  // Fault-major order: consecutive cases break different upstreams, so the
  // previous one recovers while the next one breaks.
  const matrix = FAULTS.flatMap(f =>
    ['jenkins', 'argocd', 'registry', 'vllm'].map(u => ({ ...f, upstream: u })),
  );

  /**
   * The fault each signal was last given. Cached errors outlive a fault by up
   * to a few seconds (the registry keeps a failed read 5 s), so a signal
   * broken by an earlier case may still report exactly that earlier fault;
   * anything else (another status, another upstream, another reason) fails.
   */
  const lastFault = new Map<SignalKind, RegExp>();
  const unaffected = (h: EntityHealth, other: SignalKind) => {
    const s = h.signals[other];
    if (s.status === baseline[other]) return true;
    const earlier = lastFault.get(other);
    const owner = Object.values(upstreams).find(u => u.signal === other);
    return Boolean(
      earlier &&
        owner &&
        s.status === 'error' &&
        earlier.test(s.reason) &&
        owner.named.test(s.reason),
    );
  };

  test.each(matrix)(
    '$upstream $name',
    async ({ upstream: id, fault, reason }) => {
      const upstream = upstreams[id];
      await Promise.all(
        Object.entries(upstreams)
          .filter(([other]) => other !== id)
          .map(([, u]) => u.setFault({ mode: 'none' })),
      );
      await upstream.setFault(fault);
      lastFault.set(upstream.signal, reason);
      let health: EntityHealth | undefined;
      const others = (Object.keys(baseline) as SignalKind[]).filter(
        s => s !== upstream.signal,
      );
      await waitFor(
        `the ${upstream.signal} signal to report ${id} ${fault.mode}, every other signal unaffected`,
        async () => {
          health = await getHealth();
          const s = health.signals[upstream.signal];
          return (
            s.status === 'error' &&
            reason.test(s.reason) &&
            others.every(o => unaffected(health!, o))
          );
        },
        10_000,
        100,
      ).catch(e => {
        throw new Error(`${e}\n${JSON.stringify(health?.signals, null, 1)}`);
      });
      const signal = health!.signals[upstream.signal];
      expect(signal.status).toBe('error');
      expect(signal.reason).toMatch(upstream.named);
      expect(signal.reason).toMatch(reason);
      for (const other of others) {
        expect([
          other,
          unaffected(health!, other),
          health!.signals[other],
        ]).toEqual([other, true, health!.signals[other]]);
      }
      const alive = await request(backend.server)
        .get('/api/mlops/health')
        .timeout(2_000);
      scan('/api/mlops/health', alive.text);
      expect(alive.status).toBe(200);
      expect(leaks).toEqual([]);
    },
  );

  it('recovers every signal once the faults are gone, and never leaked a secret', async () => {
    await Promise.all(
      Object.values(upstreams).map(u => u.setFault({ mode: 'none' })),
    );
    let health: EntityHealth | undefined;
    await waitFor(
      'every signal to be back at its baseline',
      async () => {
        health = await getHealth();
        return JSON.stringify(statuses(health)) === JSON.stringify(baseline);
      },
      15_000,
      100,
    );
    expect(statuses(health!)).toEqual(baseline);
    expect(leaks).toEqual([]);
  });
});

import { mockServices } from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import {
  HealthService,
  SignalProvider,
  withoutUrlCredentials,
} from './HealthService';

const entity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'fraud-detector', namespace: 'default' },
  spec: { type: 'model-service' },
};

const ok = (signal: SignalProvider['signal']): SignalProvider => ({
  signal,
  notApplicableReason: () => 'n/a',
  read: async () => ({
    health: { signal, status: 'ok', reason: `${signal} fine`, checkedAt: 'x' },
  }),
});

describe('HealthService', () => {
  const logger = mockServices.logger.mock();

  it('reports every signal, unknown (never ok) for what is not configured or not annotated', async () => {
    const notAnnotated: SignalProvider = {
      signal: 'build',
      notApplicableReason: () => 'add jenkins.io/job-full-name',
      read: async () => undefined,
    };
    const health = await new HealthService(
      [ok('image'), notAnnotated],
      logger,
      { providerTimeoutMs: 1000 },
    ).getEntityHealth(entity);
    expect(Object.keys(health.signals).sort()).toEqual([
      'build',
      'gpu',
      'image',
      'inference',
      'sync',
      'workload',
    ]);
    expect(health.signals.image.status).toBe('ok');
    expect(health.signals.build).toMatchObject({
      status: 'unknown',
      reason: 'add jenkins.io/job-full-name',
    });
    expect(health.signals.sync).toMatchObject({
      status: 'unknown',
      reason: 'no sync upstream is configured',
    });
    expect(health.delivery.status).toBe('unknown');
    expect(health.entityRef).toBe('component:default/fraud-detector');
  });

  it("turns a failing or hanging provider into that signal's error, leaving the others intact", async () => {
    const throwing: SignalProvider = {
      signal: 'sync',
      notApplicableReason: () => '',
      read: async () => Promise.reject(new Error('boom')),
    };
    const hanging: SignalProvider = {
      signal: 'inference',
      notApplicableReason: () => '',
      read: () => new Promise(() => undefined),
    };
    const started = Date.now();
    const health = await new HealthService(
      [ok('image'), throwing, hanging],
      logger,
      { providerTimeoutMs: 200 },
    ).getEntityHealth(entity);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(health.signals.sync).toMatchObject({
      status: 'error',
      reason: 'the sync signal could not be computed: boom',
    });
    expect(health.signals.inference).toMatchObject({
      status: 'error',
      reason:
        'the inference signal could not be computed: did not answer within 200 ms',
    });
    expect(health.signals.image.status).toBe('ok');
  });

  it('feeds provider facts into the delivery chain', async () => {
    const image: SignalProvider = {
      signal: 'image',
      notApplicableReason: () => '',
      read: async () => ({
        health: {
          signal: 'image',
          status: 'error',
          reason: 'r',
          checkedAt: 'x',
        },
        facts: {
          image: {
            problem: {
              upstream: 'registry demo (r.local)',
              fault: 'unreachable',
              message: 'refused the connection',
            },
          },
        },
      }),
    };
    const health = await new HealthService([image], logger, {
      providerTimeoutMs: 1000,
    }).getEntityHealth(entity);
    expect(health.delivery).toMatchObject({
      firstBroken: 'image',
      verdict: 'Image: registry demo (r.local): refused the connection',
    });
  });

  it('answers details only when asked, each signal its own, without credentials in URLs', async () => {
    const asked: Array<boolean | undefined> = [];
    const sync: SignalProvider = {
      signal: 'sync',
      notApplicableReason: () => '',
      read: async (_entity, options) => {
        asked.push(options?.details);
        return {
          health: { signal: 'sync', status: 'ok', reason: 'r', checkedAt: 'x' },
          detail: {
            sync: {
              entityRef: 'component:default/fraud-detector',
              apps: [],
              problems: [
                {
                  instance: 'prod',
                  problem: {
                    upstream: 'Argo CD prod',
                    fault: 'unreachable',
                    message:
                      'cannot reach https://bot:t0ken@git.example.test/a.git or ssh://git@host/b',
                  },
                },
              ],
            },
            // Not this provider's signal: ignored.
            build: { entityRef: 'x', jobs: [] },
          },
        };
      },
    };
    const service = new HealthService([sync], logger, {
      providerTimeoutMs: 1000,
    });
    const lean = await service.getEntityHealth(entity);
    expect(lean).not.toHaveProperty('details');
    const full = await service.getEntityHealth(entity, { details: true });
    expect(asked).toEqual([false, true]);
    expect(Object.keys(full.details!)).toEqual(['sync']);
    expect(full.details!.sync!.problems[0].problem.message).toBe(
      'cannot reach https://git.example.test/a.git or ssh://host/b',
    );
  });

  it('judges a fleet like one entity at a time, in the order given', async () => {
    const build: SignalProvider = {
      signal: 'build',
      notApplicableReason: () => 'add jenkins.io/job-full-name',
      read: async e =>
        e.metadata.annotations?.['jenkins.io/job-full-name']
          ? {
              health: {
                signal: 'build',
                status: e.metadata.name === 'broken' ? 'error' : 'ok',
                reason: `${e.metadata.name} built`,
                checkedAt: 'x',
              },
            }
          : undefined,
    };
    const service = new HealthService([ok('image'), build], logger, {
      providerTimeoutMs: 1000,
    });
    const fleet = ['fine', 'broken', 'plain'].map(
      (name): Entity => ({
        ...entity,
        metadata: {
          name,
          namespace: 'default',
          annotations:
            name === 'plain' ? {} : { 'jenkins.io/job-full-name': name },
        },
      }),
    );
    const judged = await service.getFleetHealth(fleet);
    expect(judged.map(h => h.entityRef)).toEqual([
      'component:default/fine',
      'component:default/broken',
      'component:default/plain',
    ]);
    const statusOf = (h: (typeof judged)[number]) =>
      Object.values(h.signals).map(s => [s.signal, s.status, s.reason]);
    for (const [i, e] of fleet.entries()) {
      const one = await service.getEntityHealth(e);
      expect(statusOf(judged[i])).toEqual(statusOf(one));
      expect(judged[i].delivery).toEqual(one.delivery);
      expect(judged[i]).not.toHaveProperty('details');
    }
    expect(judged[1].signals.build.status).toBe('error');
    expect(judged[2].signals.build.reason).toBe('add jenkins.io/job-full-name');
  });

  it('gives a whole fleet one deadline: a hanging upstream costs it the timeout once', async () => {
    const hanging: SignalProvider = {
      signal: 'inference',
      notApplicableReason: () => '',
      read: () => new Promise(() => undefined),
    };
    const fleet = Array.from(
      { length: 200 },
      (_, i): Entity => ({
        ...entity,
        metadata: { name: `model-${i}`, namespace: 'default' },
      }),
    );
    const started = Date.now();
    const judged = await new HealthService([ok('image'), hanging], logger, {
      providerTimeoutMs: 200,
    }).getFleetHealth(fleet);
    // One entity at a time (or 16 at a time) would take 200 ms per batch.
    expect(Date.now() - started).toBeLessThan(1500);
    expect(judged).toHaveLength(200);
    for (const h of judged) {
      expect(h.signals.inference).toMatchObject({
        status: 'error',
        reason:
          'the inference signal could not be computed: did not answer within 200 ms',
      });
      expect(h.signals.image.status).toBe('ok');
    }
  });

  it('removes credentials from URLs anywhere in details without changing what it was given', () => {
    const cached = {
      jobs: [
        {
          fullName: 'ml/fraud',
          builds: [
            { number: 7, remote: 'https://ci:s3cret@git.example.test/a.git' },
            { number: 6, remote: 'https://git.example.test/a.git' },
          ],
        },
      ],
      apps: [{ repoURL: 'git@github.com:acme/deploy.git', sync: 'Synced' }],
      note: 'mail ops@example.test, see ssh://deploy:pw@host/repo and https://x.test/',
      count: 2,
      nothing: null,
    };
    const before = structuredClone(cached);
    const shown = withoutUrlCredentials(cached);
    expect(shown).toEqual({
      ...before,
      jobs: [
        {
          fullName: 'ml/fraud',
          builds: [
            { number: 7, remote: 'https://git.example.test/a.git' },
            { number: 6, remote: 'https://git.example.test/a.git' },
          ],
        },
      ],
      note: 'mail ops@example.test, see ssh://host/repo and https://x.test/',
    });
    expect(JSON.stringify(shown)).not.toMatch(/s3cret|deploy:pw/);
    // The cached objects (shared with the upstream caches) are unchanged.
    expect(cached).toEqual(before);
  });
});

import {
  coreServices,
  createBackendPlugin,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import {
  TestDatabases,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  NotificationSendOptions,
  notificationService,
} from '@backstage/plugin-notifications-node';
import { Knex } from 'knex';
import { DeliveryFacts } from '../delivery/deliveryChain';
import { HealthService, SignalProvider } from '../health/HealthService';
import {
  DELIVERY_NOTIFIER_TASK_ID,
  scheduleDeliveryNotifier,
} from './scheduleDeliveryNotifier';

jest.setTimeout(30_000);

const REV = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
const TAG = REV.slice(0, 7);

/** Facts the delivery chain is judged from; each world is one state of the upstreams. */
const WORLDS: Record<
  'healthy' | 'broken' | 'building' | 'unreadable',
  DeliveryFacts
> = {
  healthy: {
    build: { number: 7, result: 'SUCCESS', building: false, commit: REV },
    image: { tags: [{ tag: TAG, digest: 'sha256:aa', revision: REV }] },
    desired: { tags: [TAG] },
    sync: { sync: 'Synced', health: 'Healthy', autoSync: true },
    running: { tags: [TAG], digests: [], ready: 2, desired: 2 },
    serving: { ready: true, reason: 'live and ready' },
  },
  broken: {
    build: {
      number: 8,
      result: 'FAILURE',
      building: false,
      commit: REV,
      failedStage: 'Train',
    },
    image: { tags: [{ tag: TAG, digest: 'sha256:aa', revision: REV }] },
    desired: { tags: [TAG] },
    sync: { sync: 'Synced', health: 'Healthy', autoSync: true },
    running: { tags: [TAG], digests: [], ready: 2, desired: 2 },
    serving: { ready: true, reason: 'live and ready' },
  },
  building: {
    build: { number: 9, result: null, building: true, commit: REV },
    image: { tags: [{ tag: TAG, digest: 'sha256:aa', revision: REV }] },
    desired: { tags: [TAG] },
    sync: { sync: 'Synced', health: 'Healthy', autoSync: true },
    running: { tags: [TAG], digests: [], ready: 2, desired: 2 },
    serving: { ready: true, reason: 'live and ready' },
  },
  // The cluster cannot be read: nothing is broken, but the chain cannot be judged.
  unreadable: {
    build: { number: 7, result: 'SUCCESS', building: false, commit: REV },
    image: { tags: [{ tag: TAG, digest: 'sha256:aa', revision: REV }] },
    desired: { tags: [TAG] },
    sync: { sync: 'Synced', health: 'Healthy', autoSync: true },
    serving: { ready: true, reason: 'live and ready' },
  },
};
type World = keyof typeof WORLDS;

const fraudDetector: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'fraud-detector', namespace: 'default' },
  spec: {
    type: 'model-service',
    owner: 'ml-platform',
    lifecycle: 'production',
  },
};
const notAModelService: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'web-shop', namespace: 'default' },
  spec: { type: 'website', owner: 'shop', lifecycle: 'production' },
};

/**
 * One backend replica: the real notifier wired exactly as plugin.ts wires it
 * (scheduler, database, auth, catalog, notifications), with a HealthService
 * whose only provider hands the current world's facts to the real delivery
 * judgement. Notifications (Backstage's service) are captured, not sent.
 */
async function startReplica(options: {
  knex: Knex;
  world: () => World;
  sent: NotificationSendOptions[];
  failSends?: () => boolean;
  entities?: Entity[];
}) {
  const scheduler = mockServices.scheduler.mock();
  const facts: SignalProvider = {
    signal: 'build',
    notApplicableReason: () => 'n/a',
    read: async () => ({
      health: {
        signal: 'build',
        status: 'ok',
        reason: 'stub',
        checkedAt: new Date().toISOString(),
      },
      facts: WORLDS[options.world()],
    }),
  };
  const testPlugin = createBackendPlugin({
    pluginId: 'mlops',
    register(env) {
      env.registerInit({
        deps: {
          config: coreServices.rootConfig,
          scheduler: coreServices.scheduler,
          database: coreServices.database,
          auth: coreServices.auth,
          logger: coreServices.logger,
          catalog: catalogServiceRef,
          notifications: notificationService,
        },
        async init(deps) {
          await scheduleDeliveryNotifier({
            ...deps,
            health: new HealthService([facts], deps.logger, {
              providerTimeoutMs: 1000,
            }),
          });
        },
      });
    },
  });
  const backend = await startTestBackend({
    features: [
      testPlugin,
      scheduler.factory,
      mockServices.database.factory({ knex: options.knex }),
      catalogServiceMock.factory({
        entities: options.entities ?? [fraudDetector, notAModelService],
      }),
      createServiceFactory({
        service: notificationService,
        deps: {},
        factory: () => ({
          async send(o: NotificationSendOptions) {
            if (options.failSends?.()) throw new Error('notifications is down');
            options.sent.push(o);
          },
        }),
      }),
    ],
  });
  const task = scheduler.scheduleTask.mock.calls.find(
    ([t]) => t.id === DELIVERY_NOTIFIER_TASK_ID,
  )?.[0];
  if (!task) throw new Error('the notifier task was not scheduled');
  return {
    backend,
    task,
    /** One scheduled run, errors surfacing. */
    tick: () => task.fn(new AbortController().signal),
  };
}

describe('delivery notifications', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
  let knex: Knex;
  let world: World;
  let sent: NotificationSendOptions[];
  let replicas: Array<Awaited<ReturnType<typeof startReplica>>>;

  beforeEach(async () => {
    knex = await databases.init('SQLITE_3');
    world = 'healthy';
    sent = [];
    replicas = [];
  });
  afterEach(async () => {
    await Promise.all(replicas.map(r => r.backend.stop()));
  });

  const replica = async (
    extra: Partial<Parameters<typeof startReplica>[0]> = {},
  ) => {
    const r = await startReplica({ knex, world: () => world, sent, ...extra });
    replicas.push(r);
    return r;
  };

  it('is scheduled once across replicas, every minute by default', async () => {
    const { task } = await replica();
    expect(task).toMatchObject({
      id: 'mlops-delivery-notifier',
      scope: 'global',
      frequency: { seconds: 60 },
    });
  });

  it('tells the owner once when delivery breaks and once when it recovers', async () => {
    const { tick } = await replica();
    await tick(); // first look: recorded, nobody told
    expect(sent).toHaveLength(0);

    world = 'broken';
    await tick();
    expect(sent).toHaveLength(1);
    expect(sent[0]).toEqual({
      recipients: { type: 'entity', entityRef: 'group:default/ml-platform' },
      payload: {
        title: 'fraud-detector: delivery broken at Build',
        description: 'Build: build 8 failed at stage Train',
        link: '/catalog/default/component/fraud-detector',
        severity: 'high',
        topic: 'mlops-delivery',
        scope: 'mlops-delivery:component:default/fraud-detector',
      },
    });

    await tick();
    await tick();
    expect(sent).toHaveLength(1); // staying broken says nothing more

    world = 'healthy';
    await tick();
    expect(sent).toHaveLength(2);
    expect(sent[1].payload).toMatchObject({
      title: 'fraud-detector: delivery recovered',
      description: 'delivers end to end: 2/2 pods ready on :a1b2c3d',
      severity: 'normal',
      scope: 'mlops-delivery:component:default/fraud-detector',
    });
    await tick();
    expect(sent).toHaveLength(2);
  });

  it('never counts unknown as ok or broken', async () => {
    const { tick } = await replica();
    await tick();
    world = 'unreadable';
    await tick();
    world = 'healthy';
    await tick();
    expect(sent).toHaveLength(0); // ok → unknown → ok

    world = 'broken';
    await tick();
    world = 'unreadable';
    await tick();
    world = 'broken';
    await tick();
    expect(sent.map(s => s.payload.title)).toEqual([
      'fraud-detector: delivery broken at Build',
    ]); // broken → unknown → broken

    world = 'unreadable';
    await tick();
    world = 'healthy';
    await tick();
    expect(sent.map(s => s.payload.title)).toEqual([
      'fraud-detector: delivery broken at Build',
      'fraud-detector: delivery recovered',
    ]); // broken → unknown → ok still recovers
  });

  it('says nothing about a chain seen broken for the first time', async () => {
    world = 'broken';
    const { tick } = await replica();
    await tick();
    await tick();
    expect(sent).toHaveLength(0);
    world = 'healthy';
    await tick();
    expect(sent.map(s => s.payload.title)).toEqual([
      'fraud-detector: delivery recovered',
    ]);
  });

  it('sends a warning (a running build) at normal severity', async () => {
    const { tick } = await replica();
    await tick();
    world = 'building';
    await tick();
    expect(sent[0].payload).toMatchObject({
      title: 'fraud-detector: delivery broken at Build',
      severity: 'normal',
    });
  });

  it('does not resend from a second replica or after a restart sharing the database', async () => {
    const a = await replica();
    await a.tick();
    world = 'broken';
    await a.tick();
    expect(sent).toHaveLength(1);

    const b = await replica();
    await b.tick();
    await a.tick();
    expect(sent).toHaveLength(1);

    await a.backend.stop();
    replicas = replicas.filter(r => r !== a);
    const restarted = await replica();
    await restarted.tick();
    expect(sent).toHaveLength(1);

    world = 'healthy';
    await b.tick();
    await restarted.tick();
    expect(sent.map(s => s.payload.title)).toEqual([
      'fraud-detector: delivery broken at Build',
      'fraud-detector: delivery recovered',
    ]);
  });

  it('sends once when two replicas race on the same change', async () => {
    const a = await replica();
    const b = await replica();
    await a.tick();
    world = 'broken';
    await Promise.all([a.tick(), b.tick()]);
    expect(sent).toHaveLength(1);
  });

  it('retries on the next run when the notification could not be sent', async () => {
    let down = false;
    const { tick } = await replica({ failSends: () => down });
    await tick();
    world = 'broken';
    down = true;
    await tick();
    expect(sent).toHaveLength(0);
    down = false;
    await tick();
    expect(sent.map(s => s.payload.title)).toEqual([
      'fraud-detector: delivery broken at Build',
    ]);
    await tick();
    expect(sent).toHaveLength(1);
  });

  it('turns off with mlops.notifications.delivery.enabled: false', async () => {
    const scheduler = mockServices.scheduler.mock();
    const plugin = createBackendPlugin({
      pluginId: 'mlops',
      register(env) {
        env.registerInit({
          deps: {
            config: coreServices.rootConfig,
            scheduler: coreServices.scheduler,
            database: coreServices.database,
            auth: coreServices.auth,
            logger: coreServices.logger,
            catalog: catalogServiceRef,
            notifications: notificationService,
          },
          async init(deps) {
            await scheduleDeliveryNotifier({
              ...deps,
              health: new HealthService([], deps.logger),
            });
          },
        });
      },
    });
    const backend = await startTestBackend({
      features: [
        plugin,
        scheduler.factory,
        mockServices.database.factory({ knex }),
        catalogServiceMock.factory({ entities: [] }),
        mockServices.rootConfig.factory({
          data: { mlops: { notifications: { delivery: { enabled: false } } } },
        }),
      ],
    });
    try {
      expect(scheduler.scheduleTask).not.toHaveBeenCalled();
    } finally {
      await backend.stop();
    }
  });
});

import { TestDatabases, mockServices } from '@backstage/backend-test-utils';
import { DatabaseDeliveryStateStore } from './DatabaseDeliveryStateStore';

jest.setTimeout(30_000);

describe('DatabaseDeliveryStateStore', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

  it.each(databases.eachSupportedId())(
    'keeps the first state, moves only from the stored state, forgets removed services (%s)',
    async id => {
      const knex = await databases.init(id);
      const store = await DatabaseDeliveryStateStore.create({
        database: mockServices.database({ knex }),
      });
      await store.initialize('component:default/a', 'ok', 'fine');
      await store.initialize('component:default/a', 'broken', 'ignored');
      await store.initialize('component:default/b', 'broken', 'Build: failed');
      expect([...(await store.list()).values()]).toEqual([
        { entityRef: 'component:default/a', state: 'ok', verdict: 'fine' },
        {
          entityRef: 'component:default/b',
          state: 'broken',
          verdict: 'Build: failed',
        },
      ]);

      expect(
        await store.transition('component:default/a', 'ok', 'broken', 'x'),
      ).toBe(true);
      // A second writer that still believes "ok" loses.
      expect(
        await store.transition('component:default/a', 'ok', 'broken', 'y'),
      ).toBe(false);
      expect((await store.list()).get('component:default/a')).toEqual({
        entityRef: 'component:default/a',
        state: 'broken',
        verdict: 'x',
      });

      expect(await store.retainOnly(new Set(['component:default/b']))).toBe(1);
      expect([...(await store.list()).keys()]).toEqual(['component:default/b']);
    },
  );

  it('does not migrate when migrations are skipped', async () => {
    const knex = await databases.init('SQLITE_3');
    await DatabaseDeliveryStateStore.create({
      database: mockServices.database({ knex, migrations: { skip: true } }),
    });
    expect(await knex.schema.hasTable('mlops_delivery_state')).toBe(false);
  });
});

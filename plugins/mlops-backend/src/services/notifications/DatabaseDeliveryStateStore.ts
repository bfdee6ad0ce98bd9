import {
  DatabaseService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import { Knex } from 'knex';
import { DeliveryState } from './deliveryNotice';
import { DeliveryStateStore, StoredDeliveryState } from './DeliveryStateStore';

const migrationsDir = resolvePackagePath(
  '@internal/plugin-mlops-backend',
  'migrations',
);

const TABLE = 'mlops_delivery_state';

interface Row {
  entity_ref: string;
  state: string;
  verdict: string;
}

const isState = (s: string): s is DeliveryState => s === 'ok' || s === 'broken';

/** {@link DeliveryStateStore} in the plugin's own database (migrations in `migrations/`). */
export class DatabaseDeliveryStateStore implements DeliveryStateStore {
  static async create(options: {
    database: DatabaseService;
  }): Promise<DatabaseDeliveryStateStore> {
    const client = await options.database.getClient();
    if (!options.database.migrations?.skip) {
      await client.migrate.latest({ directory: migrationsDir });
    }
    return new DatabaseDeliveryStateStore(client);
  }

  private constructor(private readonly db: Knex) {}

  async list(): Promise<Map<string, StoredDeliveryState>> {
    const rows = await this.db<Row>(TABLE)
      .select('entity_ref', 'state', 'verdict')
      .orderBy('entity_ref');
    const out = new Map<string, StoredDeliveryState>();
    for (const row of rows) {
      if (!isState(row.state)) continue;
      out.set(row.entity_ref, {
        entityRef: row.entity_ref,
        state: row.state,
        verdict: row.verdict,
      });
    }
    return out;
  }

  async initialize(
    entityRef: string,
    state: DeliveryState,
    verdict: string,
  ): Promise<void> {
    await this.db(TABLE)
      .insert({
        entity_ref: entityRef,
        state,
        verdict,
        changed_at: new Date(),
      })
      .onConflict('entity_ref')
      .ignore();
  }

  async transition(
    entityRef: string,
    from: DeliveryState,
    to: DeliveryState,
    verdict: string,
  ): Promise<boolean> {
    const updated = await this.db(TABLE)
      .where({ entity_ref: entityRef, state: from })
      .update({ state: to, verdict, changed_at: new Date() });
    return updated === 1;
  }

  async retainOnly(keep: ReadonlySet<string>): Promise<number> {
    const stored = await this.db<Row>(TABLE).pluck('entity_ref');
    const gone = stored.filter(ref => !keep.has(ref));
    let removed = 0;
    for (let i = 0; i < gone.length; i += 500) {
      removed += await this.db(TABLE)
        .whereIn('entity_ref', gone.slice(i, i + 500))
        .delete();
    }
    return removed;
  }
}

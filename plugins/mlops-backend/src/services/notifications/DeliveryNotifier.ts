import { AuthService, LoggerService } from '@backstage/backend-plugin-api';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { NotificationService } from '@backstage/plugin-notifications-node';
import {
  EntityHealth,
  MODEL_SERVICE_COMPONENT_TYPES,
} from '@internal/plugin-mlops-common';
import pLimit from 'p-limit';
import {
  DeliveryState,
  deliveryNotice,
  deliveryStateOf,
  ownerRefsOf,
} from './deliveryNotice';
import { DeliveryStateStore, StoredDeliveryState } from './DeliveryStateStore';

/** Reads one entity's health (the plugin's HealthService). */
export interface EntityHealthReader {
  getEntityHealth(entity: Entity): Promise<EntityHealth>;
}

/** What one run did. */
export interface DeliveryNotifierRun {
  /** Model services in the catalog. */
  services: number;
  /** Whose chain could not be judged this time (no change recorded). */
  unknown: number;
  /** Notifications sent. */
  notified: number;
  /** Notifications that could not be sent (retried on the next run). */
  failed: number;
}

/**
 * Tells the owner of a model service when its delivery chain breaks and when
 * it recovers: one notification per change, never one per check. What each
 * owner was told is kept in a {@link DeliveryStateStore}, so restarts and
 * other replicas do not repeat it. The first state seen for a service is
 * recorded silently; unknown never changes anything.
 */
export class DeliveryNotifier {
  static create(options: {
    catalog: CatalogService;
    auth: AuthService;
    health: EntityHealthReader;
    notifications: NotificationService;
    store: DeliveryStateStore;
    logger: LoggerService;
    /** Services checked at once (default 8). */
    concurrency?: number;
  }): DeliveryNotifier {
    return new DeliveryNotifier(
      options.catalog,
      options.auth,
      options.health,
      options.notifications,
      options.store,
      options.logger,
      options.concurrency ?? 8,
    );
  }

  private constructor(
    private readonly catalog: CatalogService,
    private readonly auth: AuthService,
    private readonly health: EntityHealthReader,
    private readonly notifications: NotificationService,
    private readonly store: DeliveryStateStore,
    private readonly logger: LoggerService,
    private readonly concurrency: number,
  ) {}

  /** Checks every model service once. Throws only when the catalog or the store cannot be read. */
  async run(): Promise<DeliveryNotifierRun> {
    const credentials = await this.auth.getOwnServiceCredentials();
    const { items } = await this.catalog.getEntities(
      {
        filter: {
          kind: 'Component',
          'spec.type': [...MODEL_SERVICE_COMPONENT_TYPES],
        },
      },
      { credentials },
    );
    const stored = await this.store.list();
    const run: DeliveryNotifierRun = {
      services: items.length,
      unknown: 0,
      notified: 0,
      failed: 0,
    };
    const limit = pLimit(this.concurrency);
    await Promise.all(
      items.map(entity =>
        limit(() =>
          this.check(entity, stored.get(stringifyEntityRef(entity)), run),
        ),
      ),
    );
    await this.store.retainOnly(new Set(items.map(e => stringifyEntityRef(e))));
    return run;
  }

  private async check(
    entity: Entity,
    previous: StoredDeliveryState | undefined,
    run: DeliveryNotifierRun,
  ): Promise<void> {
    const entityRef = stringifyEntityRef(entity);
    let health: EntityHealth;
    try {
      health = await this.health.getEntityHealth(entity);
    } catch (e) {
      run.unknown++;
      this.logger.warn(
        `mlops: delivery of ${entityRef} could not be judged: ${String(
          (e as Error)?.message ?? e,
        )}`,
      );
      return;
    }
    const state = deliveryStateOf(health.delivery);
    if (!state) {
      run.unknown++;
      return;
    }
    const verdict = health.delivery.verdict;
    if (!previous) {
      await this.store.initialize(entityRef, state, verdict);
      return;
    }
    if (previous.state === state) return;
    // Compare-and-set first: when another replica already moved it, it also told the owner.
    if (
      !(await this.store.transition(entityRef, previous.state, state, verdict))
    )
      return;
    const owners = ownerRefsOf(entity);
    if (owners.length === 0) {
      this.logger.warn(
        `mlops: delivery of ${entityRef} is now ${state}, but it has no owner to tell`,
      );
      return;
    }
    try {
      await this.notifications.send({
        recipients: {
          type: 'entity',
          entityRef: owners.length === 1 ? owners[0] : owners,
        },
        payload: deliveryNotice(entity, health, state),
      });
      run.notified++;
    } catch (e) {
      run.failed++;
      await this.undo(entityRef, state, previous);
      this.logger.warn(
        `mlops: could not notify ${owners.join(
          ', ',
        )} that the delivery of ${entityRef} is ${state}; will retry: ${String(
          (e as Error)?.message ?? e,
        )}`,
      );
    }
  }

  /** Puts the previous state back, so the next run sends again. */
  private async undo(
    entityRef: string,
    state: DeliveryState,
    previous: StoredDeliveryState,
  ): Promise<void> {
    try {
      await this.store.transition(
        entityRef,
        state,
        previous.state,
        previous.verdict,
      );
    } catch (e) {
      this.logger.warn(
        `mlops: could not reset the delivery state of ${entityRef}: ${String(
          (e as Error)?.message ?? e,
        )}`,
      );
    }
  }
}

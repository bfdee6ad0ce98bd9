import {
  AuthService,
  DatabaseService,
  LoggerService,
  SchedulerService,
} from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { NotificationService } from '@backstage/plugin-notifications-node';
import { readDeliveryNotificationsConfig } from './config';
import { DatabaseDeliveryStateStore } from './DatabaseDeliveryStateStore';
import { DeliveryNotifier, EntityHealthReader } from './DeliveryNotifier';

/** Id of the scheduled task (one run at a time across replicas). */
export const DELIVERY_NOTIFIER_TASK_ID = 'mlops-delivery-notifier';

/**
 * Schedules the {@link DeliveryNotifier} with `scope: 'global'`, so one
 * replica at a time checks every model service. Returns undefined when
 * `mlops.notifications.delivery.enabled` is false.
 */
export async function scheduleDeliveryNotifier(options: {
  config: Config;
  scheduler: SchedulerService;
  database: DatabaseService;
  auth: AuthService;
  catalog: CatalogService;
  notifications: NotificationService;
  health: EntityHealthReader;
  logger: LoggerService;
}): Promise<DeliveryNotifier | undefined> {
  const { logger } = options;
  const settings = readDeliveryNotificationsConfig(options.config);
  if (!settings.enabled) {
    logger.info('mlops: delivery notifications are turned off');
    return undefined;
  }
  const store = await DatabaseDeliveryStateStore.create({
    database: options.database,
  });
  const notifier = DeliveryNotifier.create({
    catalog: options.catalog,
    auth: options.auth,
    health: options.health,
    notifications: options.notifications,
    store,
    logger,
  });
  await options.scheduler.scheduleTask({
    id: DELIVERY_NOTIFIER_TASK_ID,
    scope: 'global',
    frequency: { seconds: settings.frequencySeconds },
    timeout: { seconds: Math.max(120, settings.frequencySeconds * 5) },
    initialDelay: { seconds: settings.initialDelaySeconds },
    fn: async () => {
      const run = await notifier.run();
      if (run.notified || run.failed) {
        logger.info(
          `mlops: delivery check of ${run.services} model services: ${run.notified} notification(s) sent, ${run.failed} failed, ${run.unknown} not judged`,
        );
      }
    },
  });
  return notifier;
}

export {
  DELIVERY_NOTIFIER_TASK_ID,
  scheduleDeliveryNotifier,
} from './scheduleDeliveryNotifier';
export { DeliveryNotifier } from './DeliveryNotifier';
export type {
  DeliveryNotifierRun,
  EntityHealthReader,
} from './DeliveryNotifier';
export { DatabaseDeliveryStateStore } from './DatabaseDeliveryStateStore';
export type {
  DeliveryStateStore,
  StoredDeliveryState,
} from './DeliveryStateStore';
export {
  DELIVERY_TOPIC,
  deliveryNotice,
  deliveryScope,
  deliveryStateOf,
  ownerRefsOf,
} from './deliveryNotice';
export type { DeliveryState } from './deliveryNotice';
export { readDeliveryNotificationsConfig } from './config';
export type { DeliveryNotificationsConfig } from './config';

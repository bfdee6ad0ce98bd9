import { Config } from '@backstage/config';
import { z } from 'zod';

/** `mlops.notifications.delivery.*`: when model-service owners hear about their delivery chain. */
export interface DeliveryNotificationsConfig {
  /** Off switch (default on). */
  enabled: boolean;
  /** How often every model service is checked, in seconds (default 60). */
  frequencySeconds: number;
  /** Wait this long after startup before the first check, so watch caches can fill (default 30). */
  initialDelaySeconds: number;
}

const schema = z
  .object({
    enabled: z.boolean().default(true),
    frequencySeconds: z.number().int().min(10).max(86_400).default(60),
    initialDelaySeconds: z.number().int().min(0).max(3_600).default(30),
  })
  .default({ enabled: true, frequencySeconds: 60, initialDelaySeconds: 30 });

/** Reads and validates `mlops.notifications.delivery`; a bad value stops the backend with the key. */
export function readDeliveryNotificationsConfig(
  config: Config,
): DeliveryNotificationsConfig {
  const parsed = schema.safeParse(
    config.getOptional('mlops.notifications.delivery') ?? undefined,
  );
  if (!parsed.success) {
    const lines = parsed.error.issues.map(
      issue =>
        `  mlops.notifications.delivery.${issue.path.join('.')}: ${
          issue.message
        }`,
    );
    throw new Error(`Invalid mlops configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

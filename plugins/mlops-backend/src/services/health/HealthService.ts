import { LoggerService } from '@backstage/backend-plugin-api';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import {
  EntityHealth,
  SignalHealth,
  SignalKind,
} from '@internal/plugin-mlops-common';
import { DeliveryFacts, judgeDelivery } from '../delivery/deliveryChain';
import { DeadlineError, withDeadline } from './deadline';

/** What one signal provider knows about an entity. */
export interface SignalReading {
  health: SignalHealth;
  /** Facts this signal contributes to the delivery chain. */
  facts?: DeliveryFacts;
}

/**
 * One signal (build, image, sync, workload, inference, gpu). `read` answers
 * from the provider's cache; `undefined` means the entity has nothing for
 * this signal (no annotation) or the upstream is not configured.
 */
export interface SignalProvider {
  readonly signal: SignalKind;
  /** Why the signal is unknown when `read` answers undefined, e.g. "add jenkins.io/job-full-name". */
  notApplicableReason(entity: Entity): string;
  read(entity: Entity): Promise<SignalReading | undefined>;
}

export const SIGNALS: SignalKind[] = [
  'build',
  'image',
  'sync',
  'workload',
  'inference',
  'gpu',
];

/**
 * Joins every signal of an entity and judges its delivery chain. A provider
 * that fails or hangs turns into that one signal's error; the others are
 * unaffected and nothing is shown as healthy that was not read.
 */
export class HealthService {
  constructor(
    private readonly providers: SignalProvider[],
    private readonly logger: LoggerService,
    private readonly options: {
      providerTimeoutMs: number;
      now?: () => number;
    } = { providerTimeoutMs: 10_000 },
  ) {}

  async getEntityHealth(entity: Entity): Promise<EntityHealth> {
    const now = this.options.now ?? Date.now;
    const checkedAt = new Date(now()).toISOString();
    const readings = await Promise.all(
      SIGNALS.map(
        async (
          signal,
        ): Promise<
          [SignalKind, SignalReading | undefined, string | undefined]
        > => {
          const provider = this.providers.find(p => p.signal === signal);
          if (!provider)
            return [signal, undefined, `no ${signal} upstream is configured`];
          try {
            const reading = await withDeadline(
              provider.read(entity),
              this.options.providerTimeoutMs,
              `did not answer within ${this.options.providerTimeoutMs} ms`,
            );
            return [
              signal,
              reading,
              reading ? undefined : provider.notApplicableReason(entity),
            ];
          } catch (e) {
            const message = String((e as Error)?.message ?? e);
            if (!(e instanceof DeadlineError)) {
              this.logger.error(
                `mlops: ${signal} signal failed for ${stringifyEntityRef(
                  entity,
                )}`,
                e as Error,
              );
            }
            return [
              signal,
              {
                health: {
                  signal,
                  status: 'error',
                  reason: `the ${signal} signal could not be computed: ${message}`,
                  checkedAt,
                  problem: {
                    upstream: `${signal} signal`,
                    fault: 'server-error',
                    message,
                  },
                },
              },
              undefined,
            ];
          }
        },
      ),
    );
    const signals = {} as EntityHealth['signals'];
    const facts: DeliveryFacts = {};
    for (const [signal, reading, why] of readings) {
      signals[signal] = reading?.health ?? {
        signal,
        status: 'unknown',
        reason: why ?? 'not configured',
        checkedAt,
      };
      Object.assign(facts, reading?.facts ?? {});
    }
    return {
      entityRef: stringifyEntityRef(entity),
      signals,
      delivery: judgeDelivery(facts),
      checkedAt,
    };
  }
}

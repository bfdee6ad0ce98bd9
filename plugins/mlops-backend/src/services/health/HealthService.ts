import { LoggerService } from '@backstage/backend-plugin-api';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import {
  EntityHealth,
  EntityHealthDetails,
  SignalHealth,
  SignalKind,
} from '@internal/plugin-mlops-common';
import { DeliveryFacts, judgeDelivery } from '../delivery/deliveryChain';
import { DeadlineError, sharedDeadline } from './deadline';

/** What one signal provider knows about an entity. */
export interface SignalReading {
  health: SignalHealth;
  /** Facts this signal contributes to the delivery chain. */
  facts?: DeliveryFacts;
  /**
   * What the entity cards show for this signal (only its own key is used:
   * `{ build: report }` from the build provider). Providers fill it only
   * when asked with `{ details: true }`.
   */
  detail?: EntityHealthDetails;
}

/** How much a provider should read. */
export interface ReadOptions {
  /** Also compute {@link SignalReading.detail} (the per-entity route; never the fleet). */
  details?: boolean;
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
  read(
    entity: Entity,
    options?: ReadOptions,
  ): Promise<SignalReading | undefined>;
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
 * What {@link HealthService.getEntityHealth} reads of an entity: its
 * reference and its annotations, nothing else. The fleet route asks the
 * catalog for these fields only: 1,000 entities without spec, relations and
 * status are fewer bytes for the catalog to serialize and compress and for
 * us to parse. A provider that starts reading another field adds it here
 * (the fleet test compares the fleet's judgement with the entity route's).
 */
export const HEALTH_ENTITY_FIELDS = [
  'apiVersion',
  'kind',
  'metadata.name',
  'metadata.namespace',
  'metadata.annotations',
] as const;

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

  /**
   * Every signal of `entity` and its delivery chain; with `{ details: true }`
   * also what the entity cards show (`details`), credentials in URLs removed.
   */
  async getEntityHealth(
    entity: Entity,
    options: ReadOptions = {},
  ): Promise<EntityHealth> {
    const deadline = this.deadline();
    try {
      return await this.judge(entity, options.details === true, deadline);
    } finally {
      deadline.clear();
    }
  }

  /**
   * The lean health (no `details`) of many entities at once, in their order:
   * what the fleet view and the MCP list show. One deadline covers the whole
   * call, so an upstream that hangs costs the fleet `providerTimeoutMs` once
   * (its signal says it did not answer), not once per batch of entities; and
   * no per-entity timer or queue is made for signals answered from caches.
   */
  async getFleetHealth(entities: Entity[]): Promise<EntityHealth[]> {
    const deadline = this.deadline();
    try {
      return await Promise.all(
        entities.map(entity => this.judge(entity, false, deadline)),
      );
    } finally {
      deadline.clear();
    }
  }

  private deadline(): Deadline {
    return sharedDeadline(
      this.options.providerTimeoutMs,
      `did not answer within ${this.options.providerTimeoutMs} ms`,
    );
  }

  private async judge(
    entity: Entity,
    wantDetails: boolean,
    deadline: Deadline,
  ): Promise<EntityHealth> {
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
            const reading = await deadline.race(
              provider.read(entity, { details: wantDetails }),
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
    const details: EntityHealthDetails = {};
    for (const [signal, reading, why] of readings) {
      if (wantDetails && isDetailSignal(signal) && reading?.detail?.[signal])
        Object.assign(details, { [signal]: reading.detail[signal] });
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
      ...(wantDetails ? { details: withoutUrlCredentials(details) } : {}),
    };
  }
}

type Deadline = ReturnType<typeof sharedDeadline>;

const DETAIL_SIGNALS: ReadonlyArray<keyof EntityHealthDetails> = [
  'build',
  'sync',
  'workload',
  'inference',
  'gpu',
];

function isDetailSignal(
  signal: SignalKind,
): signal is keyof EntityHealthDetails {
  return (DETAIL_SIGNALS as readonly string[]).includes(signal);
}

/** `scheme://user:secret@host` → `scheme://host`, wherever it appears in a string. */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]+@/gi;

/**
 * `value` with the user-info part of every URL removed (a git remote or
 * repoURL written as `https://user:token@host/…` by a job or an
 * Application). Details go to the browser: credentials never do.
 *
 * Nothing it is given is changed (details share objects with the upstream
 * caches): an object or array is copied only on the path to a string that
 * had credentials, everything else is returned as it was. Details without
 * credentials, the usual case, cost one walk and no copy (a JSON round trip
 * used to copy every entity view's details twice).
 */
export function withoutUrlCredentials<T>(value: T): T {
  return stripCredentials(value) as T;
}

function stripCredentials(value: unknown): unknown {
  if (typeof value === 'string')
    return value.includes('@') ? value.replace(URL_USERINFO, '$1') : value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const stripped = stripCredentials(value[i]);
      if (stripped !== value[i]) {
        copy ??= value.slice();
        copy[i] = stripped;
      }
    }
    return copy ?? value;
  }
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    let copy: Record<string, unknown> | undefined;
    for (const key of Object.keys(record)) {
      const stripped = stripCredentials(record[key]);
      if (stripped !== record[key]) {
        copy ??= { ...record };
        copy[key] = stripped;
      }
    }
    return copy ?? value;
  }
  return value;
}

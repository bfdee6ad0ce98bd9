/**
 * Test doubles and answers shared by the entity card tests: entities, signals
 * and health answers, a health API that answers what it is given, an actions
 * API that records what it was asked, and real `ResponseError`s.
 */
import { CompoundEntityRef, Entity } from '@backstage/catalog-model';
import { ResponseError } from '@backstage/errors';
import {
  EntityHealth,
  EntityHealthDetails,
  GpuNodesReport,
  MlopsActionsApi,
  MlopsHealthApi,
  RebuildActionRequest,
  RebuildActionResponse,
  RestartActionRequest,
  RestartActionResponse,
  RollbackActionRequest,
  SignalHealth,
  SignalKind,
  SyncActionRequest,
  SyncActionResponse,
} from '@internal/plugin-mlops-common';
import { answersInTurn, responseError } from './responses';

export { responseError } from './responses';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

export const isoAgo = (ms: number, now = Date.now()) =>
  new Date(now - ms).toISOString();

/** A fixed time of checking, for answers whose age does not matter. */
export const CHECKED_AT = '2026-11-20T10:00:00.000Z';

export function entityWith(annotations: Record<string, string>): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'fraud-detector', namespace: 'default', annotations },
    spec: { type: 'model-service', owner: 'team-ml', lifecycle: 'production' },
  };
}

/** Names every upstream of the chain. */
export const fullEntity = entityWith({
  'jenkins.io/job-full-name': 'ci:ml/fraud-detector',
  'mlops.io/image-repository': '127.0.0.1:5000/ml/fraud-detector',
  'argocd/app-name': 'fraud-detector',
  'backstage.io/kubernetes-id': 'fraud-detector',
  'mlops.io/inference-endpoint': 'http://127.0.0.1:8080',
});

/** A service that names no upstream at all. */
export const bareEntity = entityWith({});

export const ENTITY_REF = 'component:default/fraud-detector';

export function signal(
  kind: SignalKind,
  status: SignalHealth['status'],
  reason: string,
  extra: Partial<SignalHealth> = {},
): SignalHealth {
  return {
    signal: kind,
    status,
    reason,
    checkedAt: new Date().toISOString(),
    ...extra,
  };
}

/** Why each signal is unknown in `baseHealth`. */
const UNKNOWN_REASONS: Record<SignalKind, string> = {
  build: 'CI is not configured for this service',
  image: 'no image repository',
  sync: 'Argo CD is not configured',
  workload: 'no workload',
  inference: 'no endpoint',
  gpu: 'no GPU',
};

function everySignal(
  of: (kind: SignalKind) => SignalHealth,
): Record<SignalKind, SignalHealth> {
  return Object.fromEntries(
    (Object.keys(UNKNOWN_REASONS) as SignalKind[]).map(kind => [
      kind,
      of(kind),
    ]),
  ) as Record<SignalKind, SignalHealth>;
}

/** Every signal unknown, no chain steps, no details: override what a test needs. */
export function baseHealth(
  overrides: Partial<EntityHealth> = {},
): EntityHealth {
  return {
    entityRef: ENTITY_REF,
    signals: everySignal(kind =>
      signal(kind, 'unknown', UNKNOWN_REASONS[kind]),
    ),
    delivery: { steps: [], verdict: '', status: 'unknown' },
    checkedAt: isoAgo(5 * MINUTE_MS),
    ...overrides,
  };
}

/** `baseHealth` with one signal as given and, when given, the card details. */
export function withSignal(
  health: SignalHealth,
  details?: EntityHealthDetails,
): EntityHealth {
  const base = baseHealth();
  return {
    ...base,
    signals: { ...base.signals, [health.signal]: health },
    ...(details ? { details } : {}),
  };
}

/**
 * A whole answer of the health route checked at CHECKED_AT: every signal
 * unknown ("not read in this test") except what is given.
 */
export function entityHealth(
  signals: Partial<Record<SignalKind, Partial<SignalHealth>>>,
  details?: EntityHealthDetails,
): EntityHealth {
  return baseHealth({
    signals: everySignal(kind =>
      signal(kind, 'unknown', 'not read in this test', {
        checkedAt: CHECKED_AT,
        ...signals[kind],
      }),
    ),
    delivery: {
      steps: [],
      verdict: 'not judged in this test',
      status: 'unknown',
    },
    checkedAt: CHECKED_AT,
    ...(details ? { details } : {}),
  });
}

/**
 * A fake backend client, the boundary the cards talk to: answers each entity
 * health request with the next answer (the last one repeats); an Error is
 * thrown. `calls` are the entities it was asked about.
 */
export class FakeHealthApi implements MlopsHealthApi {
  readonly getEntityHealth: jest.Mock<Promise<EntityHealth>, unknown[]>;

  constructor(...answers: Array<EntityHealth | Error>) {
    this.getEntityHealth = answersInTurn(answers);
  }

  get calls(): CompoundEntityRef[] {
    return this.getEntityHealth.mock.calls.map(
      ([entity]) => entity as CompoundEntityRef,
    );
  }

  async getFleetHealth(): Promise<{ items: EntityHealth[] }> {
    throw new Error('not used by the entity cards');
  }

  async getGpuNodes(): Promise<GpuNodesReport> {
    throw new Error('not used by the entity cards');
  }
}

/** A FakeHealthApi answering `answers` in turn. */
export const fakeHealthApi = (...answers: Array<EntityHealth | Error>) =>
  new FakeHealthApi(...answers);

type Answer<T> = T | Error;

export interface RecordedAction {
  action: 'rebuild' | 'sync' | 'rollback' | 'restart';
  entity: CompoundEntityRef;
  request: unknown;
}

/** Records each action it is asked for and answers what it was given. */
export class FakeActionsApi implements MlopsActionsApi {
  readonly calls: RecordedAction[] = [];

  constructor(
    private readonly answers: {
      rebuild?: Answer<RebuildActionResponse>;
      sync?: Answer<SyncActionResponse>;
      rollback?: Answer<SyncActionResponse>;
      restart?: Answer<RestartActionResponse>;
    } = {},
  ) {}

  private answer<T>(
    action: RecordedAction['action'],
    entity: CompoundEntityRef,
    request: unknown,
    value: Answer<T> | undefined,
  ): Promise<T> {
    this.calls.push({ action, entity, request });
    if (value === undefined)
      return Promise.reject(new Error(`no answer for ${action}`));
    if (value instanceof Error) return Promise.reject(value);
    return Promise.resolve(value);
  }

  rebuild(entity: CompoundEntityRef, request?: RebuildActionRequest) {
    return this.answer('rebuild', entity, request, this.answers.rebuild);
  }

  sync(entity: CompoundEntityRef, request?: SyncActionRequest) {
    return this.answer('sync', entity, request, this.answers.sync);
  }

  rollback(entity: CompoundEntityRef, request: RollbackActionRequest) {
    return this.answer('rollback', entity, request, this.answers.rollback);
  }

  restart(entity: CompoundEntityRef, request: RestartActionRequest) {
    return this.answer('restart', entity, request, this.answers.restart);
  }
}

/** What the backend's error handler answers when the health route fails. */
export function serverError(
  message = 'Health of component:default/fraud-detector could not be computed',
): Promise<ResponseError> {
  return responseError(500, 'Error', message);
}

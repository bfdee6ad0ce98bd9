/**
 * Test doubles and answers shared by the delivery, build and sync card tests:
 * entities, a health API that answers what it is given, an actions API that
 * records what it was asked, and real `ResponseError`s.
 */
import { CompoundEntityRef, Entity } from '@backstage/catalog-model';
import { ResponseError } from '@backstage/errors';
import {
  EntityHealth,
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

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

export const isoAgo = (ms: number, now = Date.now()) =>
  new Date(now - ms).toISOString();

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

/** Every signal unknown, no chain steps, no details: override what a test needs. */
export function baseHealth(
  overrides: Partial<EntityHealth> = {},
): EntityHealth {
  return {
    entityRef: ENTITY_REF,
    signals: {
      build: signal(
        'build',
        'unknown',
        'CI is not configured for this service',
      ),
      image: signal('image', 'unknown', 'no image repository'),
      sync: signal('sync', 'unknown', 'Argo CD is not configured'),
      workload: signal('workload', 'unknown', 'no workload'),
      inference: signal('inference', 'unknown', 'no endpoint'),
      gpu: signal('gpu', 'unknown', 'no GPU'),
    },
    delivery: { steps: [], verdict: '', status: 'unknown' },
    checkedAt: isoAgo(5 * MINUTE_MS),
    ...overrides,
  };
}

/** Answers each call with the next answer (the last one repeats); an Error is thrown. */
export class FakeHealthApi implements MlopsHealthApi {
  readonly calls: CompoundEntityRef[] = [];
  private readonly answers: Array<EntityHealth | Error>;

  constructor(...answers: Array<EntityHealth | Error>) {
    this.answers = answers;
  }

  async getEntityHealth(entity: CompoundEntityRef): Promise<EntityHealth> {
    this.calls.push(entity);
    const answer =
      this.answers[Math.min(this.calls.length - 1, this.answers.length - 1)];
    if (answer instanceof Error) throw answer;
    return answer;
  }

  async getFleetHealth(): Promise<{ items: EntityHealth[] }> {
    throw new Error('not used by the entity cards');
  }

  async getGpuNodes(): Promise<GpuNodesReport> {
    throw new Error('not used by the entity cards');
  }
}

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

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** The error the real client throws for a backend answer of `status`. */
export async function responseError(
  status: number,
  name: string,
  message: string,
  url = 'http://127.0.0.1:7007/api/mlops/entities/component/default/fraud-detector/health',
): Promise<ResponseError> {
  const body = {
    error: { name, message },
    request: { method: 'GET', url },
    response: { statusCode: status },
  };
  const headers = new Map([['content-type', 'application/json']]);
  return ResponseError.fromResponse({
    ok: false,
    status,
    statusText: STATUS_TEXT[status] ?? 'Error',
    redirected: false,
    type: 'basic',
    url,
    headers: {
      get: (h: string) => headers.get(h.toLowerCase()) ?? null,
    },
    text: async () => JSON.stringify(body),
  } as unknown as Parameters<typeof ResponseError.fromResponse>[0]);
}

import { Entity } from '@backstage/catalog-model';
import { ResponseError } from '@backstage/errors';
import {
  EntityHealth,
  EntityHealthDetails,
  MlopsHealthApi,
  SignalHealth,
  SignalKind,
} from '@internal/plugin-mlops-common';

export const CHECKED_AT = '2026-11-20T10:00:00.000Z';

const KINDS: SignalKind[] = [
  'build',
  'image',
  'sync',
  'workload',
  'inference',
  'gpu',
];

export function signal(
  kind: SignalKind,
  health: Partial<SignalHealth> = {},
): SignalHealth {
  return {
    signal: kind,
    status: 'unknown',
    reason: 'not read in this test',
    checkedAt: CHECKED_AT,
    ...health,
  };
}

/** A whole answer of the health route: every signal unknown except those given. */
export function entityHealth(
  signals: Partial<Record<SignalKind, Partial<SignalHealth>>>,
  details?: EntityHealthDetails,
): EntityHealth {
  const all = Object.fromEntries(
    KINDS.map(kind => [kind, signal(kind, signals[kind])]),
  ) as Record<SignalKind, SignalHealth>;
  return {
    entityRef: 'component:default/fraud-detector',
    signals: all,
    delivery: {
      steps: [],
      verdict: 'not judged in this test',
      status: 'unknown',
    },
    checkedAt: CHECKED_AT,
    ...(details ? { details } : {}),
  };
}

/** A fake backend client: the boundary the cards talk to. */
export function fakeHealthApi(
  ...answers: Array<EntityHealth | Error>
): MlopsHealthApi & { getEntityHealth: jest.Mock } {
  const getEntityHealth = jest.fn();
  for (const answer of answers) {
    if (answer instanceof Error) {
      getEntityHealth.mockRejectedValueOnce(answer);
    } else {
      getEntityHealth.mockResolvedValueOnce(answer);
    }
  }
  return {
    getEntityHealth,
    getFleetHealth: jest.fn(),
    getGpuNodes: jest.fn(),
  };
}

/** What the backend's error handler answers when the health route fails. */
export async function serverError(
  message = 'Health of component:default/fraud-detector could not be computed',
): Promise<ResponseError> {
  const url =
    'http://127.0.0.1:7007/api/mlops/entities/component/default/fraud-detector/health';
  const body = {
    error: { name: 'Error', message },
    request: { method: 'GET', url },
    response: { statusCode: 500 },
  };
  const headers = new Map([['content-type', 'application/json']]);
  return ResponseError.fromResponse({
    ok: false,
    status: 500,
    statusText: 'Internal Server Error',
    redirected: false,
    type: 'basic',
    url,
    headers: {
      get: (name: string) => headers.get(name.toLowerCase()) ?? null,
    },
    text: async () => JSON.stringify(body),
  } as unknown as Parameters<typeof ResponseError.fromResponse>[0]);
}

export const baseEntity = (annotations: Record<string, string>): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'fraud-detector', namespace: 'default', annotations },
  spec: { type: 'model-service', owner: 'team-ml', lifecycle: 'production' },
});

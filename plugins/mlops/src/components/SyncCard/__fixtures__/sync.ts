import {
  EntityHealth,
  SignalHealth,
  SyncApp,
  SyncReport,
} from '@internal/plugin-mlops-common';
import {
  DAY_MS,
  ENTITY_REF,
  HOUR_MS,
  MINUTE_MS,
  isoAgo,
  signal,
  withSignal,
} from '../../../__fixtures__/health';

export const ARGO_URL =
  'http://127.0.0.1:8082/applications/argocd/fraud-detector';
export const REV_NOW = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
export const REV_BEFORE = '9f8e7d6c5b4a39281706f5e4d3c2b1a098765432';
export const REV_FIRST = '1234567890abcdef1234567890abcdef12345678';
export const IMAGE = '127.0.0.1:5000/ml/fraud-detector';

function app(extra: Partial<SyncApp>, now: number): SyncApp {
  return {
    instance: 'demo',
    name: 'fraud-detector',
    namespace: 'argocd',
    project: 'ml',
    sync: 'Synced',
    health: 'Healthy',
    revision: REV_NOW,
    autoSync: false,
    operationPending: false,
    operation: {
      phase: 'Succeeded',
      message: 'successfully synced (all tasks run)',
      startedAt: isoAgo(21 * MINUTE_MS, now),
      finishedAt: isoAgo(20 * MINUTE_MS, now),
      revision: REV_NOW,
      initiatedBy: 'alice',
    },
    history: [
      {
        id: 1,
        revision: REV_FIRST,
        deployedAt: isoAgo(3 * DAY_MS, now),
        initiatedBy: 'automated',
      },
      {
        id: 2,
        revision: REV_BEFORE,
        deployedAt: isoAgo(2 * DAY_MS, now),
        initiatedBy: 'bob',
      },
      {
        id: 3,
        revision: REV_NOW,
        deployedAt: isoAgo(20 * MINUTE_MS, now),
        initiatedBy: 'alice',
      },
    ],
    images: [`${IMAGE}:a1b2c3d`],
    desiredImages: [`fraud-detector=${IMAGE}:a1b2c3d`],
    sources: [
      {
        repoURL: 'http://127.0.0.1:3000/ml/gitops.git',
        path: 'apps/fraud-detector',
        targetRevision: 'main',
      },
    ],
    destination: { server: 'https://kubernetes.default.svc', namespace: 'ml' },
    conditions: [],
    reconciledAt: isoAgo(MINUTE_MS, now),
    checkedAt: new Date(now).toISOString(),
    link: { title: 'fraud-detector in Argo CD demo', url: ARGO_URL },
    ...extra,
  };
}

function withSync(
  report: SyncReport | undefined,
  syncSignal: SignalHealth,
): EntityHealth {
  return withSignal(syncSignal, report && { sync: report });
}

/** Synced and Healthy, running the image GitOps asks for; auto-sync off. */
export function healthySync(now = Date.now()): EntityHealth {
  return withSync(
    { entityRef: ENTITY_REF, apps: [app({}, now)], problems: [] },
    signal('sync', 'ok', 'fraud-detector is Synced and Healthy'),
  );
}

/** OutOfSync and Progressing with auto-sync on: GitOps asks for a newer image. */
export function degradedSync(now = Date.now()): EntityHealth {
  return withSync(
    {
      entityRef: ENTITY_REF,
      apps: [
        app(
          {
            sync: 'OutOfSync',
            health: 'Progressing',
            healthMessage:
              'Waiting for rollout to finish: 1 of 3 updated replicas are available',
            autoSync: true,
            desiredImages: [`fraud-detector=${IMAGE}:e4f5a6b`],
            operation: {
              phase: 'Succeeded',
              message: 'successfully synced (all tasks run)',
              startedAt: isoAgo(2 * HOUR_MS, now),
              finishedAt: isoAgo(2 * HOUR_MS, now),
              initiatedBy: 'automated',
            },
          },
          now,
        ),
      ],
      problems: [],
    },
    signal('sync', 'warning', 'fraud-detector is OutOfSync'),
  );
}

/** The last sync failed; the app is Degraded; one instance could not be read. */
export function brokenSync(now = Date.now()): EntityHealth {
  return withSync(
    {
      entityRef: ENTITY_REF,
      apps: [
        app(
          {
            sync: 'OutOfSync',
            health: 'Degraded',
            healthMessage:
              'Deployment "fraud-detector" exceeded its progress deadline',
            operation: {
              phase: 'Failed',
              message:
                'one or more objects failed to apply, reason: admission webhook denied the request',
              startedAt: isoAgo(6 * MINUTE_MS, now),
              finishedAt: isoAgo(5 * MINUTE_MS, now),
              initiatedBy: 'alice',
            },
            conditions: [
              {
                type: 'SyncError',
                message:
                  'Failed sync attempt to e4f5a6b: one or more objects failed to apply',
              },
            ],
          },
          now,
        ),
      ],
      problems: [
        {
          instance: 'prod',
          problem: {
            upstream: 'Argo CD prod (127.0.0.1:8083)',
            fault: 'unauthorized',
            httpStatus: 401,
            message:
              'The configured Argo CD token was rejected; renew argocd.instances[prod].token.',
          },
        },
      ],
    },
    signal('sync', 'error', 'the last sync of fraud-detector failed'),
  );
}

/** A sync is running: Argo CD would refuse another one. */
export function runningOperation(now = Date.now()): EntityHealth {
  return withSync(
    {
      entityRef: ENTITY_REF,
      apps: [
        app(
          {
            operationPending: true,
            operation: {
              phase: 'Running',
              message:
                'waiting for healthy state of apps/Deployment/fraud-detector',
              startedAt: isoAgo(MINUTE_MS, now),
              initiatedBy: 'alice',
            },
          },
          now,
        ),
      ],
      problems: [],
    },
    signal('sync', 'warning', 'a sync of fraud-detector is running'),
  );
}

/** Argo CD could not be read at all. */
export function unreachableArgo(): EntityHealth {
  return withSync(
    undefined,
    signal('sync', 'error', 'Argo CD demo could not be read', {
      problem: {
        upstream: 'Argo CD demo (127.0.0.1:8082)',
        fault: 'unreachable',
        message: 'Could not connect to 127.0.0.1:8082 (ECONNREFUSED).',
      },
    }),
  );
}

/** No Argo CD configured: only the reason. */
export function noArgo(): EntityHealth {
  return withSync(
    undefined,
    signal(
      'sync',
      'unknown',
      'no Argo CD instance is configured (argocd.instances)',
    ),
  );
}

/** No application matched: not OK even if the signal says so. */
export function noApps(): EntityHealth {
  return withSync(
    { entityRef: ENTITY_REF, apps: [], problems: [] },
    signal('sync', 'ok', 'nothing to judge'),
  );
}

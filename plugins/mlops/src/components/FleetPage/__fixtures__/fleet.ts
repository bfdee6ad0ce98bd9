import { Entity } from '@backstage/catalog-model';
import {
  EntityHealth,
  MlopsHealthApi,
  SignalHealth,
  SignalKind,
  SignalStatus,
  UpstreamProblem,
} from '@internal/plugin-mlops-common';
import { answersInTurn } from '../../../__fixtures__/responses';

export const CHECKED_AT = '2026-11-22T10:00:00Z';

type SignalOverrides = Partial<
  Record<
    SignalKind,
    { status: SignalStatus; reason: string; problem?: UpstreamProblem }
  >
>;

const OK_REASONS: Record<SignalKind, string> = {
  build: 'build 42 succeeded',
  image: 'newest tag a1b2c3d is 2 hours old',
  sync: 'Synced and Healthy',
  workload: '2/2 pods ready',
  inference: 'model loaded, ready',
  gpu: '1 of 1 requested GPU allocated',
};

/** A fleet health item: every signal OK unless overridden. */
export function entityHealth(
  name: string,
  options: {
    signals?: SignalOverrides;
    delivery?: { status: SignalStatus; verdict: string };
    namespace?: string;
  } = {},
): EntityHealth {
  const entityRef = `component:${options.namespace ?? 'default'}/${name}`;
  const signals = Object.fromEntries(
    (Object.keys(OK_REASONS) as SignalKind[]).map(kind => {
      const o = options.signals?.[kind];
      const s: SignalHealth = {
        signal: kind,
        status: o?.status ?? 'ok',
        reason: o?.reason ?? OK_REASONS[kind],
        checkedAt: CHECKED_AT,
        ...(o?.problem ? { problem: o.problem } : {}),
      };
      return [kind, s];
    }),
  ) as Record<SignalKind, SignalHealth>;
  return {
    entityRef,
    signals,
    delivery: {
      steps: [],
      verdict:
        options.delivery?.verdict ?? 'delivers end to end: 2/2 pods ready',
      status: options.delivery?.status ?? 'ok',
    },
    checkedAt: CHECKED_AT,
  };
}

/** A model service as the catalog returns it with the page's `fields`. */
export function catalogEntity(
  name: string,
  options: {
    owner?: string;
    tags?: string[];
    annotations?: Record<string, string>;
    title?: string;
    type?: string;
    namespace?: string;
  } = {},
): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name,
      namespace: options.namespace ?? 'default',
      ...(options.title ? { title: options.title } : {}),
      tags: options.tags ?? [],
      annotations: options.annotations ?? {},
    },
    spec: {
      type: options.type ?? 'model-service',
      lifecycle: 'production',
      ...(options.owner ? { owner: options.owner } : {}),
    },
  };
}

export const JENKINS_DOWN: UpstreamProblem = {
  upstream: 'Jenkins ci (127.0.0.1:8080)',
  fault: 'unreachable',
  message: 'connection refused',
};

/**
 * Four services: one broken (image pull fails), one degraded (sync out of
 * date), one healthy on CPU (GPU does not apply), one unknown (Jenkins down).
 */
export function smallFleet(): { items: EntityHealth[]; entities: Entity[] } {
  return {
    items: [
      entityHealth('fraud-detector', {
        signals: {
          gpu: { status: 'unknown', reason: 'the service asks for no GPUs' },
        },
      }),
      entityHealth('llm-chat', {
        signals: {
          workload: {
            status: 'error',
            reason: 'ImagePullBackOff: 0/1 pods ready',
          },
          inference: { status: 'error', reason: 'connection refused' },
        },
        delivery: {
          status: 'error',
          verdict: 'Running: ImagePullBackOff: 0/1 pods ready',
        },
      }),
      entityHealth('image-classifier', {
        signals: {
          sync: { status: 'warning', reason: 'OutOfSync: 1 resource differs' },
        },
        delivery: {
          status: 'warning',
          verdict: 'Synced: OutOfSync: 1 resource differs',
        },
      }),
      entityHealth('churn-scoring', {
        signals: {
          build: {
            status: 'unknown',
            reason: 'Jenkins could not be reached',
            problem: JENKINS_DOWN,
          },
        },
        delivery: {
          status: 'unknown',
          verdict:
            'no broken step found, but these steps cannot be judged: build',
        },
      }),
    ],
    entities: [
      catalogEntity('fraud-detector', {
        title: 'Fraud detector',
        owner: 'fraud-ml',
        tags: ['torchserve', 'cpu'],
        annotations: {
          'mlops.io/inference-protocol': 'torchserve',
          'backstage.io/kubernetes-cluster': 'prod-eu',
        },
      }),
      catalogEntity('llm-chat', {
        owner: 'group:default/genai',
        tags: ['vllm', 'gpu'],
        annotations: {
          'mlops.io/inference-protocol': 'openai',
          'backstage.io/kubernetes-cluster': 'gpu-us',
        },
      }),
      catalogEntity('image-classifier', {
        owner: 'vision',
        tags: ['triton'],
        annotations: { 'mlops.io/inference-protocol': 'kserve-v2' },
        type: 'model-server',
      }),
      catalogEntity('churn-scoring', {
        owner: 'fraud-ml',
        tags: ['batch'],
        annotations: {
          'mlops.io/inference-protocol': 'http',
          'backstage.io/kubernetes-cluster': 'prod-eu',
        },
      }),
    ],
  };
}

const RUNTIMES = ['torchserve', 'vllm', 'triton', 'fastapi'];
const OWNERS = ['fraud-ml', 'genai', 'vision', 'search', 'ads'];

/**
 * `n` services `svc-0001` … with owners, runtimes and statuses spread out:
 * every 100th broken, every 20th (not 100th) degraded, every 50th (not 100th)
 * unknown, the rest healthy.
 */
export function generatedFleet(n: number): {
  items: EntityHealth[];
  entities: Entity[];
} {
  const items: EntityHealth[] = [];
  const entities: Entity[] = [];
  for (let i = 1; i <= n; i++) {
    const name = `svc-${String(i).padStart(4, '0')}`;
    let health: EntityHealth;
    if (i % 100 === 0) {
      health = entityHealth(name, {
        signals: { workload: { status: 'error', reason: 'CrashLoopBackOff' } },
        delivery: { status: 'error', verdict: 'Running: CrashLoopBackOff' },
      });
    } else if (i % 20 === 0) {
      health = entityHealth(name, {
        signals: { sync: { status: 'warning', reason: 'OutOfSync' } },
        delivery: { status: 'warning', verdict: 'Synced: OutOfSync' },
      });
    } else if (i % 50 === 0) {
      health = entityHealth(name, {
        signals: {
          build: {
            status: 'unknown',
            reason: 'Jenkins could not be reached',
            problem: JENKINS_DOWN,
          },
        },
        delivery: { status: 'unknown', verdict: 'build cannot be judged' },
      });
    } else {
      health = entityHealth(name);
    }
    items.push(health);
    entities.push(
      catalogEntity(name, {
        owner: OWNERS[i % OWNERS.length],
        tags: [RUNTIMES[i % RUNTIMES.length]],
      }),
    );
  }
  return { items, entities };
}

/** A health API answering `getFleetHealth` with each answer in turn. */
export function fakeHealthApi(
  ...answers: Array<{ items: EntityHealth[] } | Error>
): MlopsHealthApi & { getFleetHealth: jest.Mock } {
  return {
    getFleetHealth: answersInTurn(answers),
    getEntityHealth: jest.fn(),
    getGpuNodes: jest.fn(),
  };
}

import {
  EntityHealth,
  PodSummary,
  WorkloadDetail,
  WorkloadImage,
} from '@internal/plugin-mlops-common';
import { FULL_DIGEST } from '../../../__fixtures__/reports';
import { entityHealth } from '../../../__fixtures__/health';

export const LEGACY_DIGEST =
  'sha256:00aa11bb22cc33dd44ee55ff66778899aabbccddeeff00112233445566778899';

export function image(overrides: Partial<WorkloadImage>): WorkloadImage {
  return {
    container: 'model',
    init: false,
    image: '127.0.0.1:5000/ml/fraud-detector:1.4.2',
    repository: '127.0.0.1:5000/ml/fraud-detector',
    tag: '1.4.2',
    ...overrides,
  };
}

export function runningPod(
  name: string,
  namespace: string,
  images: WorkloadImage[],
  overrides: Partial<PodSummary> = {},
): PodSummary {
  return {
    namespace,
    name,
    nodeName: 'node-1',
    phase: 'Running',
    status: 'ok',
    reason: 'running, 1/1 ready',
    ready: true,
    readyContainers: 1,
    totalContainers: 1,
    restarts: 0,
    problems: [],
    insufficient: [],
    images,
    ...overrides,
  };
}

/**
 * 1.4.2 runs in kind-ml/ml-serving (2 pods, by digest) and kind-edge/edge
 * (1 pod, by digest); a pod in kind-ml/ml-canary runs `legacy` by tag name
 * (its runtime reported no digest); a pending pod and an init container
 * with the `legacy` digest do not count; a sidecar of another repository
 * tagged 1.4.2 does not count either.
 */
export function workloadDetail(): WorkloadDetail {
  return {
    selector: 'backstage.io/kubernetes-id=fraud-detector',
    clusters: [
      {
        cluster: 'kind-ml',
        workloads: [],
        problems: [],
        loading: [],
        pods: [
          runningPod('fraud-detector-0', 'ml-serving', [
            image({ digest: FULL_DIGEST }),
            image({
              container: 'proxy',
              image: 'docker.io/envoyproxy/envoy:1.4.2',
              repository: 'docker.io/envoyproxy/envoy',
              tag: '1.4.2',
              digest: 'sha256:ffff',
            }),
          ]),
          runningPod('fraud-detector-1', 'ml-serving', [
            image({ tag: 'latest', digest: FULL_DIGEST }),
            image({
              container: 'fetch-model',
              init: true,
              tag: 'legacy',
              digest: LEGACY_DIGEST,
            }),
          ]),
          runningPod('fraud-detector-canary', 'ml-canary', [
            image({
              image: '127.0.0.1:5000/ml/fraud-detector:legacy',
              tag: 'legacy',
            }),
          ]),
          runningPod(
            'fraud-detector-2',
            'ml-serving',
            [image({ tag: 'legacy', digest: LEGACY_DIGEST })],
            { phase: 'Pending', status: 'error', reason: 'ImagePullBackOff' },
          ),
        ],
      },
      {
        cluster: 'kind-edge',
        workloads: [],
        problems: [],
        loading: [],
        pods: [
          runningPod('fraud-detector-edge', 'edge', [
            image({ digest: FULL_DIGEST }),
          ]),
        ],
      },
    ],
  };
}

export function healthWith(workload?: WorkloadDetail): EntityHealth {
  return entityHealth({}, workload ? { workload } : undefined);
}

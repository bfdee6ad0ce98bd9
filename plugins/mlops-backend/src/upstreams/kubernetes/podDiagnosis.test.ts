import {
  canonicalRepository,
  normalizeImageId,
  parseImageReference,
  runningImages,
} from './imageId';
import { diagnosePod, parseInsufficient } from './podDiagnosis';
import { ContainerStatus, Pod } from './types';

const NOW = Date.parse('2026-11-22T12:00:00Z');
const DIGEST = `sha256:${'4f'.repeat(32)}`;

function pod(
  status: Pod['status'],
  extra: { nodeName?: string; deletionTimestamp?: string } = {},
): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'fraud-detector-7d9c5b-x2k4p',
      namespace: 'ml',
      deletionTimestamp: extra.deletionTimestamp,
    },
    spec: {
      nodeName: extra.nodeName ?? 'gpu-node-1',
      containers: [
        {
          name: 'model',
          image: 'harbor.ml.internal/ml/fraud-detector:v1.4.2',
          resources: { limits: { 'nvidia.com/gpu': '1', memory: '8Gi' } },
        },
      ],
    },
    status,
  };
}

function running(patch: Partial<ContainerStatus> = {}): ContainerStatus {
  return {
    name: 'model',
    ready: true,
    started: true,
    restartCount: 0,
    image: 'harbor.ml.internal/ml/fraud-detector:v1.4.2',
    imageID: `docker-pullable://harbor.ml.internal/ml/fraud-detector@${DIGEST}`,
    containerID: 'docker://0123',
    state: { running: { startedAt: '2026-11-22T10:00:00Z' } },
    lastState: {},
    ...patch,
  };
}

const readyConditions = [
  { type: 'Initialized', status: 'True' },
  { type: 'Ready', status: 'True' },
  { type: 'ContainersReady', status: 'True' },
  { type: 'PodScheduled', status: 'True' },
];

describe('diagnosePod', () => {
  it('running and ready is ok, with the image that runs', () => {
    const d = diagnosePod(
      pod({
        phase: 'Running',
        conditions: readyConditions,
        containerStatuses: [running()],
      }),
      NOW,
    );
    expect(d).toMatchObject({
      status: 'ok',
      ready: true,
      restarts: 0,
      problems: [],
    });
    expect(d.images).toEqual([
      {
        container: 'model',
        init: false,
        image: 'harbor.ml.internal/ml/fraud-detector:v1.4.2',
        repository: 'harbor.ml.internal/ml/fraud-detector',
        tag: 'v1.4.2',
        digest: DIGEST,
        reported: true,
      },
    ]);
  });

  it('CrashLoopBackOff with lastState OOMKilled says it ran out of memory', () => {
    const d = diagnosePod(
      pod({
        phase: 'Running',
        containerStatuses: [
          running({
            ready: false,
            restartCount: 6,
            state: {
              waiting: {
                reason: 'CrashLoopBackOff',
                message: 'back-off 5m0s restarting failed container=model',
              },
            },
            lastState: {
              terminated: {
                exitCode: 137,
                reason: 'OOMKilled',
                finishedAt: '2026-11-22T11:58:00Z',
              },
            },
          }),
        ],
      }),
      NOW,
    );
    expect(d.status).toBe('error');
    expect(d.problems).toEqual([
      expect.objectContaining({
        kind: 'oom-killed',
        container: 'model',
        lastTermination: expect.objectContaining({
          reason: 'OOMKilled',
          exitCode: 137,
        }),
      }),
    ]);
    expect(d.reason).toContain(
      'crash-looping (6 restarts); last exit: OOMKilled (exit code 137)',
    );
    expect(d.restarts).toBe(6);
  });

  it('CrashLoopBackOff after an error exit is a crash loop', () => {
    const d = diagnosePod(
      pod({
        phase: 'Running',
        containerStatuses: [
          running({
            ready: false,
            restartCount: 3,
            state: { waiting: { reason: 'CrashLoopBackOff' } },
            lastState: { terminated: { exitCode: 1, reason: 'Error' } },
          }),
        ],
      }),
      NOW,
    );
    expect(d.problems[0]).toMatchObject({
      kind: 'crash-loop',
      severity: 'error',
    });
    expect(d.reason).toContain('last exit: Error (exit code 1)');
  });

  it('ImagePullBackOff names the image and the kubelet message', () => {
    const d = diagnosePod(
      pod({
        phase: 'Pending',
        containerStatuses: [
          {
            name: 'model',
            ready: false,
            restartCount: 0,
            image: 'harbor.ml.internal/ml/fraud-detector:v1.4.2',
            imageID: '',
            state: {
              waiting: {
                reason: 'ImagePullBackOff',
                message:
                  'Back-off pulling image "harbor.ml.internal/ml/fraud-detector:v1.4.2"',
              },
            },
          },
        ],
      }),
      NOW,
    );
    expect(d.problems).toEqual([
      expect.objectContaining({ kind: 'image-pull', severity: 'error' }),
    ]);
    expect(d.reason).toContain(
      'cannot pull image harbor.ml.internal/ml/fraud-detector:v1.4.2 (ImagePullBackOff',
    );
    expect(d.images[0]).toMatchObject({
      reported: false,
      digest: undefined,
      tag: 'v1.4.2',
    });
  });

  it('Unschedulable for lack of GPUs parses the scheduler counts', () => {
    const d = diagnosePod(
      pod(
        {
          phase: 'Pending',
          conditions: [
            {
              type: 'PodScheduled',
              status: 'False',
              reason: 'Unschedulable',
              message:
                "0/5 nodes are available: 2 node(s) had taint {nvidia.com/gpu: present}, that the pod didn't tolerate, 3 Insufficient nvidia.com/gpu.",
            },
          ],
        },
        { nodeName: '' },
      ),
      NOW,
    );
    expect(d.status).toBe('error');
    expect(d.insufficient).toEqual([{ resource: 'nvidia.com/gpu', nodes: 3 }]);
    expect(d.schedulerNodes).toBe(5);
    expect(d.reason).toContain(
      'not enough nvidia.com/gpu (3 of 5 nodes lack nvidia.com/gpu)',
    );
  });

  it('Evicted pods are errors with the kubelet message', () => {
    const d = diagnosePod(
      pod({
        phase: 'Failed',
        reason: 'Evicted',
        message:
          'The node was low on resource: ephemeral-storage. Container model was using 12Gi, which exceeds its request of 0.',
      }),
      NOW,
    );
    expect(d).toMatchObject({
      status: 'error',
      problems: [expect.objectContaining({ kind: 'evicted' })],
    });
    expect(d.reason).toContain('low on resource: ephemeral-storage');
  });

  it('running but not ready is a warning', () => {
    const d = diagnosePod(
      pod({ phase: 'Running', containerStatuses: [running({ ready: false })] }),
      NOW,
    );
    expect(d.problems).toEqual([
      expect.objectContaining({ kind: 'not-ready', severity: 'warning' }),
    ]);
  });

  it('a recent restart is a warning; an old one is only counted', () => {
    const restarted = (finishedAt: string) =>
      pod({
        phase: 'Running',
        containerStatuses: [
          running({
            restartCount: 2,
            lastState: {
              terminated: { exitCode: 137, reason: 'OOMKilled', finishedAt },
            },
          }),
        ],
      });
    expect(diagnosePod(restarted('2026-11-22T11:30:00Z'), NOW)).toMatchObject({
      status: 'warning',
      problems: [expect.objectContaining({ kind: 'restarted' })],
    });
    expect(diagnosePod(restarted('2026-11-21T11:30:00Z'), NOW)).toMatchObject({
      status: 'ok',
      restarts: 2,
    });
  });

  it('CreateContainerConfigError is an error', () => {
    const d = diagnosePod(
      pod({
        phase: 'Pending',
        containerStatuses: [
          running({
            ready: false,
            state: {
              waiting: {
                reason: 'CreateContainerConfigError',
                message: 'secret "hf-token" not found',
              },
            },
          }),
        ],
      }),
      NOW,
    );
    expect(d).toMatchObject({
      status: 'error',
      problems: [expect.objectContaining({ kind: 'config-error' })],
    });
  });

  it('phase Unknown is unknown; Succeeded is ok; terminating is a warning', () => {
    expect(diagnosePod(pod({ phase: 'Unknown' }), NOW).status).toBe('unknown');
    expect(diagnosePod(pod({ phase: 'Succeeded' }), NOW)).toMatchObject({
      status: 'ok',
      reason: 'completed',
    });
    expect(
      diagnosePod(
        pod(
          { phase: 'Running', containerStatuses: [running()] },
          { deletionTimestamp: '2026-11-22T11:59:00Z' },
        ),
        NOW,
      ).problems[0].kind,
    ).toBe('terminating');
  });
});

describe('parseInsufficient', () => {
  it('reads every "(n) Insufficient <resource>" pair', () => {
    expect(
      parseInsufficient(
        '0/6 nodes are available: 2 Insufficient cpu, 4 Insufficient nvidia.com/gpu.shared.',
      ),
    ).toEqual({
      nodes: 6,
      insufficient: [
        { resource: 'cpu', nodes: 2 },
        { resource: 'nvidia.com/gpu.shared', nodes: 4 },
      ],
    });
    expect(
      parseInsufficient(
        '0/3 nodes are available: 3 Insufficient nvidia.com/mig-1g.5gb. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.',
      ),
    ).toMatchObject({
      insufficient: [{ resource: 'nvidia.com/mig-1g.5gb', nodes: 3 }],
    });
  });
});

describe('imageID normalisation', () => {
  it.each([
    [
      `docker-pullable://harbor.ml.internal/ml/fraud@${DIGEST}`,
      { repository: 'harbor.ml.internal/ml/fraud', digest: DIGEST },
    ],
    [
      `harbor.ml.internal/ml/fraud@${DIGEST}`,
      { repository: 'harbor.ml.internal/ml/fraud', digest: DIGEST },
    ],
    [
      `docker.io/library/nginx@${DIGEST}`,
      { repository: 'docker.io/library/nginx', digest: DIGEST },
    ],
    [`docker://${DIGEST}`, { localId: DIGEST }],
    ['', {}],
    ['docker-pullable://garbage', {}],
  ])('%s', (input, expected) => {
    expect(normalizeImageId(input)).toEqual(expected);
  });

  it('parses references with ports, tags and digests', () => {
    expect(parseImageReference('127.0.0.1:5000/ml/fraud:v2')).toEqual({
      repository: '127.0.0.1:5000/ml/fraud',
      tag: 'v2',
    });
    expect(parseImageReference('127.0.0.1:5000/ml/fraud')).toEqual({
      repository: '127.0.0.1:5000/ml/fraud',
    });
    expect(parseImageReference(`ml/fraud:v2@${DIGEST}`)).toEqual({
      repository: 'ml/fraud',
      tag: 'v2',
      digest: DIGEST,
    });
  });

  it('canonicalises Docker Hub names', () => {
    expect(canonicalRepository('nginx')).toBe('docker.io/library/nginx');
    expect(canonicalRepository('team/app')).toBe('docker.io/team/app');
    expect(canonicalRepository('localhost:5000/app')).toBe(
      'localhost:5000/app',
    );
  });

  it('a digest-pinned spec without a status still yields the digest; no tag means latest', () => {
    const p: Pod = {
      metadata: { name: 'p' },
      spec: {
        initContainers: [{ name: 'fetch-model', image: 'busybox' }],
        containers: [{ name: 'model', image: `ml/fraud@${DIGEST}` }],
      },
    };
    expect(runningImages(p)).toEqual([
      expect.objectContaining({
        container: 'fetch-model',
        init: true,
        tag: 'latest',
        digest: undefined,
      }),
      expect.objectContaining({
        container: 'model',
        init: false,
        tag: undefined,
        digest: DIGEST,
        reported: false,
      }),
    ]);
  });
});

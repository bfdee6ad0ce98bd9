import {
  CronJob,
  Deployment,
  InferenceService,
  Job,
  StatefulSet,
} from './types';
import {
  judgeCronJob,
  judgeDeployment,
  judgeInferenceService,
  judgeJob,
  judgeStatefulSet,
  summarize,
} from './workloadHealth';

/** A Deployment after a finished rollout, as the deployment controller leaves it. */
function deployment(
  patch: {
    generation?: number;
    spec?: Deployment['spec'];
    status?: Deployment['status'];
  } = {},
): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'fraud-detector',
      namespace: 'ml',
      generation: patch.generation ?? 3,
    },
    spec: { replicas: 2, ...patch.spec },
    status: {
      observedGeneration: 3,
      replicas: 2,
      updatedReplicas: 2,
      readyReplicas: 2,
      availableReplicas: 2,
      conditions: [
        {
          type: 'Available',
          status: 'True',
          reason: 'MinimumReplicasAvailable',
          message: 'Deployment has minimum availability.',
        },
        {
          type: 'Progressing',
          status: 'True',
          reason: 'NewReplicaSetAvailable',
          message:
            'ReplicaSet "fraud-detector-7d9c5b" has successfully progressed.',
        },
      ],
      ...patch.status,
    },
  };
}

describe('judgeDeployment (kubectl rollout status order)', () => {
  it('complete: every replica updated and available', () => {
    expect(judgeDeployment(deployment())).toMatchObject({
      state: 'complete',
      status: 'ok',
      ready: 2,
      desired: 2,
    });
  });

  it('not observed: generation ahead of observedGeneration comes first, even if counts look done', () => {
    const j = judgeDeployment(deployment({ generation: 4 }));
    expect(j).toMatchObject({ state: 'not-observed', status: 'warning' });
    expect(j.reason).toContain('generation 4 (observed: 3)');
    expect(
      judgeDeployment({ ...deployment(), status: undefined }),
    ).toMatchObject({ state: 'not-observed' });
  });

  it('failed: Progressing=False ProgressDeadlineExceeded', () => {
    const j = judgeDeployment(
      deployment({
        status: {
          updatedReplicas: 1,
          availableReplicas: 1,
          readyReplicas: 1,
          conditions: [
            {
              type: 'Progressing',
              status: 'False',
              reason: 'ProgressDeadlineExceeded',
              message:
                'ReplicaSet "fraud-detector-5f6d" has timed out progressing.',
            },
          ],
        },
      }),
    );
    expect(j).toMatchObject({ state: 'failed', status: 'error' });
    expect(j.reason).toContain('has timed out progressing');
  });

  it('progressing: fewer updated replicas than spec.replicas', () => {
    const j = judgeDeployment(
      deployment({
        status: { replicas: 3, updatedReplicas: 1, availableReplicas: 2 },
      }),
    );
    expect(j).toMatchObject({
      state: 'progressing',
      status: 'warning',
      reason: 'rolling out: 1 of 2 replicas updated',
    });
  });

  it('old replicas pending termination', () => {
    const j = judgeDeployment(
      deployment({
        status: { replicas: 3, updatedReplicas: 2, availableReplicas: 2 },
      }),
    );
    expect(j).toMatchObject({
      state: 'old-replicas-pending',
      reason: 'rolling out: 1 old replica pending termination',
    });
  });

  it('waiting for updated replicas to become available', () => {
    const j = judgeDeployment(
      deployment({ status: { availableReplicas: 1, readyReplicas: 1 } }),
    );
    expect(j).toMatchObject({
      state: 'waiting-available',
      reason: 'rolling out: 1 of 2 updated replicas available',
    });
  });

  it('scaled to zero is complete, and says so', () => {
    const j = judgeDeployment(
      deployment({
        spec: { replicas: 0 },
        status: {
          replicas: 0,
          updatedReplicas: 0,
          readyReplicas: 0,
          availableReplicas: 0,
        },
      }),
    );
    expect(j).toMatchObject({
      state: 'complete',
      status: 'ok',
      reason: 'scaled to 0 replicas (nothing runs)',
    });
  });
});

function statefulSet(
  patch: { spec?: StatefulSet['spec']; status?: StatefulSet['status'] } = {},
): StatefulSet {
  return {
    kind: 'StatefulSet',
    metadata: { name: 'vector-db', namespace: 'ml', generation: 2 },
    spec: {
      replicas: 3,
      updateStrategy: { type: 'RollingUpdate' },
      ...patch.spec,
    },
    status: {
      observedGeneration: 2,
      replicas: 3,
      readyReplicas: 3,
      currentReplicas: 3,
      updatedReplicas: 3,
      currentRevision: 'vector-db-6c9f',
      updateRevision: 'vector-db-6c9f',
      ...patch.status,
    },
  };
}

describe('judgeStatefulSet', () => {
  it('complete when ready and currentRevision == updateRevision', () => {
    expect(judgeStatefulSet(statefulSet())).toMatchObject({
      state: 'complete',
      status: 'ok',
      ready: 3,
      desired: 3,
    });
  });
  it('waiting when observedGeneration is 0 or behind', () => {
    expect(
      judgeStatefulSet(statefulSet({ status: { observedGeneration: 0 } })),
    ).toMatchObject({ state: 'not-observed' });
    expect(
      judgeStatefulSet(statefulSet({ status: { observedGeneration: 1 } })),
    ).toMatchObject({ state: 'not-observed' });
  });
  it('waiting when fewer replicas are ready', () => {
    expect(
      judgeStatefulSet(statefulSet({ status: { readyReplicas: 2 } })),
    ).toMatchObject({
      state: 'waiting',
      reason: '2 of 3 replicas ready',
    });
  });
  it('partitioned rollout: done once the replicas above the partition are updated', () => {
    const partitioned = {
      replicas: 3,
      updateStrategy: {
        type: 'RollingUpdate',
        rollingUpdate: { partition: 2 },
      },
    };
    expect(
      judgeStatefulSet(
        statefulSet({
          spec: partitioned,
          status: { updatedReplicas: 0, updateRevision: 'vector-db-7a1b' },
        }),
      ),
    ).toMatchObject({ state: 'progressing', status: 'warning' });
    expect(
      judgeStatefulSet(
        statefulSet({
          spec: partitioned,
          status: { updatedReplicas: 1, updateRevision: 'vector-db-7a1b' },
        }),
      ),
    ).toMatchObject({ state: 'complete', status: 'ok' });
  });
  it('rolling update in progress while revisions differ', () => {
    expect(
      judgeStatefulSet(
        statefulSet({
          status: { updatedReplicas: 1, updateRevision: 'vector-db-7a1b' },
        }),
      ),
    ).toMatchObject({
      state: 'progressing',
      reason: 'rolling update: 1 of 3 replicas on revision vector-db-7a1b',
    });
  });
  it('OnDelete: readiness only', () => {
    expect(
      judgeStatefulSet(
        statefulSet({
          spec: { replicas: 3, updateStrategy: { type: 'OnDelete' } },
          status: { updateRevision: 'x' },
        }),
      ),
    ).toMatchObject({ state: 'ready', status: 'ok' });
  });
});

function job(
  name: string,
  status: Job['status'],
  extra: Partial<Job['metadata']> = {},
): Job {
  return {
    kind: 'Job',
    metadata: {
      name,
      namespace: 'ml',
      creationTimestamp: status?.startTime,
      ...extra,
    },
    spec: { backoffLimit: 4, parallelism: 1, completions: 1 },
    status,
  };
}

const complete = (t: string): Job['status'] => ({
  startTime: t,
  completionTime: t.replace(':00Z', ':42Z'),
  succeeded: 1,
  conditions: [{ type: 'Complete', status: 'True', lastTransitionTime: t }],
});
const failed = (t: string): Job['status'] => ({
  startTime: t,
  failed: 5,
  conditions: [
    {
      type: 'Failed',
      status: 'True',
      reason: 'BackoffLimitExceeded',
      message: 'Job has reached the specified backoff limit',
    },
  ],
});

describe('judgeJob', () => {
  it('Complete=True is ok', () => {
    expect(
      judgeJob(job('train', complete('2026-11-20T02:00:00Z'))),
    ).toMatchObject({ state: 'complete', status: 'ok' });
  });
  it('Failed=True is an error with its reason', () => {
    const j = judgeJob(job('train', failed('2026-11-20T02:00:00Z')));
    expect(j).toMatchObject({ state: 'failed', status: 'error' });
    expect(j.reason).toBe(
      'failed: BackoffLimitExceeded: Job has reached the specified backoff limit',
    );
  });
  it('DeadlineExceeded is a failure too', () => {
    const j = judgeJob(
      job('train', {
        failed: 1,
        conditions: [
          {
            type: 'Failed',
            status: 'True',
            reason: 'DeadlineExceeded',
            message: 'Job was active longer than specified deadline',
          },
        ],
      }),
    );
    expect(j.reason).toContain('DeadlineExceeded');
  });
  it('running is ok; running with failed pods is a warning', () => {
    expect(
      judgeJob(job('train', { active: 1, startTime: '2026-11-20T02:00:00Z' })),
    ).toMatchObject({ state: 'running', status: 'ok' });
    expect(judgeJob(job('train', { active: 1, failed: 2 }))).toMatchObject({
      state: 'running',
      status: 'warning',
    });
  });
  it('no status is unknown, never ok', () => {
    expect(judgeJob(job('train', undefined))).toMatchObject({
      status: 'unknown',
    });
  });
});

describe('judgeCronJob (from the Jobs it owns)', () => {
  const cron: CronJob = {
    apiVersion: 'batch/v1beta1',
    kind: 'CronJob',
    metadata: { name: 'retrain', namespace: 'ml', uid: 'cron-uid' },
    spec: { schedule: '0 2 * * *' },
    status: { lastScheduleTime: '2026-11-21T02:00:00Z' },
  };
  const owned = {
    ownerReferences: [
      {
        apiVersion: 'batch/v1beta1',
        kind: 'CronJob',
        name: 'retrain',
        uid: 'cron-uid',
        controller: true,
      },
    ],
  };

  it('the newest finished run decides: failed', () => {
    const j = judgeCronJob(cron, [
      job('retrain-1700', complete('2026-11-20T02:00:00Z'), owned),
      job('retrain-1800', failed('2026-11-21T02:00:00Z'), owned),
    ]);
    expect(j).toMatchObject({ state: 'last-run-failed', status: 'error' });
    expect(j.reason).toContain('retrain-1800');
  });
  it('the newest finished run decides: succeeded after an older failure', () => {
    const j = judgeCronJob(cron, [
      job('retrain-1700', failed('2026-11-20T02:00:00Z'), owned),
      job('retrain-1800', complete('2026-11-21T02:00:00Z'), owned),
    ]);
    expect(j).toMatchObject({ state: 'last-run-succeeded', status: 'ok' });
  });
  it('ignores Jobs it does not own', () => {
    const other = {
      ownerReferences: [
        {
          apiVersion: 'batch/v1',
          kind: 'CronJob',
          name: 'retrain',
          uid: 'another-uid',
        },
      ],
    };
    expect(
      judgeCronJob(cron, [
        job('retrain-x', failed('2026-11-21T02:00:00Z'), other),
      ]),
    ).toMatchObject({ status: 'unknown', state: 'no-jobs' });
  });
  it('never ran → unknown; suspended → warning', () => {
    expect(judgeCronJob({ ...cron, status: {} }, [])).toMatchObject({
      state: 'never-ran',
      status: 'unknown',
    });
    expect(
      judgeCronJob({ ...cron, spec: { ...cron.spec, suspend: true } }, [
        job('retrain-1800', complete('2026-11-21T02:00:00Z'), owned),
      ]),
    ).toMatchObject({
      state: 'suspended',
      status: 'warning',
    });
  });
  it('a first run in progress is ok', () => {
    expect(
      judgeCronJob(cron, [
        job(
          'retrain-1800',
          { active: 1, startTime: '2026-11-21T02:00:00Z' },
          owned,
        ),
      ]),
    ).toMatchObject({
      state: 'first-run',
      status: 'ok',
    });
  });
});

function isvc(
  status: InferenceService['status'],
  generation = 1,
): InferenceService {
  return {
    apiVersion: 'serving.kserve.io/v1beta1',
    kind: 'InferenceService',
    metadata: { name: 'llm', namespace: 'serving', generation },
    spec: {
      predictor: {
        model: {
          modelFormat: { name: 'pytorch' },
          storageUri: 'pvc://models/llm',
        },
      },
    },
    status,
  };
}

describe('judgeInferenceService (conditions; never ok by default)', () => {
  const ready = [
    { type: 'IngressReady', status: 'True' },
    { type: 'PredictorReady', status: 'True' },
    { type: 'Ready', status: 'True' },
  ];
  it('Ready=True with the model Loaded is ok', () => {
    const j = judgeInferenceService(
      isvc({
        observedGeneration: 1,
        url: 'http://llm.serving.example.com',
        conditions: ready,
        modelStatus: {
          transitionStatus: 'UpToDate',
          states: { activeModelState: 'Loaded' },
        },
      }),
    );
    expect(j).toMatchObject({
      status: 'ok',
      reason: 'ready at http://llm.serving.example.com',
    });
  });
  it('no status or no conditions → unknown', () => {
    expect(judgeInferenceService(isvc(undefined))).toMatchObject({
      status: 'unknown',
    });
    expect(judgeInferenceService(isvc({ conditions: [] }))).toMatchObject({
      status: 'unknown',
    });
  });
  it('conditions without Ready → unknown', () => {
    expect(
      judgeInferenceService(
        isvc({ conditions: [{ type: 'PredictorReady', status: 'True' }] }),
      ),
    ).toMatchObject({ status: 'unknown' });
  });
  it('Ready=False names the failing component (raw mode copies the Deployment reason)', () => {
    const j = judgeInferenceService(
      isvc({
        conditions: [
          { type: 'IngressReady', status: 'True' },
          {
            type: 'PredictorReady',
            status: 'False',
            reason: 'ProgressDeadlineExceeded',
            message:
              'ReplicaSet "llm-predictor-6d5" has timed out progressing.',
          },
          {
            type: 'Ready',
            status: 'False',
            reason: 'ProgressDeadlineExceeded',
          },
        ],
      }),
    );
    expect(j.status).toBe('error');
    expect(j.reason).toContain(
      'PredictorReady=False (ProgressDeadlineExceeded: ReplicaSet "llm-predictor-6d5" has timed out progressing.)',
    );
  });
  it('Ready=Unknown or a model still loading is a warning', () => {
    expect(
      judgeInferenceService(
        isvc({
          conditions: [
            { type: 'Ready', status: 'Unknown', reason: 'RevisionMissing' },
          ],
        }),
      ),
    ).toMatchObject({
      status: 'warning',
    });
    expect(
      judgeInferenceService(
        isvc({
          conditions: [
            { type: 'PredictorReady', status: 'False' },
            { type: 'Ready', status: 'False' },
          ],
          modelStatus: {
            transitionStatus: 'InProgress',
            states: { activeModelState: 'Loading' },
          },
        }),
      ),
    ).toMatchObject({ status: 'warning' });
  });
  it('FailedToLoad / BlockedByFailedLoad is an error with lastFailureInfo, even if Ready was True', () => {
    const j = judgeInferenceService(
      isvc({
        conditions: ready,
        modelStatus: {
          transitionStatus: 'BlockedByFailedLoad',
          states: { activeModelState: 'FailedToLoad' },
          lastFailureInfo: {
            reason: 'ModelLoadFailed',
            message: 'model.pt not found in storage',
            exitCode: 1,
          },
        },
      }),
    );
    expect(j).toMatchObject({ status: 'error', state: 'model-failed' });
    expect(j.reason).toContain(
      'ModelLoadFailed: model.pt not found in storage',
    );
  });
  it('Ready=True for an older generation is a warning', () => {
    expect(
      judgeInferenceService(
        isvc({ observedGeneration: 1, conditions: ready }, 2),
      ),
    ).toMatchObject({ status: 'warning', state: 'stale' });
  });
  it('Stopped=True (v0.16+) is a warning', () => {
    expect(
      judgeInferenceService(
        isvc({
          conditions: [
            { type: 'Stopped', status: 'True' },
            { type: 'Ready', status: 'False' },
          ],
        }),
      ),
    ).toMatchObject({
      state: 'stopped',
    });
  });
});

describe('summarize', () => {
  it('takes the worst status, unknown above ok, and nothing is unknown', () => {
    expect(summarize([], 'nothing')).toEqual({
      status: 'unknown',
      reason: 'nothing',
    });
    expect(
      summarize(
        [
          { status: 'ok', reason: 'a' },
          { status: 'unknown', reason: 'b' },
        ],
        '',
      ),
    ).toEqual({ status: 'unknown', reason: 'b' });
    expect(
      summarize(
        [
          { status: 'warning', reason: 'w' },
          { status: 'error', reason: 'e' },
        ],
        '',
      ).status,
    ).toBe('error');
  });
});

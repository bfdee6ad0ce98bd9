import {
  BuildJob,
  BuildReport,
  BuildRun,
  EntityHealth,
  SignalHealth,
} from '@internal/plugin-mlops-common';
import {
  ENTITY_REF,
  HOUR_MS,
  MINUTE_MS,
  isoAgo,
  signal,
  withSignal,
} from '../../../__fixtures__/health';

export const JENKINS = 'http://127.0.0.1:8081';
export const JOB_URL = `${JENKINS}/job/ml/job/fraud-detector/`;
export const COMMIT_42 = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
export const COMMIT_43 = 'e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3';

function run(number: number, extra: Partial<BuildRun>, now: number): BuildRun {
  return {
    number,
    url: `${JOB_URL}${number}/`,
    status: 'success',
    building: false,
    result: 'SUCCESS',
    startedAt: isoAgo(2 * HOUR_MS, now),
    durationMs: 250_000,
    estimatedDurationMs: 235_000,
    commit: COMMIT_42,
    branch: 'main',
    parameters: [],
    causes: [{ kind: 'SCMTriggerCause', text: 'Started by an SCM change' }],
    ...extra,
  };
}

function job(builds: BuildRun[], extra: Partial<BuildJob> = {}): BuildJob {
  return {
    instance: 'ci',
    fullName: 'ml/fraud-detector',
    displayName: 'fraud-detector',
    url: JOB_URL,
    kind: 'pipeline',
    buildable: true,
    inQueue: false,
    builds,
    checkedAt: new Date().toISOString(),
    ...extra,
  };
}

function withBuild(
  buildReport: BuildReport | undefined,
  buildSignal: SignalHealth,
): EntityHealth {
  return withSignal(buildSignal, buildReport && { build: buildReport });
}

function report(jobs: BuildReport['jobs']): BuildReport {
  return { entityRef: ENTITY_REF, jobs };
}

/** Build 42 succeeded; build 41 before it. */
export function healthyBuild(now = Date.now()): EntityHealth {
  return withBuild(
    report([
      job([
        run(42, {}, now),
        run(
          41,
          {
            startedAt: isoAgo(26 * HOUR_MS, now),
            durationMs: 230_000,
            commit: '0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c',
          },
          now,
        ),
      ]),
    ]),
    signal('build', 'ok', 'build 42 succeeded 2 hours ago'),
  );
}

/** Build 43 runs its Train stage, 64 % of the estimate in. */
export function runningBuild(now = Date.now()): EntityHealth {
  return withBuild(
    report([
      job(
        [
          run(
            43,
            {
              status: 'running',
              building: true,
              result: null,
              startedAt: isoAgo(150_000, now),
              durationMs: 150_000,
              progressPercent: 64,
              commit: COMMIT_43,
              stages: [
                {
                  id: '6',
                  name: 'Checkout',
                  status: 'SUCCESS',
                  durationMs: 4_000,
                },
                {
                  id: '12',
                  name: 'Train',
                  status: 'IN_PROGRESS',
                  durationMs: 65_000,
                },
              ],
            },
            now,
          ),
          run(42, {}, now),
        ],
        { inQueue: true },
      ),
    ]),
    signal('build', 'warning', 'build 43 is running'),
  );
}

/** Build 43 failed in its Test stage. */
export function failedBuild(now = Date.now()): EntityHealth {
  return withBuild(
    report([
      job([
        run(
          43,
          {
            status: 'failure',
            result: 'FAILURE',
            startedAt: isoAgo(20 * MINUTE_MS, now),
            durationMs: 95_000,
            commit: COMMIT_43,
            branch: 'main',
            stages: [
              { id: '6', name: 'Checkout', status: 'SUCCESS' },
              {
                id: '14',
                name: 'Test',
                status: 'FAILED',
                error: 'script returned exit code 1 (pytest: 3 failed)',
              },
              { id: '20', name: 'Image', status: 'NOT_EXECUTED' },
            ],
          },
          now,
        ),
        run(42, {}, now),
      ]),
    ]),
    signal('build', 'error', 'build 43 failed at stage Test'),
  );
}

/** A multibranch project with two branches, and a second job Jenkins refused to show. */
export function multibranchWithJobProblem(now = Date.now()): EntityHealth {
  const mbUrl = `${JENKINS}/job/ml/job/fraud-detector-mb/`;
  return withBuild(
    report([
      job([], {
        fullName: 'ml/fraud-detector-mb',
        displayName: 'fraud-detector (branches)',
        url: mbUrl,
        kind: 'multibranch',
        branches: [
          {
            name: 'feature/faster-model',
            itemName: 'feature%2Ffaster-model',
            url: `${mbUrl}job/feature%252Ffaster-model/`,
            color: 'red',
            lastBuild: run(
              7,
              {
                url: `${mbUrl}job/feature%252Ffaster-model/7/`,
                status: 'failure',
                result: 'FAILURE',
                branch: 'feature/faster-model',
                commit: COMMIT_43,
                startedAt: isoAgo(3 * HOUR_MS, now),
              },
              now,
            ),
          },
          {
            name: 'main',
            itemName: 'main',
            url: `${mbUrl}job/main/`,
            color: 'blue',
            lastBuild: run(
              12,
              { url: `${mbUrl}job/main/12/`, branch: 'main' },
              now,
            ),
          },
          {
            name: 'experiment',
            itemName: 'experiment',
            url: `${mbUrl}job/experiment/`,
          },
        ],
      }),
      {
        instance: 'ci',
        fullName: 'ml/fraud-detector-nightly',
        problem: {
          upstream: 'Jenkins ci (127.0.0.1:8081)',
          fault: 'forbidden',
          httpStatus: 403,
          message:
            'The configured Jenkins user may not read ml/fraud-detector-nightly; grant it Job/Read.',
        },
      },
    ]),
    signal('build', 'error', 'branch feature/faster-model: build 7 failed'),
  );
}

/** Jenkins did not answer at all: no details, the signal names the fault. */
export function unreachableJenkins(): EntityHealth {
  return withBuild(
    undefined,
    signal('build', 'error', 'Jenkins ci could not be read', {
      problem: {
        upstream: 'Jenkins ci (127.0.0.1:8081)',
        fault: 'timeout',
        message: 'Jenkins did not answer within 5 s.',
      },
    }),
  );
}

/** No Jenkins configured: no details, only the reason. */
export function noJenkins(): EntityHealth {
  return withBuild(
    undefined,
    signal(
      'build',
      'unknown',
      'no Jenkins instance is configured (jenkins.instances)',
    ),
  );
}

/** A disabled job: Jenkins would refuse a build. */
export function disabledJob(now = Date.now()): EntityHealth {
  return withBuild(
    report([job([run(42, {}, now)], { buildable: false })]),
    signal('build', 'ok', 'build 42 succeeded 2 hours ago'),
  );
}

/** A report with no job in it must not look healthy even if the signal says ok. */
export function noJobs(): EntityHealth {
  return withBuild(report([]), signal('build', 'ok', 'nothing to judge'));
}

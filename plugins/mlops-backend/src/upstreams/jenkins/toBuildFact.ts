import { BuildJob, BuildRun } from '@internal/plugin-mlops-common';
import { BuildFact, Fact } from '../../services/delivery/deliveryChain';

/**
 * The build that decides the delivery chain: the newest build of a pipeline,
 * or of a multibranch project's branch (`branch`, else `main`, `master`, else
 * the most recently built one).
 */
export function deciderBuild(
  job: BuildJob,
  branch?: string,
): BuildRun | undefined {
  if (job.kind !== 'multibranch') return job.builds[0];
  const branches = job.branches ?? [];
  const pick =
    (branch ? branches.find(b => b.name === branch) : undefined) ??
    branches.find(b => b.name === 'main' && b.lastBuild) ??
    branches.find(b => b.name === 'master' && b.lastBuild) ??
    branches.find(b => b.lastBuild);
  return pick?.lastBuild;
}

/** Maps a job report to the delivery chain's build fact. */
export function toBuildFact(
  job: BuildJob,
  options: { branch?: string; upstream?: string } = {},
): Fact<BuildFact> {
  const build = deciderBuild(job, options.branch);
  if (!build) {
    return {
      problem: {
        upstream: options.upstream ?? `Jenkins ${job.instance}`,
        fault: 'not-found',
        message: `${job.fullName}${
          options.branch ? ` (branch ${options.branch})` : ''
        } has no builds yet`,
      },
    };
  }
  const failed = build.stages?.find(s => s.status === 'FAILED');
  return {
    number: build.number,
    result: build.building ? null : build.result,
    building: build.building,
    ...(build.commit ? { commit: build.commit } : {}),
    ...(failed ? { failedStage: failed.name } : {}),
    ...(build.startedAt ? { at: build.startedAt } : {}),
    ...(build.url
      ? { link: { title: `${job.fullName} #${build.number}`, url: build.url } }
      : {}),
  };
}

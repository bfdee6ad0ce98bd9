import {
  BuildJob,
  BuildJobProblem,
  BuildReport,
} from '@internal/plugin-mlops-common';
import { UpstreamError } from '../http';
import { JenkinsApi } from './JenkinsClient';

/**
 * The build report of one entity: every job its `jenkins.io/job-full-name`
 * names, each read through the client's per-job cache. A job that cannot be
 * read becomes a problem next to the others; an invalid annotation is one
 * problem for the whole entity.
 */
export async function readBuildReport(
  entityRef: string,
  annotation: string | undefined,
  client: JenkinsApi,
  options: { repoUrl?: string } = {},
): Promise<BuildReport> {
  const resolved = client.resolve(annotation);
  if (!resolved.ok) {
    return {
      entityRef,
      jobs: [
        {
          fullName: annotation ?? '',
          problem: {
            upstream: 'annotation jenkins.io/job-full-name',
            fault: resolved.fault,
            message: resolved.message,
          },
        },
      ],
    };
  }
  const jobs = await Promise.all(
    resolved.jobs.map(async (ref): Promise<BuildJob | BuildJobProblem> => {
      try {
        return await client.getJob(ref, options);
      } catch (e) {
        if (e instanceof UpstreamError)
          return {
            instance: ref.instance,
            fullName: ref.fullName,
            problem: e.problem,
          };
        throw e;
      }
    }),
  );
  return { entityRef, jobs };
}

/** True for a job that could not be read. */
export function isJobProblem(
  job: BuildJob | BuildJobProblem,
): job is BuildJobProblem {
  return 'problem' in job;
}

/**
 * Pipeline Stage View REST (`wfapi`): `JobExt` describe, `runs` (at most 10,
 * newest first, no paging, `since=#N` stops at N), and `RunExt` with stages
 * whose status is a `StatusExt` value (FAILED, not FAILURE). Running builds
 * report `endTimeMillis` = now, running stages their time so far.
 */
import { JenkinsBuild, JenkinsJob, JenkinsWorld } from './state';
import { StageStatus } from './types';

export const MAX_RUNS_PER_JOB = 10;

function runStatus(b: JenkinsBuild): StageStatus {
  if (b.building) return 'IN_PROGRESS';
  switch (b.result) {
    case 'FAILURE':
      return 'FAILED';
    case 'UNSTABLE':
      return 'UNSTABLE';
    case 'ABORTED':
      return 'ABORTED';
    case 'NOT_BUILT':
      return 'NOT_EXECUTED';
    default:
      return 'SUCCESS';
  }
}

export class StageView {
  constructor(
    private readonly world: JenkinsWorld,
    private readonly relUrl: (job: JenkinsJob) => string,
  ) {}

  describeJob(job: JenkinsJob) {
    const base = `/${this.relUrl(job)}`;
    return {
      _links: {
        self: { href: `${base}wfapi/describe` },
        runs: { href: `${base}wfapi/runs` },
      },
      name: job.name,
      runCount: job.builds.length,
    };
  }

  runs(job: JenkinsJob, since: string | null) {
    const out = [];
    for (const b of [...job.builds].reverse().slice(0, MAX_RUNS_PER_JOB)) {
      const ext = this.run(job, b);
      out.push(ext);
      if (since && ext.name === since) break;
    }
    return out;
  }

  run(job: JenkinsJob, b: JenkinsBuild) {
    const now = this.world.now();
    const base = `/${this.relUrl(job)}${b.number}/`;
    const end = b.building ? now : b.timestamp + b.duration;
    const elapsed = now - b.timestamp;
    const stages = [];
    let offset = 0;
    for (let i = 0; i < b.stages.length; i++) {
      const s = b.stages[i];
      const start = s.startOffsetMillis ?? offset;
      const duration = s.durationMillis ?? 0;
      offset = start + duration;
      let status: StageStatus = s.status;
      let durationMillis = duration;
      if (status === 'IN_PROGRESS' && s.durationMillis === undefined) {
        // a stage a runner is still running: its time so far
        durationMillis = Math.max(0, elapsed - start);
      }
      if (b.building && b.plannedEnd !== undefined) {
        // a build the simulator runs: stages appear as time passes
        if (start > elapsed) break;
        if (start + duration > elapsed) {
          status = 'IN_PROGRESS';
          durationMillis = elapsed - start;
        }
      }
      const id = String(6 + i * 7);
      stages.push({
        _links: {
          self: { href: `${base}execution/node/${id}/wfapi/describe` },
        },
        id,
        name: s.name,
        execNode: '',
        status,
        ...(s.error && status === 'FAILED' ? { error: s.error } : {}),
        startTimeMillis: b.timestamp + start,
        durationMillis,
        pauseDurationMillis: 0,
      });
    }
    return {
      _links: { self: { href: `${base}wfapi/describe` } },
      id: String(b.number),
      name: `#${b.number}`,
      status: runStatus(b),
      startTimeMillis: b.timestamp,
      endTimeMillis: end,
      durationMillis: end - b.timestamp,
      queueDurationMillis: 5,
      pauseDurationMillis: 0,
      stages,
    };
  }
}

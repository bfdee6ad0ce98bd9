import {
  BuildCause,
  BuildParameter,
  BuildRun,
  BuildStage,
  BuildStatus,
  JenkinsResult,
  StageStatus,
} from '@internal/plugin-mlops-common';
import { WireBuild, WireRun } from './wire';

const RESULTS: JenkinsResult[] = [
  'SUCCESS',
  'UNSTABLE',
  'FAILURE',
  'NOT_BUILT',
  'ABORTED',
];
const STAGE_STATUSES: StageStatus[] = [
  'NOT_EXECUTED',
  'ABORTED',
  'SUCCESS',
  'IN_PROGRESS',
  'PAUSED_PENDING_INPUT',
  'FAILED',
  'UNSTABLE',
];

const STATUS_OF: Record<JenkinsResult, BuildStatus> = {
  SUCCESS: 'success',
  UNSTABLE: 'unstable',
  FAILURE: 'failure',
  NOT_BUILT: 'not-built',
  ABORTED: 'aborted',
};

type WireAction = NonNullable<NonNullable<WireBuild['actions']>[number]>;

/**
 * A repository URL reduced to `host/path` so the forms git accepts compare
 * equal: `https://user@git.example/app.git`, `git@git.example:app`,
 * `ssh://git@git.example/app/`.
 */
export function normalizeRepoUrl(url: string): string {
  let text = url.trim().toLowerCase();
  const scp = /^(?:[^@/]+@)?([^:/]+):(?!\/\/)(.+)$/.exec(text);
  if (scp && !/^[a-z][a-z0-9+.-]*:\/\//.test(text))
    text = `${scp[1]}/${scp[2]}`;
  text = text.replace(/^[a-z][a-z0-9+.-]*:\/\//, '').replace(/^[^@/]*@/, '');
  text = text.replace(/:(22|80|443)(?=\/)/, '');
  return text
    .replace(/\/+$/, '')
    .replace(/\.git$/, '')
    .replace(/\/+$/, '');
}

/** `refs/remotes/origin/main`, `origin/main`, `refs/heads/main` → `main`. */
export function branchName(name: string): string {
  return name
    .replace(/^refs\/remotes\/[^/]+\//, '')
    .replace(/^refs\/heads\//, '')
    .replace(/^origin\//, '');
}

/**
 * The git BuildData of the job's own repository. A build has one per
 * checked-out repository (the app, shared libraries, a GitOps clone): pick the
 * one whose `remoteUrls` match `repoUrl`; without `repoUrl`, the first.
 */
export function pickBuildData(
  actions: WireAction[],
  repoUrl?: string,
): WireAction | undefined {
  const data = actions.filter(
    a =>
      a.lastBuiltRevision || a._class === 'hudson.plugins.git.util.BuildData',
  );
  if (!repoUrl) return data[0];
  const wanted = normalizeRepoUrl(repoUrl);
  return data.find(a =>
    (a.remoteUrls ?? []).some(u => normalizeRepoUrl(u) === wanted),
  );
}

function parameterValue(v: unknown): BuildParameter['value'] {
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')
    return v;
  return null;
}

function shortClass(cls: string | undefined): string {
  if (!cls) return 'Cause';
  const last = cls.split('.').pop() ?? cls;
  return last.includes('$') ? last.split('$').pop()! : last;
}

const iso = (ms: number | null | undefined) =>
  typeof ms === 'number' && ms > 0 ? new Date(ms).toISOString() : undefined;

/** One build as the report shows it. `building` decides before `result`. */
export function toBuildRun(
  build: WireBuild,
  options: { now: number; repoUrl?: string; branch?: string },
): BuildRun {
  const building = build.building === true;
  const rawResult = RESULTS.includes(build.result as JenkinsResult)
    ? (build.result as JenkinsResult)
    : null;
  const result = building ? null : rawResult;
  let status: BuildStatus = 'unknown';
  if (building) status = 'running';
  else if (result) status = STATUS_OF[result];
  const actions = (build.actions ?? []).filter((a): a is WireAction =>
    Boolean(a),
  );
  const git = pickBuildData(actions, options.repoUrl);
  const gitBranch = git?.lastBuiltRevision?.branch?.find(b => b.name)?.name;
  const commit =
    git?.lastBuiltRevision?.SHA1 ??
    git?.lastBuiltRevision?.branch?.find(b => b.SHA1)?.SHA1 ??
    undefined;
  const repository = git?.remoteUrls?.[0];
  const parameters: BuildParameter[] = actions.flatMap(a =>
    (a.parameters ?? []).map(p => ({
      name: p.name,
      value: parameterValue(p.value),
    })),
  );
  const causes: BuildCause[] = actions.flatMap(a =>
    (a.causes ?? []).map(c => ({
      kind: shortClass(c._class),
      text: c.shortDescription ?? '',
      ...(c.userId ? { userId: c.userId } : {}),
    })),
  );
  const started =
    typeof build.timestamp === 'number' && build.timestamp > 0
      ? build.timestamp
      : undefined;
  const estimate =
    typeof build.estimatedDuration === 'number' && build.estimatedDuration > 0
      ? build.estimatedDuration
      : undefined;
  let durationMs: number | undefined;
  if (building)
    durationMs =
      started !== undefined ? Math.max(0, options.now - started) : undefined;
  else if (typeof build.duration === 'number' && build.duration >= 0)
    durationMs = build.duration;
  const branch =
    options.branch ?? (gitBranch ? branchName(gitBranch) : undefined);
  return {
    number: build.number,
    url: build.url ?? '',
    status,
    building,
    result,
    ...(started !== undefined ? { startedAt: iso(started) } : {}),
    ...(durationMs !== undefined ? { durationMs } : {}),
    ...(estimate !== undefined ? { estimatedDurationMs: estimate } : {}),
    ...(building && estimate && durationMs !== undefined
      ? { progressPercent: Math.round((durationMs / estimate) * 100) }
      : {}),
    ...(commit ? { commit } : {}),
    ...(branch ? { branch } : {}),
    ...(repository ? { repository } : {}),
    parameters,
    causes,
  };
}

/** Stages of a Stage View run; unknown statuses are kept out of the enum as NOT_EXECUTED. */
export function toStages(run: WireRun): BuildStage[] {
  return (run.stages ?? []).map(s => ({
    id: String(s.id),
    name: s.name,
    status: STAGE_STATUSES.includes(s.status as StageStatus)
      ? (s.status as StageStatus)
      : 'NOT_EXECUTED',
    ...(iso(s.startTimeMillis) ? { startedAt: iso(s.startTimeMillis) } : {}),
    ...(typeof s.durationMillis === 'number'
      ? { durationMs: s.durationMillis }
      : {}),
    ...(s.error?.message ? { error: s.error.message } : {}),
  }));
}

/** Attaches `wfapi/runs` stages to the builds they belong to (by number). */
export function attachStages(builds: BuildRun[], runs: WireRun[]): BuildRun[] {
  const byNumber = new Map(runs.map(r => [Number(r.id), r]));
  return builds.map(b => {
    const run = byNumber.get(b.number);
    return run ? { ...b, stages: toStages(run) } : b;
  });
}

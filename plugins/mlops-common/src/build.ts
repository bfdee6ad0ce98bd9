import { SignalHealth, UpstreamLink, UpstreamProblem } from './health';

/** Jenkins `Result` of a finished build. @public */
export type JenkinsResult =
  | 'SUCCESS'
  | 'UNSTABLE'
  | 'FAILURE'
  | 'NOT_BUILT'
  | 'ABORTED';

/** A build as a card shows it: `running` wins over any `result`. @public */
export type BuildStatus =
  | 'running'
  | 'success'
  | 'unstable'
  | 'failure'
  | 'not-built'
  | 'aborted'
  | 'unknown';

/** Stage status of the Pipeline Stage View REST API (`StatusExt`). @public */
export type StageStatus =
  | 'NOT_EXECUTED'
  | 'ABORTED'
  | 'SUCCESS'
  | 'IN_PROGRESS'
  | 'PAUSED_PENDING_INPUT'
  | 'FAILED'
  | 'UNSTABLE';

/** One stage of a Pipeline run. @public */
export interface BuildStage {
  id: string;
  name: string;
  status: StageStatus;
  startedAt?: string;
  durationMs?: number;
  /** `error.message` of a failed stage. */
  error?: string;
}

/** Why a build started (`hudson.model.Cause`). @public */
export interface BuildCause {
  /** Short class name, e.g. `UserIdCause`, `SCMTriggerCause`, `BranchIndexingCause`. */
  kind: string;
  /** Jenkins' own sentence, e.g. "Started by user bob". */
  text: string;
  userId?: string;
}

/** One build parameter (password values are never exported by Jenkins). @public */
export interface BuildParameter {
  name: string;
  value: string | number | boolean | null;
}

/** One build of a job. @public */
export interface BuildRun {
  number: number;
  /** Jenkins' own link to the build (for people; never fetched by the backend). */
  url: string;
  status: BuildStatus;
  building: boolean;
  /** Jenkins' result; null while building (even when Jenkins already set one). */
  result: JenkinsResult | null;
  /** Start time (ISO). */
  startedAt?: string;
  /** Duration of a finished build, or time elapsed so far for a running one. */
  durationMs?: number;
  /** Jenkins' estimate from earlier builds, when it has one. */
  estimatedDurationMs?: number;
  /** Running builds: elapsed / estimate in percent (may exceed 100). */
  progressPercent?: number;
  /** Commit checked out from the job's repository (git BuildData). */
  commit?: string;
  /** Branch of that commit, without `refs/remotes/origin/`. */
  branch?: string;
  /** Remote URL the commit was read from. */
  repository?: string;
  parameters: BuildParameter[];
  causes: BuildCause[];
  /** Pipeline stages, for the newest runs only (the Stage View API lists 10). */
  stages?: BuildStage[];
}

/** What kind of item the job is. @public */
export type BuildJobKind =
  | 'pipeline'
  | 'multibranch'
  | 'freestyle'
  | 'folder'
  | 'other';

/** One branch of a multibranch project. @public */
export interface BuildBranch {
  /** Branch name as people write it (`feature/x`). */
  name: string;
  /** Item name in Jenkins (`feature%2Fx`). */
  itemName: string;
  url: string;
  /** Jenkins ball colour, e.g. `blue`, `red_anime`. */
  color?: string;
  lastBuild?: BuildRun;
}

/** One Jenkins job named by an entity, as read. @public */
export interface BuildJob {
  /** Name of the Jenkins instance in config. */
  instance: string;
  /** `folder/job`, as in the annotation. */
  fullName: string;
  displayName?: string;
  url: string;
  kind: BuildJobKind;
  /** Jenkins `_class` of the job. */
  jobClass?: string;
  color?: string;
  buildable?: boolean;
  inQueue?: boolean;
  /** Newest first (pipelines and freestyle jobs). */
  builds: BuildRun[];
  /** Multibranch projects: branches, most recently built first. */
  branches?: BuildBranch[];
  /** Time the job was read (ISO). */
  checkedAt: string;
  link?: UpstreamLink;
}

/** A job that could not be read. @public */
export interface BuildJobProblem {
  instance?: string;
  fullName: string;
  problem: UpstreamProblem;
}

/** The build signal of one entity: each job it names. @public */
export interface BuildReport {
  entityRef: string;
  jobs: Array<BuildJob | BuildJobProblem>;
  health?: SignalHealth;
}

/** Where a triggered build waits (`Location` of Jenkins' 201). @public */
export interface QueuedBuild {
  instance: string;
  fullName: string;
  /** Absolute URL of the queue item, as Jenkins sent it. */
  queueUrl: string;
  queueId?: number;
}

/** Seeding types of the Jenkins simulator (real enum values only). */

export const BUILD_RESULTS = [
  'SUCCESS',
  'UNSTABLE',
  'FAILURE',
  'NOT_BUILT',
  'ABORTED',
] as const;
export type BuildResult = (typeof BUILD_RESULTS)[number];

/** Stage view `StatusExt`: FAILED, not FAILURE. */
export const STAGE_STATUSES = [
  'NOT_EXECUTED',
  'ABORTED',
  'SUCCESS',
  'IN_PROGRESS',
  'PAUSED_PENDING_INPUT',
  'FAILED',
  'UNSTABLE',
] as const;
export type StageStatus = (typeof STAGE_STATUSES)[number];

export type JobType = 'pipeline' | 'freestyle' | 'folder' | 'multibranch';

export interface ParameterSpec {
  name: string;
  type?: 'string' | 'boolean' | 'choice';
  defaultValue?: string | boolean;
  choices?: string[];
  description?: string;
}

export interface ScmCheckout {
  remoteUrl: string;
  sha: string;
  /** e.g. `main` or `refs/remotes/origin/main` (both occur). */
  branch?: string;
}

export interface StageSeed {
  name: string;
  status: StageStatus;
  durationMillis?: number;
  /** Offset from the build start (default: after the previous stage). */
  startOffsetMillis?: number;
  error?: { message: string; type: string };
}

export interface ChangeSeed {
  commitId: string;
  msg: string;
  author?: string;
  /** Default `<author>@example.test`. */
  authorEmail?: string;
  timestamp?: number;
}

export interface BuildSeed {
  /** Default: the job's next build number. */
  number?: number;
  /** null while running (Pipeline may also set it mid-run). */
  result?: BuildResult | null;
  building?: boolean;
  /** Start, epoch ms (default now − duration). */
  timestamp?: number;
  /** Final duration (Jenkins reports 0 while building). */
  duration?: number;
  displayName?: string;
  description?: string;
  /** Cause: started by this user (default `admin`); `null` = SCM change. */
  startedBy?: string | null;
  parameters?: Record<string, string | boolean>;
  /** One BuildData action per checkout, in this order. */
  scm?: ScmCheckout[];
  stages?: StageSeed[];
  changes?: ChangeSeed[];
  queueId?: number;
}

export interface JobSeed {
  type: JobType;
  description?: string;
  disabled?: boolean;
  parameters?: ParameterSpec[];
  /** Repository the job builds (used for generated builds' BuildData). */
  scmRemote?: string;
  /** Stage names of generated builds (after `Declarative: Checkout SCM`). */
  stages?: string[];
  /** Duration of builds the simulator runs after a trigger (default from options). */
  buildDurationMs?: number;
  /** Stored config.xml (default: generated from the type). */
  configXml?: string;
  displayName?: string;
  builds?: BuildSeed[];
}

export type JenkinsPermission = 'read' | 'build' | 'create' | 'configure';

export interface JenkinsUser {
  username: string;
  password?: string;
  apiToken?: string;
  /** Default: all. */
  permissions?: JenkinsPermission[];
}

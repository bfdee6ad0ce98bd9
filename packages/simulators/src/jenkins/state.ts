/**
 * The Jenkins simulator's world: an item tree (folders, multibranch projects,
 * pipelines, freestyle jobs), builds, and the queue. Time-driven transitions
 * (quiet period → build start → build end → queue item expiry) are applied
 * lazily by `advance()` against a clock that tests can move forward.
 */
import crypto from 'node:crypto';
import {
  BUILD_RESULTS,
  BuildResult,
  BuildSeed,
  ChangeSeed,
  JobSeed,
  JobType,
  ParameterSpec,
  STAGE_STATUSES,
  StageStatus,
  ScmCheckout,
  StageSeed,
} from './types';

export interface Cause {
  cls: string;
  shortDescription: string;
  userId?: string | null;
  userName?: string;
}

export interface JenkinsBuild {
  number: number;
  result: BuildResult | null;
  building: boolean;
  timestamp: number;
  /** Final duration; reported as 0 while building. */
  duration: number;
  displayName?: string;
  description: string | null;
  causes: Cause[];
  parameters?: Record<string, string | boolean>;
  scm: ScmCheckout[];
  stages: StageSeed[];
  changes: ChangeSeed[];
  queueId: number;
  /** Builds the simulator runs itself. */
  plannedEnd?: number;
  plannedResult?: BuildResult;
  /** Builds an external runner owns (see runner.ts): their console lines. */
  log?: string[];
}

export interface JenkinsJob {
  name: string;
  type: JobType;
  parent?: JenkinsJob;
  children: Map<string, JenkinsJob>;
  displayName?: string;
  description: string;
  disabled: boolean;
  parameters: ParameterSpec[];
  scmRemote?: string;
  stages: string[];
  buildDurationMs?: number;
  configXml: string;
  /** Ascending by number. */
  builds: JenkinsBuild[];
  nextBuildNumber: number;
  nextResults: BuildResult[];
  scans: number;
}

export interface QueueItem {
  id: number;
  job: JenkinsJob;
  inQueueSince: number;
  leaveAt: number;
  parameters?: Record<string, string | boolean>;
  causes: Cause[];
  state: 'waiting' | 'left';
  build?: JenkinsBuild;
  leftAt?: number;
  /** Left the queue without a build (`Queue.cancel`). */
  cancelled?: boolean;
}

/**
 * Hooks of builds an external runner owns (runner.ts). An owned job builds
 * one at a time (`disableConcurrentBuilds()`): later items wait, blocked.
 */
export interface ExternalBuilds {
  owns(job: JenkinsJob): boolean;
  /** An item was queued (or an identical one was found) for an owned job. */
  scheduled(item: QueueItem): void;
  /** An item left the queue: with a build, or cancelled. */
  left(item: QueueItem): void;
}

export interface WorldOptions {
  quietPeriodMs: number;
  buildDurationMs: number;
  queueItemExpiryMs: number;
  libraryRemoteUrl: string | null;
}

export const CHECKOUT_STAGE = 'Declarative: Checkout SCM';

const FINAL_STAGE_STATUS: Partial<Record<BuildResult, StageStatus>> = {
  FAILURE: 'FAILED',
  UNSTABLE: 'UNSTABLE',
};

const defaultResult = (building: boolean): BuildResult | null =>
  building ? null : 'SUCCESS';

/** branch-api `NameEncoder.encode`: the item name of a branch. */
export function encodeBranchName(branch: string): string {
  return branch.replace(
    /[%/?#[\]\\]/g,
    c => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  );
}

export function decodeBranchName(name: string): string {
  try {
    return decodeURIComponent(name);
  } catch {
    return name;
  }
}

function defaultConfigXml(type: JobType, seed?: JobSeed): string {
  const desc = seed?.description ?? '';
  switch (type) {
    case 'folder':
      return `<?xml version='1.1' encoding='UTF-8'?>\n<com.cloudbees.hudson.plugins.folder.Folder plugin="cloudbees-folder"><description>${desc}</description></com.cloudbees.hudson.plugins.folder.Folder>`;
    case 'multibranch':
      return `<?xml version='1.1' encoding='UTF-8'?>\n<org.jenkinsci.plugins.workflow.multibranch.WorkflowMultiBranchProject plugin="workflow-multibranch"><description>${desc}</description><sources class="jenkins.branch.MultiBranchProject$BranchSourceList"><data><jenkins.branch.BranchSource><source class="jenkins.plugins.git.GitSCMSource"><remote>${
        seed?.scmRemote ?? ''
      }</remote></source></jenkins.branch.BranchSource></data></sources></org.jenkinsci.plugins.workflow.multibranch.WorkflowMultiBranchProject>`;
    case 'freestyle':
      return `<?xml version='1.1' encoding='UTF-8'?>\n<project><description>${desc}</description><disabled>${
        seed?.disabled ? 'true' : 'false'
      }</disabled></project>`;
    default:
      return `<?xml version='1.1' encoding='UTF-8'?>\n<flow-definition plugin="workflow-job"><description>${desc}</description><definition class="org.jenkinsci.plugins.workflow.cps.CpsScmFlowDefinition"><scm class="hudson.plugins.git.GitSCM"><userRemoteConfigs><hudson.plugins.git.UserRemoteConfig><url>${
        seed?.scmRemote ?? ''
      }</url></hudson.plugins.git.UserRemoteConfig></userRemoteConfigs></scm><scriptPath>Jenkinsfile</scriptPath><lightweight>true</lightweight></definition><disabled>${
        seed?.disabled ? 'true' : 'false'
      }</disabled></flow-definition>`;
  }
}

export const isContainer = (j: JenkinsJob) =>
  j.type === 'folder' || j.type === 'multibranch';

function checkSeed(build: BuildSeed) {
  if (
    build.result !== undefined &&
    build.result !== null &&
    !(BUILD_RESULTS as readonly string[]).includes(build.result)
  ) {
    throw new Error(
      `jenkins simulator: result must be one of ${BUILD_RESULTS.join(
        '|',
      )}, got ${build.result}`,
    );
  }
  for (const s of build.stages ?? []) {
    if (!(STAGE_STATUSES as readonly string[]).includes(s.status)) {
      throw new Error(
        `jenkins simulator: stage status must be one of ${STAGE_STATUSES.join(
          '|',
        )} (FAILED, not FAILURE), got ${s.status}`,
      );
    }
  }
}

const sha1 = (s: string) => crypto.createHash('sha1').update(s).digest('hex');

export class JenkinsWorld {
  readonly root: JenkinsJob;
  readonly queue = new Map<number, QueueItem>();
  private nextQueueId = 1;
  private offsetMs = 0;
  /** Set by the runner host (runner.ts). */
  external?: ExternalBuilds;

  constructor(readonly options: WorldOptions) {
    this.root = {
      name: '',
      type: 'folder',
      children: new Map(),
      description: '',
      disabled: false,
      parameters: [],
      stages: [],
      configXml: '',
      builds: [],
      nextBuildNumber: 1,
      nextResults: [],
      scans: 0,
    };
  }

  now(): number {
    return Date.now() + this.offsetMs;
  }

  /** Moves the simulator's clock forward (queue expiry, build ends). */
  tick(ms: number) {
    this.offsetMs += ms;
    this.advance();
  }

  /** Item names along a path; `undefined` when any is missing. */
  find(names: string[]): JenkinsJob | undefined {
    let node: JenkinsJob | undefined = this.root;
    for (const n of names) {
      if (!node || !isContainer(node)) return undefined;
      node = node.children.get(n);
    }
    return node;
  }

  fullNameOf(job: JenkinsJob): string {
    const parts: string[] = [];
    for (
      let j: JenkinsJob | undefined = job;
      j && j !== this.root;
      j = j.parent
    )
      parts.unshift(j.name);
    return parts.join('/');
  }

  pathOf(job: JenkinsJob): JenkinsJob[] {
    const parts: JenkinsJob[] = [];
    for (
      let j: JenkinsJob | undefined = job;
      j && j !== this.root;
      j = j.parent
    )
      parts.unshift(j);
    return parts;
  }

  /** Creates a job at `fullName` (`/`-separated item names); missing parents become folders. */
  addJob(
    fullName: string,
    seed: JobSeed,
    parentOverride?: JenkinsJob,
  ): JenkinsJob {
    const names = fullName.split('/').filter(Boolean);
    if (names.length === 0)
      throw new Error('jenkins simulator: empty job name');
    let parent = parentOverride ?? this.root;
    if (!parentOverride) {
      for (const n of names.slice(0, -1)) {
        let next = parent.children.get(n);
        if (!next) next = this.addJob(n, { type: 'folder' }, parent);
        if (!isContainer(next))
          throw new Error(`jenkins simulator: ${n} is not a folder`);
        parent = next;
      }
    }
    const name = names[names.length - 1];
    if (parent.children.has(name))
      throw new Error(`jenkins simulator: ${fullName} exists`);
    const job: JenkinsJob = {
      name,
      type: seed.type,
      parent,
      children: new Map(),
      displayName: seed.displayName,
      description: seed.description ?? '',
      disabled: seed.disabled ?? false,
      parameters: seed.parameters ?? [],
      scmRemote: seed.scmRemote,
      stages: seed.stages ?? ['Build', 'Test', 'Image'],
      buildDurationMs: seed.buildDurationMs,
      configXml: seed.configXml ?? defaultConfigXml(seed.type, seed),
      builds: [],
      nextBuildNumber: 1,
      nextResults: [],
      scans: 0,
    };
    parent.children.set(name, job);
    for (const b of seed.builds ?? []) this.addBuild(job, b);
    return job;
  }

  addBuild(job: JenkinsJob, seed: BuildSeed): JenkinsBuild {
    if (isContainer(job))
      throw new Error('jenkins simulator: folders have no builds');
    checkSeed(seed);
    const number = seed.number ?? job.nextBuildNumber;
    if (job.builds.some(b => b.number === number)) {
      throw new Error(`jenkins simulator: build #${number} exists`);
    }
    const building = seed.building ?? false;
    const duration = seed.duration ?? (building ? 0 : 60_000);
    const timestamp = seed.timestamp ?? this.now() - duration;
    const remote =
      job.scmRemote ?? `https://git.example.test/${this.fullNameOf(job)}.git`;
    const sha = sha1(`${this.fullNameOf(job)}#${number}`);
    const build: JenkinsBuild = {
      number,
      result: seed.result === undefined ? defaultResult(building) : seed.result,
      building,
      timestamp,
      duration,
      displayName: seed.displayName,
      description: seed.description ?? null,
      causes: [
        userCause(seed.startedBy === undefined ? 'admin' : seed.startedBy),
      ],
      parameters: seed.parameters,
      scm: seed.scm ?? this.defaultScm(remote, sha),
      stages: seed.stages ?? [],
      changes: seed.changes ?? [],
      queueId: seed.queueId ?? this.nextQueueId++,
    };
    job.builds.push(build);
    job.builds.sort((a, b) => a.number - b.number);
    job.nextBuildNumber = Math.max(job.nextBuildNumber, number + 1);
    return build;
  }

  private defaultScm(remote: string, sha: string): ScmCheckout[] {
    const out: ScmCheckout[] = [];
    if (this.options.libraryRemoteUrl) {
      out.push({
        remoteUrl: this.options.libraryRemoteUrl,
        sha: sha1(`lib#${sha}`),
        branch: 'refs/remotes/origin/main',
      });
    }
    out.push({ remoteUrl: remote, sha, branch: 'refs/remotes/origin/main' });
    return out;
  }

  /** `Queue.schedule2`: the existing item when an identical one waits. */
  schedule(
    job: JenkinsJob,
    delayMs: number,
    causes: Cause[],
    parameters?: Record<string, string | boolean>,
  ): { item: QueueItem; existing: boolean } {
    this.advance();
    const same = [...this.queue.values()].find(
      i =>
        i.state === 'waiting' &&
        i.job === job &&
        JSON.stringify(i.parameters ?? null) ===
          JSON.stringify(parameters ?? null),
    );
    const owned = this.external?.owns(job) ?? false;
    if (same) {
      if (owned) {
        // Queue.scheduleInternal: a duplicate keeps the shorter wait
        same.leaveAt = Math.min(
          same.leaveAt,
          this.now() + Math.max(0, delayMs),
        );
        this.external!.scheduled(same);
      }
      return { item: same, existing: true };
    }
    const now = this.now();
    const item: QueueItem = {
      id: this.nextQueueId++,
      job,
      inQueueSince: now,
      leaveAt: now + Math.max(0, delayMs),
      parameters,
      causes,
      state: 'waiting',
    };
    this.queue.set(item.id, item);
    if (owned) this.external!.scheduled(item);
    return { item, existing: false };
  }

  /** The running build an item of an owned job waits for, if any. */
  blockedBy(item: QueueItem): JenkinsBuild | undefined {
    if (item.state !== 'waiting' || !this.external?.owns(item.job))
      return undefined;
    return item.job.builds.find(b => b.building);
  }

  /** `Queue.cancel`: the item leaves without a build. */
  cancel(item: QueueItem): void {
    if (item.state !== 'waiting') return;
    item.state = 'left';
    item.cancelled = true;
    item.leftAt = this.now();
    this.external?.left(item);
  }

  /** Applies every transition due at `now()`, oldest first. */
  advance(): void {
    const now = this.now();
    const due = [...this.queue.values()]
      .filter(i => i.state === 'waiting' && i.leaveAt <= now)
      .sort((a, b) => a.leaveAt - b.leaveAt);
    for (const item of due) {
      if (this.external?.owns(item.job)) {
        if (this.blockedBy(item)) continue;
        this.startOwned(item);
      } else {
        this.start(item);
      }
      this.external?.left(item);
    }
    for (const job of this.allJobs()) {
      for (const b of job.builds) {
        if (b.building && b.plannedEnd !== undefined && b.plannedEnd <= now)
          this.finish(b);
      }
    }
    for (const item of [...this.queue.values()]) {
      if (
        item.state === 'left' &&
        item.leftAt! + this.options.queueItemExpiryMs <= now
      ) {
        this.queue.delete(item.id);
      }
    }
  }

  private start(item: QueueItem) {
    const job = item.job;
    const number = job.nextBuildNumber;
    const duration = job.buildDurationMs ?? this.options.buildDurationMs;
    const remote =
      job.scmRemote ?? `https://git.example.test/${this.fullNameOf(job)}.git`;
    const sha = sha1(`${this.fullNameOf(job)}#${number}#${item.leaveAt}`);
    const names =
      job.type === 'pipeline' ? [CHECKOUT_STAGE, ...job.stages] : [];
    const per = names.length ? Math.floor(duration / names.length) : 0;
    const build: JenkinsBuild = {
      number,
      result: null,
      building: true,
      timestamp: item.leaveAt,
      duration: 0,
      description: null,
      causes: item.causes,
      parameters: item.parameters,
      scm: this.defaultScm(remote, sha),
      stages: names.map(name => ({
        name,
        status: 'SUCCESS',
        durationMillis: per,
      })),
      changes: [
        {
          commitId: sha,
          msg: `Change built by #${number}`,
          author: 'dev',
          timestamp: item.leaveAt - 60_000,
        },
      ],
      queueId: item.id,
      plannedEnd: item.leaveAt + duration,
      plannedResult: job.nextResults.shift() ?? 'SUCCESS',
    };
    job.builds.push(build);
    job.nextBuildNumber = number + 1;
    item.state = 'left';
    item.build = build;
    item.leftAt = item.leaveAt;
  }

  /** A build of an owned job: empty until its runner records checkout, stages and result. */
  private startOwned(item: QueueItem) {
    const job = item.job;
    const now = this.now();
    const build: JenkinsBuild = {
      number: job.nextBuildNumber,
      result: null,
      building: true,
      timestamp: now,
      duration: 0,
      description: null,
      causes: item.causes,
      parameters: item.parameters,
      scm: [],
      stages: [],
      changes: [],
      queueId: item.id,
      log: job.type === 'pipeline' ? ['[Pipeline] Start of Pipeline'] : [],
    };
    job.builds.push(build);
    job.nextBuildNumber = build.number + 1;
    item.state = 'left';
    item.build = build;
    item.leftAt = now;
  }

  private finish(b: JenkinsBuild) {
    b.building = false;
    b.result = b.plannedResult ?? 'SUCCESS';
    b.duration = b.plannedEnd! - b.timestamp;
    if (b.result !== 'SUCCESS' && b.stages.length) {
      const last = b.stages.length - 1;
      b.stages[last] = {
        ...b.stages[last],
        status: FINAL_STAGE_STATUS[b.result] ?? 'ABORTED',
        ...(b.result === 'FAILURE'
          ? {
              error: {
                message: 'script returned exit code 1',
                type: 'hudson.AbortException',
              },
            }
          : {}),
      };
    }
    b.plannedEnd = undefined;
  }

  allJobs(from: JenkinsJob = this.root): JenkinsJob[] {
    const out: JenkinsJob[] = [];
    for (const c of from.children.values()) {
      out.push(c);
      if (isContainer(c)) out.push(...this.allJobs(c));
    }
    return out;
  }

  /** Job.getEstimatedDuration: mean of the last 3 successful/unstable builds, else -1. */
  estimatedDuration(job: JenkinsJob): number {
    const done = job.builds
      .filter(
        b => !b.building && (b.result === 'SUCCESS' || b.result === 'UNSTABLE'),
      )
      .slice(-3);
    if (done.length === 0) return -1;
    return Math.round(done.reduce((s, b) => s + b.duration, 0) / done.length);
  }
}

export function userCause(user: string | null): Cause {
  if (user === null) {
    return {
      cls: 'hudson.triggers.SCMTrigger$SCMTriggerCause',
      shortDescription: 'Started by an SCM change',
    };
  }
  return {
    cls: 'hudson.model.Cause$UserIdCause',
    shortDescription: `Started by user ${user}`,
    userId: user === 'anonymous' ? null : user,
    userName: user,
  };
}

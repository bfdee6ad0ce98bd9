/**
 * Builds an external runner owns. `setBuildRunner(job, runner)` hands every
 * build of the job — whatever queued it: `POST …/build`,
 * `buildWithParameters`, or `triggerBuild` (an SCM push) — to `runner`, with
 * a handle that records what a Pipeline run records: the SCM checkout
 * (BuildData), changes, stages with real start times and durations, console
 * lines, and the result. An owned job builds one at a time, as with
 * `disableConcurrentBuilds()`: later items wait in the queue, blocked.
 */
import { TimerSet } from '../common/timers';
import {
  Cause,
  ExternalBuilds,
  JenkinsBuild,
  JenkinsJob,
  JenkinsWorld,
  QueueItem,
} from './state';
import {
  BUILD_RESULTS,
  BuildResult,
  ChangeSeed,
  ScmCheckout,
  StageStatus,
} from './types';

/** How a stage a runner started can end. */
export type RunnerStageEnd = 'SUCCESS' | 'FAILED' | 'UNSTABLE' | 'ABORTED';

export interface RunnerStageError {
  message: string;
  /** Java class of the error (default `hudson.AbortException`, as a failing `sh`). */
  type?: string;
}

/** What a runner can do with the build it owns. */
export interface BuildHandle {
  /** Full name of the job, e.g. `genai/support-chat`. */
  readonly fullName: string;
  readonly number: number;
  readonly queueId: number;
  /** Start, epoch ms on the simulator's clock. */
  readonly timestamp: number;
  readonly causes: readonly Cause[];
  readonly parameters?: Readonly<Record<string, string | boolean>>;
  /** Aborted when the simulator stops. */
  readonly signal: AbortSignal;
  /** True once the build has a result. Later calls are ignored. */
  readonly finished: boolean;
  /** Records one checkout (one BuildData action: `lastBuiltRevision`, `remoteUrls`), in order. */
  checkout(scm: ScmCheckout): void;
  /** Adds commits to the build's `changeSets` (in the order given). */
  addChanges(changes: ChangeSeed[]): void;
  /** Starts a stage (status IN_PROGRESS; its duration grows until it ends). */
  startStage(name: string): void;
  /** Ends the running stage `name`; `error` shows in wfapi when FAILED. */
  endStage(
    name: string,
    status: RunnerStageEnd,
    error?: RunnerStageError,
  ): void;
  /** Records a stage that did not run (NOT_EXECUTED), as Declarative does. */
  skipStage(name: string, reason: 'when' | 'earlier-failure'): void;
  /** Appends console lines. */
  log(...lines: string[]): void;
  /** Sets the result; running stages end (FAILED/ABORTED/UNSTABLE/SUCCESS to match). */
  finish(result: BuildResult): void;
}

/**
 * Runs one build. When it returns without `finish`, the build ends FAILURE
 * if a stage failed, else SUCCESS; when it throws, the running stage and the
 * build fail with the error's message.
 */
export type BuildRunner = (build: BuildHandle) => void | Promise<void>;

/** The cause of a triggered build: an SCM change, a user, or any Jenkins cause. */
export type TriggerCause = 'scm' | { user: string } | Cause;

export function causeOf(cause: TriggerCause | undefined): Cause {
  if (cause === undefined || cause === 'scm') {
    return {
      cls: 'hudson.triggers.SCMTrigger$SCMTriggerCause',
      shortDescription: 'Started by an SCM change',
    };
  }
  if ('user' in cause) {
    return {
      cls: 'hudson.model.Cause$UserIdCause',
      shortDescription: `Started by user ${cause.user}`,
      userId: cause.user,
      userName: cause.user,
    };
  }
  return { ...cause };
}

const STAGE_AT_END: Partial<Record<BuildResult, RunnerStageEnd>> = {
  FAILURE: 'FAILED',
  ABORTED: 'ABORTED',
  UNSTABLE: 'UNSTABLE',
  NOT_BUILT: 'ABORTED',
};

class RunnerBuild implements BuildHandle {
  readonly fullName: string;
  private readonly abort = new AbortController();
  private done = false;

  constructor(
    private readonly host: BuildRunners,
    private readonly world: JenkinsWorld,
    readonly job: JenkinsJob,
    readonly build: JenkinsBuild,
  ) {
    this.fullName = world.fullNameOf(job);
  }

  get number() {
    return this.build.number;
  }
  get queueId() {
    return this.build.queueId;
  }
  get timestamp() {
    return this.build.timestamp;
  }
  get causes() {
    return this.build.causes;
  }
  get parameters() {
    return this.build.parameters;
  }
  get signal() {
    return this.abort.signal;
  }
  get finished() {
    return this.done;
  }

  private lines(): string[] {
    if (!this.build.log) this.build.log = [];
    return this.build.log;
  }

  checkout(scm: ScmCheckout): void {
    if (this.done) return;
    this.build.scm.push({ ...scm });
  }

  addChanges(changes: ChangeSeed[]): void {
    if (this.done) return;
    this.build.changes.push(...changes.map(c => ({ ...c })));
  }

  startStage(name: string): void {
    if (this.done) return;
    if (this.running(name))
      throw new Error(`jenkins simulator: stage ${name} is already running`);
    this.build.stages.push({
      name,
      status: 'IN_PROGRESS',
      startOffsetMillis: this.world.now() - this.build.timestamp,
    });
    this.lines().push('[Pipeline] stage', `[Pipeline] { (${name})`);
  }

  endStage(name: string, status: RunnerStageEnd, error?: RunnerStageError) {
    if (this.done) return;
    const stage = this.running(name);
    if (!stage)
      throw new Error(`jenkins simulator: stage ${name} is not running`);
    this.close(stage, status, error);
  }

  skipStage(name: string, reason: 'when' | 'earlier-failure'): void {
    if (this.done) return;
    this.build.stages.push({
      name,
      status: 'NOT_EXECUTED',
      startOffsetMillis: this.world.now() - this.build.timestamp,
      durationMillis: 0,
    });
    this.lines().push(
      '[Pipeline] stage',
      `[Pipeline] { (${name})`,
      reason === 'when'
        ? `Stage "${name}" skipped due to when conditional`
        : `Stage "${name}" skipped due to earlier failure(s)`,
      '[Pipeline] }',
      '[Pipeline] // stage',
    );
  }

  log(...lines: string[]): void {
    if (this.done) return;
    this.lines().push(...lines.flatMap(l => l.split('\n')));
  }

  finish(result: BuildResult): void {
    if (this.done) return;
    if (!(BUILD_RESULTS as readonly string[]).includes(result))
      throw new Error(`jenkins simulator: no build result ${result}`);
    const stageEnd = STAGE_AT_END[result] ?? 'SUCCESS';
    for (const s of this.build.stages)
      if (s.status === 'IN_PROGRESS') this.close(s, stageEnd);
    const failed = this.build.stages.find(
      s => s.status === 'FAILED' && s.error,
    );
    const lines = this.lines();
    lines.push('[Pipeline] End of Pipeline');
    if (result === 'FAILURE' && failed?.error)
      lines.push(`ERROR: ${failed.error.message}`);
    this.done = true;
    this.build.result = result;
    this.build.building = false;
    this.build.duration = Math.max(1, this.world.now() - this.build.timestamp);
    this.host.ended(this);
  }

  /** The end of a runner that did not call `finish`. */
  settle(error?: unknown): void {
    if (this.done) return;
    if (error !== undefined) {
      const message = error instanceof Error ? error.message : String(error);
      const running = this.build.stages.filter(s => s.status === 'IN_PROGRESS');
      for (const s of running)
        this.close(s, 'FAILED', { message, type: 'hudson.AbortException' });
      if (running.length === 0) this.lines().push(`ERROR: ${message}`);
      this.finish('FAILURE');
      return;
    }
    const failed = this.build.stages.some(s => s.status === 'FAILED');
    this.finish(failed ? 'FAILURE' : 'SUCCESS');
  }

  kill(reason: Error): void {
    this.abort.abort(reason);
    this.finish('ABORTED');
  }

  private running(name: string) {
    return this.build.stages.find(
      s => s.name === name && s.status === 'IN_PROGRESS',
    );
  }

  private close(
    stage: JenkinsBuild['stages'][number],
    status: StageStatus,
    error?: RunnerStageError,
  ) {
    stage.status = status;
    stage.durationMillis = Math.max(
      0,
      this.world.now() - this.build.timestamp - (stage.startOffsetMillis ?? 0),
    );
    if (status === 'FAILED' && error) {
      stage.error = {
        message: error.message,
        type: error.type ?? 'hudson.AbortException',
      };
    }
    this.lines().push('[Pipeline] }', '[Pipeline] // stage');
  }
}

interface Waiter {
  resolve: (build: { queueId: number; number: number }) => void;
  reject: (error: Error) => void;
}

/** The simulator's side of runner-owned jobs: timers, live builds, queue waiters. */
export class BuildRunners implements ExternalBuilds {
  private readonly runners = new Map<JenkinsJob, BuildRunner>();
  private readonly timers = new TimerSet();
  private readonly live = new Set<RunnerBuild>();
  private readonly waiters = new Map<number, Waiter[]>();
  private stopped = false;

  constructor(private readonly world: JenkinsWorld) {
    world.external = this;
  }

  set(job: JenkinsJob, runner: BuildRunner | undefined): void {
    if (runner) this.runners.set(job, runner);
    else this.runners.delete(job);
    for (const item of this.world.queue.values())
      if (item.job === job && item.state === 'waiting') this.wake(item);
  }

  owns(job: JenkinsJob): boolean {
    return this.runners.has(job);
  }

  scheduled(item: QueueItem): void {
    this.wake(item);
  }

  /** Advances the world when `item`'s quiet period is over, without waiting for a request. */
  wake(item: QueueItem): void {
    this.timers.after(item.leaveAt - this.world.now(), () =>
      this.world.advance(),
    );
  }

  left(item: QueueItem): void {
    const waiting = this.waiters.get(item.id) ?? [];
    this.waiters.delete(item.id);
    for (const w of waiting) this.settleWaiter(item, w);
    const build = item.build;
    const runner = this.runners.get(item.job);
    if (!build || !runner || !build.building || !build.log) return;
    const handle = new RunnerBuild(this, this.world, item.job, build);
    this.live.add(handle);
    // not inside the request (or method) that advanced the queue
    this.timers.after(0, () => {
      Promise.resolve()
        .then(() => runner(handle))
        .then(
          () => handle.settle(),
          e => handle.settle(e ?? new Error('runner failed')),
        )
        .finally(() => this.live.delete(handle));
    });
  }

  /** Resolves with the build number once `item` leaves the queue; rejects when cancelled. */
  whenLeft(item: QueueItem): Promise<{ queueId: number; number: number }> {
    return new Promise((resolve, reject) => {
      const w = { resolve, reject };
      if (item.state === 'left') {
        this.settleWaiter(item, w);
        return;
      }
      if (this.stopped) {
        reject(new Error('jenkins simulator: stopped'));
        return;
      }
      const list = this.waiters.get(item.id) ?? [];
      list.push(w);
      this.waiters.set(item.id, list);
    });
  }

  ended(_handle: RunnerBuild): void {
    // the next item of the job may start now
    if (!this.stopped) this.world.advance();
  }

  stop(): void {
    this.stopped = true;
    this.timers.clear();
    for (const handle of this.live)
      handle.kill(new Error('jenkins simulator: stopped'));
    this.live.clear();
    for (const list of this.waiters.values())
      for (const w of list) w.reject(new Error('jenkins simulator: stopped'));
    this.waiters.clear();
  }

  private settleWaiter(item: QueueItem, w: Waiter) {
    if (item.build) w.resolve({ queueId: item.id, number: item.build.number });
    else
      w.reject(
        new Error(
          `jenkins simulator: queue item ${item.id} was cancelled before it started`,
        ),
      );
  }
}

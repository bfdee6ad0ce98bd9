/**
 * The build controller (simulator) of the delivery loop: owns one Jenkins
 * simulator job per model service (creating it when absent) and runs every
 * build of it — whether `trigger()` (an SCM push) or `POST …/build` over
 * HTTP (a Rebuild) queued it — as the generated Jenkinsfile would
 * (pipeline.ts), against the real source and GitOps repositories and the
 * real registry. Bounded: one build at a time per job, at most
 * `maxBuildsPerMinute` build starts per service; `stop()` cancels what
 * waits, aborts what runs and hands the jobs back.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  BuildHandle,
  BuildRunner,
  JenkinsSimulator,
  TriggerCause,
} from '@internal/simulators';
import { RegistryTarget } from '@internal/test-env';
import { BreakBoard } from '../breaks';
import { LoopLog, LoopService } from '../types';
import { RepoLocks } from './gitops';
import { GITOPS_STAGE, IMAGE_STAGE, runPipeline } from './pipeline';

export interface BuildControllerOptions {
  jenkins: JenkinsSimulator;
  /** The real registry, with push credentials. */
  registry: RegistryTarget;
  services: LoopService[];
  breaks: BreakBoard;
  /** Simulated time each stage takes beyond its real work (default 800 ms). */
  stageMs?: number;
  /** Build starts per service per minute (default 12); later triggers wait in the queue. */
  maxBuildsPerMinute?: number;
  /** Quiet period of `trigger()` (default 0). */
  quietPeriodMs?: number;
  log?: LoopLog;
}

export interface BuildController {
  /**
   * Queues a build of the service's job, as a push webhook would, and
   * resolves with its build number once it leaves the queue (after the build
   * running now, if any). An identical waiting item is reused (same number).
   * `cause`: default an SCM change; a text becomes the webhook's cause
   * (`GenericCause`, shown as is); or a Jenkins cause.
   */
  trigger(serviceName: string, cause?: string | TriggerCause): Promise<number>;
  /**
   * Resolves when no build this controller runs, or queued with `trigger()`,
   * is running or waiting (builds queued over HTTP count once they start).
   */
  idle(): Promise<void>;
  /** Cancels waiting builds, aborts running ones, waits for them and gives the jobs back. */
  stop(): Promise<void>;
}

const WINDOW_MS = 60_000;

/** A text cause is what the Generic Webhook Trigger plugin records: its cause string. */
export function buildCause(
  cause: string | TriggerCause | undefined,
): TriggerCause {
  if (cause === undefined || cause === 'scm') return 'scm';
  if (typeof cause !== 'string') return cause;
  return {
    cls: 'org.jenkinsci.plugins.gwt.GenericCause',
    shortDescription: cause,
  };
}

/** Build starts per service in the last minute. */
class StartWindow {
  private readonly starts = new Map<string, number[]>();

  constructor(private readonly max: number) {}

  /** How long until another build may start (0: now). */
  delay(service: string, now = Date.now()): number {
    const list = (this.starts.get(service) ?? []).filter(
      t => t > now - WINDOW_MS,
    );
    this.starts.set(service, list);
    if (list.length < this.max) return 0;
    return list[list.length - this.max] + WINDOW_MS - now;
  }

  record(service: string, now = Date.now()): void {
    const list = this.starts.get(service) ?? [];
    list.push(now);
    this.starts.set(service, list);
  }
}

export async function startBuildController(
  options: BuildControllerOptions,
): Promise<BuildController> {
  const { jenkins, registry, breaks } = options;
  const stageMs = options.stageMs ?? 800;
  const maxPerMinute = Math.max(1, options.maxBuildsPerMinute ?? 12);
  const quietPeriodMs = options.quietPeriodMs ?? 0;
  const byName = new Map<string, LoopService>();
  const jobs = new Set<string>();
  for (const s of options.services) {
    if (byName.has(s.name))
      throw new Error(
        `build controller (simulator): service ${s.name} given twice`,
      );
    if (jobs.has(s.jenkinsJob))
      throw new Error(
        `build controller (simulator): job ${s.jenkinsJob} belongs to two services`,
      );
    byName.set(s.name, s);
    jobs.add(s.jenkinsJob);
  }

  const emit = (service: string | undefined, message: string) =>
    options.log?.({ at: Date.now(), controller: 'build', service, message });
  const abort = new AbortController();
  const window = new StartWindow(maxPerMinute);
  const gitopsLocks = new RepoLocks();
  const work = new Set<Promise<unknown>>();
  let stopped = false;

  const track = <T>(p: Promise<T>): Promise<T> => {
    work.add(p);
    const done = () => work.delete(p);
    p.then(done, done);
    return p;
  };

  /** Waits for tracked work, including runner starts the simulator has just scheduled. */
  const drain = async () => {
    do {
      await Promise.allSettled([...work]);
      await sleep(5);
    } while (work.size > 0);
  };

  const build = async (service: LoopService, b: BuildHandle) => {
    if (abort.signal.aborted) {
      b.log('Aborted by the build controller (simulator)');
      b.finish('ABORTED');
      return;
    }
    const wait = window.delay(service.name);
    if (wait > 0) {
      b.log(
        `build controller (simulator): at most ${maxPerMinute} builds of ${
          service.name
        } per minute; waiting ${Math.ceil(wait / 1000)} s`,
      );
      try {
        await sleep(wait, undefined, {
          signal: AbortSignal.any([abort.signal, b.signal]),
        });
      } catch {
        b.log('Aborted by the build controller (simulator)');
        b.finish('ABORTED');
        return;
      }
    }
    window.record(service.name);
    emit(service.name, `build #${b.number} of ${service.jenkinsJob} started`);
    const outcome = await runPipeline(b, {
      service,
      jenkins,
      registry,
      breaks,
      stageMs,
      gitopsLocks,
      signal: abort.signal,
      emit: m => emit(service.name, m),
    });
    const commit = outcome.commit ? outcome.commit.slice(0, 7) : '?';
    let what = '';
    if (outcome.result === 'FAILURE')
      what = ` at stage ${outcome.failedStage ?? '?'}: ${outcome.error}`;
    else if (outcome.result === 'SUCCESS')
      what = `; ${IMAGE_STAGE}: ${
        outcome.pushed
          ? `pushed ${service.registryRepository}:${commit}…`
          : 'not pushed'
      }; ${GITOPS_STAGE}: ${
        outcome.gitopsCommit
          ? `committed ${outcome.gitopsCommit.slice(0, 7)}`
          : 'no commit'
      }`;
    emit(
      service.name,
      `build #${b.number} of ${service.jenkinsJob} (commit ${commit}) ${outcome.result}${what}`,
    );
  };

  for (const service of options.services) {
    const existing = jenkins.job(service.jenkinsJob);
    if (!existing) {
      jenkins.addJob(service.jenkinsJob, {
        type: 'pipeline',
        scmRemote: service.sourceRepo,
        stages: [IMAGE_STAGE, GITOPS_STAGE],
        description: `Builds ${service.name} (run by the build controller of the delivery loop simulator)`,
      });
    } else if (existing.type !== 'pipeline') {
      throw new Error(
        `build controller (simulator): ${service.jenkinsJob} is a ${existing.type}, not a pipeline job`,
      );
    }
    const runner: BuildRunner = b => track(build(service, b));
    jenkins.setBuildRunner(service.jenkinsJob, runner);
  }

  return {
    async trigger(serviceName, cause) {
      if (stopped) throw new Error('build controller (simulator) is stopped');
      const service = byName.get(serviceName);
      if (!service)
        throw new Error(
          `build controller (simulator): no service ${serviceName}`,
        );
      const delay = Math.max(quietPeriodMs, window.delay(service.name));
      const { number } = await track(
        jenkins.triggerBuild(service.jenkinsJob, {
          cause: buildCause(cause),
          quietPeriodMs: delay,
        }),
      );
      return number;
    },
    idle: drain,
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const s of options.services) jenkins.cancelQueueItems(s.jenkinsJob);
      abort.abort(new Error('build controller (simulator) stopped'));
      await drain();
      for (const s of options.services) {
        jenkins.cancelQueueItems(s.jenkinsJob);
        jenkins.setBuildRunner(s.jenkinsJob, undefined);
      }
    },
  };
}

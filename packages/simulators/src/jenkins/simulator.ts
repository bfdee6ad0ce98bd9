/**
 * Jenkins simulator (not Jenkins): the JSON remote API with `tree`/`depth`,
 * stage view (`wfapi`), build triggers and the queue, crumbs and sessions,
 * createItem/config.xml, and the Declarative validator endpoints.
 */
import { Fault } from '../common/faults';
import { RecordedRequest, startSimServer } from '../common/server';
import { clone } from '../common/respond';
import { errorPage } from './pages';
import { createJenkinsHandler } from './routes';
import { BuildRunner, BuildRunners, TriggerCause, causeOf } from './runner';
import { JenkinsSecurity } from './security';
import {
  JenkinsBuild,
  JenkinsJob,
  JenkinsWorld,
  encodeBranchName,
  isContainer,
} from './state';
import { BuildResult, BuildSeed, JenkinsUser, JobSeed, JobType } from './types';

export interface JenkinsSimulatorOptions {
  /** Default: `admin` with password `admin` and API token `11simulatortoken`. */
  users?: JenkinsUser[];
  /** Anonymous Overall/Read and Item/Read (default false). */
  anonymousRead?: boolean;
  /** CSRF protection (default true). */
  crumbs?: boolean;
  /** Sent as `X-Jenkins` (default `2.528.2`). */
  version?: string;
  /** Default quiet period of triggered builds (default 5000 ms, as Jenkins). */
  quietPeriodMs?: number;
  /** Duration of builds the simulator runs (default 10 000 ms). */
  buildDurationMs?: number;
  /** How long left queue items stay readable (default 5 min, as Jenkins). */
  queueItemExpiryMs?: number;
  /**
   * A shared-library checkout recorded before the job's own one in every
   * generated build (a second BuildData); null disables it.
   * Default `https://git.example.test/jenkins/pipeline-library.git`.
   */
  libraryRemoteUrl?: string | null;
  fault?: Fault;
  port?: number;
}

/** What a test can read back about a job. */
export interface JenkinsJobInfo {
  fullName: string;
  type: JobType;
  disabled: boolean;
  configXml: string;
  scmRemote?: string;
  builds: JenkinsBuild[];
  /** Multibranch: number of scans triggered through `POST …/build`. */
  scans: number;
  children: string[];
}

/** A build queued by `triggerBuild`, once it left the queue. */
export interface TriggeredBuild {
  queueId: number;
  number: number;
}

export interface TriggerBuildOptions {
  /** Default: an SCM change (`hudson.triggers.SCMTrigger$SCMTriggerCause`), as a push webhook. */
  cause?: TriggerCause;
  /** Parameter values (a parameterized job's defaults fill the rest). */
  parameters?: Record<string, string | boolean>;
  /** Quiet period (default: the simulator's `quietPeriodMs`). */
  quietPeriodMs?: number;
}

export interface JenkinsSimulator {
  /** `http://127.0.0.1:<port>` */
  url: string;
  stop(): Promise<void>;
  setFault(fault: Fault): Promise<void>;
  requests(): RecordedRequest[];
  resetRequests(): void;
  /** Adds a job; `fullName` is `/`-separated item names, missing parents become folders. */
  addJob(fullName: string, seed: JobSeed): void;
  /** Adds a branch job to a multibranch project; returns its item name (`feature%2Fx`). */
  addBranch(
    multibranchFullName: string,
    branch: string,
    seed?: Omit<JobSeed, 'type'>,
  ): string;
  addBuild(fullName: string, seed: BuildSeed): JenkinsBuild;
  /** Flips `building`; a result may be set while still building (Pipeline does this). */
  setBuilding(
    fullName: string,
    number: number,
    building: boolean,
    result?: BuildResult | null,
  ): void;
  /** Result of the next build the simulator runs for this job. */
  setNextResult(fullName: string, result: BuildResult): void;
  job(fullName: string): JenkinsJobInfo | undefined;
  /** Moves the simulator's clock forward (quiet periods, build ends, queue expiry). */
  tick(ms: number): void;
  /** Basic auth header value for a user's API token (crumb-exempt). */
  tokenAuth(username?: string): string;
  /**
   * Hands every later build of the job to `runner` (undefined gives the job
   * back to the simulator). Owned jobs build one at a time; their queue items
   * leave on their own when the quiet period is over.
   */
  setBuildRunner(fullName: string, runner: BuildRunner | undefined): void;
  /**
   * Queues a build as an SCM push (or webhook) would; resolves once the item
   * leaves the queue, with the build number (an identical waiting item is
   * reused, as `Queue.schedule2`). Rejects if the item is cancelled.
   */
  triggerBuild(
    fullName: string,
    options?: TriggerBuildOptions,
  ): Promise<TriggeredBuild>;
  /** Cancels the job's waiting queue items (`Queue.cancel`); returns how many. */
  cancelQueueItems(fullName: string): number;
}

export async function startJenkinsSimulator(
  options: JenkinsSimulatorOptions = {},
): Promise<JenkinsSimulator> {
  const users = options.users ?? [
    { username: 'admin', password: 'admin', apiToken: '11simulatortoken' },
  ];
  const world = new JenkinsWorld({
    quietPeriodMs: options.quietPeriodMs ?? 5_000,
    buildDurationMs: options.buildDurationMs ?? 10_000,
    queueItemExpiryMs: options.queueItemExpiryMs ?? 5 * 60_000,
    libraryRemoteUrl:
      options.libraryRemoteUrl === undefined
        ? 'https://git.example.test/jenkins/pipeline-library.git'
        : options.libraryRemoteUrl,
  });
  const security = new JenkinsSecurity(
    users,
    options.anonymousRead ?? false,
    options.crumbs ?? true,
  );
  const version = options.version ?? '2.528.2';
  const runners = new BuildRunners(world);
  const quietPeriodMs = options.quietPeriodMs ?? 5_000;
  const server = await startSimServer({
    name: 'jenkins',
    handler: createJenkinsHandler({
      world,
      security,
      version,
      quietPeriodMs,
    }),
    errorResponse: (_req, res, status) => {
      res.setHeader('X-Jenkins', version);
      errorPage(res, status, `simulated fault: HTTP ${status}`);
    },
    fault: options.fault,
    port: options.port,
  });

  const find = (fullName: string): JenkinsJob => {
    const job = world.find(fullName.split('/').filter(Boolean));
    if (!job || job === world.root)
      throw new Error(`jenkins simulator: no job ${fullName}`);
    return job;
  };

  return {
    url: server.url,
    stop: async () => {
      runners.stop();
      await server.stop();
    },
    setFault: f => server.setFault(f),
    requests: () => server.requests(),
    resetRequests: () => server.resetRequests(),
    addJob(fullName, seed) {
      world.addJob(fullName, clone(seed));
    },
    addBranch(mb, branch, seed = {}) {
      const parent = find(mb);
      if (parent.type !== 'multibranch')
        throw new Error(`jenkins simulator: ${mb} is not multibranch`);
      const name = encodeBranchName(branch);
      world.addJob(
        name,
        { scmRemote: parent.scmRemote, ...clone(seed), type: 'pipeline' },
        parent,
      );
      return name;
    },
    addBuild(fullName, seed) {
      world.advance();
      return world.addBuild(find(fullName), clone(seed));
    },
    setBuilding(fullName, number, building, result) {
      const b = find(fullName).builds.find(x => x.number === number);
      if (!b)
        throw new Error(`jenkins simulator: no build ${fullName} #${number}`);
      b.building = building;
      if (result !== undefined) b.result = result;
      if (!building && b.duration === 0)
        b.duration = Math.max(1, world.now() - b.timestamp);
      b.plannedEnd = undefined;
    },
    setNextResult(fullName, result) {
      find(fullName).nextResults.push(result);
    },
    job(fullName) {
      world.advance();
      const j = world.find(fullName.split('/').filter(Boolean));
      if (!j || j === world.root) return undefined;
      return {
        fullName: world.fullNameOf(j),
        type: j.type,
        disabled: j.disabled,
        configXml: j.configXml,
        scmRemote: j.scmRemote,
        builds: clone(j.builds),
        scans: j.scans,
        children: [...j.children.keys()],
      };
    },
    tick: ms => world.tick(ms),
    setBuildRunner(fullName, runner) {
      const job = find(fullName);
      if (isContainer(job))
        throw new Error(`jenkins simulator: ${fullName} has no builds`);
      runners.set(job, runner);
    },
    async triggerBuild(fullName, opts = {}) {
      const job = find(fullName);
      if (isContainer(job))
        throw new Error(`jenkins simulator: ${fullName} has no builds`);
      if (job.disabled)
        throw new Error(`jenkins simulator: ${fullName} is not buildable`);
      let parameters = opts.parameters;
      if (job.parameters.length > 0) {
        parameters = {};
        for (const def of job.parameters)
          parameters[def.name] =
            opts.parameters?.[def.name] ??
            def.defaultValue ??
            (def.type === 'boolean' ? false : '');
      }
      const { item } = world.schedule(
        job,
        opts.quietPeriodMs ?? quietPeriodMs,
        [causeOf(opts.cause)],
        parameters,
      );
      runners.wake(item);
      return runners.whenLeft(item);
    },
    cancelQueueItems(fullName) {
      const job = find(fullName);
      let n = 0;
      for (const item of [...world.queue.values()]) {
        if (item.job === job && item.state === 'waiting') {
          world.cancel(item);
          n++;
        }
      }
      return n;
    },
    tokenAuth(username = users[0].username) {
      const u = users.find(x => x.username === username);
      if (!u?.apiToken)
        throw new Error(`jenkins simulator: ${username} has no API token`);
      return `Basic ${Buffer.from(`${u.username}:${u.apiToken}`).toString(
        'base64',
      )}`;
    },
  };
}

/**
 * One build of a model service, as the generated Jenkinsfile
 * (templates/model-service/skeleton/ci/jenkins/Jenkinsfile) runs it, recorded
 * on the Jenkins simulator through a runner handle:
 * - `Declarative: Checkout SCM`: `main` HEAD of the source repository, and
 *   the commits since the previous build's checkout;
 * - `Image`: pushes `<registryRepository>:<full sha>` to the real registry
 *   with the label `org.opencontainers.image.revision=<full sha>`;
 * - `GitOps`: sets that tag in the overlay's kustomization.yaml and commits
 *   it to the GitOps repository.
 * Breaks: `build-fails` (at a stage, default `Image`), `image-not-pushed`
 * (the stage succeeds without pushing, like kaniko `--no-push`),
 * `gitops-not-bumped` (the GitOps stage's `when` does not match).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  BuildHandle,
  CHECKOUT_STAGE,
  JenkinsSimulator,
} from '@internal/simulators';
import { pushImage, RegistryTarget } from '@internal/test-env';
import { BreakBoard } from '../breaks';
import { LoopService } from '../types';
import { bumpGitops, RepoLocks } from './gitops';
import { changesSince, headCommit } from './source';

export const IMAGE_STAGE = 'Image';
export const GITOPS_STAGE = 'GitOps';
/** The stages of a build, in order. */
export const PIPELINE_STAGES = [CHECKOUT_STAGE, IMAGE_STAGE, GITOPS_STAGE];

const BRANCH = 'refs/remotes/origin/main';
const SIMULATED =
  'simulated by the build controller (simulator): break build-fails';

export interface PipelineContext {
  service: LoopService;
  jenkins: JenkinsSimulator;
  registry: RegistryTarget;
  breaks: BreakBoard;
  /** Time each stage takes beyond its real work. */
  stageMs: number;
  gitopsLocks: RepoLocks;
  /** Aborted when the controller stops. */
  signal: AbortSignal;
  emit: (message: string) => void;
}

export interface PipelineOutcome {
  result: 'SUCCESS' | 'FAILURE' | 'ABORTED';
  commit?: string;
  failedStage?: string;
  error?: string;
  /** Digest of the pushed image. */
  pushed?: string;
  /** New commit of the GitOps repository. */
  gitopsCommit?: string;
}

class StageFailure extends Error {
  constructor(message: string, readonly type = 'hudson.AbortException') {
    super(message);
  }
}

class Aborted extends Error {}

/** The stage `build-fails` fails at: its `stage` option if it names a stage (any case; `checkout` too), else `Image`. */
export function failingStage(requested: string | undefined): {
  stage: string;
  unknown?: string;
} {
  if (!requested) return { stage: IMAGE_STAGE };
  const wanted = requested.trim().toLowerCase();
  const hit = PIPELINE_STAGES.find(
    s =>
      s.toLowerCase() === wanted ||
      (s === CHECKOUT_STAGE && wanted === 'checkout'),
  );
  return hit ? { stage: hit } : { stage: IMAGE_STAGE, unknown: requested };
}

/** The commit the latest earlier build of the job checked out from `remote`. */
function previousCommit(
  ctx: PipelineContext,
  number: number,
): string | undefined {
  const builds = ctx.jenkins.job(ctx.service.jenkinsJob)?.builds ?? [];
  for (const b of [...builds].reverse()) {
    if (b.number >= number) continue;
    const scm = b.scm.find(s => s.remoteUrl === ctx.service.sourceRepo);
    if (scm) return scm.sha;
  }
  return undefined;
}

export async function runPipeline(
  b: BuildHandle,
  ctx: PipelineContext,
): Promise<PipelineOutcome> {
  const { service } = ctx;
  const signal = AbortSignal.any([b.signal, ctx.signal]);
  const check = () => {
    if (signal.aborted) throw new Aborted();
  };
  const wait = async (ms: number) => {
    check();
    if (ms <= 0) return;
    try {
      await sleep(ms, undefined, { signal });
    } catch {
      throw new Aborted();
    }
  };
  const breaks = ctx.breaks;
  const failsAt = (stage: string) => {
    if (!breaks.has(service.name, 'build-fails')) return false;
    const chosen = failingStage(
      breaks.options(service.name, 'build-fails')?.stage,
    );
    if (chosen.unknown && stage === chosen.stage) {
      b.log(
        `build controller (simulator): the pipeline has no stage "${chosen.unknown}"; failing at ${chosen.stage}`,
      );
    }
    return chosen.stage === stage;
  };

  const outcome: PipelineOutcome = { result: 'SUCCESS' };
  const remaining = [...PIPELINE_STAGES];
  let current: string | undefined;
  const stage = async (name: string, body: () => Promise<void>) => {
    remaining.shift();
    current = name;
    b.startStage(name);
    await body();
    await wait(ctx.stageMs);
    b.endStage(name, 'SUCCESS');
    current = undefined;
  };

  const remote = service.sourceRepo;
  const workspace = `/home/jenkins/agent/workspace/${service.jenkinsJob}`;
  let sha = '';
  try {
    await stage(CHECKOUT_STAGE, async () => {
      b.log(
        'The recommended git tool is: NONE',
        'Fetching changes from the remote Git repository',
        ` > git fetch --tags --force --progress -- ${remote} +refs/heads/*:refs/remotes/origin/* # timeout=10`,
      );
      if (failsAt(CHECKOUT_STAGE)) {
        await wait(ctx.stageMs);
        throw new StageFailure(
          `Failed to fetch from ${remote} (${SIMULATED})`,
          'hudson.plugins.git.GitException',
        );
      }
      let head;
      try {
        head = await headCommit(remote);
      } catch (e) {
        throw new StageFailure(
          (e as Error).message,
          'hudson.plugins.git.GitException',
        );
      }
      check();
      sha = head.sha;
      outcome.commit = sha;
      b.log(
        ` > git rev-parse ${BRANCH}^{commit} # timeout=10`,
        `Checking out Revision ${sha} (${BRANCH})`,
        ` > git checkout -f ${sha} # timeout=10`,
        `Commit message: "${head.subject}"`,
      );
      b.checkout({ remoteUrl: remote, sha, branch: BRANCH });
      const prev = previousCommit(ctx, b.number);
      if (!prev) {
        b.log('First time build. Skipping changelog.');
        return;
      }
      b.log(` > git rev-list --no-walk ${prev} # timeout=10`);
      const changes = await changesSince(remote, prev, sha);
      b.addChanges(
        changes.map(c => ({
          commitId: c.sha,
          msg: c.subject,
          author: c.author,
          authorEmail: c.email,
          timestamp: c.at,
        })),
      );
    });

    await stage(IMAGE_STAGE, async () => {
      const destination = `${service.image}:${sha}`;
      b.log(
        `+ /kaniko/executor --context dir://${workspace} --dockerfile ${workspace}/Dockerfile --destination ${destination} --label org.opencontainers.image.revision=${sha} --cache=true --cache-repo ${service.image}/cache --digest-file ${workspace}/image-digest`,
      );
      if (failsAt(IMAGE_STAGE)) {
        await wait(ctx.stageMs);
        throw new StageFailure(
          `kaniko: error pushing image: failed to push to destination ${destination}: unexpected status code 503 Service Unavailable (${SIMULATED})`,
        );
      }
      if (breaks.has(service.name, 'image-not-pushed')) {
        b.log(
          'INFO[0001] Skipping push to container registry due to --no-push flag',
          'build controller (simulator): break image-not-pushed, no image reaches the registry',
        );
        return;
      }
      b.log(`INFO[0001] Pushing image to ${destination}`);
      let digest: string;
      try {
        ({ digest } = await pushImage(ctx.registry, {
          repository: service.registryRepository,
          tag: sha,
          revision: sha,
          created: new Date().toISOString(),
        }));
      } catch (e) {
        throw new StageFailure(
          `kaniko: error pushing image: failed to push to destination ${destination}: ${
            (e as Error).message
          }`,
        );
      }
      outcome.pushed = digest;
      b.log(
        `INFO[0002] Pushed ${service.image}@${digest}`,
        `build controller (simulator): pushed ${service.registryRepository}:${sha} to the registry at ${ctx.registry.url}`,
        '[Pipeline] archiveArtifacts',
        'Archiving artifacts',
      );
    });

    if (breaks.has(service.name, 'gitops-not-bumped')) {
      remaining.shift();
      b.skipStage(GITOPS_STAGE, 'when');
    } else {
      await stage(GITOPS_STAGE, async () => {
        b.log(
          `+ git clone --depth 20 ${service.gitopsRepo} gitops`,
          `+ cd gitops/${service.gitopsPath}`,
        );
        if (failsAt(GITOPS_STAGE)) {
          await wait(ctx.stageMs);
          throw new StageFailure(
            `error: failed to push some refs to '${service.gitopsRepo}' (${SIMULATED})`,
          );
        }
        try {
          const bump = await ctx.gitopsLocks.run(service.gitopsRepo, () =>
            bumpGitops(service, sha, line => b.log(line)),
          );
          outcome.gitopsCommit = bump.commit;
        } catch (e) {
          throw new StageFailure((e as Error).message);
        }
      });
    }
    b.finish('SUCCESS');
    return outcome;
  } catch (e) {
    if (e instanceof Aborted || signal.aborted) {
      if (current) b.endStage(current, 'ABORTED');
      b.log('Aborted by the build controller (simulator)');
      b.finish('ABORTED');
      return { ...outcome, result: 'ABORTED' };
    }
    const error = e instanceof Error ? e.message : String(e);
    const type = e instanceof StageFailure ? e.type : 'hudson.AbortException';
    if (current) {
      b.log(error);
      b.endStage(current, 'FAILED', { message: error, type });
    }
    for (const name of remaining) b.skipStage(name, 'earlier-failure');
    b.finish('FAILURE');
    return { ...outcome, result: 'FAILURE', failedStage: current, error };
  }
}

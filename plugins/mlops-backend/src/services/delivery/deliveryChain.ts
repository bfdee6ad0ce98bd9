import {
  DeliveryStep,
  DeliveryStepId,
  DeliveryView,
  SignalStatus,
  UpstreamLink,
  UpstreamProblem,
} from '@internal/plugin-mlops-common';

/**
 * Normalized facts about one model service, as the upstream clients read
 * them. Each is optional (not configured), a problem (could not be read), or
 * the facts themselves.
 */
export type Fact<T> = T | { problem: UpstreamProblem } | undefined;

export interface BuildFact {
  number: number;
  /** Jenkins result; null while building. */
  result: 'SUCCESS' | 'FAILURE' | 'UNSTABLE' | 'ABORTED' | 'NOT_BUILT' | null;
  building: boolean;
  /** Commit the build checked out. */
  commit?: string;
  /** Stage that failed (wfapi status FAILED). */
  failedStage?: string;
  at?: string;
  link?: UpstreamLink;
}

export interface ImageFact {
  /** Tags with their revision label, newest first. */
  tags: Array<{
    tag: string;
    digest: string;
    revision?: string;
    created?: string;
  }>;
  link?: UpstreamLink;
}

export interface DesiredFact {
  /** Image tags (or digests) the GitOps source asks for, e.g. from the Application's kustomize images or summary. */
  tags: string[];
  revision?: string;
  link?: UpstreamLink;
}

export interface SyncFact {
  sync: 'Synced' | 'OutOfSync' | 'Unknown';
  health:
    | 'Healthy'
    | 'Progressing'
    | 'Degraded'
    | 'Suspended'
    | 'Missing'
    | 'Unknown';
  autoSync: boolean;
  operationPhase?: 'Running' | 'Terminating' | 'Failed' | 'Error' | 'Succeeded';
  operationMessage?: string;
  at?: string;
  link?: UpstreamLink;
}

export interface RunningFact {
  /** Tags (or digests) of the images the pods actually run. */
  tags: string[];
  digests: string[];
  ready: number;
  desired: number;
  /** Diagnosis when not all are ready, e.g. "CrashLoopBackOff (OOMKilled)". */
  reason?: string;
  link?: UpstreamLink;
}

export interface ServingFact {
  ready: boolean;
  reason: string;
  link?: UpstreamLink;
}

export interface DeliveryFacts {
  build?: Fact<BuildFact>;
  image?: Fact<ImageFact>;
  desired?: Fact<DesiredFact>;
  sync?: Fact<SyncFact>;
  running?: Fact<RunningFact>;
  serving?: Fact<ServingFact>;
}

const TITLES: Record<DeliveryStepId, string> = {
  commit: 'Commit',
  build: 'Build',
  image: 'Image',
  desired: 'Desired in GitOps',
  synced: 'Synced',
  running: 'Running',
  serving: 'Serving',
};

function isProblem<T>(f: Fact<T>): f is { problem: UpstreamProblem } {
  return Boolean(f && typeof f === 'object' && 'problem' in (f as object));
}

const short = (sha?: string) => (sha ? sha.slice(0, 7) : '?');
const tagText = (t: string) =>
  t.startsWith('sha256:') ? t.slice(0, 19) : `:${t}`;

/** True when `tag` names the image built from `commit` (tag = full or short SHA, or the revision label matches). */
function tagOfCommit(
  image: ImageFact | undefined,
  commit: string | undefined,
): string | undefined {
  if (!commit) return undefined;
  const c = commit.toLowerCase();
  const hit = image?.tags.find(
    t =>
      t.revision?.toLowerCase() === c ||
      (t.tag.length >= 7 && c.startsWith(t.tag.toLowerCase())),
  );
  return hit?.tag;
}

function intersects(a: string[], b: string[]): boolean {
  return a.some(x => b.includes(x));
}

/**
 * Judges the delivery chain commit → build → image → desired → synced →
 * running → serving and says, in words, where it breaks first.
 */
export function judgeDelivery(facts: DeliveryFacts): DeliveryView {
  const steps: DeliveryStep[] = [];
  const add = (
    id: DeliveryStepId,
    status: SignalStatus,
    summary: string,
    extra: Partial<DeliveryStep> = {},
  ) => steps.push({ id, title: TITLES[id], status, summary, ...extra });
  const problemStep = (id: DeliveryStepId, p: UpstreamProblem) =>
    add(id, 'error', `${p.upstream}: ${p.message}`);
  const notConfigured = (id: DeliveryStepId, what: string) =>
    add(id, 'unknown', `${what} is not configured for this service`);

  const build = facts.build;
  const image = isProblem(facts.image) ? undefined : facts.image;
  const desired = isProblem(facts.desired) ? undefined : facts.desired;
  const running = isProblem(facts.running) ? undefined : facts.running;

  // Commit and build.
  let builtTag: string | undefined;
  let buildText = '';
  if (build === undefined) {
    notConfigured('commit', 'CI');
    notConfigured('build', 'CI');
  } else if (isProblem(build)) {
    add('commit', 'unknown', 'unknown: the CI server could not be read');
    problemStep('build', build.problem);
  } else {
    add(
      'commit',
      build.commit ? 'ok' : 'unknown',
      build.commit
        ? `${short(build.commit)} built by build ${build.number}`
        : 'the build did not record a commit',
      {
        at: build.at,
      },
    );
    buildText = `build ${build.number}`;
    if (build.building) {
      add(
        'build',
        'warning',
        `${buildText} is running (${short(build.commit)})`,
        { at: build.at, link: build.link },
      );
    } else if (build.result === 'SUCCESS') {
      add('build', 'ok', `${buildText} succeeded (${short(build.commit)})`, {
        at: build.at,
        link: build.link,
      });
    } else {
      const where = build.failedStage ? ` at stage ${build.failedStage}` : '';
      add(
        'build',
        'error',
        `${buildText} ${
          build.result === 'ABORTED' ? 'was aborted' : 'failed'
        }${where}`,
        {
          at: build.at,
          link: build.link,
        },
      );
    }
    builtTag = tagOfCommit(image, build.commit);
  }

  // Image in the registry.
  if (facts.image === undefined) notConfigured('image', 'The image repository');
  else if (isProblem(facts.image)) problemStep('image', facts.image.problem);
  else if (image!.tags.length === 0)
    add('image', 'error', 'the repository has no tags', { link: image!.link });
  else if (
    build &&
    !isProblem(build) &&
    build.result === 'SUCCESS' &&
    !build.building &&
    build.commit &&
    !builtTag
  ) {
    add(
      'image',
      'error',
      `${buildText} succeeded but no image with revision ${short(
        build.commit,
      )} is in the registry`,
      {
        link: image!.link,
      },
    );
  } else {
    const tag = builtTag ?? image!.tags[0].tag;
    add('image', 'ok', `${tagText(tag)} is in the registry`, {
      at: image!.tags.find(t => t.tag === tag)?.created,
      link: image!.link,
    });
  }
  const expectedTag = builtTag ?? image?.tags[0]?.tag;
  const expectedDigest = image?.tags.find(t => t.tag === expectedTag)?.digest;

  // Desired in GitOps.
  if (facts.desired === undefined) notConfigured('desired', 'GitOps (Argo CD)');
  else if (isProblem(facts.desired))
    problemStep('desired', facts.desired.problem);
  else if (desired!.tags.length === 0) {
    // The image may be pinned in the manifests themselves; without kustomize images or a summary we cannot tell.
    add(
      'desired',
      'unknown',
      'the Argo CD application names no image (no kustomize images, no summary yet)',
      { link: desired!.link },
    );
  } else if (
    expectedTag &&
    !desired!.tags.includes(expectedTag) &&
    !(expectedDigest && desired!.tags.includes(expectedDigest))
  ) {
    add(
      'desired',
      'error',
      `${tagText(expectedTag)}${
        builtTag ? ` (${buildText})` : ''
      } is not in GitOps yet: it still asks for ${desired!.tags
        .map(tagText)
        .join(', ')}`,
      {
        link: desired!.link,
      },
    );
  } else {
    add(
      'desired',
      'ok',
      `GitOps asks for ${desired!.tags.map(tagText).join(', ')}`,
      { link: desired!.link },
    );
  }

  // Synced.
  const sync = facts.sync;
  if (sync === undefined) notConfigured('synced', 'Argo CD');
  else if (isProblem(sync)) problemStep('synced', sync.problem);
  else if (
    sync.operationPhase === 'Failed' ||
    sync.operationPhase === 'Error'
  ) {
    add(
      'synced',
      'error',
      `the last sync ${sync.operationPhase === 'Error' ? 'errored' : 'failed'}${
        sync.operationMessage ? `: ${sync.operationMessage}` : ''
      }`,
      { at: sync.at, link: sync.link },
    );
  } else if (sync.operationPhase === 'Running') {
    add('synced', 'warning', 'a sync is running', {
      at: sync.at,
      link: sync.link,
    });
  } else if (sync.sync === 'OutOfSync') {
    add(
      'synced',
      'error',
      `the Argo CD app is OutOfSync${
        sync.autoSync ? '' : ' and auto-sync is off'
      }`,
      { at: sync.at, link: sync.link },
    );
  } else if (sync.sync === 'Unknown') {
    add('synced', 'unknown', 'Argo CD reports sync status Unknown', {
      at: sync.at,
      link: sync.link,
    });
  } else if (
    (sync.health === 'Progressing' || sync.health === 'Degraded') &&
    running &&
    running.desired > 0 &&
    running.ready < running.desired
  ) {
    // Argo CD's health of a Deployment is its pods' readiness: the sync
    // itself is done, and the Running step says why the pods are not ready.
    add(
      'synced',
      'ok',
      `Synced; health ${sync.health} because ${running.ready}/${running.desired} pods are ready (see Running)`,
      { at: sync.at, link: sync.link },
    );
  } else {
    add(
      'synced',
      sync.health === 'Healthy'
        ? 'ok'
        : sync.health === 'Degraded' || sync.health === 'Missing'
        ? 'error'
        : 'warning',
      `Synced, health ${sync.health}`,
      { at: sync.at, link: sync.link },
    );
  }

  // Running.
  if (facts.running === undefined) notConfigured('running', 'Kubernetes');
  else if (isProblem(facts.running))
    problemStep('running', facts.running.problem);
  else {
    const wanted = desired?.tags ?? (expectedTag ? [expectedTag] : []);
    const runsWanted =
      wanted.length === 0 ||
      intersects(running!.tags, wanted) ||
      intersects(running!.digests, wanted);
    if (
      running!.desired > 0 &&
      running!.ready === 0 &&
      running!.tags.length === 0
    ) {
      add(
        'running',
        'error',
        `no pods are running${running!.reason ? `: ${running!.reason}` : ''}`,
        { link: running!.link },
      );
    } else if (!runsWanted) {
      const what = builtTag
        ? `${buildText} pushed ${tagText(builtTag)}`
        : `GitOps asks for ${wanted.map(tagText).join(', ')}`;
      add(
        'running',
        'error',
        `${what} but the cluster still runs ${
          running!.tags.map(tagText).join(', ') || 'another image'
        }`,
        { link: running!.link },
      );
    } else if (running!.ready < running!.desired) {
      add(
        'running',
        running!.ready === 0 ? 'error' : 'warning',
        `${running!.ready}/${running!.desired} pods ready${
          running!.reason ? `: ${running!.reason}` : ''
        }`,
        { link: running!.link },
      );
    } else {
      add(
        'running',
        'ok',
        `${running!.ready}/${running!.desired} pods ready on ${running!.tags
          .map(tagText)
          .join(', ')}`,
        { link: running!.link },
      );
    }
  }

  // Serving.
  const serving = facts.serving;
  if (serving === undefined) notConfigured('serving', 'The inference endpoint');
  else if (isProblem(serving)) problemStep('serving', serving.problem);
  else
    add('serving', serving.ready ? 'ok' : 'error', serving.reason, {
      link: serving.link,
    });

  const broken = steps.find(
    s => s.status === 'error' || s.status === 'warning',
  );
  const allOk = steps.every(s => s.status === 'ok');
  let verdict: string;
  let status: SignalStatus;
  if (broken) {
    verdict = `${broken.title}: ${broken.summary}`;
    status = steps.some(s => s.status === 'error') ? 'error' : 'warning';
  } else if (allOk) {
    verdict = `delivers end to end: ${
      steps.find(s => s.id === 'running')?.summary ?? ''
    }`.trim();
    status = 'ok';
  } else {
    const unknown = steps
      .filter(s => s.status === 'unknown')
      .map(s => s.title.toLowerCase());
    verdict = `no broken step found, but these steps cannot be judged: ${unknown.join(
      ', ',
    )}`;
    status = 'unknown';
  }
  return {
    steps,
    ...(broken ? { firstBroken: broken.id } : {}),
    verdict,
    status,
  };
}

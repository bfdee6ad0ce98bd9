/**
 * The GitOps stage's commit: sets the new tag in
 * `<gitopsPath>/kustomization.yaml` on `main` of the GitOps repository and
 * commits only that file as `jenkins <jenkins@ml.internal>` with the message
 * `<name>: deploy <sha>`, as the generated Jenkinsfile does; no commit when
 * the overlay already deploys the tag. Commits to one repository are
 * serialized; a lock held by someone else is retried, like the Jenkinsfile's
 * push retries.
 */
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { git, GitRepo } from '../git';
import { LoopService } from '../types';
import { setImageTag } from './kustomization';

export const GITOPS_AUTHOR = { name: 'jenkins', email: 'jenkins@ml.internal' };

export interface GitopsBump {
  /** The new commit of the GitOps repository; undefined when nothing changed. */
  commit?: string;
  file: string;
  previousTag?: string;
}

const ATTEMPTS = 3;

/** One chain of commits per repository directory. */
export class RepoLocks {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(dir: string, fn: () => Promise<T>): Promise<T> {
    const key = path.resolve(dir);
    const prev = this.tails.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }
}

export async function bumpGitops(
  service: LoopService,
  tag: string,
  log: (line: string) => void,
): Promise<GitopsBump> {
  const repo = new GitRepo(service.gitopsRepo);
  const file = path.posix.join(service.gitopsPath, 'kustomization.yaml');
  const before = await repo.show(file);
  if (before === undefined) {
    throw new Error(
      `Error: Missing kustomization file 'kustomization.yaml' in ${service.gitopsPath} of ${service.gitopsRepo}`,
    );
  }
  const edit = setImageTag(before, service.image, tag);
  const was = edit.previousTag ? ` (was ${edit.previousTag})` : '';
  log(
    `+ kustomize edit set image ${service.image}=${service.image}:${tag}${was}`,
  );
  if (!edit.changed) {
    log(`${service.gitopsPath} already deploys ${tag}`);
    return { file, previousTag: edit.previousTag };
  }
  const full = path.join(service.gitopsRepo, file);
  for (let attempt = 1; ; attempt++) {
    try {
      fs.writeFileSync(full, edit.text);
      await git(service.gitopsRepo, ['add', '--', file]);
      await git(service.gitopsRepo, [
        '-c',
        `user.name=${GITOPS_AUTHOR.name}`,
        '-c',
        `user.email=${GITOPS_AUTHOR.email}`,
        '-c',
        'commit.gpgsign=false',
        'commit',
        '--quiet',
        '-m',
        `${service.name}: deploy ${tag}`,
        '--',
        file,
      ]);
      break;
    } catch (e) {
      const message = (e as Error).message;
      if (attempt >= ATTEMPTS || !/index\.lock|cannot lock ref/i.test(message))
        throw e;
      log(`push attempt ${attempt} failed, retrying: ${message}`);
      await sleep(100 * attempt);
    }
  }
  const commit = await repo.head();
  log(`[main ${commit.slice(0, 7)}] ${service.name}: deploy ${tag}`);
  return { commit, file, previousTag: edit.previousTag };
}

/**
 * What the checkout of a service's source repository gives a build: the
 * `main` HEAD, and the commits since the commit the previous build checked
 * out (the git plugin's changelog: oldest first, at most 100), read with git.
 */
import { git, GitRepo } from '../git';

export interface SourceCommit {
  sha: string;
  subject: string;
  author: string;
  email: string;
  /** Committer time, epoch ms. */
  at: number;
}

const MAX_CHANGES = 100;
const SEP = '\x1f';

export async function headCommit(repoDir: string): Promise<SourceCommit> {
  const repo = new GitRepo(repoDir);
  const sha = await repo.head('main');
  const [commit] = await log(repoDir, ['-1', sha]);
  return commit;
}

/** Commits in `since..sha`, oldest first; empty when `since` is unknown or not an ancestor. */
export async function changesSince(
  repoDir: string,
  since: string,
  sha: string,
): Promise<SourceCommit[]> {
  try {
    await git(repoDir, ['merge-base', '--is-ancestor', since, sha]);
  } catch {
    return [];
  }
  const commits = await log(repoDir, [
    `--max-count=${MAX_CHANGES}`,
    `${since}..${sha}`,
  ]);
  return commits.reverse();
}

async function log(repoDir: string, args: string[]): Promise<SourceCommit[]> {
  const out = await git(repoDir, [
    'log',
    `--format=%H${SEP}%an${SEP}%ae${SEP}%ct${SEP}%s`,
    ...args,
  ]);
  return out
    .split('\n')
    .filter(Boolean)
    .map(line => {
      const [sha, author, email, ct, subject] = line.split(SEP);
      return { sha, author, email, at: Number(ct) * 1000, subject };
    });
}

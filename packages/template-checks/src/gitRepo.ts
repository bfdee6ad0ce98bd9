/**
 * Real git repositories for the GitOps checks: a bare app-of-apps repository
 * on disk, reached by the template's own https clone URL through git's
 * `url.<base>.insteadOf` (in a private global git config), so no template
 * value is changed and git never leaves the machine.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ENV = {
  GIT_AUTHOR_NAME: 'template-checks',
  GIT_AUTHOR_EMAIL: 'template-checks@example.com',
  GIT_COMMITTER_NAME: 'template-checks',
  GIT_COMMITTER_EMAIL: 'template-checks@example.com',
};

export function git(args: string[], cwd?: string): string {
  return execFileSync('git', args, {
    cwd,
    env: { ...process.env, ...ENV, LC_ALL: 'C' },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export interface BareRepo {
  /** path of the bare repository */
  dir: string;
  fileUrl: string;
  head(branch?: string): string;
  commitCount(branch?: string): number;
  /** `git ls-tree -r --name-only` of the branch */
  files(branch?: string): string[];
  show(file: string, branch?: string): string;
  /** every ref and the commit it points to (`git for-each-ref`) */
  refs(): string;
  log(branch?: string): { sha: string; subject: string; author: string }[];
}

/** A bare repository whose `main` holds `files` in one initial commit. */
export function createBareRepo(
  root: string,
  name: string,
  files: Record<string, string>,
): BareRepo {
  const dir = path.join(root, `${name}.git`);
  git(['init', '--quiet', '--bare', '--initial-branch=main', dir]);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'template-checks-seed-'));
  try {
    git(['init', '--quiet', '--initial-branch=main', work]);
    for (const [file, content] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(work, file)), { recursive: true });
      fs.writeFileSync(path.join(work, file), content);
    }
    git(['add', '--all'], work);
    git(
      [
        '-c',
        'commit.gpgsign=false',
        'commit',
        '--quiet',
        '-m',
        'Initial app-of-apps layout',
      ],
      work,
    );
    git(['push', '--quiet', dir, 'main'], work);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  const ref = (branch = 'main') => `refs/heads/${branch}`;
  return {
    dir,
    fileUrl: `file://${dir}`,
    head: branch => git(['rev-parse', ref(branch)], dir).trim(),
    commitCount: branch =>
      Number(git(['rev-list', '--count', ref(branch)], dir).trim()),
    files: branch =>
      git(['ls-tree', '-r', '--name-only', ref(branch)], dir)
        .split('\n')
        .filter(Boolean),
    show: (file, branch) => git(['show', `${ref(branch)}:${file}`], dir),
    refs: () => git(['for-each-ref', '--format=%(refname) %(objectname)'], dir),
    log: branch =>
      git(['log', '--format=%H%x09%s%x09%an', ref(branch)], dir)
        .split('\n')
        .filter(Boolean)
        .map(line => {
          const [sha, subject, author] = line.split('\t');
          return { sha, subject, author };
        }),
  };
}

/**
 * Points git (for this process and its children) at a private global config
 * that rewrites each `https` URL to a local bare repository. Returns a
 * function restoring the previous environment.
 */
export function redirectGitUrls(
  root: string,
  rewrites: Record<string, string>,
): () => void {
  const file = path.join(root, 'gitconfig');
  const lines = Object.entries(rewrites).flatMap(([from, to]) => [
    `[url "${to}"]`,
    `\tinsteadOf = ${from}`,
  ]);
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  const previous = process.env.GIT_CONFIG_GLOBAL;
  process.env.GIT_CONFIG_GLOBAL = file;
  return () => {
    if (previous === undefined) delete process.env.GIT_CONFIG_GLOBAL;
    else process.env.GIT_CONFIG_GLOBAL = previous;
  };
}

/**
 * Real git repositories on disk, driven with the `git` CLI (async, so the
 * event loop keeps serving while git runs). Used for the services' source
 * repositories and the GitOps repository.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** Identity and settings that make commits independent of the machine's git config. */
const GIT_ENV = {
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_TERMINAL_PROMPT: '0',
};

export async function git(cwd: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await execFileAsync('git', args, {
      cwd,
      env: { ...process.env, ...GIT_ENV },
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout;
  } catch (e) {
    const err = e as Error & { stderr?: string };
    throw new Error(
      `git ${args.join(' ')} failed in ${cwd}: ${err.stderr?.trim() || err.message}`,
    );
  }
}

export interface CommitAuthor {
  name: string;
  email: string;
}

const DEFAULT_AUTHOR: CommitAuthor = {
  name: 'Delivery loop simulator',
  email: 'delivery-sim@localhost',
};

/** A git working repository on branch `main`. */
export class GitRepo {
  constructor(readonly dir: string) {}

  /** Creates the repository with `files` in one initial commit. */
  static async init(
    dir: string,
    files: Record<string, string>,
    message = 'Initial commit',
    author: CommitAuthor = DEFAULT_AUTHOR,
  ): Promise<GitRepo> {
    fs.mkdirSync(dir, { recursive: true });
    await git(dir, ['init', '--quiet', '--initial-branch=main']);
    const repo = new GitRepo(dir);
    await repo.commit(files, message, author);
    return repo;
  }

  /** Writes `files` (path → content; `null` deletes), commits them, returns the new commit SHA. */
  async commit(
    files: Record<string, string | null>,
    message: string,
    author: CommitAuthor = DEFAULT_AUTHOR,
  ): Promise<string> {
    for (const [file, content] of Object.entries(files)) {
      const full = path.join(this.dir, file);
      if (content === null) {
        fs.rmSync(full, { force: true });
      } else {
        fs.mkdirSync(path.dirname(full), { recursive: true });
        fs.writeFileSync(full, content);
      }
    }
    await git(this.dir, ['add', '--all']);
    await git(this.dir, [
      '-c',
      `user.name=${author.name}`,
      '-c',
      `user.email=${author.email}`,
      '-c',
      'commit.gpgsign=false',
      'commit',
      '--quiet',
      '--allow-empty',
      '-m',
      message,
    ]);
    return this.head();
  }

  /** Full SHA of `rev` (default HEAD of `main`). */
  async head(rev = 'main'): Promise<string> {
    return (await git(this.dir, ['rev-parse', '--verify', `${rev}^{commit}`])).trim();
  }

  /** Content of `file` at `rev`, or undefined when it does not exist there. */
  async show(file: string, rev = 'main'): Promise<string | undefined> {
    try {
      return await git(this.dir, ['show', `${rev}:${file}`]);
    } catch {
      return undefined;
    }
  }

  /** Writes the tree of `rev` (optionally only `subdir`) into `target` (created), with `git archive | tar -x`. */
  async exportTree(rev: string, target: string, subdir?: string): Promise<void> {
    fs.mkdirSync(target, { recursive: true });
    const archive = path.join(target, '.export.tar');
    await git(this.dir, ['archive', '--format=tar', `--output=${archive}`, rev, ...(subdir ? [subdir] : [])]);
    try {
      await execFileAsync('tar', ['-xf', archive, '-C', target]);
    } finally {
      fs.rmSync(archive, { force: true });
    }
  }

  /** Subject and author of a commit. */
  async describe(rev: string): Promise<{ sha: string; subject: string; author: string; email: string; at: string }> {
    const out = (
      await git(this.dir, ['log', '-1', '--format=%H%x09%s%x09%an%x09%ae%x09%cI', rev])
    ).trim();
    const [sha, subject, author, email, at] = out.split('\t');
    return { sha, subject, author, email, at };
  }
}

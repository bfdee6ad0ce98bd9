/** Resolving GitOps revisions from a real git repository's ref files, checked against `git rev-parse`. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { git, GitRepo } from '../git';
import { resolveRefSync, RevisionCache } from './revisions';

describe('GitOps revisions', () => {
  let tmp: string;
  let repo: GitRepo;
  let first: string;
  let second: string;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-revisions-'));
    repo = await GitRepo.init(path.join(tmp, 'repo'), { 'a.txt': '1\n' });
    first = await repo.head();
    await git(repo.dir, ['tag', 'light']);
    await git(repo.dir, [
      '-c',
      'user.name=t',
      '-c',
      'user.email=t@localhost',
      'tag',
      '-a',
      'annotated',
      '-m',
      'release',
    ]);
    second = await repo.commit({ 'a.txt': '2\n' }, 'second');
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('reads branches, HEAD, tags and SHAs from loose refs like git does', () => {
    expect(resolveRefSync(repo.dir, 'main')).toBe(second);
    expect(resolveRefSync(repo.dir, 'HEAD')).toBe(second);
    expect(resolveRefSync(repo.dir, 'refs/heads/main')).toBe(second);
    expect(resolveRefSync(repo.dir, 'light')).toBe(first);
    expect(resolveRefSync(repo.dir, first.toUpperCase())).toBe(first);
    expect(resolveRefSync(repo.dir, 'no-such-branch')).toBeUndefined();
    // a loose annotated tag points at a tag object, peeled to its commit
    expect(resolveRefSync(repo.dir, 'annotated')).toBe(first);
  });

  it('reads packed refs, peeling annotated tags to their commit', async () => {
    await git(repo.dir, ['pack-refs', '--all']);
    expect(resolveRefSync(repo.dir, 'main')).toBe(second);
    expect(resolveRefSync(repo.dir, 'annotated')).toBe(first);
    expect(resolveRefSync(repo.dir, 'light')).toBe(first);
  });

  it('falls back to git and remembers what git said', async () => {
    const cache = new RevisionCache();
    expect(await cache.resolve(repo, 'main~1')).toBe(first);
    expect(cache.resolveSync(repo.dir, 'main~1')).toBe(first);
    await expect(cache.resolve(repo, 'nope')).rejects.toThrow(/git rev-parse/);
  });
});

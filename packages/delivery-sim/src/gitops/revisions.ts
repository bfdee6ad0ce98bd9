/**
 * Resolves branches and tags of the GitOps repositories to commit SHAs:
 * from the ref files (loose and packed refs, as git writes them atomically),
 * else with `git rev-parse`. The Argo CD simulator's sync requests need an
 * answer synchronously: ref files, else the last value git gave.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { GitRepo } from '../git';

const SHA = /^[0-9a-f]{40}$/i;

function readTrimmed(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/**
 * The commit a loose object names: itself when it is a commit, the tagged
 * commit for an annotated tag; undefined when the object is packed (git decides).
 */
function peelLoose(gitDir: string, sha: string, depth = 0): string | undefined {
  if (depth > 3) return undefined;
  let raw: Buffer;
  try {
    raw = zlib.inflateSync(
      fs.readFileSync(
        path.join(gitDir, 'objects', sha.slice(0, 2), sha.slice(2)),
      ),
    );
  } catch {
    return undefined;
  }
  const text = raw.subarray(0, 512).toString('latin1');
  if (text.startsWith('commit ')) return sha;
  if (!text.startsWith('tag ')) return undefined;
  // "tag <size>\0object <sha>\ntype commit\n…"
  const target = /^object ([0-9a-f]{40})$/m.exec(
    text.slice(text.indexOf('\0') + 1),
  )?.[1];
  return target ? peelLoose(gitDir, target, depth + 1) : undefined;
}

/** A loose or packed ref → commit SHA (annotated tags peeled). */
function readRef(gitDir: string, ref: string, depth = 0): string | undefined {
  if (depth > 5) return undefined;
  const loose = readTrimmed(path.join(gitDir, ref));
  if (loose !== undefined) {
    if (loose.startsWith('ref: ')) {
      return readRef(gitDir, loose.slice(5).trim(), depth + 1);
    }
    if (!SHA.test(loose)) return undefined;
    // a tag may point at a tag object: peel it (or leave it to git)
    return ref.startsWith('refs/tags/')
      ? peelLoose(gitDir, loose.toLowerCase())
      : loose.toLowerCase();
  }
  const packed = readTrimmed(path.join(gitDir, 'packed-refs'));
  if (!packed) return undefined;
  const lines = packed.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const [sha, name] = lines[i].split(' ');
    if (name !== ref) continue;
    const peeled = lines[i + 1]?.startsWith('^')
      ? lines[i + 1].slice(1).trim()
      : undefined;
    return (peeled ?? sha).toLowerCase();
  }
  return undefined;
}

/** Resolves `rev` (HEAD, branch, tag, full ref or SHA) from the ref files; undefined when unsure. */
export function resolveRefSync(
  repoDir: string,
  rev: string,
): string | undefined {
  if (SHA.test(rev)) return rev.toLowerCase();
  const gitDir = path.join(repoDir, '.git');
  if (rev === 'HEAD' || rev === '') return readRef(gitDir, 'HEAD');
  // git's own order (gitrevisions): refs/<rev>, refs/tags/<rev>, refs/heads/<rev>
  const candidates = rev.startsWith('refs/')
    ? [rev]
    : [`refs/${rev}`, `refs/tags/${rev}`, `refs/heads/${rev}`];
  for (const ref of candidates) {
    const sha = readRef(gitDir, ref);
    if (sha) return sha;
  }
  return undefined;
}

/** Per repository and revision: the SHA last resolved by git. */
export class RevisionCache {
  private readonly resolved = new Map<string, string>();

  private key(repoDir: string, rev: string) {
    return `${repoDir}#${rev}`;
  }

  /**
   * `rev` in `repo`: from the ref files when they answer, else with
   * `git rev-parse` (remembered for {@link resolveSync}).
   */
  async resolve(repo: GitRepo, rev: string): Promise<string> {
    const sha =
      resolveRefSync(repo.dir, rev) ?? (await repo.head(rev || 'HEAD'));
    this.resolved.set(this.key(repo.dir, rev), sha);
    return sha;
  }

  /** From the ref files, else the last value git gave. */
  resolveSync(repoDir: string, rev: string): string | undefined {
    return (
      resolveRefSync(repoDir, rev) ?? this.resolved.get(this.key(repoDir, rev))
    );
  }
}

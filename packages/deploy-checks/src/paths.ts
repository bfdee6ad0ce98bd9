import fs from 'node:fs';
import path from 'node:path';

/**
 * The repository root: the first folder up from the working directory (the
 * package's, when jest runs) holding `deploy/Dockerfile`.
 */
export function repoRoot(start: string = process.cwd()): string {
  let dir = path.resolve(start);
  for (;;) {
    if (fs.existsSync(path.join(dir, 'deploy', 'Dockerfile'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) {
      throw new Error(`no deploy/Dockerfile above ${start}`);
    }
    dir = parent;
  }
}

/**
 * The folder checked: `<repo>/deploy`, or `DEPLOY_CHECKS_DIR` (a copy, to
 * see a check fail on a broken package without touching the real one).
 */
export function deployDir(): string {
  return process.env.DEPLOY_CHECKS_DIR
    ? path.resolve(process.env.DEPLOY_CHECKS_DIR)
    : path.join(repoRoot(), 'deploy');
}

/** The overlays the checks render, relative to `deploy/kustomize`. */
export const OVERLAYS = [
  'overlays/production',
  'overlays/production-restart',
] as const;
export type Overlay = (typeof OVERLAYS)[number];

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const gitEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Fixture',
  GIT_AUTHOR_EMAIL: 'fixture@example.com',
  GIT_COMMITTER_NAME: 'Fixture',
  GIT_COMMITTER_EMAIL: 'fixture@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
  LC_ALL: 'C',
};

/** Runs git synchronously in `cwd` (test fixtures only). */
export function gitSync(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: gitEnv, encoding: 'utf8' });
}

export const PARENT_APP_YAML = `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: apps-of-apps
  namespace: argocd
spec:
  project: default
  source:
    repoURL: https://git.ml.internal/platform/gitops.git
    path: apps-of-apps
    targetRevision: HEAD
  destination:
    server: https://kubernetes.default.svc
    namespace: argocd
`;

/** A bare app-of-apps repository `<root>/platform/gitops.git` on `main` with `apps-of-apps/.keep` and the parent `apps-of-apps.yaml`. */
export interface GitopsRepo {
  /** Path of the bare repository. */
  bareDir: string;
  /** Folder holding `platform/gitops.git` (a git http-backend project root). */
  root: string;
  /** `file://` URL of the bare repository. */
  url: string;
  /** `git ls-tree -r --name-only <ref>` */
  files(ref?: string): string[];
  /** Commit count on `ref`. */
  commitCount(ref?: string): number;
  /** `git show <ref>:<file>` */
  show(ref: string, file: string): string;
  /** `git log -1 --format=<format> <ref>` */
  log(ref: string, format: string): string;
  /** Branch names. */
  branches(): string[];
  /** Removes the temp folder. */
  remove(): void;
}

export function createGitopsRepo(): GitopsRepo {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-gitops-fixture-'));
  const work = path.join(root, 'work');
  const bareDir = path.join(root, 'platform', 'gitops.git');
  fs.mkdirSync(path.join(work, 'apps-of-apps'), { recursive: true });
  fs.writeFileSync(path.join(work, 'apps-of-apps', '.keep'), '');
  fs.writeFileSync(path.join(work, 'apps-of-apps.yaml'), PARENT_APP_YAML);
  gitSync(work, 'init', '--quiet', '--initial-branch=main');
  gitSync(work, 'add', '--all');
  gitSync(work, 'commit', '--quiet', '-m', 'Initial app-of-apps');
  gitSync(root, 'clone', '--quiet', '--bare', work, bareDir);
  return {
    bareDir,
    root,
    url: `file://${bareDir}`,
    files: (ref = 'main') =>
      gitSync(bareDir, 'ls-tree', '-r', '--name-only', ref)
        .split('\n')
        .filter(Boolean),
    commitCount: (ref = 'main') =>
      Number(gitSync(bareDir, 'rev-list', '--count', ref).trim()),
    show: (ref, file) => gitSync(bareDir, 'show', `${ref}:${file}`),
    log: (ref, format) =>
      gitSync(bareDir, 'log', '-1', `--format=${format}`, ref).trim(),
    branches: () =>
      gitSync(
        bareDir,
        'for-each-ref',
        '--format=%(refname:short)',
        'refs/heads',
      )
        .split('\n')
        .filter(Boolean),
    remove: () => fs.rmSync(root, { recursive: true, force: true }),
  };
}

/** Application manifest as the template's gitops skeleton renders it. */
export function childApplicationYaml(name: string): string {
  return `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: ${name}
  namespace: argocd
  finalizers:
    - resources-finalizer.argocd.argoproj.io
spec:
  project: default
  source:
    repoURL: https://git.ml.internal/platform/gitops.git
    path: apps/${name}/overlays/prod
    targetRevision: HEAD
  destination:
    name: in-cluster
    namespace: ml-serving
  syncPolicy:
    automated:
      prune: true
      selfHeal: true
    syncOptions:
      - CreateNamespace=true
`;
}

/** Files of a rendered gitops skeleton for `name`, keyed by path under the source folder. */
export function renderedApp(name: string): Record<string, string> {
  return {
    [`apps/${name}/application.yaml`]: childApplicationYaml(name),
    [`apps/${name}/base/kustomization.yaml`]:
      'resources:\n  - deployment.yaml\n',
    [`apps/${name}/base/deployment.yaml`]: `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\n`,
    [`apps/${name}/overlays/prod/kustomization.yaml`]:
      'resources:\n  - ../../base\n',
  };
}

/**
 * Renders the kustomize overlays with the real `kubectl kustomize` of
 * Debian's kubernetes 1.20.2 (kustomize v2.0.3), the only kustomize this
 * machine has. The package is written for kustomize v4+; in a temporary copy,
 * and only there, the four newer forms it uses are rewritten into their
 * v2.0.3 equivalents (each one is reported):
 *
 * - a directory under `resources:` moves to `bases:`;
 * - `patches:` entries that are just `{path}` move to `patchesStrategicMerge:`;
 * - a generator's `envs: [file]` becomes `env: file`;
 * - `replicas:` is taken out and applied to the output as kustomize v4 does
 *   (`spec.replicas` of the Deployment/StatefulSet of that name; bases first,
 *   the overlay wins).
 *
 * Anything else the adapter does not know makes it fail rather than guess.
 * Env files of generators that are git-ignored (`secrets.env`) are taken from
 * their `.example` when missing — also reported.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import YAML from 'yaml';
import { KubeObject, parseObjects } from '@internal/test-env';

const execFileAsync = promisify(execFile);

const KUSTOMIZATION = 'kustomization.yaml';
const SCALABLE_KINDS = ['Deployment', 'StatefulSet'];

export interface Replicas {
  name: string;
  count: number;
}

interface Generator {
  name?: string;
  env?: string;
  envs?: unknown;
  files?: unknown;
  [key: string]: unknown;
}

interface Kustomization {
  resources?: unknown;
  bases?: unknown;
  patches?: unknown;
  patchesStrategicMerge?: unknown;
  replicas?: unknown;
  configMapGenerator?: Generator[];
  secretGenerator?: Generator[];
  [key: string]: unknown;
}

export interface RenderedOverlay {
  objects: KubeObject[];
  /** what was rewritten for kustomize v2.0.3, one line each */
  adaptations: string[];
}

const isDirectory = (p: string) => {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
};

/**
 * Rewrites the kustomization of `dir` (in a copy) for kustomize v2.0.3 and
 * returns its `replicas:`; recurses into the directories it builds on first.
 */
function adaptTree(
  dir: string,
  root: string,
  adaptations: string[],
  seen: Set<string>,
): Replicas[][] {
  if (seen.has(dir)) return [];
  seen.add(dir);
  const file = path.join(dir, KUSTOMIZATION);
  if (!fs.existsSync(file)) {
    throw new Error(`${path.relative(root, dir)}: no ${KUSTOMIZATION}`);
  }
  const where = path.relative(root, file);
  const doc = (YAML.parse(fs.readFileSync(file, 'utf8')) ??
    {}) as Kustomization;
  const chain: Replicas[][] = [];

  const resources = Array.isArray(doc.resources)
    ? (doc.resources as string[])
    : [];
  const dirs = resources.filter(r => isDirectory(path.resolve(dir, r)));
  for (const base of dirs) {
    chain.push(...adaptTree(path.resolve(dir, base), root, adaptations, seen));
  }
  if (dirs.length) {
    doc.bases = [...(Array.isArray(doc.bases) ? doc.bases : []), ...dirs];
    const files = resources.filter(r => !dirs.includes(r));
    if (files.length) doc.resources = files;
    else delete doc.resources;
    adaptations.push(`${where}: resources ${dirs.join(', ')} → bases`);
  }

  if (doc.patches !== undefined) {
    const patches = doc.patches as unknown[];
    const paths = patches.map(p => {
      const entry = p as Record<string, unknown>;
      if (
        typeof entry?.path !== 'string' ||
        Object.keys(entry).some(k => k !== 'path')
      ) {
        throw new Error(
          `${where}: patches entry ${JSON.stringify(
            p,
          )} has no kustomize v2.0.3 form (only {path} patches are adapted)`,
        );
      }
      return entry.path;
    });
    delete doc.patches;
    doc.patchesStrategicMerge = [
      ...(Array.isArray(doc.patchesStrategicMerge)
        ? doc.patchesStrategicMerge
        : []),
      ...paths,
    ];
    adaptations.push(
      `${where}: patches ${paths.join(', ')} → patchesStrategicMerge`,
    );
  }

  for (const key of ['configMapGenerator', 'secretGenerator'] as const) {
    for (const generator of doc[key] ?? []) {
      if (generator.envs === undefined) continue;
      const envs = generator.envs as unknown[];
      if (envs.length !== 1 || typeof envs[0] !== 'string') {
        throw new Error(
          `${where}: ${key} ${generator.name}: kustomize v2.0.3 takes exactly one env file`,
        );
      }
      const envFile = envs[0];
      delete generator.envs;
      generator.env = envFile;
      adaptations.push(
        `${where}: ${key} ${generator.name}: envs [${envFile}] → env ${envFile}`,
      );
      const full = path.resolve(dir, envFile);
      if (!fs.existsSync(full) && fs.existsSync(`${full}.example`)) {
        fs.copyFileSync(`${full}.example`, full);
        adaptations.push(
          `${where}: ${envFile} is missing (git-ignored): rendered with ${envFile}.example`,
        );
      }
    }
  }

  if (doc.replicas !== undefined) {
    chain.push(doc.replicas as Replicas[]);
    delete doc.replicas;
    adaptations.push(
      `${where}: replicas taken out, applied to the rendered objects`,
    );
  }

  fs.writeFileSync(file, YAML.stringify(doc));
  return chain;
}

/** Sets `spec.replicas` as kustomize's `replicas:` does (in place). */
export function applyReplicas(objects: KubeObject[], replicas: Replicas[]) {
  for (const { name, count } of replicas) {
    const targets = objects.filter(
      o => o.metadata.name === name && SCALABLE_KINDS.includes(o.kind),
    );
    if (!targets.length) {
      throw new Error(`replicas: no Deployment or StatefulSet named ${name}`);
    }
    for (const o of targets) {
      o.spec = { ...(o.spec as Record<string, unknown>), replicas: count };
    }
  }
}

/**
 * `kubectl kustomize <kustomizeDir>/<overlay>` on an adapted temporary copy of
 * `kustomizeDir`, with the overlays' `replicas:` applied to the output.
 */
export async function renderOverlay(
  kubectl: string,
  kustomizeDir: string,
  overlay: string,
): Promise<RenderedOverlay> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-checks-'));
  try {
    const copy = path.join(tmp, 'kustomize');
    fs.cpSync(kustomizeDir, copy, { recursive: true });
    const adaptations: string[] = [];
    const replicas = adaptTree(
      path.join(copy, overlay),
      copy,
      adaptations,
      new Set(),
    );
    let stdout: string;
    try {
      ({ stdout } = await execFileAsync(
        kubectl,
        ['kustomize', path.join(copy, overlay)],
        { maxBuffer: 16 * 1024 * 1024 },
      ));
    } catch (e) {
      const err = e as Error & { stderr?: string };
      throw new Error(
        `kubectl kustomize ${overlay} failed: ${
          err.stderr?.trim() || err.message
        }`,
      );
    }
    const objects = parseObjects(stdout, `kustomize ${overlay}`);
    for (const r of replicas) applyReplicas(objects, r);
    return { objects, adaptations };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * Renders kustomize overlays with the real `kubectl kustomize` built from
 * Debian's kubernetes 1.20.2 sources (kustomize v2.0.3), and adapts what is
 * newer than that toolchain:
 *
 * - in a temporary copy of the app folder, directory entries of `resources:`
 *   move to `bases:` (v2.0.3 accepts directories only there), and the
 *   `replicas:` field (kustomize ≥ 2.1) is taken out and applied to the
 *   rendered output the way kustomize does (`spec.replicas` of the
 *   Deployment/StatefulSet/ReplicaSet/ReplicationController of that name);
 *   nothing else in the kustomizations is touched;
 * - in the rendered output, API versions the 1.20 apiserver does not serve
 *   yet are mapped to their 1.20 equivalents (`adaptForKube120`).
 *
 * The template itself is never changed; every adaptation is reported.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import YAML from 'yaml';
import { KubeObject } from './kubeClient';

const execFileAsync = promisify(execFile);

const KUSTOMIZATION_FILES = [
  'kustomization.yaml',
  'kustomization.yml',
  'Kustomization',
];

export interface AdaptedKustomization {
  file: string;
  movedToBases: string[];
  /** `replicas:` entries taken out of the file */
  replicas?: Replicas[];
}

export interface Replicas {
  name: string;
  count: number;
}

const SCALABLE_KINDS = [
  'Deployment',
  'StatefulSet',
  'ReplicaSet',
  'ReplicationController',
];

/**
 * Adapts every kustomization under `root` to kustomize v2.0.3 (in place: call
 * it on a copy): directory entries of `resources:` move to `bases:`, and
 * `replicas:` is taken out (and returned, for {@link applyReplicas}).
 */
export function adaptKustomizationsForV203(
  root: string,
): AdaptedKustomization[] {
  const adapted: AdaptedKustomization[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (KUSTOMIZATION_FILES.includes(entry.name)) {
        const doc = YAML.parse(fs.readFileSync(full, 'utf8')) as Record<
          string,
          unknown
        > | null;
        if (!doc) continue;
        const replicas = Array.isArray(doc.replicas)
          ? (doc.replicas as Replicas[])
          : undefined;
        const resources = Array.isArray(doc.resources)
          ? (doc.resources as unknown[])
          : [];
        const isDir = (entryPath: unknown) => {
          if (typeof entryPath !== 'string') return false;
          try {
            return fs.statSync(path.resolve(dir, entryPath)).isDirectory();
          } catch {
            return false;
          }
        };
        const dirs = resources.filter(isDir) as string[];
        if (!dirs.length && !replicas) continue;
        const next: Record<string, unknown> = { ...doc };
        if (dirs.length) {
          const files = resources.filter(r => !isDir(r));
          const bases = Array.isArray(doc.bases) ? (doc.bases as string[]) : [];
          next.bases = [...bases, ...dirs];
          if (files.length) next.resources = files;
          else delete next.resources;
        }
        if (replicas) delete next.replicas;
        fs.writeFileSync(full, YAML.stringify(next));
        adapted.push({
          file: path.relative(root, full),
          movedToBases: dirs,
          ...(replicas ? { replicas } : {}),
        });
      }
    }
  };
  walk(root);
  return adapted;
}

/** Parses a multi-document YAML stream into Kubernetes objects. */
export function parseObjects(text: string, source: string): KubeObject[] {
  const objects: KubeObject[] = [];
  for (const doc of YAML.parseAllDocuments(text)) {
    if (doc.errors.length) {
      throw new Error(
        `${source}: invalid YAML: ${doc.errors.map(e => e.message).join('; ')}`,
      );
    }
    const value = doc.toJS() as KubeObject | null;
    if (value === null || value === undefined) continue;
    if (
      typeof value !== 'object' ||
      !value.apiVersion ||
      !value.kind ||
      !value.metadata?.name
    ) {
      throw new Error(
        `${source}: a document is not a Kubernetes object (apiVersion, kind, metadata.name)`,
      );
    }
    objects.push(value);
  }
  return objects;
}

export interface RenderedOverlay {
  objects: KubeObject[];
  adaptedKustomizations: AdaptedKustomization[];
}

/**
 * `kubectl kustomize <appDir>/<overlayPath>` on a temporary copy of `appDir`
 * with directory resources moved to `bases:`.
 */
export async function renderOverlay(
  kubectl: string,
  appDir: string,
  overlayPath: string,
): Promise<RenderedOverlay> {
  const tmp = fs.mkdtempSync(
    path.join(os.tmpdir(), 'test-env-kustomize-'),
  );
  try {
    const copy = path.join(tmp, 'app');
    fs.cpSync(appDir, copy, { recursive: true });
    const adaptedKustomizations = adaptKustomizationsForV203(copy);
    let stdout: string;
    try {
      ({ stdout } = await execFileAsync(
        kubectl,
        ['kustomize', path.join(copy, overlayPath)],
        {
          maxBuffer: 32 * 1024 * 1024,
        },
      ));
    } catch (e) {
      const err = e as Error & { stderr?: string };
      throw new Error(
        `kubectl kustomize ${overlayPath} failed: ${
          err.stderr?.trim() || err.message
        }`,
      );
    }
    const objects = parseObjects(stdout, `kustomize ${overlayPath}`);
    // replicas of the overlay and of the bases it builds on (bases first: the overlay wins)
    const byFile = new Map(adaptedKustomizations.map(a => [a.file, a]));
    const chain: Replicas[][] = [];
    const visit = (dir: string, seen: Set<string>) => {
      if (seen.has(dir)) return;
      seen.add(dir);
      const file = KUSTOMIZATION_FILES.map(f => path.join(dir, f)).find(f =>
        fs.existsSync(f),
      );
      if (!file) return;
      const doc = (YAML.parse(fs.readFileSync(file, 'utf8')) ?? {}) as {
        bases?: unknown;
      };
      for (const base of Array.isArray(doc.bases) ? doc.bases : []) {
        if (typeof base === 'string') visit(path.resolve(dir, base), seen);
      }
      const replicas = byFile.get(path.relative(copy, file))?.replicas;
      if (replicas) chain.push(replicas);
    };
    visit(path.join(copy, overlayPath), new Set());
    for (const replicas of chain) applyReplicas(objects, replicas);
    return { objects, adaptedKustomizations };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** Sets `spec.replicas` like kustomize's `replicas:` field does (in place). */
export function applyReplicas(
  objects: KubeObject[],
  replicas: Replicas[],
): void {
  for (const { name, count } of replicas) {
    for (const o of objects) {
      if (o.metadata.name === name && SCALABLE_KINDS.includes(o.kind)) {
        o.spec = { ...(o.spec as Record<string, unknown>), replicas: count };
      }
    }
  }
}

/** API versions newer than Kubernetes 1.20 → the 1.20 version of the same kind. */
const KUBE_120_EQUIVALENTS: Record<string, Record<string, string>> = {
  CronJob: { 'batch/v1': 'batch/v1beta1' },
  HorizontalPodAutoscaler: { 'autoscaling/v2': 'autoscaling/v2beta2' },
  PodDisruptionBudget: { 'policy/v1': 'policy/v1beta1' },
};

/**
 * Maps API versions the 1.20 test apiserver does not serve to their 1.20
 * equivalents (same schema for the fields templates use). Returns copies.
 */
export function adaptForKube120(objects: KubeObject[]): {
  objects: KubeObject[];
  changes: string[];
} {
  const changes: string[] = [];
  const adapted = objects.map(o => {
    const to = KUBE_120_EQUIVALENTS[o.kind]?.[o.apiVersion];
    if (!to) return o;
    changes.push(`${o.kind}/${o.metadata.name}: ${o.apiVersion} → ${to}`);
    return { ...o, apiVersion: to };
  });
  return { objects: adapted, changes };
}

/**
 * Renders a GitOps overlay at a commit, the way Argo CD's repo server does
 * for a Kustomize source: the commit's tree is exported to a temp folder and
 * built with the real `kubectl kustomize` (kustomize v2.0.3 from Debian's
 * kubernetes 1.20), adapting newer kustomization forms in a temporary copy
 * (test-env's `renderOverlay`), API versions newer than the 1.20
 * apiserver (`adaptForKube120`) and port lists 1.20's server-side apply
 * rejects (`defaultPortProtocols`). The repository itself is never changed.
 *
 * A commit's tree never changes, so results (and errors) are cached per
 * repository, commit and path; renders run through a small p-limit queue.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pLimit from 'p-limit';
import { adaptForKube120, KubeObject, renderOverlay } from '@internal/test-env';
import { GitRepo } from '../git';
import { asObj, Obj, podSpecOf } from './objects';

export type RenderResult =
  | { ok: true; objects: KubeObject[]; adaptations: string[] }
  | { ok: false; error: string };

const CACHE_LIMIT = 64;

/** Removes the temp-copy prefixes from kustomize's messages, so they name repository paths. */
function repoRelative(message: string, exportDir: string): string {
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return message
    .replace(
      new RegExp(
        `${escape(os.tmpdir())}/test-env-kustomize-[^/\\s]+/app/`,
        'g',
      ),
      '',
    )
    .replace(new RegExp(`${escape(exportDir)}/`, 'g'), '');
}

function defaultProtocols(ports: unknown): number {
  if (!Array.isArray(ports)) return 0;
  let n = 0;
  for (const port of ports as Obj[]) {
    if (port && typeof port === 'object' && port.protocol === undefined) {
      port.protocol = 'TCP';
      n += 1;
    }
  }
  return n;
}

/**
 * Server-side apply in Kubernetes 1.20 rejects port lists whose entries omit
 * `protocol` (a key of those lists; "associative list with keys has an
 * element that omits key field", fixed in later releases). Sets the value the
 * apiserver defaults anyway, `TCP`, on the rendered copies (in place).
 */
export function defaultPortProtocols(objects: KubeObject[]): string[] {
  const changes: string[] = [];
  for (const o of objects) {
    const spec = asObj(o.spec);
    let n = o.kind === 'Service' ? defaultProtocols(spec.ports) : 0;
    const podSpec = podSpecOf(o.kind, o);
    for (const list of [podSpec.containers, podSpec.initContainers]) {
      for (const c of Array.isArray(list) ? (list as Obj[]) : []) {
        n += defaultProtocols(asObj(c).ports);
      }
    }
    if (n) {
      changes.push(
        `${o.kind}/${o.metadata.name}: protocol TCP set on ${n} port(s) for server-side apply on Kubernetes 1.20`,
      );
    }
  }
  return changes;
}

export class ManifestRenderer {
  private readonly cache = new Map<string, Promise<RenderResult>>();
  private readonly limit: ReturnType<typeof pLimit>;

  constructor(private readonly kubectl: string, concurrency = 1) {
    this.limit = pLimit(concurrency);
  }

  /** The objects `path` renders to at commit `sha` of `repo`, or kustomize's error. */
  render(
    repo: GitRepo,
    sha: string,
    overlayPath: string,
  ): Promise<RenderResult> {
    const key = `${repo.dir}@${sha}:${overlayPath}`;
    const cached = this.cache.get(key);
    if (cached) return cached;
    const result = this.limit(() => this.renderNow(repo, sha, overlayPath));
    this.cache.set(key, result);
    // git failures may pass; kustomize's verdict on a commit does not
    void result.then(r => {
      if (!r.ok && r.error.startsWith('git ')) this.cache.delete(key);
    });
    if (this.cache.size > CACHE_LIMIT) {
      this.cache.delete(this.cache.keys().next().value as string);
    }
    return result;
  }

  private async renderNow(
    repo: GitRepo,
    sha: string,
    overlayPath: string,
  ): Promise<RenderResult> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'delivery-sim-gitops-'));
    try {
      await repo.exportTree(sha, dir);
      if (!fs.existsSync(path.join(dir, overlayPath))) {
        return {
          ok: false,
          error: `${overlayPath}: app path does not exist`,
        };
      }
      const rendered = await renderOverlay(this.kubectl, dir, overlayPath);
      const adapted = adaptForKube120(rendered.objects);
      const protocols = defaultPortProtocols(adapted.objects);
      return {
        ok: true,
        objects: adapted.objects,
        adaptations: [
          ...rendered.adaptedKustomizations.map(
            a =>
              `${a.file}: ${[
                ...(a.movedToBases.length
                  ? [`resources ${a.movedToBases.join(', ')} rendered as bases`]
                  : []),
                ...(a.replicas ? ['replicas applied after the build'] : []),
              ].join('; ')}`,
          ),
          ...adapted.changes,
          ...protocols,
        ],
      };
    } catch (e) {
      return { ok: false, error: repoRelative((e as Error).message, dir) };
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
}

import { KubeHttp } from './KubeHttp';
import { KindSpec } from './kinds';

interface GroupList {
  groups?: Array<{ name?: string; versions?: Array<{ version?: string }> }>;
}

interface ResourceList {
  resources?: Array<{ name?: string; kind?: string; verbs?: string[] }>;
}

/** What discovery says about one kind on one cluster. */
export type DiscoveredKind =
  | { served: true; version: string; kindName: string }
  | { served: false; reason: string };

/**
 * API discovery for one cluster (`/apis`, `/apis/<group>/<version>`,
 * `/api/v1`), shared by all kinds of that cluster. Answers are remembered
 * until {@link invalidate} (after a 404, or before looking again for a CRD
 * that was not installed).
 */
export class Discovery {
  /** Discovery requests sent. */
  requests = 0;
  private groups?: Promise<Map<string, string[]>>;
  private readonly resources = new Map<string, Promise<ResourceList>>();

  constructor(private readonly http: KubeHttp) {}

  async resolve(spec: KindSpec, signal: AbortSignal): Promise<DiscoveredKind> {
    let served: string[];
    if (spec.group === '') {
      served = ['v1'];
    } else {
      const groups = await this.groupVersions(signal);
      served = groups.get(spec.group) ?? [];
      if (served.length === 0) {
        return {
          served: false,
          reason: `API group ${spec.group} is not served (CRD not installed?)`,
        };
      }
    }
    for (const version of spec.versions) {
      if (!served.includes(version)) continue;
      const list = await this.resourceList(spec.group, version, signal);
      const resource = list.resources?.find(r => r.name === spec.plural);
      if (resource && (resource.verbs ?? ['list', 'watch']).includes('watch')) {
        return {
          served: true,
          version,
          kindName: resource.kind ?? spec.plural,
        };
      }
    }
    const gv = spec.group || 'core';
    return {
      served: false,
      reason: `${spec.plural} is not served in ${gv} ${spec.versions.join(
        ' or ',
      )} (served: ${served.join(', ') || 'none'})`,
    };
  }

  /** Forget what we know about a group (a 404 on a list or watch). */
  invalidate(group: string): void {
    this.groups = undefined;
    for (const key of [...this.resources.keys()]) {
      if (key.startsWith(`${group}/`)) this.resources.delete(key);
    }
  }

  private groupVersions(signal: AbortSignal): Promise<Map<string, string[]>> {
    if (!this.groups) {
      const promise = this.fetch('/apis', signal).then(body => {
        const map = new Map<string, string[]>();
        for (const g of (body as GroupList).groups ?? []) {
          if (!g.name) continue;
          map.set(
            g.name,
            (g.versions ?? []).map(v => v.version ?? '').filter(Boolean),
          );
        }
        return map;
      });
      this.groups = promise;
      // A failed answer is not remembered.
      promise.catch(() => {
        if (this.groups === promise) this.groups = undefined;
      });
    }
    return this.groups;
  }

  private resourceList(
    group: string,
    version: string,
    signal: AbortSignal,
  ): Promise<ResourceList> {
    const key = `${group}/${version}`;
    const cached = this.resources.get(key);
    if (cached) return cached;
    const path = group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
    const promise = this.fetch(path, signal) as Promise<ResourceList>;
    this.resources.set(key, promise);
    promise.catch(() => {
      if (this.resources.get(key) === promise) this.resources.delete(key);
    });
    return promise;
  }

  private fetch(path: string, signal: AbortSignal): Promise<unknown> {
    this.requests++;
    return this.http.getJson(path, signal);
  }
}

/**
 * A minimal client for a real kube-apiserver: discovery, create (for real and
 * with `dryRun=All`), server-side apply with `dryRun=All` (the apiserver runs
 * admission, defaulting, schema validation and pruning, then persists
 * nothing) or for real, get/list/delete, any other request, with one bearer
 * token. Shared by the template checks, the portal's deploy checks and the
 * delivery loop's GitOps controller (simulator).
 */
import https from 'node:https';

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

export interface KubeReply {
  status: number;
  body: string;
  /** the parsed JSON body, when it is JSON */
  json?: Record<string, unknown>;
}

export interface KubeTarget {
  url: string;
  /** CA certificate (PEM) */
  ca: string;
  token: string;
}

export interface ApiResource {
  /** plural, e.g. `deployments` */
  name: string;
  kind: string;
  namespaced: boolean;
}

/** Enough of an object to find it: apiVersion, kind, name and (namespaced) namespace. */
export interface KubeObjectRef {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
}

export interface ApplyOptions {
  fieldManager: string;
  /** take over fields other managers own (`force=true`) */
  force?: boolean;
  /** `dryRun=All`: validate, persist nothing */
  dryRun?: boolean;
}

export interface ListOptions {
  /** omitted: all namespaces (namespaced kinds) */
  namespace?: string;
  labelSelector?: string;
}

export const FIELD_MANAGER = 'template-checks';

export class KubeClient {
  private readonly discovery = new Map<string, ApiResource[]>();

  constructor(private readonly target: KubeTarget) {}

  /** The same apiserver with another bearer token. */
  withToken(token: string): KubeClient {
    return new KubeClient({ ...this.target, token });
  }

  request(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<KubeReply> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = https.request(
        new URL(path, this.target.url),
        {
          method,
          ca: this.target.ca,
          timeout: 15_000,
          headers: {
            Authorization: `Bearer ${this.target.token}`,
            Accept: 'application/json',
            ...(payload
              ? {
                  'Content-Type': contentType,
                  'Content-Length': Buffer.byteLength(payload),
                }
              : {}),
          },
        },
        res => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', d => (text += d));
          res.on('end', () => {
            let json: Record<string, unknown> | undefined;
            try {
              json = JSON.parse(text);
            } catch {
              json = undefined;
            }
            resolve({ status: res.statusCode ?? 0, body: text, json });
          });
        },
      );
      req.on('timeout', () =>
        req.destroy(new Error(`timeout: ${method} ${path}`)),
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** `/api/v1` or `/apis/<group>/<version>` */
  static groupVersionPath(apiVersion: string): string {
    return apiVersion.includes('/')
      ? `/apis/${apiVersion}`
      : `/api/${apiVersion}`;
  }

  /** Whether the apiserver serves this group/version (and this resource in it). */
  async serves(apiVersion: string, plural?: string): Promise<boolean> {
    try {
      const resources = await this.resourcesOf(apiVersion);
      return plural === undefined || resources.some(r => r.name === plural);
    } catch {
      return false;
    }
  }

  private async resourcesOf(apiVersion: string): Promise<ApiResource[]> {
    const cached = this.discovery.get(apiVersion);
    if (cached) return cached;
    const path = KubeClient.groupVersionPath(apiVersion);
    const reply = await this.request('GET', path);
    if (reply.status !== 200 || !reply.json) {
      throw new Error(
        `the apiserver does not serve ${apiVersion} (GET ${path}: HTTP ${reply.status})`,
      );
    }
    const resources = (reply.json.resources as ApiResource[]).filter(
      r => !r.name.includes('/'),
    );
    this.discovery.set(apiVersion, resources);
    return resources;
  }

  /** Forgets cached discovery (after a CRD is installed). */
  resetDiscovery() {
    this.discovery.clear();
  }

  /** The API resource of a kind (from discovery), or undefined when not served. */
  async resourceOf(
    apiVersion: string,
    kind: string,
  ): Promise<ApiResource | undefined> {
    try {
      return (await this.resourcesOf(apiVersion)).find(r => r.kind === kind);
    } catch {
      return undefined;
    }
  }

  /** The REST path of the object (its collection when `withName` is false). */
  async pathOf(obj: KubeObjectRef, withName = true): Promise<string> {
    const resources = await this.resourcesOf(obj.apiVersion);
    const resource = resources.find(r => r.kind === obj.kind);
    if (!resource) {
      throw new Error(
        `the apiserver has no kind ${obj.kind} in ${obj.apiVersion}`,
      );
    }
    let path = KubeClient.groupVersionPath(obj.apiVersion);
    if (resource.namespaced) {
      if (!obj.metadata.namespace) {
        throw new Error(
          `${obj.kind}/${obj.metadata.name} is namespaced but has no metadata.namespace`,
        );
      }
      path += `/namespaces/${encodeURIComponent(obj.metadata.namespace)}`;
    }
    path += `/${resource.name}`;
    if (withName) path += `/${encodeURIComponent(obj.metadata.name)}`;
    return path;
  }

  /** Creates the object for real. */
  async create(obj: KubeObject): Promise<KubeReply> {
    return this.request('POST', await this.pathOf(obj, false), obj);
  }

  /** Creates the object for real; fails unless the apiserver answers 201. */
  async mustCreate(obj: KubeObject): Promise<Record<string, unknown>> {
    const reply = await this.create(obj);
    if (reply.status !== 201 || !reply.json) {
      throw new Error(
        `creating ${describeObject(obj)} failed: ${statusMessage(reply)}`,
      );
    }
    return reply.json;
  }

  /** Creates the object for real (used for namespaces and CRDs). 409 counts as done. */
  async createOrKeep(obj: KubeObject): Promise<void> {
    const reply = await this.request(
      'POST',
      await this.pathOf(obj, false),
      obj,
    );
    if (reply.status !== 201 && reply.status !== 409) {
      throw new Error(
        `creating ${describeObject(obj)} failed: ${statusMessage(reply)}`,
      );
    }
  }

  /** Create with `dryRun=All`: admission, defaulting and validation; persists nothing. */
  async dryRunCreate(obj: KubeObject): Promise<KubeReply> {
    const path = `${await this.pathOf(
      obj,
      false,
    )}?dryRun=All&fieldManager=${FIELD_MANAGER}`;
    return this.request('POST', path, obj);
  }

  /** Server-side apply (`PATCH application/apply-patch+yaml`), for real unless `dryRun`. */
  async apply(obj: KubeObject, options: ApplyOptions): Promise<KubeReply> {
    const query = new URLSearchParams({ fieldManager: options.fieldManager });
    if (options.force) query.set('force', 'true');
    if (options.dryRun) query.set('dryRun', 'All');
    return this.request(
      'PATCH',
      `${await this.pathOf(obj)}?${query}`,
      obj,
      'application/apply-patch+yaml',
    );
  }

  /** GET of one object (404 when it does not exist). */
  async get(ref: KubeObjectRef): Promise<KubeReply> {
    return this.request('GET', await this.pathOf(ref));
  }

  /** DELETE of one object (background propagation by default). */
  async delete(
    ref: KubeObjectRef,
    propagationPolicy: 'Background' | 'Foreground' | 'Orphan' = 'Background',
  ): Promise<KubeReply> {
    return this.request('DELETE', await this.pathOf(ref), {
      apiVersion: 'v1',
      kind: 'DeleteOptions',
      propagationPolicy,
    });
  }

  /** Lists a kind (in one namespace or all), optionally by label selector. */
  async list(
    apiVersion: string,
    kind: string,
    options: ListOptions = {},
  ): Promise<KubeReply> {
    const resource = await this.resourceOf(apiVersion, kind);
    if (!resource) {
      throw new Error(`the apiserver has no kind ${kind} in ${apiVersion}`);
    }
    let path = KubeClient.groupVersionPath(apiVersion);
    if (resource.namespaced && options.namespace) {
      path += `/namespaces/${encodeURIComponent(options.namespace)}`;
    }
    path += `/${resource.name}`;
    if (options.labelSelector) {
      path += `?${new URLSearchParams({
        labelSelector: options.labelSelector,
      })}`;
    }
    return this.request('GET', path);
  }

  /** Server-side apply with dryRun=All: validates, persists nothing. */
  async dryRunApply(obj: KubeObject): Promise<KubeReply> {
    const path = `${await this.pathOf(
      obj,
    )}?dryRun=All&fieldManager=${FIELD_MANAGER}&force=true`;
    return this.request('PATCH', path, obj, 'application/apply-patch+yaml');
  }
}

export function describeObject(obj: KubeObject): string {
  const ns = obj.metadata?.namespace ? `${obj.metadata.namespace}/` : '';
  return `${obj.apiVersion} ${obj.kind} ${ns}${obj.metadata?.name}`;
}

/** The apiserver's Status message (with causes) or the start of the raw body. */
export function statusMessage(reply: KubeReply): string {
  const json = reply.json;
  if (json && json.kind === 'Status') {
    const details = json.details as
      | { causes?: { field?: string; message?: string }[] }
      | undefined;
    const causes = (details?.causes ?? [])
      .map(c => `${c.field ?? ''}: ${c.message ?? ''}`)
      .join('; ');
    return `HTTP ${reply.status} ${String(json.reason ?? '')}: ${String(
      json.message ?? '',
    )}${causes ? ` [${causes}]` : ''}`;
  }
  return `HTTP ${reply.status}: ${reply.body.slice(0, 1000)}`;
}

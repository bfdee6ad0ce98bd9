/**
 * A small admin client for the real kube-apiserver of the demo (plain
 * `node:https`, the harness' CA and a bearer token): creates objects, writes
 * their status through the status subresource, and reads them back. No
 * controller runs next to the apiserver, so every status the demo shows was
 * written here.
 */
import https from 'node:https';
import { RunningKubeApiserver } from '../kube';

export interface KubeReply {
  status: number;
  body: string;
}

/** A Kubernetes object as JSON (only what the demo reads). */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    generation?: number;
    resourceVersion?: string;
    uid?: string;
    [key: string]: unknown;
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  [key: string]: unknown;
}

export class KubeRequestError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(`${method} ${path}: HTTP ${status} ${body.slice(0, 400)}`);
  }
}

export type PatchType = 'merge' | 'json' | 'strategic';

const PATCH_CONTENT_TYPE: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
};

/** `/api/v1/namespaces/ns/pods/name` for core objects, `/apis/group/version/…` otherwise. */
export function objectPath(
  apiVersion: string,
  plural: string,
  namespace: string | undefined,
  name?: string,
): string {
  const base = apiVersion.includes('/')
    ? `/apis/${apiVersion}`
    : `/api/${apiVersion}`;
  const ns = namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${base}${ns}/${plural}${name ? `/${encodeURIComponent(name)}` : ''}`;
}

export class KubeAdmin {
  private readonly ca: Buffer;
  private readonly agent: https.Agent;

  constructor(
    private readonly kube: Pick<RunningKubeApiserver, 'url' | 'caData'>,
    private readonly token: string,
  ) {
    this.ca = Buffer.from(kube.caData, 'base64');
    this.agent = new https.Agent({ keepAlive: true, maxSockets: 8 });
  }

  /** Sends one request; resolves with any status (see {@link send} for the throwing form). */
  request(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<KubeReply> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = https.request(
        new URL(path, this.kube.url),
        {
          method,
          ca: this.ca,
          agent: this.agent,
          timeout: 10_000,
          headers: {
            Authorization: `Bearer ${this.token}`,
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
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: text }),
          );
        },
      );
      req.on('timeout', () =>
        req.destroy(new Error(`timeout: ${method} ${path}`)),
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** Like {@link request}, but a non-2xx answer throws {@link KubeRequestError}; returns the parsed JSON. */
  async send<T = KubeObject>(
    method: string,
    path: string,
    body?: unknown,
    contentType?: string,
  ): Promise<T> {
    const reply = await this.request(method, path, body, contentType);
    if (reply.status < 200 || reply.status > 299) {
      throw new KubeRequestError(method, path, reply.status, reply.body);
    }
    return (reply.body ? JSON.parse(reply.body) : {}) as T;
  }

  /** POSTs `obj` to its collection (`plural` of its kind). */
  create<T extends KubeObject>(plural: string, obj: T): Promise<T> {
    if (!obj.apiVersion) throw new Error('create: apiVersion is required');
    return this.send<T>(
      'POST',
      objectPath(obj.apiVersion, plural, obj.metadata.namespace),
      obj,
    );
  }

  get<T = KubeObject>(
    apiVersion: string,
    plural: string,
    namespace: string | undefined,
    name: string,
  ): Promise<T> {
    return this.send<T>('GET', objectPath(apiVersion, plural, namespace, name));
  }

  async list<T = KubeObject>(
    apiVersion: string,
    plural: string,
    namespace?: string,
    labelSelector?: string,
  ): Promise<T[]> {
    const query = labelSelector
      ? `?labelSelector=${encodeURIComponent(labelSelector)}`
      : '';
    const answer = await this.send<{ items: T[] | null }>(
      'GET',
      `${objectPath(apiVersion, plural, namespace)}${query}`,
    );
    return answer.items ?? [];
  }

  /** Patches the object (metadata/spec); `merge` by default. */
  patch<T = KubeObject>(
    apiVersion: string,
    plural: string,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    type: PatchType = 'merge',
  ): Promise<T> {
    return this.send<T>(
      'PATCH',
      objectPath(apiVersion, plural, namespace, name),
      patch,
      PATCH_CONTENT_TYPE[type],
    );
  }

  /** Writes status through the `/status` subresource (merge patch of `{status}`). */
  patchStatus<T = KubeObject>(
    apiVersion: string,
    plural: string,
    namespace: string | undefined,
    name: string,
    status: Record<string, unknown>,
  ): Promise<T> {
    return this.send<T>(
      'PATCH',
      `${objectPath(apiVersion, plural, namespace, name)}/status`,
      { status },
      PATCH_CONTENT_TYPE.merge,
    );
  }

  async delete(
    apiVersion: string,
    plural: string,
    namespace: string | undefined,
    name: string,
  ): Promise<void> {
    const reply = await this.request(
      'DELETE',
      objectPath(apiVersion, plural, namespace, name),
      { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 0 },
    );
    if (reply.status !== 200 && reply.status !== 202 && reply.status !== 404) {
      throw new KubeRequestError(
        'DELETE',
        objectPath(apiVersion, plural, namespace, name),
        reply.status,
        reply.body,
      );
    }
  }

  close(): void {
    this.agent.destroy();
  }
}

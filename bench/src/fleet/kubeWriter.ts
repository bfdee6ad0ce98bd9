/**
 * The benchmark's admin client for one real kube-apiserver: undici with a
 * keep-alive pool (the harness' CA, a bearer token), JSON in and out, a
 * non-2xx answer throws with the apiserver's message. Used by the seeder and
 * the soak mutator; its requests are made with the admin token, which the
 * audit policy leaves out of the counts.
 */
import { Agent, request } from 'undici';

export type PatchType = 'merge' | 'json' | 'strategic';

const PATCH_CONTENT_TYPE: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
};

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    labels?: Record<string, string>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

export class KubeRequestFailed extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    body: string,
  ) {
    super(`${method} ${path}: HTTP ${status} ${body.slice(0, 300)}`);
  }
}

/** `/api/v1/namespaces/ns/pods` for core objects, `/apis/group/version/…` otherwise. */
export function kubePath(
  apiVersion: string,
  plural: string,
  namespace?: string,
  name?: string,
  sub?: string,
): string {
  const base = apiVersion.includes('/')
    ? `/apis/${apiVersion}`
    : `/api/${apiVersion}`;
  const ns = namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${base}${ns}/${plural}${name ? `/${encodeURIComponent(name)}` : ''}${
    sub ? `/${sub}` : ''
  }`;
}

export class KubeWriter {
  private readonly agent: Agent;

  constructor(
    readonly url: string,
    caPem: string,
    private readonly token: string,
    connections = 8,
  ) {
    this.agent = new Agent({
      connect: { ca: caPem },
      connections,
      keepAliveTimeout: 30_000,
      pipelining: 1,
    });
  }

  async send<T = KubeObject>(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<T> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const res = await request(`${this.url}${path}`, {
      method: method as 'GET',
      dispatcher: this.agent,
      headers: {
        authorization: `Bearer ${this.token}`,
        accept: 'application/json',
        ...(payload ? { 'content-type': contentType } : {}),
      },
      body: payload,
      headersTimeout: 30_000,
      bodyTimeout: 30_000,
    });
    const text = await res.body.text();
    if (res.statusCode < 200 || res.statusCode > 299)
      throw new KubeRequestFailed(method, path, res.statusCode, text);
    return (text ? JSON.parse(text) : {}) as T;
  }

  create(plural: string, obj: KubeObject): Promise<KubeObject> {
    return this.send<KubeObject>(
      'POST',
      kubePath(obj.apiVersion!, plural, obj.metadata.namespace),
      obj,
    );
  }

  patch<T = KubeObject>(
    apiVersion: string,
    plural: string,
    namespace: string | undefined,
    name: string,
    body: unknown,
    type: PatchType = 'merge',
  ): Promise<T> {
    return this.send<T>(
      'PATCH',
      kubePath(apiVersion, plural, namespace, name),
      body,
      PATCH_CONTENT_TYPE[type],
    );
  }

  /** Merge patch of `{status}` through the status subresource. */
  patchStatus<T = KubeObject>(
    apiVersion: string,
    plural: string,
    namespace: string | undefined,
    name: string,
    status: Record<string, unknown>,
  ): Promise<T> {
    return this.send<T>(
      'PATCH',
      kubePath(apiVersion, plural, namespace, name, 'status'),
      { status },
      PATCH_CONTENT_TYPE.merge,
    );
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

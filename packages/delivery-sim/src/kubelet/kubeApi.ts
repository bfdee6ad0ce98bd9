/**
 * The few kube-apiserver calls the kubelet stand-in and the serving
 * controller make (list, create, delete, bind, status merge patches), on top
 * of test-env's KubeClient (one bearer token, the apiserver's CA). Any answer
 * other than the expected status throws, with the apiserver's message.
 */
import { KubeClient, KubeTarget, statusMessage } from '@internal/test-env';

export class KubeApiError extends Error {
  constructor(message: string, readonly status: number) {
    super(message);
  }
}

const enc = encodeURIComponent;

export class KubeApi {
  private readonly client: KubeClient;

  constructor(target: KubeTarget) {
    this.client = new KubeClient(target);
  }

  private async send<T>(
    method: string,
    path: string,
    expected: number[],
    body?: unknown,
    contentType?: string,
  ): Promise<T> {
    const reply = await this.client.request(method, path, body, contentType);
    if (!expected.includes(reply.status)) {
      throw new KubeApiError(
        `${method} ${path}: ${statusMessage(reply)}`,
        reply.status,
      );
    }
    return (reply.json ?? {}) as T;
  }

  /** Every item of a list (`/api/v1/nodes`, `/apis/apps/v1/namespaces/x/deployments`, …). */
  async list<T>(path: string, labelSelector?: string): Promise<T[]> {
    const query = labelSelector ? `?labelSelector=${enc(labelSelector)}` : '';
    const answer = await this.send<{ items?: T[] | null }>(
      'GET',
      `${path}${query}`,
      [200],
    );
    return answer.items ?? [];
  }

  /** The object, or undefined on 404. */
  async get<T>(path: string): Promise<T | undefined> {
    const reply = await this.client.request('GET', path);
    if (reply.status === 404) return undefined;
    if (reply.status !== 200) {
      throw new KubeApiError(
        `GET ${path}: ${statusMessage(reply)}`,
        reply.status,
      );
    }
    return reply.json as T;
  }

  create<T>(collectionPath: string, obj: unknown): Promise<T> {
    return this.send<T>('POST', collectionPath, [201], obj);
  }

  /** Deletes at once (grace period 0); a missing object counts as deleted. */
  async delete(path: string): Promise<void> {
    await this.send('DELETE', path, [200, 202, 404], {
      apiVersion: 'v1',
      kind: 'DeleteOptions',
      gracePeriodSeconds: 0,
    });
  }

  /** Merge patch of `{status}` through the status subresource. */
  patchStatus<T>(path: string, status: unknown): Promise<T> {
    return this.send<T>(
      'PATCH',
      `${path}/status`,
      [200],
      { status },
      'application/merge-patch+json',
    );
  }

  /** Binds a pod to a node, as the scheduler does (pods/binding subresource). */
  async bind(namespace: string, pod: string, node: string): Promise<void> {
    await this.send(
      'POST',
      `/api/v1/namespaces/${enc(namespace)}/pods/${enc(pod)}/binding`,
      [201],
      {
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name: pod, namespace },
        target: { apiVersion: 'v1', kind: 'Node', name: node },
      },
    );
  }
}

export const podsPath = (namespace?: string, name?: string) =>
  `/api/v1${namespace ? `/namespaces/${enc(namespace)}` : ''}/pods${
    name ? `/${enc(name)}` : ''
  }`;

export const deploymentsPath = (namespace: string, name?: string) =>
  `/apis/apps/v1/namespaces/${enc(namespace)}/deployments${
    name ? `/${enc(name)}` : ''
  }`;

export const NODES_PATH = '/api/v1/nodes';

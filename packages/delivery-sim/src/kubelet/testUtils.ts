/**
 * Test helpers for the kubelet stand-in and serving tests (not exported):
 * nodes written to a real kube-apiserver as a node's kubelet and the NVIDIA
 * device plugin would (capacity and allocatable through nodes/status), a
 * Deployment manifest, and a wait that drives a controller tick by tick.
 */
import { KubeClient } from '@internal/test-env';
import { Deployment, Pod } from './types';

async function must(
  kube: KubeClient,
  method: string,
  path: string,
  body?: unknown,
  contentType?: string,
): Promise<Record<string, unknown>> {
  const reply = await kube.request(method, path, body, contentType);
  if (reply.status < 200 || reply.status > 299) {
    throw new Error(
      `${method} ${path}: HTTP ${reply.status} ${reply.body.slice(0, 400)}`,
    );
  }
  return reply.json ?? {};
}

export const MERGE = 'application/merge-patch+json';

/** A Ready node; `resources` (e.g. `{'nvidia.com/gpu': '1'}`) goes into capacity and allocatable. */
export async function createReadyNode(
  kube: KubeClient,
  name: string,
  resources: Record<string, string> = {},
  index = 1,
): Promise<void> {
  await must(kube, 'POST', '/api/v1/nodes', {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name } },
  });
  // Admission adds node.kubernetes.io/not-ready; the node lifecycle controller
  // (not running) would remove it once the node reports Ready.
  await must(
    kube,
    'PATCH',
    `/api/v1/nodes/${name}`,
    { spec: { taints: null } },
    MERGE,
  );
  await setNodeResources(kube, name, resources, index);
}

export async function setNodeResources(
  kube: KubeClient,
  name: string,
  resources: Record<string, string>,
  index = 1,
): Promise<void> {
  const list = { cpu: '8', memory: '32Gi', pods: '110', ...resources };
  await must(
    kube,
    'PATCH',
    `/api/v1/nodes/${name}/status`,
    {
      status: {
        capacity: list,
        allocatable: list,
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            reason: 'KubeletReady',
            message: 'kubelet is posting ready status',
          },
        ],
        addresses: [
          { type: 'InternalIP', address: `10.0.1.${index}` },
          { type: 'Hostname', address: name },
        ],
      },
    },
    MERGE,
  );
}

export async function createNamespace(kube: KubeClient, name: string) {
  await must(kube, 'POST', '/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name },
  });
}

export function deploymentManifest(options: {
  name: string;
  namespace: string;
  image: string;
  replicas: number;
  gpu?: Record<string, string>;
}): Deployment {
  const labels = {
    'app.kubernetes.io/name': options.name,
    'backstage.io/kubernetes-id': options.name,
  };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: options.name, namespace: options.namespace, labels },
    spec: {
      replicas: options.replicas,
      selector: { matchLabels: { 'app.kubernetes.io/name': options.name } },
      strategy: { type: 'Recreate' },
      progressDeadlineSeconds: 600,
      template: {
        metadata: { labels },
        spec: {
          automountServiceAccountToken: false,
          containers: [
            {
              name: 'model-server',
              image: options.image,
              resources: options.gpu
                ? { limits: { ...options.gpu }, requests: { ...options.gpu } }
                : { requests: { cpu: '100m' } },
            },
          ],
          ...(options.gpu
            ? {
                tolerations: [
                  {
                    key: 'nvidia.com/gpu',
                    operator: 'Exists',
                    effect: 'NoSchedule',
                  },
                ],
              }
            : {}),
        },
      },
    },
  };
}

export async function createDeployment(
  kube: KubeClient,
  d: Deployment,
): Promise<Deployment> {
  return (await must(
    kube,
    'POST',
    `/apis/apps/v1/namespaces/${d.metadata.namespace}/deployments`,
    d,
  )) as unknown as Deployment;
}

export async function patchDeployment(
  kube: KubeClient,
  namespace: string,
  name: string,
  patch: unknown,
): Promise<Deployment> {
  return (await must(
    kube,
    'PATCH',
    `/apis/apps/v1/namespaces/${namespace}/deployments/${name}`,
    patch,
    'application/strategic-merge-patch+json',
  )) as unknown as Deployment;
}

export async function getDeployment(
  kube: KubeClient,
  namespace: string,
  name: string,
): Promise<Deployment> {
  return (await must(
    kube,
    'GET',
    `/apis/apps/v1/namespaces/${namespace}/deployments/${name}`,
  )) as unknown as Deployment;
}

/** The pods of the Deployment `name` (by its selector label). */
export async function podsOf(
  kube: KubeClient,
  namespace: string,
  name: string,
): Promise<Pod[]> {
  const list = await must(
    kube,
    'GET',
    `/api/v1/namespaces/${namespace}/pods?labelSelector=${encodeURIComponent(
      `app.kubernetes.io/name=${name}`,
    )}`,
  );
  return ((list.items ?? []) as Pod[]).sort((a, b) =>
    a.metadata.name.localeCompare(b.metadata.name),
  );
}

/**
 * Runs `step` (e.g. a controller's reconcileNow) and then `check` until
 * `check` returns a value; fails with the last value seen after `timeoutMs`.
 */
export async function until<T>(
  what: string,
  step: () => Promise<void>,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    await step();
    try {
      const value = await check();
      if (value) return value;
      last = value;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for ${what}: ${
          last instanceof Error ? last.message : JSON.stringify(last)
        }`,
      );
    }
    await new Promise(r => setTimeout(r, 100));
  }
}

/**
 * Writes (POST, PUT, PATCH, DELETE) the kube-apiserver has served on pods and
 * Deployments so far, from its own `/metrics` (`apiserver_request_total`).
 */
export async function apiserverWrites(kube: KubeClient): Promise<number> {
  const reply = await kube.request('GET', '/metrics');
  if (reply.status !== 200)
    throw new Error(`GET /metrics: HTTP ${reply.status}`);
  let total = 0;
  for (const line of reply.body.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    if (!/verb="(POST|PUT|PATCH|DELETE)"/.test(line)) continue;
    if (!/resource="(pods|deployments)"/.test(line)) continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

import {
  ApiextensionsV1Api,
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  NetworkingV1Api,
  PatchStrategy,
  RbacAuthorizationV1Api,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { RunningKubeApiserver, waitFor } from '@internal/test-env';
import { KubernetesClusterConfig } from '../config';

/**
 * Test-side writes go through the official client (@kubernetes/client-node),
 * independent of the code under test: the cache must see what another client
 * writes.
 */
export function kubeClients(
  kube: RunningKubeApiserver,
  token = kube.adminToken,
) {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      {
        name: 'test',
        server: kube.url,
        caData: kube.caData,
        skipTLSVerify: false,
      },
    ],
    users: [{ name: 'u', token }],
    contexts: [{ name: 'c', cluster: 'test', user: 'u' }],
    currentContext: 'c',
  });
  return {
    core: kc.makeApiClient(CoreV1Api),
    apps: kc.makeApiClient(AppsV1Api),
    batch: kc.makeApiClient(BatchV1Api),
    networking: kc.makeApiClient(NetworkingV1Api),
    custom: kc.makeApiClient(CustomObjectsApi),
    crds: kc.makeApiClient(ApiextensionsV1Api),
    rbac: kc.makeApiClient(RbacAuthorizationV1Api),
  };
}

export type KubeClients = ReturnType<typeof kubeClients>;

/** Content-Type for merge patches (client-node defaults to JSON patch). */
export const mergePatch = setHeaderOptions(
  'Content-Type',
  PatchStrategy.MergePatch,
);
export const jsonPatch = setHeaderOptions(
  'Content-Type',
  PatchStrategy.JsonPatch,
);

/** A cluster entry as readKubernetesConfig would produce it for this apiserver. */
export function clusterConfig(
  kube: RunningKubeApiserver,
  name: string,
  token = kube.readOnlyToken,
  url = kube.url,
): KubernetesClusterConfig {
  return {
    name,
    url,
    host: new URL(url).host,
    token: { kind: 'static', value: token },
    caPem: Buffer.from(kube.caData, 'base64').toString('utf8'),
    skipTLSVerify: false,
  };
}

export async function createNamespace(k: KubeClients, name: string) {
  await k.core.createNamespace({ body: { metadata: { name } } });
}

export interface PodInput {
  namespace: string;
  name: string;
  labels?: Record<string, string>;
  image?: string;
  nodeName?: string;
  gpus?: number;
  ownerReferences?: Array<{
    apiVersion: string;
    kind: string;
    name: string;
    uid: string;
  }>;
}

/** Pods never get an automounted token (no ServiceAccount controller runs here). */
export async function createPod(k: KubeClients, p: PodInput) {
  return k.core.createNamespacedPod({
    namespace: p.namespace,
    body: {
      metadata: {
        name: p.name,
        labels: p.labels,
        ownerReferences: p.ownerReferences,
      },
      spec: {
        automountServiceAccountToken: false,
        nodeName: p.nodeName,
        containers: [
          {
            name: 'model',
            image: p.image ?? 'registry.ml.internal/ml/fraud-detector:v1',
            resources: p.gpus
              ? { limits: { 'nvidia.com/gpu': String(p.gpus) } }
              : undefined,
          },
        ],
      },
    },
  });
}

export async function patchPodStatus(
  k: KubeClients,
  namespace: string,
  name: string,
  status: unknown,
) {
  return k.core.patchNamespacedPodStatus(
    { namespace, name, body: { status } },
    mergePatch,
  );
}

/** Argo CD Application (no status subresource) and KServe InferenceService (status subresource). */
export async function installCrds(k: KubeClients) {
  // client-node serialises typed bodies by its own property names: the JSON
  // key `x-kubernetes-preserve-unknown-fields` would be dropped silently.
  const preserve = {
    type: 'object',
    x_kubernetes_preserve_unknown_fields: true,
  };
  await k.crds.createCustomResourceDefinition({
    body: {
      metadata: { name: 'applications.argoproj.io' },
      spec: {
        group: 'argoproj.io',
        scope: 'Namespaced',
        names: {
          plural: 'applications',
          singular: 'application',
          kind: 'Application',
          listKind: 'ApplicationList',
        },
        versions: [
          {
            name: 'v1alpha1',
            served: true,
            storage: true,
            schema: { openAPIV3Schema: preserve },
          },
        ],
      },
    },
  });
  await k.crds.createCustomResourceDefinition({
    body: {
      metadata: { name: 'inferenceservices.serving.kserve.io' },
      spec: {
        group: 'serving.kserve.io',
        scope: 'Namespaced',
        names: {
          plural: 'inferenceservices',
          singular: 'inferenceservice',
          kind: 'InferenceService',
          listKind: 'InferenceServiceList',
          shortNames: ['isvc'],
        },
        versions: [
          {
            name: 'v1beta1',
            served: true,
            storage: true,
            subresources: { status: {} },
            schema: { openAPIV3Schema: preserve },
          },
        ],
      },
    },
  });
  for (const name of [
    'applications.argoproj.io',
    'inferenceservices.serving.kserve.io',
  ]) {
    await waitFor(
      `CRD ${name} Established`,
      async () => {
        const crd = await k.crds.readCustomResourceDefinition({ name });
        return (crd.status?.conditions ?? []).some(
          c => c.type === 'Established' && c.status === 'True',
        );
      },
      15_000,
      100,
    );
  }
}

/**
 * A GPU node as the device plugin and GPU Feature Discovery would publish it
 * (no kubelet here: capacity AND allocatable are patched, as both must be).
 */
export async function createGpuNode(
  k: KubeClients,
  node: { name: string; product: string; capacity: Record<string, string> },
) {
  await k.core.createNode({
    body: {
      metadata: {
        name: node.name,
        labels: { 'nvidia.com/gpu.product': node.product },
      },
    },
  });
  await k.core.patchNodeStatus(
    {
      name: node.name,
      body: [
        { op: 'add', path: '/status/capacity', value: node.capacity },
        { op: 'add', path: '/status/allocatable', value: node.capacity },
      ],
    },
    jsonPatch,
  );
}

/**
 * Kubernetes objects of the benchmark fleet, built from the plan (pure): the
 * specs the seeder creates and the statuses a kubelet, scheduler and the
 * deployment controller would have written (none of them run next to the
 * test apiserver, so the seeder writes them through the status subresource).
 */
import {
  CONTAINER,
  FleetPlan,
  KUBERNETES_ID,
  NodePlan,
  PodPlan,
  PodState,
  ServicePlan,
  imageRef,
  sha1,
} from './plan';
import { KubeObject } from './kubeWriter';

/** Digest per `repository:tag`, from the registry pushes. */
export type DigestOf = (repository: string, tag: string) => string | undefined;

export const iso = (ms: number) =>
  new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

export function serviceLabels(s: ServicePlan): Record<string, string> {
  return {
    'app.kubernetes.io/name': s.name,
    'app.kubernetes.io/component': 'model-server',
    'app.kubernetes.io/part-of': s.namespace,
    [KUBERNETES_ID]: s.name,
  };
}

function hostIp(node: NodePlan, clusterIndex: number): string {
  return `10.${clusterIndex + 1}.${Math.floor(node.index / 250)}.${
    (node.index % 250) + 1
  }`;
}

export function nodeObject(node: NodePlan): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: node.name, labels: node.labels },
    spec: node.taints.length ? { taints: node.taints } : {},
  };
}

export function nodeStatus(
  node: NodePlan,
  clusterIndex: number,
  now: number,
): Record<string, unknown> {
  const since = iso(now - 9 * 86_400_000);
  return {
    capacity: node.capacity,
    allocatable: node.capacity,
    conditions: [
      {
        type: 'Ready',
        status: 'True',
        reason: 'KubeletReady',
        message: 'kubelet is posting ready status',
        lastHeartbeatTime: iso(now),
        lastTransitionTime: since,
      },
      ...[
        ['MemoryPressure', 'KubeletHasSufficientMemory'],
        ['DiskPressure', 'KubeletHasNoDiskPressure'],
        ['PIDPressure', 'KubeletHasSufficientPID'],
      ].map(([type, reason]) => ({
        type,
        status: 'False',
        reason,
        lastHeartbeatTime: iso(now),
        lastTransitionTime: since,
      })),
    ],
    addresses: [
      { type: 'InternalIP', address: hostIp(node, clusterIndex) },
      { type: 'Hostname', address: node.name },
    ],
    nodeInfo: {
      machineID: sha1(`${node.name}/m`).slice(0, 32),
      systemUUID: sha1(`${node.name}/s`).slice(0, 32),
      bootID: sha1(`${node.name}/b`).slice(0, 32),
      kernelVersion: '6.1.0-28-amd64',
      osImage: 'Debian GNU/Linux 12 (bookworm)',
      containerRuntimeVersion: 'containerd://1.7.24',
      kubeletVersion: 'v1.20.2',
      kubeProxyVersion: 'v1.20.2',
      operatingSystem: 'linux',
      architecture: 'amd64',
    },
  };
}

function containerSpec(s: ServicePlan, image: string) {
  const gpu = s.gpu ? { [s.gpu.resource]: String(s.gpu.count) } : {};
  return {
    name: CONTAINER,
    image,
    env: [
      { name: 'MODEL_NAME', value: s.name },
      { name: 'MODEL_PATH', value: `/models/${s.name}` },
    ],
    ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
    readinessProbe: {
      httpGet: { path: '/v2/health/ready', port: 'http' },
      periodSeconds: 10,
    },
    livenessProbe: {
      httpGet: { path: '/v2/health/live', port: 'http' },
      periodSeconds: 20,
    },
    resources: {
      requests: {
        cpu: s.gpu ? '4' : '500m',
        memory: s.gpu ? '16Gi' : '1Gi',
        ...gpu,
      },
      limits: { memory: s.gpu ? '16Gi' : '1Gi', ...gpu },
    },
  };
}

function podTemplateSpec(s: ServicePlan, image: string) {
  return {
    automountServiceAccountToken: false,
    ...(s.gpu?.nodeSelector ? { nodeSelector: s.gpu.nodeSelector } : {}),
    ...(s.gpu
      ? {
          tolerations: [
            { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
          ],
        }
      : {}),
    containers: [containerSpec(s, image)],
  };
}

export function deploymentObject(s: ServicePlan, replicas: number): KubeObject {
  const labels = serviceLabels(s);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: s.name,
      namespace: s.namespace,
      labels,
      annotations: { 'deployment.kubernetes.io/revision': '1' },
    },
    spec: {
      replicas,
      selector: { matchLabels: { 'app.kubernetes.io/name': s.name } },
      strategy: {
        type: 'RollingUpdate',
        rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' },
      },
      template: {
        metadata: { labels },
        spec: podTemplateSpec(s, imageRef(s, s.runningTag)),
      },
    },
  };
}

export function deploymentStatus(
  s: ServicePlan,
  replicas: number,
  ready: number,
  since: number,
  generation = 1,
): Record<string, unknown> {
  const available = ready >= replicas - Math.floor(replicas * 0.25);
  const rs = `${s.name}-${s.templateHash}`;
  const t = iso(since);
  return {
    observedGeneration: generation,
    replicas,
    updatedReplicas: replicas,
    readyReplicas: ready,
    availableReplicas: ready,
    ...(replicas - ready > 0 ? { unavailableReplicas: replicas - ready } : {}),
    conditions: [
      {
        type: 'Available',
        status: available ? 'True' : 'False',
        reason: available
          ? 'MinimumReplicasAvailable'
          : 'MinimumReplicasUnavailable',
        message: available
          ? 'Deployment has minimum availability.'
          : 'Deployment does not have minimum availability.',
        lastUpdateTime: t,
        lastTransitionTime: t,
      },
      {
        type: 'Progressing',
        status: 'True',
        reason:
          ready === replicas ? 'NewReplicaSetAvailable' : 'ReplicaSetUpdated',
        message:
          ready === replicas
            ? `ReplicaSet "${rs}" has successfully progressed.`
            : `ReplicaSet "${rs}" is progressing.`,
        lastUpdateTime: t,
        lastTransitionTime: t,
      },
    ],
  };
}

export function replicaSetObject(
  s: ServicePlan,
  replicas: number,
  deploymentUid: string,
): KubeObject {
  const labels = { ...serviceLabels(s), 'pod-template-hash': s.templateHash };
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `${s.name}-${s.templateHash}`,
      namespace: s.namespace,
      labels,
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          name: s.name,
          uid: deploymentUid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      replicas,
      selector: {
        matchLabels: {
          'app.kubernetes.io/name': s.name,
          'pod-template-hash': s.templateHash,
        },
      },
      template: {
        metadata: { labels },
        spec: podTemplateSpec(s, imageRef(s, s.runningTag)),
      },
    },
  };
}

export function serviceObject(s: ServicePlan): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: s.name,
      namespace: s.namespace,
      labels: serviceLabels(s),
    },
    spec: {
      selector: { 'app.kubernetes.io/name': s.name },
      ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }],
    },
  };
}

export function podObject(
  pod: PodPlan,
  plan: FleetPlan,
  owner: { kind: string; name: string; uid: string },
): KubeObject {
  const s = pod.service !== undefined ? plan.services[pod.service] : undefined;
  const ownerReferences = [
    {
      apiVersion: 'apps/v1',
      kind: owner.kind,
      name: owner.name,
      uid: owner.uid,
      controller: true,
      blockOwnerDeletion: true,
    },
  ];
  if (!s) {
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: pod.name,
        namespace: pod.namespace,
        labels: { 'app.kubernetes.io/name': 'node-exporter' },
        ownerReferences,
      },
      spec: {
        nodeName: pod.node,
        hostNetwork: true,
        tolerations: [{ operator: 'Exists' }],
        containers: [
          {
            name: 'node-exporter',
            image: 'quay.io/prometheus/node-exporter:v1.8.2',
            ports: [{ name: 'metrics', containerPort: 9100 }],
            resources: { requests: { cpu: '50m', memory: '64Mi' } },
          },
        ],
      },
    };
  }
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: pod.name,
      namespace: pod.namespace,
      labels: { ...serviceLabels(s), 'pod-template-hash': s.templateHash },
      ownerReferences,
    },
    spec: {
      ...(pod.node ? { nodeName: pod.node } : {}),
      ...podTemplateSpec(s, imageRef(s, s.runningTag)),
    },
  };
}

export interface PodStatusInput {
  pod: PodPlan;
  state: PodState;
  image: string;
  /** `repo@sha256:…` of the running image. */
  imageID?: string;
  hostIP?: string;
  podIP?: string;
  startedAt: number;
  now: number;
  restartCount?: number;
  container?: string;
}

/** The status a kubelet (or the scheduler, for unschedulable pods) writes. */
export function podStatus(input: PodStatusInput): Record<string, unknown> {
  const { state, image, imageID, hostIP, podIP, startedAt, now } = input;
  const container = input.container ?? CONTAINER;
  const t = iso(startedAt);
  if (state === 'unschedulable') {
    return {
      phase: 'Pending',
      conditions: [
        {
          type: 'PodScheduled',
          status: 'False',
          reason: 'Unschedulable',
          message: input.pod.schedulerMessage ?? '0 nodes are available.',
          lastProbeTime: null,
          lastTransitionTime: t,
        },
      ],
      qosClass: 'Burstable',
    };
  }
  const ready = state === 'running';
  const cond = (type: string, ok: boolean) => ({
    type,
    status: ok ? 'True' : 'False',
    lastProbeTime: null,
    lastTransitionTime: t,
    ...(ok
      ? {}
      : {
          reason: 'ContainersNotReady',
          message: `containers with unready status: [${container}]`,
        }),
  });
  const restarts = input.restartCount ?? (state === 'crash-loop' ? 5 : 0);
  let containerState: Record<string, unknown>;
  let lastState: Record<string, unknown> = {};
  if (state === 'running') {
    containerState = { running: { startedAt: t } };
    if (restarts > 0)
      lastState = {
        terminated: {
          exitCode: 137,
          reason: 'OOMKilled',
          startedAt: iso(startedAt - 3_600_000),
          finishedAt: t,
        },
      };
  } else if (state === 'crash-loop') {
    containerState = {
      waiting: {
        reason: 'CrashLoopBackOff',
        message: `back-off 2m40s restarting failed container=${container} pod=${input.pod.name}`,
      },
    };
    lastState = {
      terminated: {
        exitCode: 1,
        reason: 'Error',
        message: 'RuntimeError: CUDA error: out of memory',
        startedAt: iso(now - 70_000),
        finishedAt: iso(now - 65_000),
      },
    };
  } else {
    containerState = {
      waiting: {
        reason: 'ImagePullBackOff',
        message: `Back-off pulling image "${image}"`,
      },
    };
  }
  return {
    phase: state === 'image-pull-backoff' ? 'Pending' : 'Running',
    conditions: [
      cond('Initialized', true),
      cond('Ready', ready),
      cond('ContainersReady', ready),
      cond('PodScheduled', true),
    ],
    ...(hostIP ? { hostIP } : {}),
    ...(podIP ? { podIP, podIPs: [{ ip: podIP }] } : {}),
    startTime: t,
    qosClass: 'Burstable',
    containerStatuses: [
      {
        name: container,
        ready,
        started: ready,
        restartCount: restarts,
        image,
        imageID: state === 'image-pull-backoff' ? '' : imageID ?? '',
        ...(state === 'image-pull-backoff'
          ? {}
          : {
              containerID: `containerd://${sha1(
                `${input.pod.name}/${restarts}`,
              )}`,
            }),
        state: containerState,
        lastState,
      },
    ],
  };
}

/** Addresses of a pod on its node (stable per pod). */
export function podAddresses(
  pod: PodPlan,
  plan: FleetPlan,
): { hostIP?: string; podIP?: string } {
  const cluster = plan.clusters.find(c => c.name === pod.cluster)!;
  const node = cluster.nodes.find(n => n.name === pod.node);
  if (!node) return {};
  const h = parseInt(sha1(pod.name).slice(0, 6), 16);
  return {
    hostIP: hostIp(node, cluster.index),
    podIP: `10.${100 + cluster.index}.${(h >> 8) % 256}.${(h % 254) + 1}`,
  };
}

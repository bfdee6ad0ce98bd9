/**
 * Seeds the demo's real kube-apiserver: namespaces, GPU nodes (capacity and
 * allocatable through the status subresource, GPU Feature Discovery labels),
 * KServe InferenceServices (raw deployment mode) with their predictor
 * Deployments, Pods and Services (or, for a template-generated service, the
 * Deployment, Pods and Service the template's GitOps folder declares), and
 * the status a controller, scheduler and kubelet would have written. Also makes a least-privilege ServiceAccount
 * token for the portal's restart action.
 */
import { createHash } from 'node:crypto';
import { waitFor } from '../ports';
import { KubeAdmin, KubeObject } from './kubeAdmin';
import {
  DEMO_NODES,
  DEMO_OTHER_GPU_PODS,
  DEMO_SERVICES,
  DemoGpuRequest,
  DemoNodePlan,
  DemoPod,
  DemoServicePlan,
  demoContainerName,
  demoImageRef,
  demoPodNames,
  demoPredictorName,
  demoSchedulerMessage,
  demoTemplateHash,
} from './scenario';
import { DEMO_REGISTRY_HOST, DemoImage, demoRevision } from './seed';

/** One pod the demo made, as the other seeds need it (DCGM pod labels, metrics targets). */
export interface DemoPodInfo extends DemoPod {
  /** Image reference in the pod spec. */
  image: string;
  /** `containerStatuses[].imageID` of a running pod. */
  imageID?: string;
}

export interface DemoClusterSeed {
  pods: DemoPodInfo[];
  /** TokenRequest token of `mlops-portal/portal-restarter` (get/patch Deployments and StatefulSets only). */
  writeToken: string;
}

export interface SeedDemoClusterOptions {
  images: DemoImage[];
  /** InferenceService `status.url` per service name (KServe services). */
  endpoints: Record<string, string>;
  /** The plans to seed (default DEMO_SERVICES; the environment passes support-chat as crash-looping when its server could not start). */
  services?: DemoServicePlan[];
  /** `lastState.terminated.message` of a crash-looping container (why it exits). */
  crashMessage?: string;
  now?: number;
}

const KUBERNETES_ID = 'backstage.io/kubernetes-id';
/** The pod annotations of the template's FastAPI workload (a Prometheus with pod discovery scrapes them). */
const scrapeAnnotations = {
  'prometheus.io/scrape': 'true',
  'prometheus.io/port': '8000',
  'prometheus.io/path': '/metrics',
};
const ISVC_LABEL = 'serving.kserve.io/inferenceservice';
const RESTART_NAMESPACE = 'mlops-portal';
const RESTART_ACCOUNT = 'portal-restarter';
const AUDIENCE = 'https://kubernetes.default.svc.cluster.local';

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
const hex = (seed: string, length = 64) =>
  createHash('sha256').update(seed).digest('hex').slice(0, length);

const preserve = {
  type: 'object',
  'x-kubernetes-preserve-unknown-fields': true,
};

/** KServe's InferenceService CRD (serving.kserve.io/v1beta1, status subresource), schema left open. */
async function installInferenceServiceCrd(admin: KubeAdmin) {
  const name = 'inferenceservices.serving.kserve.io';
  await admin.create('customresourcedefinitions', {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name },
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
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: { spec: preserve, status: preserve },
            },
          },
        },
      ],
    },
  });
  await waitFor(
    `CRD ${name} Established`,
    async () => {
      const crd = await admin.get<KubeObject>(
        'apiextensions.k8s.io/v1',
        'customresourcedefinitions',
        undefined,
        name,
      );
      const conditions = (crd.status?.conditions ?? []) as Array<{
        type: string;
        status: string;
      }>;
      return conditions.some(
        c => c.type === 'Established' && c.status === 'True',
      );
    },
    15_000,
    50,
  );
  // The new resource is served shortly after Established.
  await waitFor(
    'inferenceservices to be served',
    async () =>
      (
        await admin.request(
          'GET',
          '/apis/serving.kserve.io/v1beta1/inferenceservices?limit=1',
        )
      ).status === 200,
    15_000,
    50,
  );
}

async function createNode(admin: KubeAdmin, node: DemoNodePlan, now: number) {
  await admin.create('nodes', {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: node.name,
      labels: {
        'kubernetes.io/hostname': node.name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        ...node.labels,
      },
    },
    spec: {
      ...(node.unschedulable ? { unschedulable: true } : {}),
      ...(node.taints.length ? { taints: node.taints } : {}),
    },
  });
  // The apiserver's admission adds node.kubernetes.io/not-ready on create; the
  // node lifecycle controller (not running here) would remove it once the
  // kubelet reports Ready.
  await admin.patch('v1', 'nodes', undefined, node.name, {
    spec: { taints: node.taints.length ? node.taints : null },
  });
  const index = DEMO_NODES.indexOf(node) + 1;
  // No kubelet here: capacity AND allocatable are written, as the device plugin would.
  await admin.patchStatus('v1', 'nodes', undefined, node.name, {
    capacity: node.capacity,
    allocatable: node.capacity,
    conditions: [
      {
        type: 'Ready',
        status: 'True',
        reason: 'KubeletReady',
        message: 'kubelet is posting ready status',
        lastHeartbeatTime: iso(now),
        lastTransitionTime: iso(now - 9 * 86_400_000),
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
        lastTransitionTime: iso(now - 9 * 86_400_000),
      })),
    ],
    addresses: [
      { type: 'InternalIP', address: `10.0.1.${index}` },
      { type: 'Hostname', address: node.name },
    ],
    nodeInfo: {
      machineID: hex(`${node.name}/machine`, 32),
      systemUUID: hex(`${node.name}/system`, 32),
      bootID: hex(`${node.name}/boot`, 32),
      kernelVersion: '6.1.0-28-amd64',
      osImage: 'Debian GNU/Linux 12 (bookworm)',
      containerRuntimeVersion: 'containerd://1.7.24',
      kubeletVersion: 'v1.20.2',
      kubeProxyVersion: 'v1.20.2',
      operatingSystem: 'linux',
      architecture: 'amd64',
    },
  });
}

interface PodSpecInput {
  image: string;
  port: number;
  cpu: string;
  memory: string;
  gpu?: DemoGpuRequest;
  container: string;
  /** The container's environment (the template's FastAPI workload sets MODEL_NAME, MODEL_PATH). */
  env?: Array<{ name: string; value: string }>;
  /** The template's FastAPI probes: /healthz (startup, liveness), /readyz (readiness). */
  fastapiProbes?: boolean;
}

const httpProbe = (path: string, periodSeconds: number, extra = {}) => ({
  httpGet: { path, port: 'http' },
  periodSeconds,
  ...extra,
});

function podSpec(p: PodSpecInput, nodeName?: string) {
  const gpu = p.gpu ? { [p.gpu.resource]: String(p.gpu.count) } : {};
  return {
    automountServiceAccountToken: false,
    ...(nodeName ? { nodeName } : {}),
    ...(p.gpu?.nodeSelector ? { nodeSelector: p.gpu.nodeSelector } : {}),
    ...(p.gpu
      ? {
          tolerations: [
            { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
          ],
        }
      : {}),
    containers: [
      {
        name: p.container,
        image: p.image,
        ...(p.env ? { env: p.env } : {}),
        ports: [{ name: 'http', containerPort: p.port, protocol: 'TCP' }],
        ...(p.fastapiProbes
          ? {
              startupProbe: httpProbe('/healthz', 5, { failureThreshold: 24 }),
              readinessProbe: httpProbe('/readyz', 10, {
                timeoutSeconds: 5,
                failureThreshold: 3,
              }),
              livenessProbe: httpProbe('/healthz', 20, {
                timeoutSeconds: 5,
                failureThreshold: 3,
              }),
            }
          : {}),
        resources: {
          requests: { cpu: p.cpu, memory: p.memory, ...gpu },
          limits: { memory: p.memory, ...gpu },
        },
      },
    ],
  };
}

function runningPodStatus(
  pod: { node: string; index: number; container: string },
  image: string,
  imageID: string,
  startedAt: number,
  podIp: string,
) {
  const t = iso(startedAt);
  return {
    phase: 'Running',
    conditions: ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map(
      type => ({
        type,
        status: 'True',
        lastProbeTime: null,
        lastTransitionTime: t,
      }),
    ),
    hostIP: `10.0.1.${DEMO_NODES.findIndex(n => n.name === pod.node) + 1}`,
    podIP: podIp,
    podIPs: [{ ip: podIp }],
    startTime: t,
    qosClass: 'Burstable',
    containerStatuses: [
      {
        name: pod.container,
        ready: true,
        started: true,
        restartCount: 0,
        image,
        imageID,
        containerID: `containerd://${hex(`${podIp}/${image}`)}`,
        state: { running: { startedAt: t } },
        lastState: {},
      },
    ],
  };
}

function imagePullBackOffStatus(
  pod: { node: string; container: string },
  image: string,
  startedAt: number,
  podIp: string,
) {
  const t = iso(startedAt);
  const unready = {
    status: 'False',
    reason: 'ContainersNotReady',
    message: `containers with unready status: [${pod.container}]`,
    lastProbeTime: null,
    lastTransitionTime: t,
  };
  return {
    phase: 'Pending',
    conditions: [
      {
        type: 'Initialized',
        status: 'True',
        lastProbeTime: null,
        lastTransitionTime: t,
      },
      { type: 'Ready', ...unready },
      { type: 'ContainersReady', ...unready },
      {
        type: 'PodScheduled',
        status: 'True',
        lastProbeTime: null,
        lastTransitionTime: t,
      },
    ],
    hostIP: `10.0.1.${DEMO_NODES.findIndex(n => n.name === pod.node) + 1}`,
    podIP: podIp,
    podIPs: [{ ip: podIp }],
    startTime: t,
    qosClass: 'Burstable',
    containerStatuses: [
      {
        name: pod.container,
        ready: false,
        started: false,
        restartCount: 0,
        image,
        imageID: '',
        state: {
          waiting: {
            reason: 'ImagePullBackOff',
            message: `Back-off pulling image "${image}"`,
          },
        },
        lastState: {},
      },
    ],
  };
}

/** A container that keeps exiting with code 1 (kubelet's CrashLoopBackOff), `message` from its last exit. */
function crashLoopStatus(
  pod: { node: string; name: string; container: string },
  image: string,
  imageID: string,
  startedAt: number,
  now: number,
  podIp: string,
  message: string,
) {
  const t = iso(startedAt);
  const unready = {
    status: 'False',
    reason: 'ContainersNotReady',
    message: `containers with unready status: [${pod.container}]`,
    lastProbeTime: null,
    lastTransitionTime: t,
  };
  return {
    phase: 'Running',
    conditions: [
      {
        type: 'Initialized',
        status: 'True',
        lastProbeTime: null,
        lastTransitionTime: t,
      },
      { type: 'Ready', ...unready },
      { type: 'ContainersReady', ...unready },
      {
        type: 'PodScheduled',
        status: 'True',
        lastProbeTime: null,
        lastTransitionTime: t,
      },
    ],
    hostIP: `10.0.1.${DEMO_NODES.findIndex(n => n.name === pod.node) + 1}`,
    podIP: podIp,
    podIPs: [{ ip: podIp }],
    startTime: t,
    qosClass: 'Burstable',
    containerStatuses: [
      {
        name: pod.container,
        ready: false,
        started: false,
        restartCount: 5,
        image,
        imageID,
        containerID: `containerd://${hex(`${podIp}/${image}/5`)}`,
        state: {
          waiting: {
            reason: 'CrashLoopBackOff',
            message: `back-off 2m40s restarting failed container=${pod.container} pod=${pod.name}`,
          },
        },
        lastState: {
          terminated: {
            exitCode: 1,
            reason: 'Error',
            message: message.slice(0, 4096),
            startedAt: iso(now - 70_000),
            finishedAt: iso(now - 65_000),
            containerID: `containerd://${hex(`${podIp}/${image}/4`)}`,
          },
        },
      },
    ],
  };
}

function unschedulableStatus(message: string, since: number) {
  return {
    phase: 'Pending',
    conditions: [
      {
        type: 'PodScheduled',
        status: 'False',
        reason: 'Unschedulable',
        message,
        lastProbeTime: null,
        lastTransitionTime: iso(since),
      },
    ],
    qosClass: 'Burstable',
  };
}

/** Deployment status as the deployment controller writes it for these pods. */
function deploymentStatus(
  service: DemoServicePlan,
  ready: number,
  since: number,
) {
  const replicas = service.pods.length;
  const rs = `${demoPredictorName(service)}-${demoTemplateHash(service)}`;
  const maxUnavailable = service.maxUnavailable ?? Math.floor(replicas * 0.25);
  const available = ready >= replicas - maxUnavailable;
  const complete = ready === replicas;
  const failed = ready === 0 && replicas > 0;
  const t = iso(since);
  return {
    observedGeneration: 1,
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
      failed
        ? {
            type: 'Progressing',
            status: 'False',
            reason: 'ProgressDeadlineExceeded',
            message: `ReplicaSet "${rs}" has timed out progressing.`,
            lastUpdateTime: t,
            lastTransitionTime: t,
          }
        : {
            type: 'Progressing',
            status: 'True',
            reason: complete ? 'NewReplicaSetAvailable' : 'ReplicaSetUpdated',
            message: complete
              ? `ReplicaSet "${rs}" has successfully progressed.`
              : `ReplicaSet "${rs}" is progressing.`,
            lastUpdateTime: t,
            lastTransitionTime: t,
          },
    ],
  };
}

/** InferenceService status as KServe writes it in raw deployment mode. */
function inferenceServiceStatus(
  service: DemoServicePlan,
  url: string,
  ready: number,
  since: number,
) {
  const t = iso(since);
  const predictorReady = ready > 0;
  const address = `http://${demoPredictorName(service)}.${
    service.namespace
  }.svc.cluster.local`;
  const condition = (
    type: string,
    ok: boolean,
    reason?: string,
    message?: string,
  ) => ({
    type,
    status: ok ? 'True' : 'False',
    lastTransitionTime: t,
    ...(ok ? {} : { severity: 'Info', reason, message }),
  });
  return {
    observedGeneration: 1,
    url,
    address: { url: address },
    components: { predictor: { url, address: { url: address } } },
    conditions: [
      condition('IngressReady', true),
      condition(
        'PredictorReady',
        predictorReady,
        'MinimumReplicasUnavailable',
        'Deployment does not have minimum availability.',
      ),
      condition(
        'Ready',
        predictorReady,
        'MinimumReplicasUnavailable',
        'Deployment does not have minimum availability.',
      ),
    ],
    modelStatus: predictorReady
      ? {
          transitionStatus: 'UpToDate',
          states: { activeModelState: 'Loaded', targetModelState: 'Loaded' },
          copies: { failedCopies: 0, totalCopies: ready },
        }
      : {
          transitionStatus: 'InProgress',
          states: { activeModelState: 'Pending', targetModelState: 'Loaded' },
          copies: { failedCopies: 0, totalCopies: 0 },
        },
  };
}

async function createRestartAccount(admin: KubeAdmin): Promise<string> {
  await admin.create('namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: RESTART_NAMESPACE },
  });
  await admin.create('serviceaccounts', {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: RESTART_ACCOUNT, namespace: RESTART_NAMESPACE },
    automountServiceAccountToken: false,
  });
  await admin.create('clusterroles', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: 'mlops-portal-restart' },
    rules: [
      {
        apiGroups: ['apps'],
        resources: ['deployments', 'statefulsets'],
        verbs: ['get', 'patch'],
      },
    ],
  });
  await admin.create('clusterrolebindings', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: 'mlops-portal-restart' },
    roleRef: {
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      name: 'mlops-portal-restart',
    },
    subjects: [
      {
        kind: 'ServiceAccount',
        name: RESTART_ACCOUNT,
        namespace: RESTART_NAMESPACE,
      },
    ],
  });
  const answer = await admin.send<{ status: { token: string } }>(
    'POST',
    `/api/v1/namespaces/${RESTART_NAMESPACE}/serviceaccounts/${RESTART_ACCOUNT}/token`,
    {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { audiences: [AUDIENCE], expirationSeconds: 7 * 24 * 3600 },
    },
  );
  return answer.status.token;
}

/** Creates everything the demo cluster holds; returns the pods it made and the restart token. */
export async function seedDemoCluster(
  admin: KubeAdmin,
  options: SeedDemoClusterOptions,
): Promise<DemoClusterSeed> {
  const now = options.now ?? Date.now();
  const digestOf = (repository: string, index: number) =>
    options.images.find(i => i.repository === repository && i.index === index)
      ?.digest;

  const services = options.services ?? DEMO_SERVICES;
  const namespaces = [
    ...new Set([
      ...services.map(s => s.namespace),
      ...DEMO_OTHER_GPU_PODS.map(p => p.namespace),
    ]),
  ];
  const [writeToken] = await Promise.all([
    createRestartAccount(admin),
    installInferenceServiceCrd(admin),
    Promise.all(
      namespaces.map(name =>
        admin.create('namespaces', {
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name, labels: { 'kubernetes.io/metadata.name': name } },
        }),
      ),
    ),
    Promise.all(DEMO_NODES.map(node => createNode(admin, node, now))),
  ]);

  const pods: DemoPodInfo[] = [];
  let podIp = 10;
  const nextPodIp = () =>
    `10.244.${Math.floor(podIp / 250)}.${(podIp++ % 250) + 2}`;

  await Promise.all(
    services.map(async service => {
      const predictor = demoPredictorName(service);
      const image = demoImageRef(service.repository, service.runningIndex);
      const digest = digestOf(service.repository, service.runningIndex);
      const imageID = digest
        ? `${DEMO_REGISTRY_HOST}/${service.repository}@${digest}`
        : undefined;
      const container = demoContainerName(service);
      // KServe's labels, or those of the template's base/workload.yaml.
      const labels: Record<string, string> = service.generated
        ? {
            'app.kubernetes.io/name': service.name,
            'app.kubernetes.io/component': 'model-server',
            [KUBERNETES_ID]: service.name,
          }
        : {
            [KUBERNETES_ID]: service.name,
            [ISVC_LABEL]: service.name,
            app: predictor,
            component: 'predictor',
          };
      const selector = service.generated
        ? { 'app.kubernetes.io/name': service.name }
        : { app: predictor };
      const pushed = options.images.find(
        i =>
          i.repository === service.repository &&
          i.index === service.runningIndex,
      );
      // Rolled out 20 minutes after its image was pushed (or an hour ago when never pushed).
      const since = pushed
        ? Math.min(Date.parse(pushed.created) + 20 * 60_000, now - 5 * 60_000)
        : now - 60 * 60_000;
      const spec = {
        image,
        port: service.containerPort,
        cpu: service.cpu,
        memory: service.memory,
        gpu: service.gpu,
        container,
        ...(service.generated
          ? {
              env: [
                { name: 'MODEL_NAME', value: service.model },
                { name: 'MODEL_PATH', value: `/models/${service.model}` },
                { name: 'HF_HOME', value: '/tmp/huggingface' },
              ],
              fastapiProbes: true,
            }
          : {}),
      };
      const ready = service.pods.filter(p => p.state === 'running').length;

      if (!service.generated) {
        await admin.create('inferenceservices', {
          apiVersion: 'serving.kserve.io/v1beta1',
          kind: 'InferenceService',
          metadata: {
            name: service.name,
            namespace: service.namespace,
            labels: { [KUBERNETES_ID]: service.name },
            annotations: {
              'serving.kserve.io/deploymentMode': 'RawDeployment',
            },
          },
          spec: {
            predictor: {
              minReplicas: service.pods.length,
              model: {
                modelFormat: { name: service.modelFormat },
                ...(service.protocol === 'kserve-v2'
                  ? { protocolVersion: 'v2' }
                  : {}),
                storageUri: `s3://models/${service.repository}/${demoRevision(
                  service.repository,
                  service.runningIndex,
                ).slice(0, 7)}`,
                resources: podSpec(spec).containers[0].resources,
              },
            },
          },
        });
        await admin.patchStatus(
          'serving.kserve.io/v1beta1',
          'inferenceservices',
          service.namespace,
          service.name,
          inferenceServiceStatus(
            service,
            options.endpoints[service.name],
            ready,
            since,
          ),
        );
      }

      await admin.create('deployments', {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: {
          name: predictor,
          namespace: service.namespace,
          labels,
          annotations: { 'deployment.kubernetes.io/revision': '1' },
        },
        spec: {
          replicas: service.pods.length,
          ...(service.generated ? { revisionHistoryLimit: 5 } : {}),
          selector: { matchLabels: selector },
          // The template gives FastAPI services Recreate (ReadWriteOnce model volume).
          strategy: service.generated
            ? { type: 'Recreate' }
            : {
                type: 'RollingUpdate',
                rollingUpdate: {
                  maxSurge: '25%',
                  maxUnavailable: service.maxUnavailable ?? '25%',
                },
              },
          template: {
            metadata: {
              labels,
              ...(service.generated ? { annotations: scrapeAnnotations } : {}),
            },
            spec: podSpec(spec),
          },
        },
      });
      await admin.patchStatus(
        'apps/v1',
        'deployments',
        service.namespace,
        predictor,
        deploymentStatus(service, ready, since),
      );

      await admin.create('services', {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: predictor, namespace: service.namespace, labels },
        spec: {
          ...(service.generated ? { type: 'ClusterIP' } : {}),
          selector,
          ports: [
            service.generated
              ? {
                  name: 'http',
                  port: service.containerPort,
                  targetPort: 'http',
                  protocol: 'TCP',
                }
              : {
                  name: 'http',
                  port: 80,
                  targetPort: service.containerPort,
                  protocol: 'TCP',
                },
          ],
        },
      });

      const names = demoPodNames(service);
      const hash = demoTemplateHash(service);
      await Promise.all(
        service.pods.map(async (plan, i) => {
          const name = names[i];
          const ip = plan.node ? nextPodIp() : '';
          await admin.create('pods', {
            apiVersion: 'v1',
            kind: 'Pod',
            metadata: {
              name,
              namespace: service.namespace,
              labels: { ...labels, 'pod-template-hash': hash },
              ...(service.generated ? { annotations: scrapeAnnotations } : {}),
            },
            spec: podSpec(spec, plan.node),
          });
          let status: Record<string, unknown>;
          if (plan.state === 'running' && plan.node && imageID) {
            status = runningPodStatus(
              { node: plan.node, index: i, container },
              image,
              imageID,
              since,
              ip,
            );
          } else if (plan.state === 'crash-loop' && plan.node && imageID) {
            status = crashLoopStatus(
              { node: plan.node, name, container },
              image,
              imageID,
              since,
              now,
              ip,
              options.crashMessage ?? 'the model server exited',
            );
          } else if (plan.state === 'unschedulable' || !plan.node) {
            status = unschedulableStatus(
              demoSchedulerMessage(
                service.gpu ?? { resource: 'cpu', count: 1 },
              ),
              now - 12 * 60_000,
            );
          } else {
            status = imagePullBackOffStatus(
              { node: plan.node, container },
              image,
              since,
              ip,
            );
          }
          await admin.patchStatus(
            'v1',
            'pods',
            service.namespace,
            name,
            status,
          );
          pods.push({
            service: service.name,
            namespace: service.namespace,
            name,
            ...(plan.node ? { node: plan.node } : {}),
            state: plan.state,
            ...(service.gpu ? { gpu: service.gpu } : {}),
            image,
            ...((plan.state === 'running' || plan.state === 'crash-loop') &&
            imageID
              ? { imageID }
              : {}),
          });
        }),
      );
    }),
  );

  // Notebooks sharing the time-sliced RTX (not in the catalog; they show on the GPU fleet page).
  await Promise.all(
    DEMO_OTHER_GPU_PODS.map(async p => {
      const image = 'quay.io/jupyter/pytorch-notebook:cuda12-python-3.11';
      await admin.create('pods', {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: p.name,
          namespace: p.namespace,
          labels: {
            app: 'jupyter',
            'statefulset.kubernetes.io/pod-name': p.name,
          },
        },
        spec: podSpec(
          {
            image,
            port: 8888,
            cpu: '2',
            memory: '8Gi',
            gpu: p.gpu,
            container: 'notebook',
          },
          p.node,
        ),
      });
      await admin.patchStatus(
        'v1',
        'pods',
        p.namespace,
        p.name,
        runningPodStatus(
          { node: p.node, index: 0, container: 'notebook' },
          image,
          `quay.io/jupyter/pytorch-notebook@sha256:${hex(image)}`,
          now - 3 * 3_600_000,
          nextPodIp(),
        ),
      );
    }),
  );

  pods.sort((a, b) =>
    `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`),
  );
  return { pods, writeToken };
}

/**
 * The demo's stand-in for the deployment controller, as far as the portal
 * can tell: when a demo Deployment's spec changes (the portal's restart
 * action patches its template), it records the new generation as observed.
 * Pods are not replaced. Polls every `intervalMs` (unref'd timer).
 */
export function startDemoRolloutController(
  admin: KubeAdmin,
  intervalMs = 2_000,
  /** Deployments another controller owns (the delivery loop's kubelet stand-in). */
  skip: (name: string, namespace?: string) => boolean = () => false,
): { stop(): void } {
  let busy = false;
  let stopped = false;
  const timer = setInterval(() => {
    if (busy || stopped) return;
    busy = true;
    (async () => {
      const deployments = await admin.list<KubeObject>(
        'apps/v1',
        'deployments',
        undefined,
        KUBERNETES_ID,
      );
      for (const d of deployments) {
        if (skip(d.metadata.name, d.metadata.namespace)) continue;
        const generation = d.metadata.generation ?? 0;
        const observed = Number(
          (d.status as { observedGeneration?: number } | undefined)
            ?.observedGeneration ?? 0,
        );
        if (generation > observed && !stopped) {
          await admin.patchStatus(
            'apps/v1',
            'deployments',
            d.metadata.namespace,
            d.metadata.name,
            { observedGeneration: generation },
          );
        }
      }
    })()
      .catch(() => {
        // The apiserver may be stopped or broken on purpose: try again later.
      })
      .finally(() => {
        busy = false;
      });
  }, intervalMs);
  timer.unref();
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}

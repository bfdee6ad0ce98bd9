/**
 * What the demo shows, in one place: the model services of
 * demo/catalog/model-services.yaml, the state each one is in, the GPU nodes
 * they run on, and the names everything shares (namespaces, pod names, Jenkins
 * jobs, Argo CD apps). The cluster, CI, GitOps, model-server and GPU seeds
 * all read from here, so they tell one consistent story:
 *
 * - fraud-detector: TorchServe on CPU; delivered end to end (build, image,
 *   GitOps, 2/2 pods on the newest image, serving).
 * - llm-chat: vLLM on A100 GPUs; a build is running, and the third replica
 *   waits for GPUs ("Insufficient nvidia.com/gpu").
 * - image-classifier: Triton on a MIG slice; GitOps asks for the newest image
 *   but the app is OutOfSync with auto-sync off (the cluster runs the previous
 *   one), and about 8% of its requests fail.
 * - churn-scoring: broken on purpose: its build fails at "Push image", so the
 *   image was never pushed and its pod is in ImagePullBackOff.
 * - support-chat: deployed as the "New model service" template generates a
 *   FastAPI service (Deployment + Service named after it, container
 *   `model-server`, no InferenceService), and its model server is REAL: the
 *   template's FastAPI app rendered and run under /usr/bin/python3 with a tiny
 *   TorchScript model (see generatedFastapi.ts). Delivered end to end; about
 *   2.5% of its requests make the model raise.
 */
import { createHash } from 'node:crypto';
import { DEMO_REGISTRY_HOST, demoRevision } from './seed';

/** Name of the demo cluster in the generated config (shown on cards). */
export const DEMO_CLUSTER = 'demo';
/** Name of the Jenkins instance in the generated config (the simulator). */
export const DEMO_JENKINS_INSTANCE = 'ci';
/** Name of the Argo CD instance in the generated config (the simulator). */
export const DEMO_ARGOCD_INSTANCE = 'gitops';
/**
 * fraud-detector's TorchServe management API, as its entity names it in
 * `mlops.io/inference-management-endpoint`. The backend derives inference
 * endpoints from InferenceServices, but a management endpoint only comes
 * from that annotation, which is static; so the demo listens on this fixed
 * loopback alias (127.0.0.0/8 is all loopback on Linux, and this address is
 * the demo's own) and forwards to the simulator's free port.
 */
export const DEMO_TORCHSERVE_MANAGEMENT = { host: '127.0.8.81', port: 8081 };

/**
 * support-chat's endpoint, as its entity names it in
 * `mlops.io/inference-endpoint` (`http://127.0.8.82:8000/readyz`). A
 * generated FastAPI entity names `http://<name>.<namespace>.svc.cluster.local:8000/readyz`,
 * which no demo machine resolves; this fixed loopback alias (same port and
 * path) forwards to the real service's free port.
 */
export const DEMO_FASTAPI_ADDRESS = { host: '127.0.8.82', port: 8000 };

/** The GitOps repository all demo apps come from. */
export const DEMO_GITOPS_REPO =
  'https://git.demo.local/gitops/model-services.git';

/** `mlops.io/inference-protocol`: `http` is what the template gives a FastAPI service. */
export type DemoProtocol = 'torchserve' | 'openai' | 'kserve-v2' | 'http';

export interface DemoGpuRequest {
  /** Extended resource, e.g. `nvidia.com/gpu` or `nvidia.com/mig-1g.10gb`. */
  resource: string;
  count: number;
  /** Pod nodeSelector (e.g. a GPU product). */
  nodeSelector?: Record<string, string>;
}

/** `crash-loop`: support-chat when its real server could not start here (see environment.ts). */
export type DemoPodState =
  | 'running'
  | 'image-pull-backoff'
  | 'unschedulable'
  | 'crash-loop';

export interface DemoPodPlan {
  /** Node the pod is bound to; absent for a pod no node could take. */
  node?: string;
  state: DemoPodState;
}

export interface DemoServicePlan {
  /**
   * Entity name = `backstage.io/kubernetes-id` = InferenceService and Argo CD
   * app name. Served by KServe in raw deployment mode: the Deployment and
   * Service are `<name>-predictor`, the container `kserve-container`
   * (unless `generated`).
   */
  name: string;
  /**
   * `fastapi`: deployed as the model-service template generates a FastAPI
   * service (no InferenceService; Deployment and Service `<name>`, container
   * `model-server`), served by the real generated app rather than a simulator.
   */
  generated?: 'fastapi';
  namespace: string;
  /** Registry repository (under DEMO_REGISTRY_HOST). */
  repository: string;
  jenkinsJob: string;
  /** Index of the demo image the pods run (see DEMO_REPOSITORIES; 0 is the newest). */
  runningIndex: number;
  /** Index of the demo image GitOps asks for. */
  desiredIndex: number;
  protocol: DemoProtocol;
  /** Model name as the model server knows it (`mlops.io/model-name`). */
  model: string;
  /** KServe `spec.predictor.model.modelFormat.name`. */
  modelFormat: string;
  containerPort: number;
  cpu: string;
  memory: string;
  gpu?: DemoGpuRequest;
  pods: DemoPodPlan[];
  /** Deployment strategy's maxUnavailable (default 25%). */
  maxUnavailable?: number;
  /** Argo CD: automated sync on (default true). */
  autoSync: boolean;
  /** Share of requests to this service that fail (the traffic generator makes them). */
  errorShare?: number;
}

export const DEMO_SERVICES: DemoServicePlan[] = [
  {
    name: 'fraud-detector',
    namespace: 'fraud-ml',
    repository: 'ml/fraud-detector',
    jenkinsJob: 'ml/fraud-detector',
    runningIndex: 0,
    desiredIndex: 0,
    protocol: 'torchserve',
    model: 'fraud',
    modelFormat: 'pytorch',
    containerPort: 8080,
    cpu: '2',
    memory: '4Gi',
    pods: [
      { node: 'cpu-1', state: 'running' },
      { node: 'cpu-2', state: 'running' },
    ],
    autoSync: true,
  },
  {
    name: 'llm-chat',
    namespace: 'genai',
    repository: 'genai/llm-chat',
    jenkinsJob: 'genai/llm-chat',
    runningIndex: 0,
    desiredIndex: 0,
    protocol: 'openai',
    model: 'llama-3.1-8b-instruct',
    modelFormat: 'huggingface',
    containerPort: 8000,
    cpu: '8',
    memory: '64Gi',
    gpu: {
      resource: 'nvidia.com/gpu',
      count: 2,
      nodeSelector: { 'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-80GB' },
    },
    pods: [
      { node: 'gpu-a100-1', state: 'running' },
      { node: 'gpu-a100-2', state: 'running' },
      { state: 'unschedulable' },
    ],
    maxUnavailable: 1,
    autoSync: true,
  },
  {
    name: 'image-classifier',
    namespace: 'vision',
    repository: 'vision/image-classifier',
    jenkinsJob: 'vision/image-classifier',
    runningIndex: 1,
    desiredIndex: 0,
    protocol: 'kserve-v2',
    model: 'classifier',
    modelFormat: 'triton',
    containerPort: 8000,
    cpu: '4',
    memory: '16Gi',
    gpu: { resource: 'nvidia.com/mig-1g.10gb', count: 1 },
    pods: [{ node: 'gpu-a100-1', state: 'running' }],
    autoSync: false,
    errorShare: 0.08,
  },
  {
    name: 'churn-scoring',
    namespace: 'fraud-ml',
    repository: 'ml/churn-scoring',
    jenkinsJob: 'ml/churn-scoring',
    runningIndex: 0,
    desiredIndex: 0,
    protocol: 'kserve-v2',
    model: 'churn',
    modelFormat: 'sklearn',
    containerPort: 8080,
    cpu: '1',
    memory: '2Gi',
    pods: [{ node: 'cpu-2', state: 'image-pull-backoff' }],
    autoSync: true,
  },
  {
    // The template's values: runtime fastapi, modelName support, gpuCount 0,
    // cpu 1, memory 4Gi, registryOrg genai, ci jenkins, namespace genai.
    name: 'support-chat',
    generated: 'fastapi',
    namespace: 'genai',
    repository: 'genai/support-chat',
    jenkinsJob: 'genai/support-chat',
    runningIndex: 0,
    desiredIndex: 0,
    protocol: 'http',
    model: 'support',
    modelFormat: 'torchscript',
    containerPort: 8000,
    cpu: '1',
    memory: '4Gi',
    pods: [{ node: 'cpu-1', state: 'running' }],
    autoSync: true,
    // Below the portal's 5% warning: the inference card stays ok, with errors on the chart.
    errorShare: 0.025,
  },
];

/** Image reference `registry.demo.local/<repository>:<tag>` of a demo image index. */
export function demoImageRef(repository: string, index: number): string {
  return `${DEMO_REGISTRY_HOST}/${repository}:${demoRevision(
    repository,
    index,
  ).slice(0, 7)}`;
}

const POD_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** Kubernetes-style random-looking suffix, stable for a seed. */
function suffix(seed: string, length: number): string {
  const bytes = createHash('sha1').update(seed).digest();
  let out = '';
  for (let i = 0; i < length; i++)
    out += POD_ALPHABET[bytes[i] % POD_ALPHABET.length];
  return out;
}

/** KServe's predictor container name. */
export const DEMO_CONTAINER = 'kserve-container';
/** The container name of the template's generated workloads. */
export const DEMO_GENERATED_CONTAINER = 'model-server';

/**
 * Deployment and Service name: KServe's `<name>-predictor` in raw
 * deployment mode, or `<name>` for a template-generated workload.
 */
export function demoPredictorName(service: DemoServicePlan): string {
  return service.generated ? service.name : `${service.name}-predictor`;
}

/** The model server's container name in the pods of `service`. */
export function demoContainerName(service: DemoServicePlan): string {
  return service.generated ? DEMO_GENERATED_CONTAINER : DEMO_CONTAINER;
}

/** `pod-template-hash` of a service's current ReplicaSet. */
export function demoTemplateHash(service: DemoServicePlan): string {
  return suffix(`${service.name}@${service.runningIndex}`, 10);
}

/** Pod names as a ReplicaSet would make them: `<deployment>-<hash>-<5 chars>`. */
export function demoPodNames(service: DemoServicePlan): string[] {
  const hash = demoTemplateHash(service);
  return service.pods.map(
    (_, i) =>
      `${demoPredictorName(service)}-${hash}-${suffix(
        `${service.name}#${i}`,
        5,
      )}`,
  );
}

// ---------------------------------------------------------------------------
// Nodes

export interface DemoTaint {
  key: string;
  value?: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

/** One GPU (or MIG instance) as the DCGM exporter of its node reports it. */
export interface DemoGpuDevice {
  gpu: number;
  uuid: string;
  modelName: string;
  mig?: { profile: string; instanceId: number };
  /** Total framebuffer in MiB. */
  fbTotalMiB: number;
}

export interface DemoNodePlan {
  name: string;
  labels: Record<string, string>;
  /** status.capacity (allocatable is the same). */
  capacity: Record<string, string>;
  unschedulable?: boolean;
  taints: DemoTaint[];
  devices: DemoGpuDevice[];
}

const gpuTaint: DemoTaint = {
  key: 'nvidia.com/gpu',
  value: 'present',
  effect: 'NoSchedule',
};

const uuid = (seed: string) => {
  const h = createHash('sha1').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(
    16,
    20,
  )}-${h.slice(20, 32)}`;
};

const cpuNode = (name: string): DemoNodePlan => ({
  name,
  labels: { 'node.kubernetes.io/instance-type': 'cpu-32' },
  capacity: {
    cpu: '32',
    memory: '131072Mi',
    pods: '110',
    'ephemeral-storage': '200Gi',
  },
  taints: [],
  devices: [],
});

/** GPU Feature Discovery's labels common to every NVIDIA node (driver 550.54.15, CUDA 12.4). */
const gfdCommon = {
  'nvidia.com/gpu.present': 'true',
  'nvidia.com/cuda.driver-version.major': '550',
  'nvidia.com/cuda.driver-version.minor': '54',
  'nvidia.com/cuda.driver-version.revision': '15',
  'nvidia.com/cuda.runtime-version.major': '12',
  'nvidia.com/cuda.runtime-version.minor': '4',
};

/** An A100 80GB node with MIG strategy `mixed`: GPUs 0–1 whole, GPU 2 as 7× 1g.10gb, GPU 3 as 2× 3g.40gb. */
const a100Node = (name: string): DemoNodePlan => {
  const model = 'NVIDIA A100-SXM4-80GB';
  const whole = [0, 1].map(gpu => ({
    gpu,
    uuid: `GPU-${uuid(`${name}/${gpu}`)}`,
    modelName: model,
    fbTotalMiB: 81920,
  }));
  const mig1g = Array.from({ length: 7 }, (_, i) => ({
    gpu: 2,
    uuid: `MIG-${uuid(`${name}/2/${i}`)}`,
    modelName: model,
    mig: { profile: '1g.10gb', instanceId: 7 + i },
    fbTotalMiB: 9728,
  }));
  const mig3g = [1, 2].map(instanceId => ({
    gpu: 3,
    uuid: `MIG-${uuid(`${name}/3/${instanceId}`)}`,
    modelName: model,
    mig: { profile: '3g.40gb', instanceId },
    fbTotalMiB: 40192,
  }));
  return {
    name,
    labels: {
      ...gfdCommon,
      'node.kubernetes.io/instance-type': 'a100-80gb-x4',
      'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-80GB',
      'nvidia.com/gpu.count': '4',
      'nvidia.com/gpu.memory': '81920',
      'nvidia.com/gpu.family': 'ampere',
      'nvidia.com/gpu.compute.major': '8',
      'nvidia.com/gpu.compute.minor': '0',
      'nvidia.com/gpu.replicas': '1',
      'nvidia.com/gpu.sharing-strategy': 'none',
      'nvidia.com/mig.capable': 'true',
      'nvidia.com/mig.strategy': 'mixed',
      'nvidia.com/mig-1g.10gb.count': '7',
      'nvidia.com/mig-1g.10gb.memory': '9728',
      'nvidia.com/mig-1g.10gb.product': 'NVIDIA-A100-SXM4-80GB-MIG-1g.10gb',
      'nvidia.com/mig-1g.10gb.replicas': '1',
      'nvidia.com/mig-3g.40gb.count': '2',
      'nvidia.com/mig-3g.40gb.memory': '40192',
      'nvidia.com/mig-3g.40gb.product': 'NVIDIA-A100-SXM4-80GB-MIG-3g.40gb',
      'nvidia.com/mig-3g.40gb.replicas': '1',
    },
    capacity: {
      cpu: '96',
      memory: '1031168Mi',
      pods: '110',
      'ephemeral-storage': '1Ti',
      'nvidia.com/gpu': '2',
      'nvidia.com/mig-1g.10gb': '7',
      'nvidia.com/mig-3g.40gb': '2',
    },
    taints: [gpuTaint],
    devices: [...whole, ...mig1g, ...mig3g],
  };
};

export const DEMO_NODES: DemoNodePlan[] = [
  cpuNode('cpu-1'),
  cpuNode('cpu-2'),
  a100Node('gpu-a100-1'),
  a100Node('gpu-a100-2'),
  {
    // Time-slicing with 4 replicas per GPU (renameByDefault false: product gets -SHARED).
    name: 'gpu-rtx-1',
    labels: {
      ...gfdCommon,
      'node.kubernetes.io/instance-type': 'rtx4090-x1',
      'nvidia.com/gpu.product': 'NVIDIA-GeForce-RTX-4090-SHARED',
      'nvidia.com/gpu.count': '1',
      'nvidia.com/gpu.memory': '24564',
      'nvidia.com/gpu.family': 'ada-lovelace',
      'nvidia.com/gpu.compute.major': '8',
      'nvidia.com/gpu.compute.minor': '9',
      'nvidia.com/gpu.replicas': '4',
      'nvidia.com/gpu.sharing-strategy': 'time-slicing',
    },
    capacity: {
      cpu: '24',
      memory: '128000Mi',
      pods: '110',
      'ephemeral-storage': '500Gi',
      'nvidia.com/gpu': '4',
    },
    taints: [gpuTaint],
    devices: [
      {
        gpu: 0,
        uuid: `GPU-${uuid('gpu-rtx-1/0')}`,
        modelName: 'NVIDIA GeForce RTX 4090',
        fbTotalMiB: 24564,
      },
    ],
  },
  {
    // Cordoned for maintenance (kubectl cordon: spec.unschedulable + the taint).
    name: 'gpu-l4-1',
    labels: {
      ...gfdCommon,
      'node.kubernetes.io/instance-type': 'l4-x1',
      'nvidia.com/gpu.product': 'NVIDIA-L4',
      'nvidia.com/gpu.count': '1',
      'nvidia.com/gpu.memory': '23034',
      'nvidia.com/gpu.family': 'ada-lovelace',
      'nvidia.com/gpu.compute.major': '8',
      'nvidia.com/gpu.compute.minor': '9',
      'nvidia.com/gpu.replicas': '1',
      'nvidia.com/gpu.sharing-strategy': 'none',
    },
    capacity: {
      cpu: '16',
      memory: '64000Mi',
      pods: '110',
      'ephemeral-storage': '250Gi',
      'nvidia.com/gpu': '1',
    },
    unschedulable: true,
    taints: [
      gpuTaint,
      { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' },
    ],
    devices: [
      {
        gpu: 0,
        uuid: `GPU-${uuid('gpu-l4-1/0')}`,
        modelName: 'NVIDIA L4',
        fbTotalMiB: 23034,
      },
    ],
  },
];

/** GPU pods outside the catalog that share the fleet (notebooks on the time-sliced RTX). */
export const DEMO_OTHER_GPU_PODS: Array<{
  namespace: string;
  name: string;
  node: string;
  gpu: DemoGpuRequest;
}> = [
  {
    namespace: 'research',
    name: 'jupyter-ana-0',
    node: 'gpu-rtx-1',
    gpu: { resource: 'nvidia.com/gpu', count: 1 },
  },
  {
    namespace: 'research',
    name: 'jupyter-ben-0',
    node: 'gpu-rtx-1',
    gpu: { resource: 'nvidia.com/gpu', count: 1 },
  },
];

/** Every pod that holds GPUs, per node: what the scheduler would count. */
function gpuRequestsByNode(): Map<string, Record<string, number>> {
  const out = new Map<string, Record<string, number>>();
  const add = (node: string, gpu: DemoGpuRequest) => {
    const held = out.get(node) ?? {};
    held[gpu.resource] = (held[gpu.resource] ?? 0) + gpu.count;
    out.set(node, held);
  };
  for (const s of DEMO_SERVICES) {
    for (const p of s.pods) if (p.node && s.gpu) add(p.node, s.gpu);
  }
  for (const p of DEMO_OTHER_GPU_PODS) add(p.node, p.gpu);
  return out;
}

/**
 * The scheduler's FitError for a pod no node takes, from the seeded nodes
 * (filters in kube-scheduler 1.20's order: NodeUnschedulable,
 * TaintToleration, NodeAffinity, NodeResourcesFit; reasons sorted), e.g.
 * `0/6 nodes are available: 1 node(s) were unschedulable, 2 Insufficient nvidia.com/gpu, 3 node(s) didn't match node selector.`
 */
export function demoSchedulerMessage(gpu: DemoGpuRequest): string {
  const held = gpuRequestsByNode();
  const reasons = new Map<string, number>();
  const count = (r: string) => reasons.set(r, (reasons.get(r) ?? 0) + 1);
  for (const node of DEMO_NODES) {
    if (node.unschedulable) {
      count('node(s) were unschedulable');
      continue;
    }
    // GPU pods tolerate nvidia.com/gpu; nothing else is tainted here.
    const untolerated = node.taints.find(t => t.key !== 'nvidia.com/gpu');
    if (untolerated) {
      count(
        `node(s) had taint {${untolerated.key}: ${
          untolerated.value ?? ''
        }}, that the pod didn't tolerate`,
      );
      continue;
    }
    const selector = Object.entries(gpu.nodeSelector ?? {});
    if (selector.some(([k, v]) => node.labels[k] !== v)) {
      count("node(s) didn't match node selector");
      continue;
    }
    const free =
      Number(node.capacity[gpu.resource] ?? 0) -
      (held.get(node.name)?.[gpu.resource] ?? 0);
    if (free < gpu.count) count(`Insufficient ${gpu.resource}`);
  }
  const parts = [...reasons].map(([reason, n]) => `${n} ${reason}`).sort();
  return `0/${DEMO_NODES.length} nodes are available: ${parts.join(', ')}.`;
}

/** One pod of the demo, as planned (the cluster seed creates exactly these). */
export interface DemoPod {
  service: string;
  namespace: string;
  name: string;
  node?: string;
  state: DemoPodState;
  gpu?: DemoGpuRequest;
}

/** Every pod of the demo services, in scenario order. */
export function demoPods(): DemoPod[] {
  return DEMO_SERVICES.flatMap(service => {
    const names = demoPodNames(service);
    return service.pods.map((plan, i) => ({
      service: service.name,
      namespace: service.namespace,
      name: names[i],
      ...(plan.node ? { node: plan.node } : {}),
      state: plan.state,
      ...(service.gpu ? { gpu: service.gpu } : {}),
    }));
  });
}

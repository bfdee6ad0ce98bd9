/**
 * The benchmark fleet as a plan (pure, deterministic for a size): clusters,
 * CPU and GPU nodes of mixed products (MIG, time-sliced, whole GPUs), model
 * services with their image tags, builds and GitOps state, and every pod with
 * the node it is bound to and the state a kubelet would report. The seeders
 * (seedCluster.ts, upstreams.ts) create exactly this through the real APIs.
 */
import { createHash } from 'node:crypto';
import { Rng, randInt, seededRng } from '../rng';

export interface FleetSize {
  services: number;
  /** Every pod of every cluster, node-exporter daemons included. */
  pods: number;
  clusters: number;
  /** GPU nodes over all clusters. */
  gpuNodes: number;
  /** Extra catalog entities (`<service>-shadow`, same annotations) for the fleet route's 1,000. */
  shadowEntities: number;
}

export const FULL_SIZE: FleetSize = {
  services: 500,
  pods: 10_000,
  clusters: 3,
  gpuNodes: 60,
  shadowEntities: 500,
};

export const QUICK_SIZE: FleetSize = {
  services: 60,
  pods: 900,
  clusters: 3,
  gpuNodes: 12,
  shadowEntities: 60,
};

/** The host image references use; the generated config maps it to the real registry. */
export const BENCH_REGISTRY_HOST = 'registry.bench.local';
export const BENCH_GITOPS_REPO = 'https://git.bench.local/gitops/models.git';
export const KUBERNETES_ID = 'backstage.io/kubernetes-id';
export const CONTAINER = 'model-server';
export const TEAMS = 20;
/** Pods a CPU node takes (kubelet's default max-pods). */
export const PODS_PER_CPU_NODE = 110;

export type GpuProductKind = 'a100-mig' | 'h100' | 'l4-shared' | 'a10g';

export interface GpuRequest {
  resource: string;
  count: number;
  nodeSelector?: Record<string, string>;
}

export interface NodePlan {
  name: string;
  cluster: string;
  /** 1-based within its cluster (hostIP 10.<cluster>.<n/250>.<n%250>). */
  index: number;
  product?: GpuProductKind;
  labels: Record<string, string>;
  capacity: Record<string, string>;
  taints: Array<{ key: string; value?: string; effect: string }>;
}

export type PodState =
  | 'running'
  | 'crash-loop'
  | 'image-pull-backoff'
  | 'unschedulable';

export interface PodPlan {
  cluster: string;
  namespace: string;
  name: string;
  /** Index into FleetPlan.services; undefined for node-exporter daemons. */
  service?: number;
  node?: string;
  state: PodState;
  /** The scheduler's message, for unschedulable pods. */
  schedulerMessage?: string;
}

export interface TagPlan {
  tag: string;
  /** Full git SHA (`org.opencontainers.image.revision`, the build's commit). */
  revision: string;
  /** Hours before the run started. */
  ageHours: number;
}

export interface ServicePlan {
  index: number;
  name: string;
  namespace: string;
  /** Registry repository under BENCH_REGISTRY_HOST. */
  repository: string;
  jenkinsJob: string;
  /** Newest first. */
  tags: TagPlan[];
  /** Index into tags of what the pods run. */
  runningTag: number;
  /** Index into tags of what GitOps asks for. */
  desiredTag: number;
  autoSync: boolean;
  /** Newest Jenkins build: success, failed at "Push image", or building. */
  build: 'success' | 'failed' | 'building';
  gpu?: GpuRequest;
  /** Replicas per cluster (cluster name → count). */
  replicas: Record<string, number>;
  /** `pod-template-hash` of the running ReplicaSet. */
  templateHash: string;
  /** The model server reports this model not ready. */
  modelNotReady: boolean;
}

export interface ClusterPlan {
  name: string;
  index: number;
  nodes: NodePlan[];
}

export interface FleetPlan {
  size: FleetSize;
  clusters: ClusterPlan[];
  services: ServicePlan[];
  pods: PodPlan[];
  namespaces: string[];
}

const KINDS = [
  'fraud-scorer',
  'churn',
  'ranker',
  'embedder',
  'llm-chat',
  'vision',
  'asr',
  'forecast',
  'recsys',
  'ocr',
];
const POD_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');

/** Kubernetes-style random-looking suffix, stable for a seed. */
export function suffix(seed: string, length: number): string {
  const bytes = createHash('sha1').update(seed).digest();
  let out = '';
  for (let i = 0; i < length; i++)
    out += POD_ALPHABET[bytes[i] % POD_ALPHABET.length];
  return out;
}

export function clusterName(i: number): string {
  return ['prod-eu', 'prod-us', 'prod-ap'][i] ?? `prod-${i + 1}`;
}

export function teamNamespace(i: number): string {
  return `team-${String(i % TEAMS).padStart(2, '0')}`;
}

export function serviceName(i: number): string {
  return `${KINDS[i % KINDS.length]}-${String(i).padStart(3, '0')}`;
}

/** `registry.bench.local/<repository>:<tag>` */
export function imageRef(service: ServicePlan, tagIndex: number): string {
  return `${BENCH_REGISTRY_HOST}/${service.repository}:${service.tags[tagIndex].tag}`;
}

const gfdCommon = {
  'nvidia.com/gpu.present': 'true',
  'nvidia.com/cuda.driver-version.major': '550',
  'nvidia.com/cuda.driver-version.minor': '54',
  'nvidia.com/cuda.driver-version.revision': '15',
  'nvidia.com/cuda.runtime-version.major': '12',
  'nvidia.com/cuda.runtime-version.minor': '4',
};

export const GPU_PRODUCTS: Record<
  GpuProductKind,
  {
    product: string;
    labels: Record<string, string>;
    capacity: Record<string, string>;
  }
> = {
  // MIG strategy mixed: GPUs 0–1 whole, GPU 2 as 7× 1g.10gb, GPU 3 as 2× 3g.40gb.
  'a100-mig': {
    product: 'NVIDIA-A100-SXM4-80GB',
    labels: {
      'node.kubernetes.io/instance-type': 'a100-80gb-x4',
      'nvidia.com/gpu.count': '4',
      'nvidia.com/gpu.memory': '81920',
      'nvidia.com/gpu.family': 'ampere',
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
      'nvidia.com/gpu': '2',
      'nvidia.com/mig-1g.10gb': '7',
      'nvidia.com/mig-3g.40gb': '2',
    },
  },
  h100: {
    product: 'NVIDIA-H100-80GB-HBM3',
    labels: {
      'node.kubernetes.io/instance-type': 'h100-80gb-x8',
      'nvidia.com/gpu.count': '8',
      'nvidia.com/gpu.memory': '81559',
      'nvidia.com/gpu.family': 'hopper',
      'nvidia.com/gpu.replicas': '1',
      'nvidia.com/gpu.sharing-strategy': 'none',
      'nvidia.com/mig.capable': 'true',
      'nvidia.com/mig.strategy': 'none',
    },
    capacity: { cpu: '192', memory: '2063104Mi', 'nvidia.com/gpu': '8' },
  },
  // Time-slicing, 4 replicas per GPU, renameByDefault false: the product gets -SHARED.
  'l4-shared': {
    product: 'NVIDIA-L4-SHARED',
    labels: {
      'node.kubernetes.io/instance-type': 'l4-x4',
      'nvidia.com/gpu.count': '4',
      'nvidia.com/gpu.memory': '23034',
      'nvidia.com/gpu.family': 'ada-lovelace',
      'nvidia.com/gpu.replicas': '4',
      'nvidia.com/gpu.sharing-strategy': 'time-slicing',
    },
    capacity: { cpu: '48', memory: '196608Mi', 'nvidia.com/gpu': '16' },
  },
  a10g: {
    product: 'NVIDIA-A10G',
    labels: {
      'node.kubernetes.io/instance-type': 'a10g-x4',
      'nvidia.com/gpu.count': '4',
      'nvidia.com/gpu.memory': '23028',
      'nvidia.com/gpu.family': 'ampere',
      'nvidia.com/gpu.replicas': '1',
      'nvidia.com/gpu.sharing-strategy': 'none',
    },
    capacity: { cpu: '48', memory: '196608Mi', 'nvidia.com/gpu': '4' },
  },
};

const PRODUCT_ORDER: GpuProductKind[] = [
  'a100-mig',
  'h100',
  'l4-shared',
  'a10g',
];

/** GPU requests of GPU services, in rotation: MIG slices, whole GPUs of each product, time-sliced shares. */
const GPU_REQUESTS: GpuRequest[] = [
  { resource: 'nvidia.com/mig-1g.10gb', count: 1 },
  {
    resource: 'nvidia.com/gpu',
    count: 2,
    nodeSelector: { 'nvidia.com/gpu.product': GPU_PRODUCTS.h100.product },
  },
  {
    resource: 'nvidia.com/gpu',
    count: 1,
    nodeSelector: {
      'nvidia.com/gpu.product': GPU_PRODUCTS['l4-shared'].product,
    },
  },
  {
    resource: 'nvidia.com/gpu',
    count: 1,
    nodeSelector: { 'nvidia.com/gpu.product': GPU_PRODUCTS.a10g.product },
  },
  {
    resource: 'nvidia.com/gpu',
    count: 1,
    nodeSelector: {
      'nvidia.com/gpu.product': GPU_PRODUCTS['a100-mig'].product,
    },
  },
];

function gpuNode(
  cluster: string,
  index: number,
  product: GpuProductKind,
  n: number,
): NodePlan {
  const p = GPU_PRODUCTS[product];
  const name = `${cluster}-gpu-${product}-${String(n).padStart(2, '0')}`;
  return {
    name,
    cluster,
    index,
    product,
    labels: {
      'kubernetes.io/hostname': name,
      'kubernetes.io/os': 'linux',
      'kubernetes.io/arch': 'amd64',
      ...gfdCommon,
      'nvidia.com/gpu.product': p.product,
      ...p.labels,
    },
    capacity: {
      pods: '110',
      'ephemeral-storage': '1Ti',
      ...p.capacity,
    },
    taints: [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }],
  };
}

function cpuNode(cluster: string, index: number, n: number): NodePlan {
  const name = `${cluster}-cpu-${String(n).padStart(3, '0')}`;
  return {
    name,
    cluster,
    index,
    labels: {
      'kubernetes.io/hostname': name,
      'kubernetes.io/os': 'linux',
      'kubernetes.io/arch': 'amd64',
      'node.kubernetes.io/instance-type': 'cpu-64',
    },
    capacity: {
      cpu: '64',
      memory: '262144Mi',
      pods: String(PODS_PER_CPU_NODE),
      'ephemeral-storage': '500Gi',
    },
    taints: [],
  };
}

/**
 * Splits `total` into parts proportional to `weights` (largest remainder),
 * each at least `min` when total allows it.
 */
export function apportion(total: number, weights: number[], min = 1): number[] {
  const n = weights.length;
  if (n === 0) return [];
  const floor = Math.min(min, Math.floor(total / n));
  const rest = total - floor * n;
  const sum = weights.reduce((a, b) => a + b, 0) || 1;
  const exact = weights.map(w => (w / sum) * rest);
  const parts = exact.map(x => Math.floor(x));
  let left = rest - parts.reduce((a, b) => a + b, 0);
  const order = exact
    .map((x, i) => [x - Math.floor(x), i] as const)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let k = 0; left > 0; k = (k + 1) % n, left--) parts[order[k][1]]++;
  return parts.map(p => p + floor);
}

/** The newest build of a service: 5 % failed, 3 % running, the rest green. */
function buildOutcome(r: number): ServicePlan['build'] {
  if (r < 0.05) return 'failed';
  if (r < 0.08) return 'building';
  return 'success';
}

/** The whole fleet for a size; the same size always gives the same plan. */
export function planFleet(size: FleetSize, seed = 6): FleetPlan {
  if (size.clusters < 1) throw new Error('at least one cluster');
  if (size.services < 1) throw new Error('at least one service');
  const rng: Rng = seededRng(seed);
  const clusterNames = Array.from({ length: size.clusters }, (_, i) =>
    clusterName(i),
  );

  // --- services (clusters, replicas decided below)
  const gpuServiceCount = Math.round(size.services * 0.2);
  const services: ServicePlan[] = [];
  for (let i = 0; i < size.services; i++) {
    const name = serviceName(i);
    const namespace = teamNamespace(i);
    const repository = `${namespace}/${name}`;
    const tagCount = i % 3 === 0 ? 2 : 1;
    const tags: TagPlan[] = Array.from({ length: tagCount }, (_, t) => {
      const revision = sha1(`${repository}#${t}`);
      return {
        tag: revision.slice(0, 7),
        revision,
        ageHours: 2 + t * 30 + (i % 17),
      };
    });
    // A tenth of the two-tag services still run the previous tag while GitOps asks for the newest.
    const lagging = tagCount === 2 && i % 10 === 3;
    const r = rng();
    services.push({
      index: i,
      name,
      namespace,
      repository,
      jenkinsJob: `${namespace}/${name}`,
      tags,
      runningTag: lagging ? 1 : 0,
      desiredTag: 0,
      autoSync: !lagging,
      build: buildOutcome(r),
      ...(i % 5 === 2 && services.filter(s => s.gpu).length < gpuServiceCount
        ? { gpu: GPU_REQUESTS[Math.floor(i / 5) % GPU_REQUESTS.length] }
        : {}),
      replicas: {},
      templateHash: suffix(`${name}@${lagging ? 1 : 0}`, 10),
      modelNotReady: rng() < 0.02,
    });
  }

  // --- GPU nodes, spread over the clusters and the products
  const clusters: ClusterPlan[] = clusterNames.map((name, index) => ({
    name,
    index,
    nodes: [],
  }));
  for (let g = 0; g < size.gpuNodes; g++) {
    const c = clusters[g % clusters.length];
    const product = PRODUCT_ORDER[Math.floor(g / clusters.length) % 4];
    const n = c.nodes.filter(x => x.product === product).length + 1;
    c.nodes.push(gpuNode(c.name, c.nodes.length + 1, product, n));
  }

  // --- where services run: a home cluster; every tenth also in the next one
  const homes = services.map(s => [
    clusterNames[s.index % clusterNames.length],
    ...(s.index % 10 === 7 && clusterNames.length > 1
      ? [clusterNames[(s.index + 1) % clusterNames.length]]
      : []),
  ]);

  // --- pod budget: one node-exporter per node, GPU services 2–3 replicas, CPU services the rest
  for (const s of services) {
    if (!s.gpu) continue;
    for (const c of homes[s.index]) s.replicas[c] = randInt(rng, 2, 3);
  }
  const gpuPods = services.reduce(
    (n, s) => n + Object.values(s.replicas).reduce((a, b) => a + b, 0),
    0,
  );
  // CPU nodes are sized to hold the CPU pods; node-exporters count as pods too.
  const cpuServices = services.filter(s => !s.gpu);
  const placements = cpuServices.flatMap(s =>
    homes[s.index].map(c => ({ s, c })),
  );
  // Solve for the CPU node count: pods = gpuPods + exporters + cpuPods.
  let cpuNodeTotal = clusters.length;
  for (;;) {
    const exporters = size.gpuNodes + cpuNodeTotal;
    const cpuPods = size.pods - gpuPods - exporters;
    const needed = Math.max(
      clusters.length,
      Math.ceil((cpuPods + cpuNodeTotal) / (PODS_PER_CPU_NODE - 10)),
    );
    if (needed <= cpuNodeTotal) break;
    cpuNodeTotal = needed;
  }
  const cpuPodTotal = size.pods - gpuPods - (size.gpuNodes + cpuNodeTotal);
  if (cpuPodTotal < placements.length) {
    throw new Error(
      `${size.pods} pods are too few for ${size.services} services on ${
        size.gpuNodes + cpuNodeTotal
      } nodes`,
    );
  }
  const weights = placements.map(() => 0.3 + rng() * 1.7);
  const counts = apportion(cpuPodTotal, weights, 1);
  placements.forEach(({ s, c }, k) => {
    s.replicas[c] = counts[k];
  });
  const perCluster = apportion(
    cpuNodeTotal,
    clusters.map(c =>
      placements
        .filter(p => p.c === c.name)
        .reduce((n, p) => n + p.s.replicas[p.c], 0),
    ),
    1,
  );
  clusters.forEach((c, ci) => {
    for (let n = 1; n <= perCluster[ci]; n++)
      c.nodes.push(cpuNode(c.name, c.nodes.length + 1, n));
  });

  // --- bind pods to nodes (first fit by free resources), decide states
  const pods: PodPlan[] = [];
  for (const c of clusters) {
    const free = new Map<string, Record<string, number>>();
    for (const node of c.nodes) {
      const f: Record<string, number> = { pods: Number(node.capacity.pods) };
      for (const [k, v] of Object.entries(node.capacity))
        if (k.startsWith('nvidia.com/')) f[k] = Number(v);
      free.set(node.name, f);
    }
    // Daemons first: every node runs a node-exporter.
    for (const node of c.nodes) {
      free.get(node.name)!.pods--;
      pods.push({
        cluster: c.name,
        namespace: 'monitoring',
        name: `node-exporter-${suffix(`${node.name}/ne`, 5)}`,
        node: node.name,
        state: 'running',
      });
    }
    const cpuNodes = c.nodes.filter(n => !n.product);
    let rr = 0;
    for (const s of services) {
      const count = s.replicas[c.name] ?? 0;
      for (let k = 0; k < count; k++) {
        const name = `${s.name}-${s.templateHash}-${suffix(
          `${c.name}/${s.name}#${k}`,
          5,
        )}`;
        let node: NodePlan | undefined;
        if (s.gpu) {
          const gpu = s.gpu;
          node = c.nodes.find(n => {
            if (!n.product) return false;
            const sel = Object.entries(gpu.nodeSelector ?? {});
            if (sel.some(([kk, v]) => n.labels[kk] !== v)) return false;
            const f = free.get(n.name)!;
            return f.pods > 0 && (f[gpu.resource] ?? 0) >= gpu.count;
          });
          if (node) {
            const f = free.get(node.name)!;
            f.pods--;
            f[gpu.resource] -= gpu.count;
          }
        } else {
          for (let tries = 0; tries < cpuNodes.length; tries++) {
            const candidate = cpuNodes[rr++ % cpuNodes.length];
            if (free.get(candidate.name)!.pods > 0) {
              node = candidate;
              free.get(candidate.name)!.pods--;
              break;
            }
          }
        }
        let state: PodState = 'running';
        const r = rng();
        if (!node) state = 'unschedulable';
        else if (r < 0.01) state = 'crash-loop';
        else if (r < 0.015) state = 'image-pull-backoff';
        pods.push({
          cluster: c.name,
          namespace: s.namespace,
          name,
          service: s.index,
          ...(node ? { node: node.name } : {}),
          state,
          ...(node
            ? {}
            : {
                schedulerMessage: schedulerMessage(
                  c,
                  s.gpu ?? { resource: 'pods', count: 1 },
                  free,
                ),
              }),
        });
      }
    }
  }
  const namespaces = [
    ...new Set(services.map(s => s.namespace)),
    'monitoring',
  ].sort();
  return { size, clusters, services, pods, namespaces };
}

/** kube-scheduler 1.20's FitError text for a pod no node takes (reasons sorted). */
function schedulerMessage(
  c: ClusterPlan,
  gpu: GpuRequest,
  free: Map<string, Record<string, number>>,
): string {
  const reasons = new Map<string, number>();
  const count = (r: string) => reasons.set(r, (reasons.get(r) ?? 0) + 1);
  for (const node of c.nodes) {
    const sel = Object.entries(gpu.nodeSelector ?? {});
    if (sel.some(([k, v]) => node.labels[k] !== v)) {
      count("node(s) didn't match node selector");
      continue;
    }
    if ((free.get(node.name)?.[gpu.resource] ?? 0) < gpu.count)
      count(`Insufficient ${gpu.resource}`);
  }
  const parts = [...reasons].map(([r, n]) => `${n} ${r}`).sort();
  return `0/${c.nodes.length} nodes are available: ${parts.join(', ')}.`;
}

/** Counts for the README and the log line. */
export function describeFleet(plan: FleetPlan): string {
  const gpuNodes = plan.clusters.flatMap(c => c.nodes).filter(n => n.product);
  const byProduct = new Map<string, number>();
  for (const n of gpuNodes)
    byProduct.set(n.product!, (byProduct.get(n.product!) ?? 0) + 1);
  const states = new Map<string, number>();
  for (const p of plan.pods)
    states.set(p.state, (states.get(p.state) ?? 0) + 1);
  const nodes = plan.clusters.reduce((n, c) => n + c.nodes.length, 0);
  return (
    `${plan.clusters.length} clusters, ${plan.services.length} services ` +
    `(${plan.services.filter(s => s.gpu).length} on GPUs), ${
      plan.pods.length
    } pods (${[...states].map(([k, v]) => `${v} ${k}`).join(', ')}), ` +
    `${nodes} nodes of which ${gpuNodes.length} GPU (${[...byProduct]
      .map(([k, v]) => `${v} ${k}`)
      .join(', ')})`
  );
}

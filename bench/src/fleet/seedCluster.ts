/**
 * Seeds one real kube-apiserver with its part of the fleet plan, through the
 * API with bounded concurrency: namespaces, nodes (taints, capacity and
 * allocatable via the status subresource), the node-exporter DaemonSet, per
 * service a Deployment, its ReplicaSet and Service, and every pod with the
 * status a kubelet or the scheduler would write. Also makes one read-only
 * ServiceAccount per benchmarked backend, so the audit log tells their
 * requests apart.
 */
import pLimit from 'p-limit';
import { KubeWriter } from './kubeWriter';
import {
  DigestOf,
  deploymentObject,
  deploymentStatus,
  nodeObject,
  nodeStatus,
  podAddresses,
  podObject,
  podStatus,
  replicaSetObject,
  serviceObject,
} from './objects';
import { BENCH_REGISTRY_HOST, FleetPlan, imageRef } from './plan';

export const BENCH_NAMESPACE = 'mlops-bench';
export const BENCH_READER_ROLE = 'mlops-bench-read-only';
/** ServiceAccount per backend; the audit log names them `system:serviceaccount:mlops-bench:<name>`. */
export const BENCH_ACCOUNTS = {
  ours: 'backend-ours',
  baseline: 'backend-baseline',
} as const;
export type BackendId = keyof typeof BENCH_ACCOUNTS;

export function accountUsername(id: BackendId): string {
  return `system:serviceaccount:${BENCH_NAMESPACE}:${BENCH_ACCOUNTS[id]}`;
}

const AUDIENCE = 'https://kubernetes.default.svc.cluster.local';

export interface SeededCluster {
  name: string;
  /** TokenRequest tokens of the read-only accounts, per backend. */
  tokens: Record<BackendId, string>;
  writes: number;
  ms: number;
}

/** Read-only accounts for the two backends (get/list/watch everything). */
async function createReaders(
  kube: KubeWriter,
): Promise<Record<BackendId, string>> {
  await kube.create('namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: BENCH_NAMESPACE },
  });
  await kube.create('clusterroles', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: BENCH_READER_ROLE },
    rules: [
      { apiGroups: ['*'], resources: ['*'], verbs: ['get', 'list', 'watch'] },
    ],
  });
  const tokens = {} as Record<BackendId, string>;
  for (const id of Object.keys(BENCH_ACCOUNTS) as BackendId[]) {
    const name = BENCH_ACCOUNTS[id];
    await kube.create('serviceaccounts', {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name, namespace: BENCH_NAMESPACE },
      automountServiceAccountToken: false,
    });
    await kube.create('clusterrolebindings', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: `${BENCH_READER_ROLE}-${name}` },
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: BENCH_READER_ROLE,
      },
      subjects: [{ kind: 'ServiceAccount', name, namespace: BENCH_NAMESPACE }],
    });
    const answer = await kube.send<{ status: { token: string } }>(
      'POST',
      `/api/v1/namespaces/${BENCH_NAMESPACE}/serviceaccounts/${name}/token`,
      {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { audiences: [AUDIENCE], expirationSeconds: 48 * 3600 },
      },
    );
    tokens[id] = answer.status.token;
  }
  return tokens;
}

export interface SeedClusterOptions {
  plan: FleetPlan;
  cluster: string;
  digestOf: DigestOf;
  now: number;
  /** Requests in flight against this apiserver (default 12). */
  concurrency?: number;
}

export async function seedCluster(
  kube: KubeWriter,
  options: SeedClusterOptions,
): Promise<SeededCluster> {
  const started = Date.now();
  const { plan, cluster, digestOf, now } = options;
  const limit = pLimit(options.concurrency ?? 12);
  let writes = 0;
  const w = <T>(f: () => Promise<T>) =>
    limit(async () => {
      writes++;
      return f();
    });
  const c = plan.clusters.find(x => x.name === cluster);
  if (!c) throw new Error(`no cluster ${cluster} in the plan`);
  const clusterPods = plan.pods.filter(p => p.cluster === cluster);
  const services = plan.services.filter(s => (s.replicas[cluster] ?? 0) > 0);

  const [tokens] = await Promise.all([
    createReaders(kube),
    ...plan.namespaces.map(name =>
      w(() =>
        kube.create('namespaces', {
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name, labels: { 'kubernetes.io/metadata.name': name } },
        }),
      ),
    ),
  ]);

  // Nodes: create, drop the not-ready taint admission adds, write status (no kubelet here).
  await Promise.all(
    c.nodes.map(async node => {
      await w(() => kube.create('nodes', nodeObject(node)));
      await w(() =>
        kube.patch('v1', 'nodes', undefined, node.name, {
          spec: { taints: node.taints.length ? node.taints : null },
        }),
      );
      await w(() =>
        kube.patchStatus(
          'v1',
          'nodes',
          undefined,
          node.name,
          nodeStatus(node, c.index, now),
        ),
      );
    }),
  );

  // The node-exporter DaemonSet, owner of one pod per node.
  const ds = await w(() =>
    kube.create('daemonsets', {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: {
        name: 'node-exporter',
        namespace: 'monitoring',
        labels: { 'app.kubernetes.io/name': 'node-exporter' },
      },
      spec: {
        selector: {
          matchLabels: { 'app.kubernetes.io/name': 'node-exporter' },
        },
        template: {
          metadata: { labels: { 'app.kubernetes.io/name': 'node-exporter' } },
          spec: {
            hostNetwork: true,
            tolerations: [{ operator: 'Exists' }],
            containers: [
              {
                name: 'node-exporter',
                image: 'quay.io/prometheus/node-exporter:v1.8.2',
              },
            ],
          },
        },
      },
    }),
  );
  await w(() =>
    kube.patchStatus('apps/v1', 'daemonsets', 'monitoring', 'node-exporter', {
      currentNumberScheduled: c.nodes.length,
      desiredNumberScheduled: c.nodes.length,
      numberAvailable: c.nodes.length,
      numberMisscheduled: 0,
      numberReady: c.nodes.length,
      updatedNumberScheduled: c.nodes.length,
      observedGeneration: 1,
    }),
  );

  // Per service: Deployment (+status), ReplicaSet (+status), Service, then its pods.
  const exporterOwner = {
    kind: 'DaemonSet',
    name: 'node-exporter',
    uid: String(ds.metadata.uid),
  };
  await Promise.all([
    ...clusterPods
      .filter(p => p.service === undefined)
      .map(p => seedPod(p, exporterOwner)),
    ...services.map(async s => {
      const replicas = s.replicas[cluster];
      const mine = clusterPods.filter(p => p.service === s.index);
      const ready = mine.filter(p => p.state === 'running').length;
      const since = now - (s.tags[s.runningTag].ageHours - 1) * 3_600_000;
      const dep = await w(() =>
        kube.create('deployments', deploymentObject(s, replicas)),
      );
      await w(() =>
        kube.patchStatus(
          'apps/v1',
          'deployments',
          s.namespace,
          s.name,
          deploymentStatus(s, replicas, ready, since),
        ),
      );
      const rs = await w(() =>
        kube.create(
          'replicasets',
          replicaSetObject(s, replicas, String(dep.metadata.uid)),
        ),
      );
      await w(() =>
        kube.patchStatus(
          'apps/v1',
          'replicasets',
          s.namespace,
          rs.metadata.name,
          {
            replicas,
            fullyLabeledReplicas: replicas,
            readyReplicas: ready,
            availableReplicas: ready,
            observedGeneration: 1,
          },
        ),
      );
      await w(() => kube.create('services', serviceObject(s)));
      const owner = {
        kind: 'ReplicaSet',
        name: rs.metadata.name,
        uid: String(rs.metadata.uid),
      };
      await Promise.all(mine.map(p => seedPod(p, owner)));
    }),
  ]);

  async function seedPod(
    p: FleetPlan['pods'][number],
    owner: { kind: string; name: string; uid: string },
  ) {
    await w(() => kube.create('pods', podObject(p, plan, owner)));
    const s = p.service !== undefined ? plan.services[p.service] : undefined;
    const image = s
      ? imageRef(s, s.runningTag)
      : 'quay.io/prometheus/node-exporter:v1.8.2';
    const digest = s
      ? digestOf(s.repository, s.tags[s.runningTag].tag)
      : `sha256:${'4'.repeat(64)}`;
    const imageID = s
      ? `${BENCH_REGISTRY_HOST}/${s.repository}@${digest}`
      : `quay.io/prometheus/node-exporter@${digest}`;
    const startedAt = s
      ? now - (s.tags[s.runningTag].ageHours - 1) * 3_600_000
      : now - 9 * 86_400_000;
    await w(() =>
      kube.patchStatus(
        'v1',
        'pods',
        p.namespace,
        p.name,
        podStatus({
          pod: p,
          state: p.state,
          image,
          imageID,
          ...podAddresses(p, plan),
          startedAt,
          now,
          ...(s ? {} : { container: 'node-exporter' }),
        }),
      ),
    );
  }

  return { name: cluster, tokens, writes, ms: Date.now() - started };
}

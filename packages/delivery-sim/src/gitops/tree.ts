/**
 * The application's resource tree as Argo CD serves it
 * (`GET /api/v1/applications/{name}/resource-tree`): the managed live
 * objects plus the ReplicaSets and Pods they own (whoever created those, e.g.
 * the delivery loop's kubelet stand-in), with health, images and pod info.
 */
import type { ApplicationTree, ResourceNode } from '@internal/simulators';
import { KubeClient } from '@internal/test-env';
import { resourceHealth } from './health';
import { asObj, Obj } from './objects';
import { AppComparison, imagesOf } from './state';

interface Owner {
  uid?: string;
  kind?: string;
  name?: string;
}

function ownersOf(o: Obj): Owner[] {
  const owners = asObj(o.metadata).ownerReferences;
  return Array.isArray(owners) ? (owners as Owner[]) : [];
}

function podInfo(pod: Obj): Array<{ name: string; value: string }> {
  const status = asObj(pod.status);
  const statuses = (status.containerStatuses as Obj[] | undefined) ?? [];
  const total = ((asObj(pod.spec).containers as unknown[]) ?? []).length;
  const ready = statuses.filter(s => s.ready === true).length;
  const restarts = statuses.reduce(
    (n, s) => n + (typeof s.restartCount === 'number' ? s.restartCount : 0),
    0,
  );
  let reason = String(status.reason ?? status.phase ?? 'Unknown');
  for (const s of statuses) {
    const waiting = asObj(asObj(s.state).waiting);
    const terminated = asObj(asObj(s.state).terminated);
    if (waiting.reason) reason = String(waiting.reason);
    else if (terminated.reason) reason = String(terminated.reason);
  }
  const nodeName = asObj(pod.spec).nodeName;
  return [
    { name: 'Status Reason', value: reason },
    ...(nodeName ? [{ name: 'Node', value: String(nodeName) }] : []),
    { name: 'Containers', value: `${ready}/${total}` },
    ...(restarts ? [{ name: 'Restart Count', value: String(restarts) }] : []),
  ];
}

function node(
  apiVersion: string,
  kind: string,
  o: Obj,
  parent?: {
    group: string;
    kind: string;
    namespace: string;
    name: string;
    uid: string;
  },
): ResourceNode {
  const metadata = asObj(o.metadata);
  const i = apiVersion.indexOf('/');
  const health = resourceHealth(kind, o);
  return {
    group: i < 0 ? '' : apiVersion.slice(0, i),
    version: i < 0 ? apiVersion : apiVersion.slice(i + 1),
    kind,
    namespace: String(metadata.namespace ?? ''),
    name: String(metadata.name ?? ''),
    uid: String(metadata.uid ?? ''),
    resourceVersion: String(metadata.resourceVersion ?? ''),
    ...(parent ? { parentRefs: [parent] } : {}),
    info: kind === 'Pod' ? podInfo(o) : [],
    ...(kind === 'Pod' ? { images: imagesOf('Pod', o) } : {}),
    ...(health ? { health } : {}),
    createdAt: String(metadata.creationTimestamp ?? ''),
  };
}

const ref = (n: ResourceNode) => ({
  group: n.group ?? '',
  kind: n.kind,
  namespace: n.namespace ?? '',
  name: n.name,
  uid: n.uid ?? '',
});

async function listIn(
  kube: KubeClient,
  apiVersion: string,
  kind: string,
  namespace: string,
): Promise<Obj[]> {
  const reply = await kube.list(apiVersion, kind, { namespace });
  if (reply.status !== 200 || !reply.json) return [];
  return (reply.json.items as Obj[] | undefined) ?? [];
}

/** The tree of the compared app: managed live objects, their ReplicaSets and Pods. */
export async function buildTree(
  kube: KubeClient,
  comparison: AppComparison,
): Promise<ApplicationTree> {
  const nodes: ResourceNode[] = [];
  const deployments: ResourceNode[] = [];
  for (const r of comparison.resources) {
    if (!r.live) continue;
    const n = node(r.apiVersion, r.kind, r.live);
    nodes.push(n);
    if (r.kind === 'Deployment') deployments.push(n);
  }
  const namespaces = [...new Set(deployments.map(d => d.namespace ?? ''))];
  for (const ns of namespaces) {
    const [replicaSets, pods] = await Promise.all([
      listIn(kube, 'apps/v1', 'ReplicaSet', ns),
      listIn(kube, 'v1', 'Pod', ns),
    ]);
    const byUid = new Map(deployments.map(d => [d.uid, d]));
    const rsNodes = new Map<string, ResourceNode>();
    for (const rs of replicaSets) {
      const owner = ownersOf(rs).find(o => o.uid && byUid.has(o.uid));
      if (!owner) continue;
      const n = node('apps/v1', 'ReplicaSet', rs, ref(byUid.get(owner.uid!)!));
      rsNodes.set(n.uid ?? '', n);
      nodes.push(n);
    }
    for (const pod of pods) {
      const owner = ownersOf(pod).find(o => o.uid && rsNodes.has(o.uid));
      if (!owner) continue;
      nodes.push(node('v1', 'Pod', pod, ref(rsNodes.get(owner.uid!)!)));
    }
  }
  return { nodes, orphanedNodes: [] };
}

/** Images of the tree's pods (what Argo CD's `status.summary.images` lists), sorted. */
export function treeImages(tree: ApplicationTree): string[] {
  return [...new Set(tree.nodes.flatMap(n => n.images ?? []))].sort();
}

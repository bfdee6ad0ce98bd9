/**
 * The kubelet stand-in (simulator) of the delivery loop: what the deployment
 * controller, the scheduler and the kubelets of a real cluster would do to
 * the real kube-apiserver, in one polling controller. It is none of them.
 *
 * Each tick (every `pollMs`, one at a time, at most `maxWritesPerTick`
 * writes) it lists the nodes, all pods and the Deployments of its
 * namespaces, then:
 * - rolls out: a Deployment whose pod template changed gets its pods
 *   replaced at once — the stand-in does Recreate, never a rolling update,
 *   whatever `spec.strategy` says; pods are created straight from the
 *   template (labels + `pod-template-hash`, ownerReference to the Deployment
 *   with `controller: true`; no ReplicaSets exist) up to `spec.replicas`,
 *   extra pods are deleted, and pods of deleted Deployments too;
 * - schedules unbound pods (pods/binding subresource) as scheduler.ts says,
 *   or writes PodScheduled False Unschedulable with kube-scheduler's message
 *   (break `gpu-unschedulable`: every node counts as having no free GPU;
 *   with no nodes at all pods stay Pending, "no nodes available to schedule
 *   pods"). Pods already bound keep their node;
 * - "pulls" each container's image: the tag or digest is resolved in the real
 *   registry; missing → ImagePullBackOff. A container that pulled once keeps
 *   its digest (a running pod is not affected by a tag deleted later);
 * - runs it: Running/Ready with imageID `<host>/<repo>@<registry digest>`, or
 *   CrashLoopBackOff while break `crash-loop` is set for the service;
 * - writes Deployment status to match (deploymentStatus.ts).
 * Status goes through the status subresources, and only when it changed.
 */
import { startPollLoop } from '../pollLoop';
import pLimit from 'p-limit';
import { KubeTarget, RegistryTarget } from '@internal/test-env';
import { BreakBoard } from '../breaks';
import { LoopLog } from '../types';
import { buildDeploymentStatus } from './deploymentStatus';
import {
  ImageResolver,
  Resolution,
  parseImageReference,
} from './imageResolver';
import { KubeApi, NODES_PATH, deploymentsPath, podsPath } from './kubeApi';
import {
  ContainerPlan,
  PodPlan,
  buildPodStatus,
  statusHolds,
} from './podStatus';
import { gpuUsageByNode, schedulePod } from './scheduler';
import { newPodName, podTemplateHash } from './templateHash';
import { Deployment, Node, OwnerReference, Pod, PodStatus } from './types';

export interface KubeletStandInOptions {
  /** The kube-apiserver, with a token that may write pods, bindings and Deployment status. */
  kube: KubeTarget;
  /** The real registry images are pulled from. */
  registry: RegistryTarget;
  /** Image host as manifests name it (e.g. `registry.demo.local`) → the registry's `127.0.0.1:<port>`. */
  registryHosts: Record<string, string>;
  /** Namespaces whose Deployments get pods. */
  namespaces: string[];
  breaks: BreakBoard;
  /** The service (break board key) of a Deployment; default its name. */
  serviceOf?: (deployment: Deployment) => string | undefined;
  /** Which Deployments of those namespaces to run (default all). */
  manages?: (deployment: Deployment) => boolean;
  /** Default 1000 ms. */
  pollMs?: number;
  /** Creates, deletes, bindings and status writes per tick (default 100). */
  maxWritesPerTick?: number;
  /** How long a registry answer is reused (default 2000 ms). */
  registryCacheMs?: number;
  /** First CrashLoopBackOff delay, doubling per restart (default 10 000 ms, as the kubelet). */
  crashBackoffMs?: number;
  /** Overrides every Deployment's spec.progressDeadlineSeconds (tests). */
  progressDeadlineMs?: number;
  /** `lastState.terminated.message` of crash-looping containers. */
  crashMessage?: string;
  log?: LoopLog;
}

export interface KubeletStandIn {
  /** Runs one tick now (after the one in progress); rejects when it failed. */
  reconcileNow(): Promise<void>;
  /** Ends the timer and waits for a tick in progress. */
  stop(): Promise<void>;
}

const NAME = 'kubelet stand-in (simulator)';

function controllerOf(pod: Pod): OwnerReference | undefined {
  return pod.metadata.ownerReferences?.find(
    o => o.controller && o.kind === 'Deployment' && o.apiVersion === 'apps/v1',
  );
}

function hostIpOf(node: Node | undefined, nodes: Node[]): string {
  const internal = node?.status?.addresses?.find(
    a => a.type === 'InternalIP',
  )?.address;
  return internal ?? `10.0.0.${Math.max(nodes.indexOf(node!), 0) + 1}`;
}

/** One word for a pod's state, for the log. */
function summaryOf(plan: PodPlan): string {
  if (!plan.scheduled) return `Pending (Unschedulable: ${plan.message})`;
  if (plan.containers.some(c => c.kind === 'pull-backoff'))
    return `ImagePullBackOff (${plan.containers
      .filter(c => c.kind === 'pull-backoff')
      .map(c => c.image)
      .join(', ')})`;
  if (plan.containers.some(c => c.kind === 'crash')) return 'CrashLoopBackOff';
  return 'Running';
}

export function startKubeletStandIn(
  options: KubeletStandInOptions,
): KubeletStandIn {
  const api = new KubeApi(options.kube);
  const resolver = new ImageResolver({
    registry: options.registry,
    registryHosts: options.registryHosts,
    cacheMs: options.registryCacheMs,
  });
  const pollMs = options.pollMs ?? 1_000;
  const maxWrites = options.maxWritesPerTick ?? 100;
  const serviceOf = options.serviceOf ?? ((d: Deployment) => d.metadata.name);
  const manages = options.manages ?? (() => true);
  const limit = pLimit(4);
  const lastSummary = new Map<string, string>();
  let lastError = '';

  const say = (message: string, service?: string) =>
    options.log?.({
      at: Date.now(),
      controller: 'kubelet',
      ...(service ? { service } : {}),
      message: `${NAME}: ${message}`,
    });

  async function tick(): Promise<void> {
    let writes = 0;
    const canWrite = () => writes < maxWrites;
    const now = Date.now();
    const [nodes, listed, perNamespace] = await Promise.all([
      api.list<Node>(NODES_PATH),
      api.list<Pod>(podsPath()),
      Promise.all(
        options.namespaces.map(ns => api.list<Deployment>(deploymentsPath(ns))),
      ),
    ]);
    const deployments = perNamespace.flat();
    const byUid = new Map(deployments.map(d => [d.metadata.uid, d]));
    let live = listed.filter(p => !p.metadata.deletionTimestamp);
    const gone = new Set<Pod>();
    const remove = async (pod: Pod) => {
      writes++;
      await api.delete(podsPath(pod.metadata.namespace, pod.metadata.name));
      gone.add(pod);
    };

    // Pods of Deployments that no longer exist.
    for (const pod of live) {
      const owner = controllerOf(pod);
      if (
        owner &&
        options.namespaces.includes(pod.metadata.namespace ?? '') &&
        !byUid.has(owner.uid) &&
        canWrite()
      ) {
        await remove(pod);
        say(
          `deleted pod ${pod.metadata.namespace}/${pod.metadata.name} (its Deployment ${owner.name} is gone)`,
        );
      }
    }

    // Roll out (Recreate) and scale.
    const managed = deployments.filter(manages);
    const hashes = new Map<Deployment, string>();
    for (const d of managed) {
      const hash = podTemplateHash(d);
      hashes.set(d, hash);
      const ns = d.metadata.namespace!;
      const service = serviceOf(d);
      const mine = live.filter(
        p => !gone.has(p) && controllerOf(p)?.uid === d.metadata.uid,
      );
      const stale = mine.filter(
        p => p.metadata.labels?.['pod-template-hash'] !== hash,
      );
      let replaced = 0;
      for (const pod of stale) {
        if (!canWrite()) break;
        await remove(pod);
        replaced++;
      }
      if (replaced) {
        say(
          `${ns}/${d.metadata.name}: new pod template ${hash}, deleted ${replaced} old pod(s) (Recreate)`,
          service,
        );
      }
      if (replaced < stale.length) continue; // Recreate: old pods go first.
      const current = mine.filter(
        p => p.metadata.labels?.['pod-template-hash'] === hash,
      );
      const desired = d.spec.replicas ?? 1;
      if (current.length > desired) {
        // Like the ReplicaSet controller: unbound, then not ready, then newest go first.
        const rank = (p: Pod) =>
          (p.spec.nodeName ? 2 : 0) +
          (p.status?.conditions?.some(
            c => c.type === 'Ready' && c.status === 'True',
          )
            ? 1
            : 0);
        const extra = [...current]
          .sort(
            (a, b) =>
              rank(a) - rank(b) ||
              (b.metadata.creationTimestamp ?? '').localeCompare(
                a.metadata.creationTimestamp ?? '',
              ),
          )
          .slice(0, current.length - desired);
        let deleted = 0;
        for (const pod of extra) {
          if (!canWrite()) break;
          await remove(pod);
          deleted++;
        }
        if (deleted)
          say(
            `${ns}/${d.metadata.name}: scaled down by ${deleted} pod(s)`,
            service,
          );
      }
      let created = 0;
      for (let i = current.length; i < desired && canWrite(); i++) {
        writes++;
        const template = d.spec.template;
        const pod = await api.create<Pod>(podsPath(ns), {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: {
            name: newPodName(d, hash),
            namespace: ns,
            labels: {
              ...(template.metadata?.labels ?? {}),
              'pod-template-hash': hash,
            },
            ...(template.metadata?.annotations
              ? { annotations: template.metadata.annotations }
              : {}),
            ownerReferences: [
              {
                apiVersion: 'apps/v1',
                kind: 'Deployment',
                name: d.metadata.name,
                uid: d.metadata.uid,
                controller: true,
                blockOwnerDeletion: true,
              },
            ],
          },
          spec: template.spec,
        });
        live = [...live, pod];
        created++;
      }
      if (created)
        say(
          `${ns}/${d.metadata.name}: created ${created} pod(s) from template ${hash}`,
          service,
        );
    }
    live = live.filter(p => !gone.has(p));

    // Schedule, pull, run.
    const ownerOf = (p: Pod) => {
      const uid = controllerOf(p)?.uid;
      const d = uid ? byUid.get(uid) : undefined;
      return d && hashes.has(d) ? d : undefined;
    };
    const ours = live
      .filter(p => ownerOf(p))
      .sort(
        (a, b) =>
          (a.metadata.creationTimestamp ?? '').localeCompare(
            b.metadata.creationTimestamp ?? '',
          ) || a.metadata.name.localeCompare(b.metadata.name),
      );
    const used = gpuUsageByNode(live);
    const unscheduled = new Map<Pod, string>();
    for (const pod of ours) {
      if (pod.spec.nodeName) continue;
      const service = serviceOf(ownerOf(pod)!);
      const placed = schedulePod(pod, nodes, {
        used,
        gpusFull: service
          ? options.breaks.has(service, 'gpu-unschedulable')
          : false,
      });
      if (placed.node === undefined) {
        unscheduled.set(pod, placed.message);
        continue;
      }
      if (!canWrite()) break;
      writes++;
      await api.bind(pod.metadata.namespace!, pod.metadata.name, placed.node);
      pod.spec = { ...pod.spec, nodeName: placed.node };
    }

    const resolutions = new Map<string, Promise<Resolution>>();
    const resolve = (image: string) => {
      let r = resolutions.get(image);
      if (!r) {
        r = limit(() => resolver.resolve(parseImageReference(image)));
        resolutions.set(image, r);
      }
      return r;
    };
    const plans = await Promise.all(
      ours.map(async (pod): Promise<PodPlan | undefined> => {
        const message = unscheduled.get(pod);
        if (message !== undefined) return { scheduled: false, message };
        if (!pod.spec.nodeName) return undefined; // out of writes this tick
        const service = serviceOf(ownerOf(pod)!);
        const crash = service
          ? options.breaks.has(service, 'crash-loop')
          : false;
        const previous = new Map(
          (pod.status?.containerStatuses ?? []).map(s => [s.name, s]),
        );
        const node = nodes.find(n => n.metadata.name === pod.spec.nodeName);
        const containers = await Promise.all(
          pod.spec.containers.map(async (c): Promise<ContainerPlan> => {
            const image = c.image ?? '';
            const prev = previous.get(c.name);
            let imageID = prev?.image === image ? prev.imageID : '';
            if (!imageID) {
              const found = await resolve(image);
              if (found.found) {
                const ref = parseImageReference(image);
                imageID = `${ref.host}/${ref.repository}@${found.digest}`;
              }
            }
            if (!imageID) return { kind: 'pull-backoff', name: c.name, image };
            return {
              kind: crash ? 'crash' : 'running',
              name: c.name,
              image,
              imageID,
            };
          }),
        );
        return { scheduled: true, hostIP: hostIpOf(node, nodes), containers };
      }),
    );

    const seen = new Set<string>();
    for (const [i, pod] of ours.entries()) {
      const plan = plans[i];
      if (!plan) continue;
      const key = pod.metadata.uid ?? pod.metadata.name;
      seen.add(key);
      const crashService = serviceOf(ownerOf(pod)!);
      const status: PodStatus = buildPodStatus(pod, plan, {
        now,
        crashBackoffMs: options.crashBackoffMs ?? 10_000,
        // The break's own words (e.g. why the demo's server cannot start) win.
        crashMessage:
          (crashService
            ? options.breaks.options(crashService, 'crash-loop')?.message
            : undefined) ?? options.crashMessage,
      });
      if (statusHolds(pod.status, status)) continue;
      if (!canWrite()) break;
      writes++;
      const written = await api.patchStatus<Pod>(
        podsPath(pod.metadata.namespace, pod.metadata.name),
        status,
      );
      pod.status = written.status;
      const summary = summaryOf(plan);
      if (lastSummary.get(key) !== summary) {
        lastSummary.set(key, summary);
        say(
          `pod ${pod.metadata.namespace}/${pod.metadata.name}: ${summary}`,
          serviceOf(ownerOf(pod)!),
        );
      }
    }
    for (const key of lastSummary.keys())
      if (!seen.has(key)) lastSummary.delete(key);

    // Deployment status.
    for (const d of managed) {
      const status = buildDeploymentStatus({
        deployment: d,
        pods: ours.filter(p => ownerOf(p) === d),
        templateHash: hashes.get(d)!,
        now,
        progressDeadlineMs: options.progressDeadlineMs,
      });
      if (statusHolds(d.status, status) || !canWrite()) continue;
      writes++;
      await api.patchStatus(
        deploymentsPath(d.metadata.namespace!, d.metadata.name),
        status,
      );
    }
  }

  // Say a failure once per distinct message (the apiserver may be down on purpose).
  return startPollLoop(
    tick,
    pollMs,
    e => {
      if (e.message !== lastError) say(`tick failed: ${e.message}`);
      lastError = e.message;
    },
    () => {
      lastError = '';
    },
  );
}

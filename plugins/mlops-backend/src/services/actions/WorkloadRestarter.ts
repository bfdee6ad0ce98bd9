import { Entity } from '@backstage/catalog-model';
import {
  ConflictError,
  InputError,
  NotFoundError,
  NotImplementedError,
  ServiceUnavailableError,
} from '@backstage/errors';
import {
  RESTARTED_AT_ANNOTATION,
  RestartActionRequest,
  RestartActionResponse,
  RestartableKind,
} from '@internal/plugin-mlops-common';
import { Dispatcher } from 'undici';
import { KubernetesClusterConfig } from '../../upstreams/kubernetes/config';
import {
  ObjectSource,
  entityKubernetesTarget,
} from '../../upstreams/kubernetes/entityMatch';
import { KindState } from '../../upstreams/kubernetes/KindReflector';
import { ResourceKind } from '../../upstreams/kubernetes/kinds';
import {
  LabelSelector,
  matchesSelector,
} from '../../upstreams/kubernetes/labelSelector';
import { Deployment, StatefulSet } from '../../upstreams/kubernetes/types';
import { KubeClusterHttp } from './kubeClusterHttp';
import { upstreamCall } from './upstreamErrors';

/** Field manager of every write (shows in `managedFields`). */
export const FIELD_MANAGER = 'backstage-mlops';

/** What the restarter reads: the watch cache (objects and per-kind state). */
export interface WorkloadObjects extends ObjectSource {
  state(cluster: string, kind: ResourceKind): KindState | undefined;
}

export interface WorkloadRestarterOptions {
  clusters: KubernetesClusterConfig[];
  objects: WorkloadObjects;
  /** Deadline of each apiserver request (default 10 s). */
  timeoutMs?: number;
  now?: () => Date;
  /** For tests: one dispatcher per cluster name. */
  dispatchers?: Record<string, Dispatcher>;
}

const PLURAL: Record<RestartableKind, 'deployments' | 'statefulsets'> = {
  Deployment: 'deployments',
  StatefulSet: 'statefulsets',
};

interface Candidate {
  /** The entity's selector, checked again on the live object. */
  selector: LabelSelector;
  cluster: string;
  kind: RestartableKind;
  namespace: string;
  name: string;
}

/** RFC 3339 to the second, as kubectl writes it. */
function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * `kubectl rollout restart` for an entity's own workloads: the workload must
 * be one the entity's Kubernetes annotations match in the watch cache; it is
 * read live (read token) to refuse a paused Deployment and to pin its
 * resourceVersion, then patched with the cluster's write token
 * (strategic merge of `spec.template.metadata.annotations[restartedAt]`).
 */
export class WorkloadRestarter {
  private readonly clusters: Map<string, KubernetesClusterConfig>;
  private readonly objects: WorkloadObjects;
  private readonly timeoutMs: number;
  private readonly now: () => Date;
  private readonly dispatchers: Record<string, Dispatcher>;
  private readonly http = new Map<string, KubeClusterHttp>();

  static create(options: WorkloadRestarterOptions): WorkloadRestarter {
    return new WorkloadRestarter(options);
  }

  private constructor(options: WorkloadRestarterOptions) {
    this.clusters = new Map(options.clusters.map(c => [c.name, c]));
    this.objects = options.objects;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.now = options.now ?? (() => new Date());
    this.dispatchers = options.dispatchers ?? {};
  }

  async restart(
    entity: Entity,
    request: RestartActionRequest,
  ): Promise<RestartActionResponse> {
    const target = this.find(entity, request);
    const config = this.clusters.get(target.cluster);
    if (!config?.writeToken) {
      throw new NotImplementedError(
        `restart needs kubernetes.clusterLocatorMethods[].clusters[].writeServiceAccountToken for cluster "${target.cluster}" (a token that may patch deployments and statefulsets in group apps)`,
      );
    }
    const http = this.httpOf(config);
    const path = `/apis/apps/v1/namespaces/${encodeURIComponent(
      target.namespace,
    )}/${PLURAL[target.kind]}/${encodeURIComponent(target.name)}`;
    const label = `${target.kind} ${target.namespace}/${target.name} on cluster ${target.cluster}`;

    const live = await upstreamCall(async () => {
      const answer = await http.send('GET', path, config.token);
      if (answer.status === 404)
        throw new NotFoundError(`${label} no longer exists`);
      if (answer.status !== 200) throw http.statusError(answer, label);
      return answer.body as Deployment | StatefulSet;
    });
    if (!matchesSelector(target.selector, live.metadata?.labels)) {
      throw new NotFoundError(
        `${label} no longer carries this entity's labels (${target.selector.text})`,
      );
    }
    if (target.kind === 'Deployment' && (live as Deployment).spec?.paused) {
      throw new InputError(
        `${label} is paused; resume it first (kubectl rollout resume deployment/${target.name} -n ${target.namespace}), as kubectl rollout restart would refuse it too`,
      );
    }

    const restartedAt = rfc3339(this.now());
    const patched = await upstreamCall(async () => {
      const answer = await http.send(
        'PATCH',
        `${path}?fieldManager=${FIELD_MANAGER}`,
        config.writeToken!,
        {
          contentType: 'application/strategic-merge-patch+json',
          body: {
            // Pins the object that was checked (not paused, still the entity's).
            metadata: { resourceVersion: live.metadata.resourceVersion },
            spec: {
              template: {
                metadata: {
                  annotations: { [RESTARTED_AT_ANNOTATION]: restartedAt },
                },
              },
            },
          },
        },
      );
      if (answer.status === 409) {
        throw new ConflictError(
          `${label} changed while it was being restarted; try again`,
        );
      }
      if (answer.status === 404)
        throw new NotFoundError(`${label} no longer exists`);
      if (answer.status !== 200) throw http.statusError(answer, label);
      return answer.body as Deployment | StatefulSet;
    });

    const onDelete =
      target.kind === 'StatefulSet' &&
      (patched as StatefulSet).spec?.updateStrategy?.type === 'OnDelete';
    return {
      cluster: target.cluster,
      namespace: target.namespace,
      name: target.name,
      kind: target.kind,
      restartedAt,
      ...(typeof patched.metadata?.generation === 'number'
        ? { generation: patched.metadata.generation }
        : {}),
      ...(onDelete
        ? {
            note: 'updateStrategy is OnDelete: pods pick up the restart only when they are deleted',
          }
        : {}),
    };
  }

  /** Ends the connections to every apiserver. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.http.values()].map(h => h.close()));
    this.http.clear();
  }

  /** The one workload of the entity the request names, from the watch cache. */
  private find(entity: Entity, request: RestartActionRequest): Candidate {
    const target = entityKubernetesTarget(entity);
    if (!target.ok) throw new InputError(target.message);
    const all = this.objects.clusterNames();
    if (all.length === 0) {
      throw new NotImplementedError(
        'no Kubernetes cluster is configured (kubernetes.clusterLocatorMethods with type: config)',
      );
    }
    if (request.cluster !== undefined && !all.includes(request.cluster)) {
      throw new NotFoundError(
        `cluster "${request.cluster}" is not configured (configured: ${all.join(
          ', ',
        )})`,
      );
    }
    const what = `${request.kind ?? 'Deployment or StatefulSet'} ${
      request.namespace
    }/${request.name}`;
    if (target.namespace && target.namespace !== request.namespace) {
      throw new NotFoundError(
        `${what} is not this entity's: its workloads are in namespace ${target.namespace}`,
      );
    }
    const clusters = request.cluster ? [request.cluster] : all;
    const kinds: RestartableKind[] = request.kind
      ? [request.kind]
      : ['Deployment', 'StatefulSet'];
    const found: Candidate[] = [];
    const notLoaded: string[] = [];
    for (const cluster of clusters) {
      for (const kind of kinds) {
        const state = this.objects.state(cluster, PLURAL[kind]);
        if (state && !state.synced) {
          notLoaded.push(
            `${PLURAL[kind]} on ${cluster}${
              state.lastError ? ` (${state.lastError.message})` : ''
            }`,
          );
        }
        const hits = this.objects
          .list(cluster, PLURAL[kind], {
            namespace: request.namespace,
            selector: target.selector,
          })
          .filter(o => o.metadata.name === request.name);
        if (hits.length)
          found.push({
            selector: target.selector,
            cluster,
            kind,
            namespace: request.namespace,
            name: request.name,
          });
      }
    }
    if (found.length === 0) {
      if (notLoaded.length) {
        throw new ServiceUnavailableError(
          `the watch cache has not loaded ${notLoaded.join(
            ', ',
          )}; try again shortly`,
        );
      }
      throw new NotFoundError(
        `${what} is not one of this entity's workloads (selector ${
          target.selector.text
        }) on ${
          clusters.length === 1
            ? `cluster ${clusters[0]}`
            : `clusters ${clusters.join(', ')}`
        }`,
      );
    }
    if (found.length > 1) {
      throw new InputError(
        `${what} exists ${found
          .map(f => `as a ${f.kind} on ${f.cluster}`)
          .join(' and ')}; say which with "cluster" and "kind"`,
      );
    }
    return found[0];
  }

  private httpOf(config: KubernetesClusterConfig): KubeClusterHttp {
    let http = this.http.get(config.name);
    if (!http) {
      http = new KubeClusterHttp(
        config,
        this.timeoutMs,
        this.dispatchers[config.name],
      );
      this.http.set(config.name, http);
    }
    return http;
  }
}

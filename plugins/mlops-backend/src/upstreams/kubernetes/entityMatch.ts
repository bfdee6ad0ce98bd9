import { Entity } from '@backstage/catalog-model';
import {
  ANNOTATION_KUBERNETES_ID,
  ANNOTATION_KUBERNETES_LABEL_SELECTOR,
  ANNOTATION_KUBERNETES_NAMESPACE,
} from '@internal/plugin-mlops-common';
import { KindObjects, ResourceKind } from './kinds';
import {
  LabelSelector,
  LabelSelectorError,
  matchesSelector,
  parseLabelSelector,
  selectorFromObject,
} from './labelSelector';
import { objectKey } from './ObjectStore';
import { KubeObject } from './types';

/** How an entity's objects are found, by the rules of Backstage's Kubernetes plugin. */
export interface EntityKubernetesTarget {
  /** `backstage.io/kubernetes-id`, else `metadata.name`. */
  id: string;
  selector: LabelSelector;
  /** Where the selector came from. */
  selectorSource: 'label-selector-annotation' | 'kubernetes-id';
  /** From `backstage.io/kubernetes-namespace`; unset = every namespace. */
  namespace?: string;
}

export type EntityTargetResult =
  | ({ ok: true } & EntityKubernetesTarget)
  | { ok: false; fault: 'bad-annotation'; message: string };

const NAMESPACE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * id = kubernetes-id annotation or metadata.name; selector = label-selector
 * annotation or `backstage.io/kubernetes-id=<id>`; the namespace annotation
 * narrows. Same rules as `KubernetesFanOutHandler`, so entities that already
 * show up in the Kubernetes tab match the same objects here.
 */
export function entityKubernetesTarget(entity: Entity): EntityTargetResult {
  const annotations = entity.metadata.annotations ?? {};
  const id =
    annotations[ANNOTATION_KUBERNETES_ID]?.trim() || entity.metadata.name;
  const selectorText =
    annotations[ANNOTATION_KUBERNETES_LABEL_SELECTOR]?.trim();
  const namespace =
    annotations[ANNOTATION_KUBERNETES_NAMESPACE]?.trim() || undefined;
  if (
    namespace !== undefined &&
    (!NAMESPACE.test(namespace) || namespace.length > 63)
  ) {
    return {
      ok: false,
      fault: 'bad-annotation',
      message: `${ANNOTATION_KUBERNETES_NAMESPACE} "${namespace}" is not a valid namespace name`,
    };
  }
  try {
    if (selectorText) {
      const selector = parseLabelSelector(selectorText);
      if (selector.requirements.length === 0) {
        return {
          ok: false,
          fault: 'bad-annotation',
          message: `${ANNOTATION_KUBERNETES_LABEL_SELECTOR} is empty; it would select every object`,
        };
      }
      return {
        ok: true,
        id,
        selector,
        selectorSource: 'label-selector-annotation',
        namespace,
      };
    }
    return {
      ok: true,
      id,
      selector: parseLabelSelector(`${ANNOTATION_KUBERNETES_ID}=${id}`),
      selectorSource: 'kubernetes-id',
      namespace,
    };
  } catch (e) {
    if (e instanceof LabelSelectorError) {
      const annotation = selectorText
        ? ANNOTATION_KUBERNETES_LABEL_SELECTOR
        : ANNOTATION_KUBERNETES_ID;
      return {
        ok: false,
        fault: 'bad-annotation',
        message: `${annotation}: ${e.message}`,
      };
    }
    throw e;
  }
}

/** Reads objects of one kind on one cluster (the cache implements it). */
export interface ObjectSource {
  clusterNames(): string[];
  list<K extends ResourceKind>(
    cluster: string,
    kind: K,
    query?: { namespace?: string; selector?: LabelSelector },
  ): KindObjects[K][];
}

/** An entity's objects on one cluster. */
export interface EntityClusterObjects {
  cluster: string;
  pods: KindObjects['pods'][];
  deployments: KindObjects['deployments'][];
  statefulsets: KindObjects['statefulsets'][];
  jobs: KindObjects['jobs'][];
  cronjobs: KindObjects['cronjobs'][];
  services: KindObjects['services'][];
  ingresses: KindObjects['ingresses'][];
  inferenceservices: KindObjects['inferenceservices'][];
}

function addUnique<T extends KubeObject>(into: T[], extra: T[]) {
  const seen = new Set(into.map(objectKey));
  for (const o of extra) {
    if (!seen.has(objectKey(o))) {
      seen.add(objectKey(o));
      into.push(o);
    }
  }
}

/**
 * Collects an entity's objects on every cluster. Beyond the label match it
 * adds what the matched objects own: Jobs of a matched CronJob (their labels
 * come from the job template, which often lacks the entity label) and Pods
 * selected by a matched Deployment/StatefulSet in its namespace.
 */
export function findEntityObjects(
  source: ObjectSource,
  target: EntityKubernetesTarget,
): EntityClusterObjects[] {
  return source.clusterNames().map(cluster => {
    const q = { namespace: target.namespace, selector: target.selector };
    const found: EntityClusterObjects = {
      cluster,
      pods: source.list(cluster, 'pods', q),
      deployments: source.list(cluster, 'deployments', q),
      statefulsets: source.list(cluster, 'statefulsets', q),
      jobs: source.list(cluster, 'jobs', q),
      cronjobs: source.list(cluster, 'cronjobs', q),
      services: source.list(cluster, 'services', q),
      ingresses: source.list(cluster, 'ingresses', q),
      inferenceservices: source.list(cluster, 'inferenceservices', q),
    };
    for (const cronJob of found.cronjobs) {
      const owned = source
        .list(cluster, 'jobs', { namespace: cronJob.metadata.namespace })
        .filter(job => isOwnedBy(job, cronJob));
      addUnique(found.jobs, owned);
    }
    for (const workload of [...found.deployments, ...found.statefulsets]) {
      const spec = workload.spec as
        | { selector?: Parameters<typeof selectorFromObject>[0] }
        | undefined;
      if (
        !spec?.selector ||
        (!spec.selector.matchLabels && !spec.selector.matchExpressions)
      )
        continue;
      let selector: LabelSelector;
      try {
        selector = selectorFromObject(spec.selector);
      } catch {
        continue;
      }
      if (selector.requirements.length === 0) continue;
      addUnique(
        found.pods,
        source.list(cluster, 'pods', {
          namespace: workload.metadata.namespace,
          selector,
        }),
      );
    }
    return found;
  });
}

/** True when `child` names `owner` in its ownerReferences (by uid when both have one, else kind+name). */
export function isOwnedBy(child: KubeObject, owner: KubeObject): boolean {
  return (child.metadata.ownerReferences ?? []).some(ref => {
    if (ref.uid && owner.metadata.uid) return ref.uid === owner.metadata.uid;
    return (
      ref.name === owner.metadata.name &&
      (!owner.kind || ref.kind === owner.kind)
    );
  });
}

/** Re-export for callers that filter objects they already hold. */
export { matchesSelector };

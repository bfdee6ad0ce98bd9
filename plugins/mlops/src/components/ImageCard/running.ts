import {
  ImageReport,
  ImageTag,
  WorkloadDetail,
} from '@internal/plugin-mlops-common';

/** One cluster/namespace whose running pods run a tag. */
export interface RunningPlace {
  cluster: string;
  namespace?: string;
  /** Running pods there that run the tag. */
  pods: number;
  /**
   * True when no pod there was matched by digest, only by tag name: the tag
   * may have moved since those pods pulled it.
   */
  byTagNameOnly: boolean;
}

/** Which tag runs where, from the workload details of the health answer. */
export interface RunningIndex {
  placesOf(tag: ImageTag): RunningPlace[];
  /** False when pods of some cluster could not be read (absence is then unknown). */
  complete: boolean;
}

const list = <T>(v: T[] | undefined): T[] => (Array.isArray(v) ? v : []);

/** `127.0.0.1:5000/ml/fraud-detector` or `ml/fraud-detector` is the report's repository. */
function sameRepository(image: string, report: ImageReport): boolean {
  const repository = report.repository?.replace(/^\/+|\/+$/g, '');
  if (!repository || !image) return false;
  const host = report.registry?.host;
  return (
    image === repository ||
    (host !== undefined && image === `${host}/${repository}`) ||
    image.endsWith(`/${repository}`)
  );
}

/**
 * For each tag, the clusters/namespaces whose running pods run it: matched
 * by digest first (a pod image's registry digest equals the tag's digest),
 * else by tag name within the same repository. Undefined when the workload
 * could not be read at all.
 */
export function whereTagsRun(
  report: ImageReport,
  workload: WorkloadDetail | undefined,
): RunningIndex | undefined {
  if (!workload || workload.problem || !Array.isArray(workload.clusters)) {
    return undefined;
  }
  const tags = list(report.tags);
  // tag name → place key → { place, pods by digest, pods by name }
  const found = new Map<
    string,
    Map<
      string,
      {
        cluster: string;
        namespace?: string;
        digest: Set<string>;
        name: Set<string>;
      }
    >
  >();
  const add = (
    tag: string,
    cluster: string,
    namespace: string | undefined,
    pod: string,
    how: 'digest' | 'name',
  ) => {
    let places = found.get(tag);
    if (!places) {
      places = new Map();
      found.set(tag, places);
    }
    const key = `${cluster}\u0000${namespace ?? ''}`;
    let place = places.get(key);
    if (!place) {
      place = { cluster, namespace, digest: new Set(), name: new Set() };
      places.set(key, place);
    }
    place[how].add(pod);
  };

  let complete = true;
  for (const cluster of workload.clusters) {
    if (!cluster || typeof cluster.cluster !== 'string') continue;
    const podsUnread = (kind: unknown) =>
      typeof kind === 'string' && /^pods?$/i.test(kind.trim());
    if (
      list(cluster.problems).some(p => podsUnread(p?.kind)) ||
      list(cluster.loading).some(podsUnread)
    ) {
      complete = false;
    }
    for (const pod of list(cluster.pods)) {
      if (!pod || pod.phase !== 'Running') continue;
      const podId = `${pod.namespace ?? ''}/${pod.name}`;
      for (const image of list(pod.images)) {
        if (!image || image.init) continue;
        const byDigest = image.digest
          ? tags.filter(t => t.digest && t.digest === image.digest)
          : [];
        if (byDigest.length > 0) {
          for (const t of byDigest)
            add(t.tag, cluster.cluster, pod.namespace, podId, 'digest');
        } else if (image.tag && sameRepository(image.repository, report)) {
          for (const t of tags.filter(x => x.tag === image.tag))
            add(t.tag, cluster.cluster, pod.namespace, podId, 'name');
        }
      }
    }
  }

  return {
    complete,
    placesOf(tag: ImageTag): RunningPlace[] {
      return [...(found.get(tag.tag)?.values() ?? [])]
        .map(p => ({
          cluster: p.cluster,
          namespace: p.namespace,
          pods: new Set([...p.digest, ...p.name]).size,
          byTagNameOnly: p.digest.size === 0,
        }))
        .sort(
          (a, b) =>
            a.cluster.localeCompare(b.cluster) ||
            (a.namespace ?? '').localeCompare(b.namespace ?? ''),
        );
    },
  };
}

/** "kind-ml/ml-serving: 2 pods" (plus "by tag name only" when no digest matched). */
export function placeText(place: RunningPlace): string {
  const where = place.namespace
    ? `${place.cluster}/${place.namespace}`
    : place.cluster;
  return `${where}: ${place.pods} ${place.pods === 1 ? 'pod' : 'pods'}${
    place.byTagNameOnly ? ' (by tag name only)' : ''
  }`;
}

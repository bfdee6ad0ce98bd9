import { Container, ContainerStatus, Pod } from './types';

/** `[host[:port]/]path[:tag][@digest]` split into its parts. */
export interface ImageReference {
  repository: string;
  tag?: string;
  digest?: string;
}

const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}$/;

/** Splits an image reference as written in a pod spec. */
export function parseImageReference(ref: string): ImageReference {
  let rest = ref.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    const d = rest.slice(at + 1);
    if (DIGEST.test(d)) digest = d;
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  return {
    repository: rest,
    ...(tag ? { tag } : {}),
    ...(digest ? { digest } : {}),
  };
}

/**
 * Docker Hub short names in their canonical form (what containerd reports):
 * `nginx` → `docker.io/library/nginx`, `team/app` → `docker.io/team/app`.
 */
export function canonicalRepository(repository: string): string {
  const first = repository.split('/')[0];
  const hasHost =
    repository.includes('/') &&
    (first.includes('.') || first.includes(':') || first === 'localhost');
  if (hasHost) return repository.replace(/^index\.docker\.io\//, 'docker.io/');
  return repository.includes('/')
    ? `docker.io/${repository}`
    : `docker.io/library/${repository}`;
}

/** What `containerStatuses[].imageID` says about the image that really runs. */
export interface NormalizedImageId {
  /** Repository the digest was pulled from (absent for a local image ID). */
  repository?: string;
  /** Registry digest (`sha256:…`) of the image that runs. */
  digest?: string;
  /** A local image ID (`docker://sha256:…` without a repo digest): not a registry digest. */
  localId?: string;
}

/**
 * Normalises `imageID` across runtimes: `docker-pullable://repo@sha256:…`
 * (dockershim), `docker://sha256:…` (dockershim, no repo digest), bare
 * `repo@sha256:…` (containerd, CRI-O).
 */
export function normalizeImageId(
  imageID: string | undefined,
): NormalizedImageId {
  if (!imageID) return {};
  const bare = imageID.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//, '');
  const at = bare.lastIndexOf('@');
  if (at > 0) {
    const digest = bare.slice(at + 1);
    return DIGEST.test(digest) ? { repository: bare.slice(0, at), digest } : {};
  }
  if (DIGEST.test(bare)) return { localId: bare };
  return {};
}

/** The image one container actually runs. */
export interface RunningImage {
  container: string;
  init: boolean;
  /** The reference as written in the pod spec (or as the runtime reported it). */
  image: string;
  repository: string;
  /** Tag from the spec; `latest` when the spec names neither tag nor digest. */
  tag?: string;
  /** Registry digest of what runs (from imageID), else the digest the spec pins. */
  digest?: string;
  /** Local image ID when the runtime gave no registry digest. */
  localId?: string;
  /** False until the kubelet reports the container (pending pods). */
  reported: boolean;
}

/** Tag and digest per container, from the spec (tag) and containerStatuses[].imageID (digest). */
export function runningImages(pod: Pod): RunningImage[] {
  const out: RunningImage[] = [];
  const groups: Array<
    [boolean, Container[] | undefined, ContainerStatus[] | undefined]
  > = [
    [true, pod.spec?.initContainers, pod.status?.initContainerStatuses],
    [false, pod.spec?.containers, pod.status?.containerStatuses],
  ];
  for (const [init, containers, statuses] of groups) {
    const byName = new Map((statuses ?? []).map(s => [s.name, s]));
    for (const c of containers ?? []) {
      const status = byName.get(c.name);
      const written = c.image ?? status?.image ?? '';
      const ref = parseImageReference(written);
      const id = normalizeImageId(status?.imageID);
      out.push({
        container: c.name,
        init,
        image: written,
        repository: ref.repository || id.repository || '',
        tag: ref.tag ?? (ref.digest ? undefined : 'latest'),
        digest: id.digest ?? ref.digest,
        ...(id.localId ? { localId: id.localId } : {}),
        reported: Boolean(status?.imageID),
      });
    }
  }
  return out;
}

import { Entity } from '@backstage/catalog-model';
import {
  ANNOTATION_HARBOR_REPOSITORY_SLUG,
  ANNOTATION_IMAGE_REPOSITORY,
} from '@internal/plugin-mlops-common';
import { RegistryConfig } from '../config';

/** Repository path grammar of the distribution spec (lower-case components joined by `/`). */
const REPOSITORY =
  /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

export type ImageReferenceResolution =
  | {
      ok: true;
      registry: RegistryConfig;
      repository: string;
      annotation: string;
    }
  | {
      ok: false;
      fault: 'bad-annotation' | 'not-allowed' | 'not-configured';
      message: string;
      annotation?: string;
    };

function looksLikeHost(segment: string): boolean {
  return (
    segment.includes('.') ||
    segment.includes(':') ||
    segment === 'localhost' ||
    segment.startsWith('[')
  );
}

/**
 * Resolves an entity's image annotation to one configured registry and a
 * repository path. Hosts that are not configured are refused: the backend
 * never contacts a host that only an entity names.
 */
export function resolveImageReference(
  entity: Entity,
  registries: RegistryConfig[],
): ImageReferenceResolution {
  const annotations = entity.metadata.annotations ?? {};
  const own = annotations[ANNOTATION_IMAGE_REPOSITORY]?.trim();
  const harbor = annotations[ANNOTATION_HARBOR_REPOSITORY_SLUG]?.trim();
  const annotation = own
    ? ANNOTATION_IMAGE_REPOSITORY
    : ANNOTATION_HARBOR_REPOSITORY_SLUG;
  const value = own || harbor?.split(',')[0].trim();
  if (!value) {
    return {
      ok: false,
      fault: 'bad-annotation',
      message: `entity has no ${ANNOTATION_IMAGE_REPOSITORY} (or ${ANNOTATION_HARBOR_REPOSITORY_SLUG}) annotation`,
    };
  }
  if (registries.length === 0) {
    return {
      ok: false,
      fault: 'not-configured',
      annotation,
      message:
        'no container registry is configured (mlops.registries is empty)',
    };
  }
  if (
    /\s/.test(value) ||
    value.includes('://') ||
    value.includes('@') ||
    value.includes('?') ||
    value.includes('#')
  ) {
    return {
      ok: false,
      fault: 'bad-annotation',
      annotation,
      message: `${annotation} "${value}" must be [host[:port]/]repository, without scheme, credentials, tag or digest`,
    };
  }
  const segments = value.split('/');
  let host: string | undefined;
  if (segments.length > 1 && looksLikeHost(segments[0])) {
    host = segments.shift()!.toLowerCase();
  }
  let repository = segments.join('/');
  const lastColon = repository.lastIndexOf(':');
  if (lastColon > repository.lastIndexOf('/')) {
    return {
      ok: false,
      fault: 'bad-annotation',
      annotation,
      message: `${annotation} "${value}" names a tag; give the repository only (the card lists its tags)`,
    };
  }
  repository = repository.replace(/\/+$/, '');
  if (!REPOSITORY.test(repository)) {
    return {
      ok: false,
      fault: 'bad-annotation',
      annotation,
      message: `${annotation} "${value}": "${repository}" is not a valid repository name (lower-case letters, digits, separators . _ -, path parts joined by /)`,
    };
  }
  let registry: RegistryConfig | undefined;
  if (host) {
    registry = registries.find(r => r.referenceHost === host);
    if (!registry) {
      return {
        ok: false,
        fault: 'not-allowed',
        annotation,
        message: `registry host "${host}" is not configured in mlops.registries; the backend only contacts configured registries (configured: ${registries
          .map(r => r.referenceHost)
          .join(', ')})`,
      };
    }
  } else if (annotation === ANNOTATION_HARBOR_REPOSITORY_SLUG) {
    registry = registries.find(r => r.type === 'harbor') ?? registries[0];
  } else {
    registry = registries[0];
  }
  return { ok: true, registry, repository, annotation };
}

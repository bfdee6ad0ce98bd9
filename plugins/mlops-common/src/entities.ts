import { Entity } from '@backstage/catalog-model';
import {
  ANNOTATION_HARBOR_REPOSITORY_SLUG,
  ANNOTATION_IMAGE_REPOSITORY,
} from './annotations';

/** Component `spec.type` values that mark a model service. RHDH uses `model-server`. @public */
export const MODEL_SERVICE_COMPONENT_TYPES: readonly string[] = [
  'model-service',
  'model-server',
];

/** Resource `spec.type` of a model artifact. @public */
export const MODEL_ARTIFACT_RESOURCE_TYPE = 'ai-model';

function specType(entity: Entity): string | undefined {
  const type = (entity.spec as { type?: unknown } | undefined)?.type;
  return typeof type === 'string' ? type.toLocaleLowerCase('en-US') : undefined;
}

/** True for Components of type `model-service` or `model-server`. @public */
export function isModelService(entity: Entity): boolean {
  return (
    entity.kind.toLocaleLowerCase('en-US') === 'component' &&
    MODEL_SERVICE_COMPONENT_TYPES.includes(specType(entity) ?? '')
  );
}

/** True for Resources of type `ai-model`. @public */
export function isModelArtifact(entity: Entity): boolean {
  return (
    entity.kind.toLocaleLowerCase('en-US') === 'resource' &&
    specType(entity) === MODEL_ARTIFACT_RESOURCE_TYPE
  );
}

/** True when the entity names an image repository the image card can show. @public */
export function isImageRepositoryAvailable(entity: Entity): boolean {
  const annotations = entity.metadata.annotations ?? {};
  return Boolean(
    annotations[ANNOTATION_IMAGE_REPOSITORY]?.trim() ||
      annotations[ANNOTATION_HARBOR_REPOSITORY_SLUG]?.trim(),
  );
}

import { Entity } from '@backstage/catalog-model';
import {
  ANNOTATION_ARGOCD_APP_NAME,
  ANNOTATION_ARGOCD_APP_SELECTOR,
  ANNOTATION_HARBOR_REPOSITORY_SLUG,
  ANNOTATION_IMAGE_REPOSITORY,
  ANNOTATION_INFERENCE_ENDPOINT,
  ANNOTATION_INFERENCE_PROTOCOL,
  ANNOTATION_JENKINS_JOB_FULL_NAME,
  ANNOTATION_KUBERNETES_ID,
  ANNOTATION_KUBERNETES_LABEL_SELECTOR,
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

const has = (entity: Entity, ...names: string[]) =>
  names.some(n => Boolean(entity.metadata.annotations?.[n]?.trim()));

/** True when the entity names a Jenkins job (`jenkins.io/job-full-name`): the build card. @public */
export function isBuildAvailable(entity: Entity): boolean {
  return has(entity, ANNOTATION_JENKINS_JOB_FULL_NAME);
}

/** True when the entity names Argo CD applications (`argocd/app-name` or `argocd/app-selector`): the sync card. @public */
export function isSyncAvailable(entity: Entity): boolean {
  return has(entity, ANNOTATION_ARGOCD_APP_NAME, ANNOTATION_ARGOCD_APP_SELECTOR);
}

/** True when the entity's workload can be found on clusters (`backstage.io/kubernetes-id` or `-label-selector`): the GPU card. @public */
export function isKubernetesAvailable(entity: Entity): boolean {
  return has(
    entity,
    ANNOTATION_KUBERNETES_ID,
    ANNOTATION_KUBERNETES_LABEL_SELECTOR,
  );
}

/**
 * True when the inference card has something to probe: an endpoint
 * annotation, or a protocol annotation plus a workload to derive the
 * endpoint from. @public
 */
export function isInferenceAvailable(entity: Entity): boolean {
  return (
    has(entity, ANNOTATION_INFERENCE_ENDPOINT) ||
    (has(entity, ANNOTATION_INFERENCE_PROTOCOL) && isKubernetesAvailable(entity))
  );
}

/** True when at least one step of the delivery chain can be read: the delivery card. @public */
export function isDeliveryAvailable(entity: Entity): boolean {
  return (
    isBuildAvailable(entity) ||
    isImageRepositoryAvailable(entity) ||
    isSyncAvailable(entity) ||
    isKubernetesAvailable(entity) ||
    isInferenceAvailable(entity)
  );
}

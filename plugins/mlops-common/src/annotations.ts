/**
 * Annotations read by the mlops plugins. Where an ecosystem annotation
 * already exists (Kubernetes plugin, Roadie's Argo CD plugin, the community
 * Jenkins plugin, Harbor) we read that one and do not invent our own.
 */

/**
 * Image repository of the model service, as `<registry host>[:port]/<repository>`
 * (for example `harbor.ml.internal/ml/fraud-detector`). The host must be one of
 * the registries configured under `mlops.registries`; the backend never talks to
 * a host that is not configured. Without a host, the first configured registry
 * is used.
 * @public
 */
export const ANNOTATION_IMAGE_REPOSITORY = 'mlops.io/image-repository';

/**
 * Harbor's annotation (backstage-plugin-harbor): `project/repository`,
 * optionally prefixed with the Harbor host (`host/project/repository`), several
 * separated by commas. We read the first entry.
 * @public
 */
export const ANNOTATION_HARBOR_REPOSITORY_SLUG = 'goharbor.io/repository-slug';

/** Backstage Kubernetes plugin annotations (read, never redefined). @public */
export const ANNOTATION_KUBERNETES_ID = 'backstage.io/kubernetes-id';
/** @public */
export const ANNOTATION_KUBERNETES_LABEL_SELECTOR =
  'backstage.io/kubernetes-label-selector';
/** @public */
export const ANNOTATION_KUBERNETES_NAMESPACE = 'backstage.io/kubernetes-namespace';

/** Roadie Argo CD annotations, plus the community plugin's instance picker. @public */
export const ANNOTATION_ARGOCD_APP_NAME = 'argocd/app-name';
/** @public */
export const ANNOTATION_ARGOCD_APP_SELECTOR = 'argocd/app-selector';
/** @public */
export const ANNOTATION_ARGOCD_PROJECT_NAME = 'argocd/project-name';
/** @public */
export const ANNOTATION_ARGOCD_APP_NAMESPACE = 'argocd/app-namespace';
/** @public */
export const ANNOTATION_ARGOCD_INSTANCE_NAME = 'argocd/instance-name';

/** Community Jenkins plugin annotation: `[instance:]folder/job`, comma-separated. @public */
export const ANNOTATION_JENKINS_JOB_FULL_NAME = 'jenkins.io/job-full-name';

/** Inference endpoint base URL of the model server (host must be allowed by config). @public */
export const ANNOTATION_INFERENCE_ENDPOINT = 'mlops.io/inference-endpoint';
/** Inference protocol: `torchserve`, `kserve-v2`, `triton`, `openai`, `http`. @public */
export const ANNOTATION_INFERENCE_PROTOCOL = 'mlops.io/inference-protocol';
/** Name of the model the server should have loaded. @public */
export const ANNOTATION_MODEL_NAME = 'mlops.io/model-name';

/** Recorded by our templates: which template (and version) generated the entity. @public */
export const ANNOTATION_SOURCE_TEMPLATE = 'backstage.io/source-template';
/** @public */
export const ANNOTATION_TEMPLATE_VERSION = 'mlops.io/template-version';

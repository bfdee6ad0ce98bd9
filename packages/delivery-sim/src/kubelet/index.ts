/**
 * The kubelet stand-in (simulator): pods, scheduling, image pulls and
 * Deployment status for the delivery loop, written to the real kube-apiserver.
 */
export { startKubeletStandIn } from './kubeletStandIn';
export type { KubeletStandIn, KubeletStandInOptions } from './kubeletStandIn';
export { parseImageReference, ImageResolver } from './imageResolver';
export type {
  ImageReference,
  ImageResolverOptions,
  Resolution,
} from './imageResolver';
export { isGpuResource, podGpuRequests, schedulePod } from './scheduler';
export type { ScheduleResult } from './scheduler';
export { KubeApi, KubeApiError, deploymentsPath, podsPath } from './kubeApi';
export { labelSelectorString, isPodReady, conditionOf } from './types';
export type {
  Deployment,
  DeploymentStatus,
  LabelSelector,
  Node,
  Pod,
  PodStatus,
  ContainerStatus,
  Condition,
} from './types';

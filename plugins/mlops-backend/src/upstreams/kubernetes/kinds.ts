import {
  ArgoApplication,
  CronJob,
  Deployment,
  InferenceService,
  Ingress,
  Job,
  Node,
  Pod,
  Service,
  StatefulSet,
} from './types';

/** What the cache can hold, per cluster. */
export type ResourceKind =
  | 'pods'
  | 'deployments'
  | 'statefulsets'
  | 'jobs'
  | 'cronjobs'
  | 'services'
  | 'ingresses'
  | 'nodes'
  | 'applications'
  | 'inferenceservices';

/** The object type each kind holds. */
export interface KindObjects {
  pods: Pod;
  deployments: Deployment;
  statefulsets: StatefulSet;
  jobs: Job;
  cronjobs: CronJob;
  services: Service;
  ingresses: Ingress;
  nodes: Node;
  applications: ArgoApplication;
  inferenceservices: InferenceService;
}

export interface KindSpec {
  kind: ResourceKind;
  /** API group; '' is the core group (`/api/v1`). */
  group: string;
  /** Versions we can read, most preferred first. Discovery picks the first one served. */
  versions: string[];
  /** Resource name in the URL (the plural). */
  plural: string;
  namespaced: boolean;
  /** Custom resources: absence is normal (the CRD is not installed), not an error. */
  custom: boolean;
}

export const KIND_SPECS: Record<ResourceKind, KindSpec> = {
  pods: {
    kind: 'pods',
    group: '',
    versions: ['v1'],
    plural: 'pods',
    namespaced: true,
    custom: false,
  },
  deployments: {
    kind: 'deployments',
    group: 'apps',
    versions: ['v1'],
    plural: 'deployments',
    namespaced: true,
    custom: false,
  },
  statefulsets: {
    kind: 'statefulsets',
    group: 'apps',
    versions: ['v1'],
    plural: 'statefulsets',
    namespaced: true,
    custom: false,
  },
  jobs: {
    kind: 'jobs',
    group: 'batch',
    versions: ['v1'],
    plural: 'jobs',
    namespaced: true,
    custom: false,
  },
  // batch/v1 CronJob exists from 1.21; 1.20 serves only batch/v1beta1.
  cronjobs: {
    kind: 'cronjobs',
    group: 'batch',
    versions: ['v1', 'v1beta1'],
    plural: 'cronjobs',
    namespaced: true,
    custom: false,
  },
  services: {
    kind: 'services',
    group: '',
    versions: ['v1'],
    plural: 'services',
    namespaced: true,
    custom: false,
  },
  ingresses: {
    kind: 'ingresses',
    group: 'networking.k8s.io',
    versions: ['v1', 'v1beta1'],
    plural: 'ingresses',
    namespaced: true,
    custom: false,
  },
  nodes: {
    kind: 'nodes',
    group: '',
    versions: ['v1'],
    plural: 'nodes',
    namespaced: false,
    custom: false,
  },
  applications: {
    kind: 'applications',
    group: 'argoproj.io',
    versions: ['v1alpha1'],
    plural: 'applications',
    namespaced: true,
    custom: true,
  },
  inferenceservices: {
    kind: 'inferenceservices',
    group: 'serving.kserve.io',
    versions: ['v1beta1'],
    plural: 'inferenceservices',
    namespaced: true,
    custom: true,
  },
};

export const ALL_KINDS = Object.keys(KIND_SPECS) as ResourceKind[];

/** `/api/v1/pods`, `/apis/apps/v1/deployments`: the cluster-wide collection path. */
export function collectionPath(spec: KindSpec, version: string): string {
  const base =
    spec.group === '' ? `/api/${version}` : `/apis/${spec.group}/${version}`;
  return `${base}/${spec.plural}`;
}

/** `apps/v1`, `v1` */
export function apiVersionOf(spec: KindSpec, version: string): string {
  return spec.group === '' ? version : `${spec.group}/${version}`;
}

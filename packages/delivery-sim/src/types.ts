/**
 * What every controller of the delivery loop knows about one model service.
 * The loop (loop.ts) builds these from the services it is given; the
 * controllers never share state except through the real stores (git, the
 * registry, the kube-apiserver) and the simulators' APIs, plus the break
 * board (breaks.ts) that scenarios use to break one link on purpose.
 */

export interface LoopService {
  /** e.g. `support-chat`: the Deployment, Service and Argo CD app name. */
  name: string;
  /** Kubernetes namespace the GitOps overlay deploys into, e.g. `genai`. */
  namespace: string;
  /**
   * The image as the manifests and the catalog name it, without tag, e.g.
   * `registry.demo.local/genai/support-chat`.
   */
  image: string;
  /** Repository path in the real registry, e.g. `genai/support-chat`. */
  registryRepository: string;
  /** Full name of the Jenkins job (`jenkins.io/job-full-name`), e.g. `genai/support-chat`. */
  jenkinsJob: string;
  /** Argo CD application name (`argocd/app-name`). */
  argoApp: string;
  /** The service's source repository: a real git working repository on disk (branch `main`). */
  sourceRepo: string;
  /** The GitOps repository (shared by all services): a real git working repository on disk. */
  gitopsRepo: string;
  /** Folder of the service's overlay in the GitOps repository, e.g. `apps/support-chat/overlays/prod`. */
  gitopsPath: string;
  /** `mlops.io/model-name`, for the serving side. */
  model?: string;
}

/**
 * The links a scenario can break, in delivery order. Each is what goes wrong
 * in real pipelines:
 * - `build-fails`: the build fails at a stage (default `Image`);
 * - `image-not-pushed`: the build succeeds but the image never reaches the registry;
 * - `gitops-not-bumped`: the build pushes, but the GitOps stage does not commit the new tag;
 * - `sync-off`: the Argo CD app's automated sync is turned off;
 * - `crash-loop`: the containers start and crash (CrashLoopBackOff);
 * - `gpu-unschedulable`: every GPU node is full, pods asking for GPUs stay Pending;
 * - `model-not-ready`: the model server runs but its model is not loaded.
 */
export const DELIVERY_BREAKS = [
  'build-fails',
  'image-not-pushed',
  'gitops-not-bumped',
  'sync-off',
  'crash-loop',
  'gpu-unschedulable',
  'model-not-ready',
] as const;

export type DeliveryBreak = (typeof DELIVERY_BREAKS)[number];

/** Options of a break, e.g. the stage a build fails at. */
export interface BreakOptions {
  /** `build-fails`: the stage that fails (default `Image`). */
  stage?: string;
  /** `crash-loop`: what the crashing container last said (`lastState.terminated.message`). */
  message?: string;
}

/** Something a controller did or saw, for logs and tests. */
export interface LoopEvent {
  at: number;
  controller: 'build' | 'gitops' | 'kubelet' | 'serving' | 'scenario';
  service?: string;
  message: string;
}

export type LoopLog = (event: LoopEvent) => void;

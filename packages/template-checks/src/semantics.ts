/**
 * What the generated manifests must mean, per runtime and option: health
 * probes on the runtime's real endpoints, GPUs exactly when asked for, node
 * node selection exactly when a GPU product is given, the GPU
 * toleration exactly when GPUs are requested, the image the CI pushes, the
 * labels the Kubernetes plugin finds workloads by, and the Argo CD
 * Application's sync policy and Image Updater annotations.
 *
 * Each check returns a list of problems (empty when the manifests are right),
 * so a failing test names every deviation at once.
 */
import { KubeObject } from '@internal/test-env';
import { Runtime } from './matrix';

export interface Expectations {
  name: string;
  runtime: Runtime;
  namespace: string;
  registryHost: string;
  registryOrg: string;
  pullSecret: string;
  gpuCount: number;
  gpuProduct?: string;
  schedule?: string;
  modelSource?: string;
  syncPolicy: 'automated' | 'manual';
  imageUpdater: boolean;
  gitopsRepoUrl: string;
  cluster: string;
}

interface Probe {
  httpGet?: { path?: string; port?: number | string };
  [key: string]: unknown;
}

interface Container {
  name?: string;
  image?: string;
  ports?: { name?: string; containerPort: number }[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  resources?: {
    limits?: Record<string, unknown>;
    requests?: Record<string, unknown>;
  };
  volumeMounts?: { name: string; mountPath: string }[];
  [key: string]: unknown;
}

interface PodSpec {
  containers?: Container[];
  imagePullSecrets?: { name: string }[];
  nodeSelector?: Record<string, string>;
  tolerations?: {
    key?: string;
    operator?: string;
    effect?: string;
    value?: string;
  }[];
  volumes?: {
    name: string;
    emptyDir?: { medium?: string; sizeLimit?: string };
  }[];
  [key: string]: unknown;
}

export const GPU_RESOURCE = 'nvidia.com/gpu';
export const GPU_PRODUCT_LABEL = 'nvidia.com/gpu.product';
export const KUBERNETES_ID_LABEL = 'backstage.io/kubernetes-id';
export const NAME_LABEL = 'app.kubernetes.io/name';
export const IMAGE_UPDATER_PREFIX = 'argocd-image-updater.argoproj.io/';

/** Kind of the model server's workload, by runtime. */
export const WORKLOAD_KIND: Record<Runtime, string> = {
  torchserve: 'Deployment',
  fastapi: 'Deployment',
  'kserve-triton': 'InferenceService',
  vllm: 'Deployment',
  'batch-job': 'CronJob',
};

/** The runtime's health endpoints: probe → [path, port]. */
export const HEALTH_PROBES: Record<
  Runtime,
  Partial<
    Record<
      'readinessProbe' | 'livenessProbe' | 'startupProbe',
      [string, number]
    >
  >
> = {
  torchserve: {
    readinessProbe: ['/ping', 8080],
    livenessProbe: ['/ping', 8080],
  },
  fastapi: {
    readinessProbe: ['/readyz', 8000],
    livenessProbe: ['/healthz', 8000],
  },
  vllm: { startupProbe: ['/health', 8000], readinessProbe: ['/health', 8000] },
  'kserve-triton': { readinessProbe: ['/v2/health/ready', 8080] },
  'batch-job': {},
};

const get = (o: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>(
    (acc, key) =>
      acc && typeof acc === 'object'
        ? (acc as Record<string, unknown>)[key]
        : undefined,
    o,
  );

/** The pod spec (or, for an InferenceService, the predictor) and pod template labels of a workload. */
export function podOf(workload: KubeObject): {
  pod: PodSpec;
  podLabels?: Record<string, string>;
  containers: Container[];
} {
  switch (workload.kind) {
    case 'Deployment':
    case 'StatefulSet': {
      const pod = (get(workload, 'spec', 'template', 'spec') ?? {}) as PodSpec;
      return {
        pod,
        podLabels: get(
          workload,
          'spec',
          'template',
          'metadata',
          'labels',
        ) as Record<string, string>,
        containers: pod.containers ?? [],
      };
    }
    case 'CronJob': {
      const pod = (get(
        workload,
        'spec',
        'jobTemplate',
        'spec',
        'template',
        'spec',
      ) ?? {}) as PodSpec;
      return {
        pod,
        podLabels: get(
          workload,
          'spec',
          'jobTemplate',
          'spec',
          'template',
          'metadata',
          'labels',
        ) as Record<string, string>,
        containers: pod.containers ?? [],
      };
    }
    case 'InferenceService': {
      const pod = (get(workload, 'spec', 'predictor') ?? {}) as PodSpec;
      const model = pod.model as Container | undefined;
      return {
        pod,
        podLabels: get(workload, 'spec', 'predictor', 'labels') as Record<
          string,
          string
        >,
        containers: model
          ? [model, ...(pod.containers ?? [])]
          : pod.containers ?? [],
      };
    }
    default:
      throw new Error(`${workload.kind} is not a workload`);
  }
}

function resolvePort(
  container: Container,
  port: number | string | undefined,
): number | undefined {
  if (typeof port === 'number') return port;
  if (typeof port === 'string' && /^\d+$/.test(port)) return Number(port);
  return container.ports?.find(p => p.name === port)?.containerPort;
}

export function findWorkload(
  objects: KubeObject[],
  exp: Expectations,
): KubeObject | undefined {
  return objects.find(
    o => o.kind === WORKLOAD_KIND[exp.runtime] && o.metadata.name === exp.name,
  );
}

/** Checks the rendered objects of one overlay. */
export function checkWorkloads(
  objects: KubeObject[],
  exp: Expectations,
  overlay: 'dev' | 'prod',
): string[] {
  const problems: string[] = [];
  const workload = findWorkload(objects, exp);
  if (!workload) {
    return [
      `no ${WORKLOAD_KIND[exp.runtime]} named ${exp.name} (found ${objects
        .map(o => `${o.kind}/${o.metadata.name}`)
        .join(', ')})`,
    ];
  }
  const { pod, podLabels, containers } = podOf(workload);
  const image = `${exp.registryHost}/${exp.registryOrg}/${exp.name}`;
  // KServe runs its stock Triton runtime for the model: the model spec is the serving container.
  const main =
    workload.kind === 'InferenceService'
      ? containers[0]
      : containers.find(
          c => c.image?.split('@')[0].replace(/:[^:/]+$/, '') === image,
        );

  // every object is found by the Kubernetes plugin and named consistently
  for (const o of objects) {
    const labels = o.metadata.labels ?? {};
    if (labels[KUBERNETES_ID_LABEL] !== exp.name) {
      problems.push(
        `${o.kind}/${
          o.metadata.name
        }: label ${KUBERNETES_ID_LABEL} is ${JSON.stringify(
          labels[KUBERNETES_ID_LABEL],
        )}, expected ${exp.name}`,
      );
    }
    if (o === workload && labels[NAME_LABEL] !== exp.name) {
      problems.push(
        `${o.kind}/${o.metadata.name}: label ${NAME_LABEL} is ${JSON.stringify(
          labels[NAME_LABEL],
        )}, expected ${exp.name}`,
      );
    }
  }
  if (podLabels?.[KUBERNETES_ID_LABEL] !== exp.name) {
    problems.push(
      `pods of ${workload.kind}/${exp.name} lack label ${KUBERNETES_ID_LABEL}: ${exp.name} (they would not show in the Kubernetes tab)`,
    );
  }
  if (overlay === 'prod') {
    for (const o of objects) {
      if (o.kind !== 'Namespace' && o.metadata.namespace !== exp.namespace) {
        problems.push(
          `${o.kind}/${o.metadata.name} is in namespace ${o.metadata.namespace}, expected ${exp.namespace}`,
        );
      }
    }
  }

  if (workload.kind === 'InferenceService') {
    const model = (main ?? {}) as Container & {
      modelFormat?: { name?: string };
      protocolVersion?: string;
      storageUri?: string;
    };
    if (model.modelFormat?.name !== 'triton')
      problems.push(
        `predictor.model.modelFormat is ${JSON.stringify(
          model.modelFormat,
        )}, expected {name: triton}`,
      );
    if (model.protocolVersion !== 'v2')
      problems.push(
        `predictor.model.protocolVersion is ${JSON.stringify(
          model.protocolVersion,
        )}, expected v2`,
      );
    if (exp.modelSource && model.storageUri !== exp.modelSource) {
      problems.push(
        `predictor.model.storageUri is ${JSON.stringify(
          model.storageUri,
        )}, expected ${exp.modelSource}`,
      );
    }
  }
  if (!main) {
    problems.push(
      `no container of ${workload.kind}/${
        exp.name
      } runs image ${image} (images: ${containers
        .map(c => c.image)
        .join(', ')})`,
    );
  } else {
    // health probes on the runtime's real endpoints
    for (const [probe, [path, port]] of Object.entries(
      HEALTH_PROBES[exp.runtime],
    ) as [keyof Container, [string, number]][]) {
      const p = main[probe] as Probe | undefined;
      const actualPort = resolvePort(main, p?.httpGet?.port);
      if (!p?.httpGet)
        problems.push(
          `${probe} is missing or not an httpGet probe (expected GET ${path} on ${port})`,
        );
      else if (p.httpGet.path !== path || actualPort !== port) {
        problems.push(
          `${probe} is GET ${p.httpGet.path} on ${String(
            p.httpGet.port,
          )} (= ${actualPort}), expected GET ${path} on ${port}`,
        );
      }
    }
    if (exp.runtime === 'batch-job') {
      for (const probe of [
        'readinessProbe',
        'livenessProbe',
        'startupProbe',
      ] as const) {
        if (main[probe])
          problems.push(
            `a batch job has no server to probe, but ${probe} is set`,
          );
      }
    }
    // GPUs exactly when asked for
    const limit = main.resources?.limits?.[GPU_RESOURCE];
    if (exp.gpuCount > 0 && String(limit) !== String(exp.gpuCount)) {
      problems.push(
        `resources.limits["${GPU_RESOURCE}"] is ${JSON.stringify(
          limit,
        )}, expected ${exp.gpuCount}`,
      );
    }
    if (exp.gpuCount === 0 && limit !== undefined) {
      problems.push(
        `resources.limits["${GPU_RESOURCE}"] is ${JSON.stringify(
          limit,
        )} although gpuCount is 0`,
      );
    }
    const request = main.resources?.requests?.[GPU_RESOURCE];
    if (request !== undefined && String(request) !== String(limit)) {
      problems.push(
        `resources.requests["${GPU_RESOURCE}"] (${JSON.stringify(
          request,
        )}) differs from the limit (${JSON.stringify(limit)})`,
      );
    }
    for (const other of containers) {
      if (
        other !== main &&
        other.resources?.limits?.[GPU_RESOURCE] !== undefined
      ) {
        problems.push(`container ${other.name} also requests ${GPU_RESOURCE}`);
      }
    }
    if (exp.runtime === 'vllm') {
      const shm = main.volumeMounts?.find(m => m.mountPath === '/dev/shm');
      const volume = shm && pod.volumes?.find(v => v.name === shm.name);
      if (!shm)
        problems.push(
          'vllm needs /dev/shm mounted (tensor-parallel workers share memory through it)',
        );
      else if (volume?.emptyDir?.medium !== 'Memory') {
        problems.push(
          `/dev/shm is volume ${shm.name}, expected an emptyDir with medium Memory`,
        );
      }
    }
  }

  // node placement exactly when a GPU product is given
  const selector = pod.nodeSelector?.[GPU_PRODUCT_LABEL];
  if (exp.gpuProduct && selector !== exp.gpuProduct) {
    problems.push(
      `nodeSelector["${GPU_PRODUCT_LABEL}"] is ${JSON.stringify(
        selector,
      )}, expected ${exp.gpuProduct}`,
    );
  }
  if (!exp.gpuProduct && selector !== undefined) {
    problems.push(
      `nodeSelector["${GPU_PRODUCT_LABEL}"] is set (${selector}) although no gpuProduct was chosen`,
    );
  }
  // GPU nodes carry the nvidia.com/gpu NoSchedule taint: every pod that requests a GPU must
  // tolerate the taint (a gpuProduct implies gpuCount > 0), and no CPU-only pod may.
  const toleration = pod.tolerations?.find(t => t.key === GPU_RESOURCE);
  if (exp.gpuCount > 0) {
    if (
      !toleration ||
      toleration.operator !== 'Exists' ||
      toleration.effect !== 'NoSchedule'
    ) {
      problems.push(
        `expected toleration {key: ${GPU_RESOURCE}, operator: Exists, effect: NoSchedule}, found ${JSON.stringify(
          toleration,
        )}`,
      );
    }
  } else if (toleration) {
    problems.push(
      `toleration for ${GPU_RESOURCE} is set although gpuCount is 0`,
    );
  }

  // pulls from the private registry
  if (!pod.imagePullSecrets?.some(s => s.name === exp.pullSecret)) {
    problems.push(
      `imagePullSecrets ${JSON.stringify(pod.imagePullSecrets)} lacks ${
        exp.pullSecret
      }`,
    );
  }
  if (
    exp.runtime === 'batch-job' &&
    exp.schedule &&
    get(workload, 'spec', 'schedule') !== exp.schedule
  ) {
    problems.push(
      `CronJob schedule is ${JSON.stringify(
        get(workload, 'spec', 'schedule'),
      )}, expected ${exp.schedule}`,
    );
  }
  return problems;
}

/** Checks the Argo CD Application (application.yaml). */
export function checkApplication(app: KubeObject, exp: Expectations): string[] {
  const problems: string[] = [];
  const expect = (what: string, actual: unknown, expected: unknown) => {
    if (JSON.stringify(actual) !== JSON.stringify(expected)) {
      problems.push(
        `${what} is ${JSON.stringify(actual)}, expected ${JSON.stringify(
          expected,
        )}`,
      );
    }
  };
  expect('apiVersion', app.apiVersion, 'argoproj.io/v1alpha1');
  expect('kind', app.kind, 'Application');
  expect('metadata.name', app.metadata.name, exp.name);
  if (
    !((app.metadata.finalizers as string[] | undefined) ?? []).includes(
      'resources-finalizer.argocd.argoproj.io',
    )
  ) {
    problems.push(
      'metadata.finalizers lacks resources-finalizer.argocd.argoproj.io (deleting the app would orphan its resources)',
    );
  }
  expect('spec.project', get(app, 'spec', 'project'), 'default');
  expect(
    'spec.source.repoURL',
    get(app, 'spec', 'source', 'repoURL'),
    exp.gitopsRepoUrl,
  );
  expect(
    'spec.source.path',
    get(app, 'spec', 'source', 'path'),
    `apps/${exp.name}/overlays/prod`,
  );
  const destination = (get(app, 'spec', 'destination') ?? {}) as Record<
    string,
    unknown
  >;
  if (
    destination.name !== exp.cluster &&
    !(
      exp.cluster === 'in-cluster' &&
      destination.server === 'https://kubernetes.default.svc'
    )
  ) {
    problems.push(
      `spec.destination ${JSON.stringify(
        destination,
      )} does not target cluster ${exp.cluster}`,
    );
  }
  expect('spec.destination.namespace', destination.namespace, exp.namespace);
  const automated = get(app, 'spec', 'syncPolicy', 'automated') as
    | Record<string, unknown>
    | undefined;
  if (exp.syncPolicy === 'automated') {
    if (automated?.prune !== true || automated?.selfHeal !== true) {
      problems.push(
        `spec.syncPolicy.automated is ${JSON.stringify(
          automated,
        )}, expected {prune: true, selfHeal: true}`,
      );
    }
  } else if (
    automated !== undefined &&
    automated !== null &&
    (automated as { enabled?: boolean }).enabled !== false
  ) {
    problems.push(
      `spec.syncPolicy.automated is ${JSON.stringify(
        automated,
      )} although syncPolicy is manual`,
    );
  }
  const syncOptions =
    (get(app, 'spec', 'syncPolicy', 'syncOptions') as string[] | undefined) ??
    [];
  if (!syncOptions.includes('CreateNamespace=true'))
    problems.push(
      `spec.syncPolicy.syncOptions ${JSON.stringify(
        syncOptions,
      )} lacks CreateNamespace=true`,
    );

  const annotations = app.metadata.annotations ?? {};
  const updater = Object.keys(annotations).filter(k =>
    k.startsWith(IMAGE_UPDATER_PREFIX),
  );
  if (exp.imageUpdater) {
    const imageList = annotations[`${IMAGE_UPDATER_PREFIX}image-list`] ?? '';
    const image = `${exp.registryHost}/${exp.registryOrg}/${exp.name}`;
    if (
      !imageList.split(',').some(
        entry =>
          entry
            .trim()
            .replace(/^[^=]+=/, '')
            .replace(/:[^:/]+$/, '') === image,
      )
    ) {
      problems.push(
        `annotation ${IMAGE_UPDATER_PREFIX}image-list is ${JSON.stringify(
          imageList,
        )}, expected it to list ${image}`,
      );
    }
  } else if (updater.length) {
    problems.push(
      `Image Updater annotations ${updater.join(
        ', ',
      )} are set although imageUpdater is false`,
    );
  }
  return problems;
}

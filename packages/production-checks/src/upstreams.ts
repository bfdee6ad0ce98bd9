/**
 * The upstreams the production-shape checks give the backend replicas, on
 * free 127.0.0.1 ports: a REAL kube-apiserver (one Deployment and two pods
 * per model service, status written here as the controllers would), a REAL
 * registry (Debian's docker-registry, token auth), and the Jenkins, Argo CD
 * and vLLM simulators (packages/simulators; they say so on every response).
 * Three model services, each with a consistent story from commit to pod;
 * `crashLoop` and `outOfSync` break one upstream fact, as a test needs.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  ArgoCdSimulator,
  JenkinsSimulator,
  VllmSimulator,
  exampleApplication,
  startArgoCdSimulator,
  startJenkinsSimulator,
  startVllmSimulator,
} from '@internal/simulators';
import {
  KubeClient,
  RunningKubeApiserver,
  RunningRegistry,
  pushImage,
  startKubeApiserver,
  startRegistry,
} from '@internal/test-env';

/** One model service of the checks. */
export interface ServicePlan {
  /** catalog name, Deployment name, Argo CD app name, kubernetes-id */
  name: string;
  /** repository in the registry */
  repository: string;
  jenkinsJob: string;
  /** commit the running image was built from */
  revision: string;
  /** last build: `SUCCESS` (delivers end to end) or `FAILURE` at stage "Push image" */
  lastBuild: 'SUCCESS' | 'FAILURE';
}

export const NAMESPACE = 'ml';
export const OWNER_GROUP = 'ml-platform';
export const OWNER_USER = 'ana';
export const CLUSTER_NAME = 'production-checks';
export const ARGOCD_INSTANCE = 'prod';
export const JENKINS_INSTANCE = 'ci';
export const SERVED_MODEL = 'chat';

const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');

export const SERVICES: ServicePlan[] = [
  {
    name: 'fraud-detector',
    repository: 'ml/fraud-detector',
    jenkinsJob: 'ml/fraud-detector',
    revision: sha1('fraud-detector#7'),
    lastBuild: 'SUCCESS',
  },
  {
    name: 'churn-scoring',
    repository: 'ml/churn-scoring',
    jenkinsJob: 'ml/churn-scoring',
    revision: sha1('churn-scoring#3'),
    lastBuild: 'SUCCESS',
  },
  {
    name: 'llm-chat',
    repository: 'genai/llm-chat',
    jenkinsJob: 'genai/llm-chat',
    revision: sha1('llm-chat#12'),
    lastBuild: 'FAILURE',
  },
];

export const PODS_PER_SERVICE = 2;

const tagOf = (s: ServicePlan) => s.revision.slice(0, 7);
export const podName = (s: ServicePlan, i: number) =>
  `${s.name}-7d9f8b6c5-${i}`;

export interface Upstreams {
  kube: RunningKubeApiserver;
  registry: RunningRegistry;
  registryPassword: string;
  jenkins: JenkinsSimulator;
  jenkinsUser: string;
  jenkinsToken: string;
  argocd: ArgoCdSimulator;
  argocdUser: string;
  argocdPassword: string;
  vllm: VllmSimulator;
  /** admin client of the apiserver (the test's writes) */
  kubeAdmin: KubeClient;
  /** image reference each service runs, `<registry host>/<repo>:<tag>` */
  imageOf(service: ServicePlan): string;
  /** catalog entities: the owner group and user, and one Component per service */
  catalogYaml(): string;
  /** the app-config fragment that wires a backend to everything here */
  appConfig(options: { refreshSeconds: number }): Record<string, unknown>;
  /** pod `i` of the service starts crash-looping (kubelet's CrashLoopBackOff) */
  crashLoop(service: ServicePlan, i: number): Promise<void>;
  /** the service's Argo CD app turns OutOfSync (a new commit in GitOps) */
  outOfSync(service: ServicePlan): void;
  stop(): Promise<void>;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

async function must(
  what: string,
  reply: Promise<{ status: number; body: string }>,
): Promise<void> {
  const r = await reply;
  if (r.status < 200 || r.status >= 300) {
    throw new Error(`${what}: HTTP ${r.status} ${r.body.slice(0, 300)}`);
  }
}

function runningPod(
  container: string,
  image: string,
  imageID: string,
  since: number,
) {
  const t = iso(since);
  return {
    phase: 'Running',
    conditions: ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map(
      type => ({ type, status: 'True', lastTransitionTime: t }),
    ),
    startTime: t,
    containerStatuses: [
      {
        name: container,
        ready: true,
        started: true,
        restartCount: 0,
        image,
        imageID,
        state: { running: { startedAt: t } },
      },
    ],
  };
}

function crashLoopPod(
  container: string,
  pod: string,
  image: string,
  imageID: string,
  since: number,
) {
  const t = iso(since);
  const unready = {
    status: 'False',
    reason: 'ContainersNotReady',
    message: `containers with unready status: [${container}]`,
    lastTransitionTime: t,
  };
  const now = Date.now();
  return {
    phase: 'Running',
    conditions: [
      { type: 'Initialized', status: 'True', lastTransitionTime: t },
      { type: 'Ready', ...unready },
      { type: 'ContainersReady', ...unready },
      { type: 'PodScheduled', status: 'True', lastTransitionTime: t },
    ],
    startTime: t,
    containerStatuses: [
      {
        name: container,
        ready: false,
        started: false,
        restartCount: 4,
        image,
        imageID,
        state: {
          waiting: {
            reason: 'CrashLoopBackOff',
            message: `back-off 1m20s restarting failed container=${container} pod=${pod}`,
          },
        },
        lastState: {
          terminated: {
            exitCode: 1,
            reason: 'Error',
            message: 'RuntimeError: model file /models/model.pt not found',
            startedAt: iso(now - 40_000),
            finishedAt: iso(now - 35_000),
          },
        },
      },
    ],
  };
}

function deploymentStatus(replicas: number, ready: number, since: number) {
  const t = iso(since);
  return {
    observedGeneration: 1,
    replicas,
    updatedReplicas: replicas,
    readyReplicas: ready,
    availableReplicas: ready,
    ...(ready < replicas ? { unavailableReplicas: replicas - ready } : {}),
    conditions: [
      {
        type: 'Available',
        status: ready > 0 ? 'True' : 'False',
        reason:
          ready > 0 ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable',
        lastUpdateTime: t,
        lastTransitionTime: t,
      },
      {
        type: 'Progressing',
        status: 'True',
        reason: 'NewReplicaSetAvailable',
        lastUpdateTime: t,
        lastTransitionTime: t,
      },
    ],
  };
}

/** Starts and seeds every upstream; on failure stops what it started. */
export async function startUpstreams(
  options: { log?: (line: string) => void } = {},
): Promise<Upstreams> {
  const log = options.log ?? (() => {});
  const cleanups: Array<() => Promise<void>> = [];
  const cleanup = async () => {
    await Promise.allSettled(cleanups.splice(0).map(c => c()));
  };
  try {
    const registryPassword = randomBytes(12).toString('hex');
    const jenkinsUser = 'portal';
    const jenkinsToken = randomBytes(16).toString('hex');
    const argocdUser = 'portal';
    const argocdPassword = randomBytes(12).toString('hex');
    const started = await Promise.allSettled([
      startKubeApiserver(),
      startRegistry({
        auth: 'token',
        username: 'portal',
        password: registryPassword,
      }),
      startJenkinsSimulator({
        users: [
          {
            username: jenkinsUser,
            apiToken: jenkinsToken,
            password: randomBytes(12).toString('hex'),
            permissions: ['read'],
          },
        ],
        libraryRemoteUrl: null,
      }),
      startArgoCdSimulator({ users: { [argocdUser]: argocdPassword } }),
      startVllmSimulator({ servedModelName: SERVED_MODEL }),
    ]);
    for (const s of started) {
      if (s.status === 'fulfilled') cleanups.push(() => s.value.stop());
    }
    for (const s of started) if (s.status === 'rejected') throw s.reason;
    const [kube, registry, jenkins, argocd, vllm] = started.map(
      s => (s as PromiseFulfilledResult<unknown>).value,
    ) as [
      RunningKubeApiserver,
      RunningRegistry,
      JenkinsSimulator,
      ArgoCdSimulator,
      VllmSimulator,
    ];
    log(
      `[upstreams] kube-apiserver ${kube.url}, registry ${registry.url}, Jenkins simulator ${jenkins.url}, Argo CD simulator ${argocd.url}, vLLM simulator ${vllm.url}`,
    );

    const kubeAdmin = new KubeClient({
      url: kube.url,
      ca: Buffer.from(kube.caData, 'base64').toString('utf8'),
      token: kube.adminToken,
    });
    const imageOf = (s: ServicePlan) =>
      `${registry.host}/${s.repository}:${tagOf(s)}`;
    const since = Date.now() - 30 * 60_000;
    const digests = new Map<string, string>();

    await must(
      `namespace ${NAMESPACE}`,
      kubeAdmin.request('POST', '/api/v1/namespaces', {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: NAMESPACE },
      }),
    );

    await Promise.all(
      SERVICES.map(async (s, index) => {
        // Registry: the image the service runs, labelled with its commit.
        const pushed = await pushImage(
          {
            url: registry.url,
            username: 'portal',
            password: registryPassword,
          },
          {
            repository: s.repository,
            tag: tagOf(s),
            revision: s.revision,
            created: iso(since - 20 * 60_000),
          },
        );
        digests.set(s.name, pushed.digest);

        // Jenkins: the build that made it (and, for a broken one, a later failed build).
        const remote = `https://git.example.test/${s.repository}.git`;
        const build = (
          number: number,
          sha: string,
          result: 'SUCCESS' | 'FAILURE',
        ) => ({
          number,
          result,
          building: false,
          timestamp: since - 25 * 60_000 + number * 1000,
          duration: 180_000,
          startedBy: null,
          scm: [{ remoteUrl: remote, sha, branch: 'refs/remotes/origin/main' }],
          stages:
            result === 'SUCCESS'
              ? [
                  {
                    name: 'Test',
                    status: 'SUCCESS' as const,
                    durationMillis: 90_000,
                  },
                  {
                    name: 'Push image',
                    status: 'SUCCESS' as const,
                    durationMillis: 60_000,
                  },
                ]
              : [
                  {
                    name: 'Test',
                    status: 'SUCCESS' as const,
                    durationMillis: 90_000,
                  },
                  {
                    name: 'Push image',
                    status: 'FAILED' as const,
                    durationMillis: 5_000,
                    error: {
                      message:
                        'denied: requested access to the resource is denied',
                      type: 'hudson.AbortException',
                    },
                  },
                ],
        });
        jenkins.addJob(s.jenkinsJob, {
          type: 'pipeline',
          scmRemote: remote,
          builds:
            s.lastBuild === 'SUCCESS'
              ? [build(7 + index, s.revision, 'SUCCESS')]
              : [
                  build(7 + index, s.revision, 'SUCCESS'),
                  build(8 + index, sha1(`${s.name}#next`), 'FAILURE'),
                ],
        });

        // Argo CD: the app asks for that image, Synced and Healthy.
        const app = exampleApplication(s.name, {
          namespace: undefined,
          labels: { 'backstage-name': s.name },
        });
        app.spec.source = {
          ...app.spec.source,
          kustomize: { images: [imageOf(s)] },
        } as typeof app.spec.source;
        app.spec.destination = {
          server: 'https://kubernetes.default.svc',
          namespace: NAMESPACE,
        };
        argocd.putApplication(app);
        argocd.setStatus(s.name, {
          sync: { status: 'Synced', revision: sha1(`gitops/${s.name}#1`) },
          health: { status: 'Healthy' },
          summary: { images: [imageOf(s)] },
          history: [
            {
              id: 0,
              revision: sha1(`gitops/${s.name}#1`),
              deployStartedAt: iso(since - 60_000),
              deployedAt: iso(since),
              initiatedBy: { automated: true },
            },
          ],
        });

        // Kubernetes: the Deployment and its pods, as the controllers and kubelet would write them.
        const labels = {
          'backstage.io/kubernetes-id': s.name,
          app: s.name,
        };
        const deployment = {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: s.name, namespace: NAMESPACE, labels },
          spec: {
            replicas: PODS_PER_SERVICE,
            selector: { matchLabels: { app: s.name } },
            template: {
              metadata: { labels },
              spec: {
                automountServiceAccountToken: false,
                containers: [{ name: 'model', image: imageOf(s) }],
              },
            },
          },
        };
        await must(
          `Deployment ${s.name}`,
          kubeAdmin.request(
            'POST',
            `/apis/apps/v1/namespaces/${NAMESPACE}/deployments`,
            deployment,
          ),
        );
        await must(
          `Deployment ${s.name} status`,
          kubeAdmin.request(
            'PATCH',
            `/apis/apps/v1/namespaces/${NAMESPACE}/deployments/${s.name}/status`,
            {
              status: deploymentStatus(
                PODS_PER_SERVICE,
                PODS_PER_SERVICE,
                since,
              ),
            },
            'application/merge-patch+json',
          ),
        );
        for (let i = 0; i < PODS_PER_SERVICE; i++) {
          const name = podName(s, i);
          await must(
            `Pod ${name}`,
            kubeAdmin.request('POST', `/api/v1/namespaces/${NAMESPACE}/pods`, {
              apiVersion: 'v1',
              kind: 'Pod',
              metadata: { name, namespace: NAMESPACE, labels },
              spec: {
                automountServiceAccountToken: false,
                nodeName: 'node-1',
                containers: [{ name: 'model', image: imageOf(s) }],
              },
            }),
          );
          await must(
            `Pod ${name} status`,
            kubeAdmin.request(
              'PATCH',
              `/api/v1/namespaces/${NAMESPACE}/pods/${name}/status`,
              {
                status: runningPod(
                  'model',
                  imageOf(s),
                  `${registry.host}/${s.repository}@${pushed.digest}`,
                  since,
                ),
              },
              'application/merge-patch+json',
            ),
          );
        }
      }),
    );
    log(`[upstreams] seeded ${SERVICES.length} model services`);

    const refreshed = (refreshSeconds: number) => ({
      refreshSeconds,
      timeoutMs: 3000,
    });
    let stopping: Promise<void> | undefined;
    return {
      kube,
      registry,
      registryPassword,
      jenkins,
      jenkinsUser,
      jenkinsToken,
      argocd,
      argocdUser,
      argocdPassword,
      vllm,
      kubeAdmin,
      imageOf,
      catalogYaml() {
        const docs: unknown[] = [
          {
            apiVersion: 'backstage.io/v1alpha1',
            kind: 'Group',
            metadata: { name: OWNER_GROUP },
            spec: { type: 'team', children: [] },
          },
          {
            apiVersion: 'backstage.io/v1alpha1',
            kind: 'User',
            metadata: { name: OWNER_USER },
            spec: { memberOf: [OWNER_GROUP] },
          },
          ...SERVICES.map(s => ({
            apiVersion: 'backstage.io/v1alpha1',
            kind: 'Component',
            metadata: {
              name: s.name,
              annotations: {
                'mlops.io/image-repository': `${registry.host}/${s.repository}`,
                'backstage.io/kubernetes-id': s.name,
                'argocd/app-name': s.name,
                'jenkins.io/job-full-name': s.jenkinsJob,
                'mlops.io/inference-endpoint': vllm.url,
                'mlops.io/inference-protocol': 'openai',
                'mlops.io/model-name': SERVED_MODEL,
              },
            },
            spec: {
              type: 'model-service',
              lifecycle: 'production',
              owner: `group:${OWNER_GROUP}`,
            },
          })),
        ];
        return docs.map(d => JSON.stringify(d)).join('\n---\n');
      },
      appConfig({ refreshSeconds }) {
        return {
          kubernetes: {
            serviceLocatorMethod: { type: 'multiTenant' },
            // Backstage's Kubernetes plugin asks for newer APIs than 1.20 serves.
            apiVersionOverrides: {
              horizontalpodautoscalers: 'v1',
              cronjobs: 'v1beta1',
            },
            clusterLocatorMethods: [
              {
                type: 'config',
                clusters: [
                  {
                    name: CLUSTER_NAME,
                    url: kube.url,
                    authProvider: 'serviceAccount',
                    serviceAccountToken: kube.readOnlyToken,
                    caData: kube.caData,
                    skipTLSVerify: false,
                    skipMetricsLookup: true,
                  },
                ],
              },
            ],
          },
          jenkins: {
            instances: [
              {
                name: JENKINS_INSTANCE,
                baseUrl: jenkins.url,
                username: jenkinsUser,
                apiKey: jenkinsToken,
              },
            ],
          },
          argocd: {
            appLocatorMethods: [
              {
                type: 'config',
                instances: [
                  {
                    name: ARGOCD_INSTANCE,
                    url: argocd.url,
                    username: argocdUser,
                    password: argocdPassword,
                  },
                ],
              },
            ],
          },
          mlops: {
            registries: [
              {
                name: 'registry',
                url: registry.url,
                username: 'portal',
                password: registryPassword,
                ...refreshed(refreshSeconds),
              },
            ],
            jenkins: refreshed(refreshSeconds),
            argocd: refreshed(refreshSeconds),
            inference: {
              allowedEndpoints: [new URL(vllm.url).host],
              ...refreshed(refreshSeconds),
            },
          },
        };
      },
      async crashLoop(service, i) {
        const name = podName(service, i);
        await must(
          `Pod ${name} status`,
          kubeAdmin.request(
            'PATCH',
            `/api/v1/namespaces/${NAMESPACE}/pods/${name}/status`,
            {
              status: crashLoopPod(
                'model',
                name,
                imageOf(service),
                `${registry.host}/${service.repository}@${digests.get(
                  service.name,
                )}`,
                since,
              ),
            },
            'application/merge-patch+json',
          ),
        );
        const ready = PODS_PER_SERVICE - 1;
        await must(
          `Deployment ${service.name} status`,
          kubeAdmin.request(
            'PATCH',
            `/apis/apps/v1/namespaces/${NAMESPACE}/deployments/${service.name}/status`,
            { status: deploymentStatus(PODS_PER_SERVICE, ready, Date.now()) },
            'application/merge-patch+json',
          ),
        );
      },
      outOfSync(service) {
        argocd.setStatus(service.name, {
          sync: {
            status: 'OutOfSync',
            revision: sha1(`gitops/${service.name}#2`),
          },
        });
      },
      stop() {
        stopping ??= cleanup();
        return stopping;
      },
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}

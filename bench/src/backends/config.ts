/**
 * The app-config of each benchmarked backend (pure; written to a temp file
 * and passed as `--config`). Both get the same catalog file and the same
 * `kubernetes` section (clusters, multiTenant service locator, API version
 * overrides for kube-apiserver 1.20); only the ServiceAccount token differs,
 * so the audit log can tell their requests apart. Ours also gets the
 * registry, Jenkins, Argo CD and model-server wiring in the shape the demo
 * environment generates. The result holds secrets: it stays in a 0600 temp
 * file.
 */
export interface BenchCluster {
  name: string;
  url: string;
  /** base64 CA PEM (kubeconfig's form). */
  caData: string;
  /** This backend's read-only ServiceAccount token. */
  token: string;
}

export interface CommonConfigInput {
  port: number;
  /** Static external-access token the viewers send (a service principal `bench-viewer`). */
  viewerToken: string;
  catalogFile: string;
  clusters: BenchCluster[];
}

export interface OursConfigInput extends CommonConfigInput {
  registry: {
    url: string;
    host: string;
    username?: string;
    password?: string;
  };
  jenkins: { url: string; username: string; apiToken: string };
  argocd: { url: string; username: string; password: string };
  /** `host:port` of every model-server endpoint entities name. */
  inferenceHosts: string[];
}

export type AppConfig = Record<string, unknown>;

function common(input: CommonConfigInput): AppConfig {
  const base = `http://127.0.0.1:${input.port}`;
  return {
    app: { baseUrl: base },
    backend: {
      baseUrl: base,
      listen: { host: '127.0.0.1', port: input.port },
      database: { client: 'better-sqlite3', connection: ':memory:' },
      auth: {
        // Benchmark only (both backends alike): no auth policy on the routes, and
        // the viewers' requests carry a static token (a service principal), as
        // routes that read the catalog with the caller's credentials need one.
        dangerouslyDisableDefaultAuthPolicy: true,
        externalAccess: [
          {
            type: 'static',
            options: { token: input.viewerToken, subject: 'bench-viewer' },
          },
        ],
      },
    },
    catalog: {
      rules: [{ allow: ['Component', 'Location'] }],
      locations: [{ type: 'file', target: input.catalogFile }],
    },
    kubernetes: {
      serviceLocatorMethod: { type: 'multiTenant' },
      // Backstage's plugin asks for autoscaling/v2 and batch/v1 CronJobs, newer than 1.20.
      apiVersionOverrides: {
        horizontalpodautoscalers: 'v1',
        cronjobs: 'v1beta1',
      },
      clusterLocatorMethods: [
        {
          type: 'config',
          clusters: input.clusters.map(c => ({
            name: c.name,
            url: c.url,
            authProvider: 'serviceAccount',
            serviceAccountToken: c.token,
            caData: c.caData,
            skipTLSVerify: false,
            // No metrics-server next to the test apiserver.
            skipMetricsLookup: true,
          })),
        },
      ],
    },
  };
}

/** Backstage's own Kubernetes backend: only the common part. */
export function baselineConfig(input: CommonConfigInput): AppConfig {
  return common(input);
}

/** Our backend: the common part plus every upstream the health route reads (defaults for cache lifetimes). */
export function oursConfig(input: OursConfigInput): AppConfig {
  return {
    ...common(input),
    jenkins: {
      instances: [
        {
          name: 'ci',
          baseUrl: input.jenkins.url,
          username: input.jenkins.username,
          apiKey: input.jenkins.apiToken,
        },
      ],
    },
    argocd: {
      appLocatorMethods: [
        {
          type: 'config',
          instances: [
            {
              name: 'gitops',
              url: input.argocd.url,
              username: input.argocd.username,
              password: input.argocd.password,
            },
          ],
        },
      ],
    },
    mlops: {
      registries: [
        {
          name: 'bench-registry',
          url: input.registry.url,
          host: input.registry.host,
          ...(input.registry.username
            ? {
                username: input.registry.username,
                password: input.registry.password,
              }
            : {}),
        },
      ],
      inference: { allowedEndpoints: [...new Set(input.inferenceHosts)] },
      // The notifier judges every service each minute and posts to a notifications
      // backend this minimal backend does not have: off for the benchmark.
      notifications: { delivery: { enabled: false } },
    },
  };
}

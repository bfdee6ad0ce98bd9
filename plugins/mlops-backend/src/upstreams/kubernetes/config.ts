import { Config } from '@backstage/config';
import fs from 'node:fs';
import { z } from 'zod';

/**
 * Clusters are read from the keys `@backstage/plugin-kubernetes-backend`
 * reads (`kubernetes.clusterLocatorMethods[type: config].clusters[]`), so an
 * app that already shows Kubernetes objects needs no new cluster config.
 */

/** Where the in-cluster service account token lives (Backstage's fallback when no token is configured). */
export const IN_CLUSTER_TOKEN_PATH =
  '/var/run/secrets/kubernetes.io/serviceaccount/token';

export type ClusterToken =
  | { kind: 'static'; value: string }
  | { kind: 'file'; path: string };

/** One validated cluster. */
export interface KubernetesClusterConfig {
  name: string;
  /** Base URL without trailing slash, e.g. `https://10.0.0.1:6443`. */
  url: string;
  /** `host:port` of `url`, shown in problems. */
  host: string;
  token: ClusterToken;
  /** PEM of the CA that signs the apiserver's certificate (from caData or caFile). */
  caPem?: string;
  skipTLSVerify: boolean;
  dashboardUrl?: string;
  /**
   * `writeServiceAccountToken`: a separate credential for writes (the restart
   * action's PATCH). Unset: the cluster is read-only for mlops. Secret.
   */
  writeToken?: ClusterToken;
}

export interface KubernetesConfig {
  clusters: KubernetesClusterConfig[];
  /** Every kind is re-listed from scratch this often as a safety net (0 = never). */
  resyncSeconds: number;
  /** Locator types other than `config` found in the config; mlops ignores them (log them). */
  ignoredLocatorTypes: string[];
}

export const DEFAULT_RESYNC_SECONDS = 900;

const SUPPORTED_AUTH_PROVIDERS = ['serviceAccount'];

const clusterSchema = z.object({
  name: z.string().min(1, 'must not be empty'),
  url: z
    .string()
    .url()
    .refine(u => /^https?:\/\//i.test(u), 'must be http:// or https://'),
  authProvider: z.string().min(1, 'must not be empty'),
  serviceAccountToken: z.string().optional(),
  writeServiceAccountToken: z.string().optional(),
  authMetadata: z.record(z.string(), z.string()).optional(),
  caData: z.string().optional(),
  caFile: z.string().optional(),
  skipTLSVerify: z.boolean().default(false),
  dashboardUrl: z.string().url().optional(),
});

const locatorSchema = z.object({
  type: z.string(),
  clusters: z.array(z.unknown()).optional(),
});

const mlopsKubernetesSchema = z
  .object({
    resyncSeconds: z
      .number()
      .int()
      .min(0)
      .max(86_400)
      .default(DEFAULT_RESYNC_SECONDS),
  })
  .default({ resyncSeconds: DEFAULT_RESYNC_SECONDS });

export interface ReadKubernetesConfigOptions {
  /** For tests: where the in-cluster token would be. */
  inClusterTokenPath?: string;
}

/**
 * Reads the clusters and `mlops.kubernetes.*`. Throws one Error listing every
 * problem with its config path; nothing configured is valid (no clusters).
 */
export function readKubernetesConfig(
  config: Config,
  options: ReadKubernetesConfigOptions = {},
): KubernetesConfig {
  const problems: string[] = [];
  const tokenPath = options.inClusterTokenPath ?? IN_CLUSTER_TOKEN_PATH;

  const mlops = mlopsKubernetesSchema.safeParse(
    config.getOptional('mlops.kubernetes') ?? undefined,
  );
  if (!mlops.success) {
    for (const issue of mlops.error.issues) {
      problems.push(
        `mlops.kubernetes.${issue.path.join('.')}: ${issue.message}`,
      );
    }
  }

  const rawLocators =
    config.getOptional('kubernetes.clusterLocatorMethods') ?? [];
  const clusters: KubernetesClusterConfig[] = [];
  const ignored = new Set<string>();
  if (!Array.isArray(rawLocators)) {
    problems.push('kubernetes.clusterLocatorMethods: must be a list');
  } else {
    rawLocators.forEach((rawLocator, i) => {
      const where = `kubernetes.clusterLocatorMethods[${i}]`;
      const locator = locatorSchema.safeParse(rawLocator);
      if (!locator.success) {
        problems.push(`${where}: must be an object with a "type"`);
        return;
      }
      if (locator.data.type !== 'config') {
        ignored.add(locator.data.type);
        return;
      }
      (locator.data.clusters ?? []).forEach((rawCluster, j) => {
        const cluster = readCluster(
          rawCluster,
          `${where}.clusters[${j}]`,
          tokenPath,
          problems,
        );
        if (cluster) clusters.push(cluster);
      });
    });
  }

  const names = new Set<string>();
  for (const c of clusters) {
    if (names.has(c.name))
      problems.push(
        `kubernetes.clusterLocatorMethods: duplicate cluster name "${c.name}"`,
      );
    names.add(c.name);
  }

  if (problems.length) {
    throw new Error(
      `Invalid Kubernetes configuration:\n${problems
        .map(p => `  ${p}`)
        .join('\n')}`,
    );
  }
  return {
    clusters,
    resyncSeconds: mlops.success
      ? mlops.data.resyncSeconds
      : DEFAULT_RESYNC_SECONDS,
    ignoredLocatorTypes: [...ignored],
  };
}

function readCluster(
  raw: unknown,
  where: string,
  inClusterTokenPath: string,
  problems: string[],
): KubernetesClusterConfig | undefined {
  const parsed = clusterSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      problems.push(`${where}.${issue.path.join('.')}: ${issue.message}`);
    }
    return undefined;
  }
  const c = parsed.data;
  const label = `${where} (cluster "${c.name}")`;
  if (!SUPPORTED_AUTH_PROVIDERS.includes(c.authProvider)) {
    problems.push(
      `${label}: authProvider ${
        c.authProvider
      } is not supported by mlops yet (supported: ${SUPPORTED_AUTH_PROVIDERS.join(
        ', ',
      )})`,
    );
    return undefined;
  }

  let token: ClusterToken;
  const configured =
    c.serviceAccountToken ?? c.authMetadata?.serviceAccountToken;
  if (configured !== undefined) {
    if (!configured.trim()) {
      problems.push(`${label}: serviceAccountToken is empty`);
      return undefined;
    }
    token = { kind: 'static', value: configured.trim() };
  } else if (fs.existsSync(inClusterTokenPath)) {
    token = { kind: 'file', path: inClusterTokenPath };
  } else {
    problems.push(
      `${label}: serviceAccountToken is not set and there is no in-cluster token at ${inClusterTokenPath}`,
    );
    return undefined;
  }

  if (
    c.writeServiceAccountToken !== undefined &&
    !c.writeServiceAccountToken.trim()
  ) {
    problems.push(`${label}: writeServiceAccountToken is empty`);
    return undefined;
  }

  let caPem: string | undefined;
  if (c.caData !== undefined && c.caFile !== undefined) {
    problems.push(`${label}: set caData or caFile, not both`);
    return undefined;
  }
  if (c.caData !== undefined) {
    const text = Buffer.from(c.caData.trim(), 'base64').toString('utf8');
    if (!text.includes('-----BEGIN CERTIFICATE-----')) {
      problems.push(
        `${label}: caData must be the base64 of a PEM certificate (as in a kubeconfig)`,
      );
      return undefined;
    }
    caPem = text;
  } else if (c.caFile !== undefined) {
    try {
      caPem = fs.readFileSync(c.caFile, 'utf8');
    } catch (e) {
      problems.push(
        `${label}: caFile ${c.caFile} cannot be read (${
          (e as NodeJS.ErrnoException).code ?? e
        })`,
      );
      return undefined;
    }
    if (!caPem.includes('-----BEGIN CERTIFICATE-----')) {
      problems.push(`${label}: caFile ${c.caFile} holds no PEM certificate`);
      return undefined;
    }
  }

  const url = c.url.replace(/\/+$/, '');
  return {
    name: c.name,
    url,
    host: new URL(url).host,
    token,
    caPem,
    skipTLSVerify: c.skipTLSVerify,
    dashboardUrl: c.dashboardUrl,
    ...(c.writeServiceAccountToken
      ? {
          writeToken: {
            kind: 'static' as const,
            value: c.writeServiceAccountToken.trim(),
          },
        }
      : {}),
  };
}

/** Reads the bearer token now (a mounted token file rotates, so it is read per connection). */
export function readToken(token: ClusterToken): string {
  if (token.kind === 'static') return token.value;
  return fs.readFileSync(token.path, 'utf8').trim();
}

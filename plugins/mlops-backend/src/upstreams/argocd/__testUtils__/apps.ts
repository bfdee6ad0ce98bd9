import type { ArgoCdSimulator } from '@internal/simulators';
import { ConfigReader } from '@backstage/config';
import { Dispatcher } from 'undici';
import { ArgoCdClient } from '../ArgoCdClient';
import { readArgoCdConfig } from '../config';

/** Test helpers: applications to seed into the Argo CD simulator, and a client for it. */

export const SHA_A = '1111111111111111111111111111111111111111';
export const SHA_B = '2222222222222222222222222222222222222222';

type Seed = Parameters<ArgoCdSimulator['putApplication']>[0];

export function app(
  name: string,
  options: {
    project?: string;
    namespace?: string;
    labels?: Record<string, string>;
    automated?: boolean;
    kustomizeImages?: string[];
    summaryImages?: string[];
    history?: Array<{ id: number; revision: string; deployedAt: string }>;
  } = {},
): Seed {
  return {
    metadata: {
      name,
      ...(options.namespace ? { namespace: options.namespace } : {}),
      labels: options.labels ?? { 'backstage-name': name },
    },
    spec: {
      project: options.project ?? 'default',
      source: {
        repoURL: `https://git.example.test/gitops/${name}.git`,
        path: `apps/${name}`,
        targetRevision: 'main',
        ...(options.kustomizeImages
          ? { kustomize: { images: options.kustomizeImages } }
          : {}),
      },
      destination: {
        server: 'https://kubernetes.default.svc',
        namespace: name,
      },
      ...(options.automated
        ? { syncPolicy: { automated: { prune: true, selfHeal: true } } }
        : {}),
    },
    status: {
      sync: { status: 'Synced', revision: SHA_A },
      health: { status: 'Healthy' },
      summary: {
        images: options.summaryImages ?? [
          `registry.example.test/ml/${name}:1.0.0`,
        ],
      },
      ...(options.history
        ? {
            history: options.history.map(h => ({
              ...h,
              source: {
                repoURL: `https://git.example.test/gitops/${name}.git`,
                path: `apps/${name}`,
                targetRevision: 'main',
              },
            })),
          }
        : {}),
    },
  };
}

export type InstanceAuth =
  | { username: string; password: string }
  | { token: string };

export function argoConfig(
  instances: Array<{ name: string; url: string } & InstanceAuth>,
  mlops: Record<string, number> = {},
) {
  return readArgoCdConfig(
    new ConfigReader({
      argocd: { appLocatorMethods: [{ type: 'config', instances }] },
      mlops: { argocd: { timeoutMs: 5000, ...mlops } },
    }),
  );
}

export function argoClient(
  url: string,
  auth: InstanceAuth,
  options: {
    mlops?: Record<string, number>;
    now?: () => number;
    name?: string;
    dispatcher?: Dispatcher;
  } = {},
): ArgoCdClient {
  const cfg = argoConfig(
    [{ name: options.name ?? 'main', url, ...auth }],
    options.mlops,
  );
  return new ArgoCdClient(cfg.instances[0], cfg, {
    now: options.now,
    dispatcher: options.dispatcher,
  });
}

/** Composed example applications for tests and the demo. */
import { ApplicationInput } from './types';

export function exampleApplication(
  name: string,
  overrides: {
    project?: string;
    namespace?: string;
    labels?: Record<string, string>;
    repoURL?: string;
    automated?: boolean;
    revisionHistoryLimit?: number;
  } = {},
): ApplicationInput {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: {
      name,
      ...(overrides.namespace ? { namespace: overrides.namespace } : {}),
      labels: overrides.labels ?? { 'backstage-name': name },
      finalizers: ['resources-finalizer.argocd.argoproj.io'],
    },
    spec: {
      project: overrides.project ?? 'default',
      source: {
        repoURL:
          overrides.repoURL ?? `https://git.example.test/gitops/${name}.git`,
        path: `apps/${name}`,
        targetRevision: 'main',
      },
      destination: {
        server: 'https://kubernetes.default.svc',
        namespace: name,
      },
      ...(overrides.automated
        ? { syncPolicy: { automated: { prune: true, selfHeal: true } } }
        : {}),
      ...(overrides.revisionHistoryLimit !== undefined
        ? { revisionHistoryLimit: overrides.revisionHistoryLimit }
        : {}),
    },
    status: {
      sync: { status: 'Synced', revision: 'a'.repeat(40) },
      health: { status: 'Healthy' },
      resources: [
        {
          group: 'apps',
          version: 'v1',
          kind: 'Deployment',
          namespace: name,
          name,
          status: 'Synced',
          health: { status: 'Healthy' },
        },
        {
          version: 'v1',
          kind: 'Service',
          namespace: name,
          name,
          status: 'Synced',
          health: { status: 'Healthy' },
        },
      ],
      summary: { images: [`registry.example.test/ml/${name}:1.0.0`] },
    },
  };
}

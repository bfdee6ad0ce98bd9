import {
  GoldenPathCheck,
  GoldenPathTemplate,
  GoldenPathsReport,
  MlopsApi,
} from '@internal/plugin-mlops-common';
import { answersInTurn } from '../../../__fixtures__/responses';

export const CLUSTER_REASON =
  'needs workload data: no Kubernetes cluster is configured';

function checks(
  overrides: Partial<
    Record<GoldenPathCheck['id'], Pick<GoldenPathCheck, 'status' | 'reason'>>
  > = {},
) {
  const all: GoldenPathCheck[] = [
    {
      id: 'ci',
      label: 'CI',
      status: 'ok',
      reason: 'Jenkins job ml/fraud-detector',
    },
    {
      id: 'argocd',
      label: 'Argo CD application',
      status: 'ok',
      reason: 'application fraud-detector',
    },
    {
      id: 'image',
      label: 'Image repository',
      status: 'ok',
      reason: 'harbor.ml.internal/ml/fraud-detector',
    },
    {
      id: 'resources',
      label: 'Resource limits',
      status: 'unknown',
      reason: CLUSTER_REASON,
    },
    {
      id: 'gpu',
      label: 'GPU request matches product',
      status: 'unknown',
      reason: CLUSTER_REASON,
    },
  ];
  return all.map(c => ({ ...c, ...overrides[c.id] }));
}

export function modelServiceTemplate(): GoldenPathTemplate {
  return {
    entityRef: 'template:default/model-service',
    namespace: 'default',
    name: 'model-service',
    title: 'New model service',
    description: 'One template, five runtimes',
    owner: 'group:default/ml-platform',
    type: 'model-service',
    tags: ['ml', 'model-service'],
    version: '1.2.0',
    changelog: [
      {
        version: '1.1.0',
        changes: [
          'Ingress gets TLS from cert-manager',
          'readiness probe on /ping',
        ],
      },
      { version: '1.2.0', changes: ['vLLM: /dev/shm as a memory emptyDir'] },
    ],
    changelogProblems: [],
    adoption: { total: 3, current: 1, behind: 1, ahead: 0, unknown: 1 },
    entities: [
      {
        entityRef: 'component:default/llm-chat',
        kind: 'Component',
        namespace: 'default',
        name: 'llm-chat',
        owner: 'group:default/team-llm',
        drift: {
          status: 'behind',
          from: '1.0.0',
          to: '1.2.0',
          reason: '1.0.0 → 1.2.0',
          changes: [
            {
              version: '1.1.0',
              changes: [
                'Ingress gets TLS from cert-manager',
                'readiness probe on /ping',
              ],
            },
            {
              version: '1.2.0',
              changes: ['vLLM: /dev/shm as a memory emptyDir'],
            },
          ],
        },
        checks: checks({
          argocd: {
            status: 'error',
            reason: 'no argocd/app-name or argocd/app-selector annotation',
          },
        }),
      },
      {
        entityRef: 'component:default/legacy-recs',
        kind: 'Component',
        namespace: 'default',
        name: 'legacy-recs',
        title: 'Legacy recommender',
        drift: {
          status: 'unknown',
          to: '1.2.0',
          changes: [],
          reason:
            'unknown version: no mlops.io/template-version annotation (template is at 1.2.0)',
        },
        checks: checks({
          ci: {
            status: 'warning',
            reason:
              'github.com/project-slug is ml/recs, but nothing says what builds it: add mlops.io/ci: github or jenkins.io/job-full-name',
          },
        }),
      },
      {
        entityRef: 'component:default/fraud-detector',
        kind: 'Component',
        namespace: 'default',
        name: 'fraud-detector',
        owner: 'group:default/team-ml',
        drift: {
          status: 'current',
          from: '1.2.0',
          to: '1.2.0',
          changes: [],
          reason: "1.2.0, the template's current version",
        },
        checks: checks(),
      },
    ],
  };
}

export function pythonLibTemplate(): GoldenPathTemplate {
  return {
    entityRef: 'template:default/python-lib',
    namespace: 'default',
    name: 'python-lib',
    title: 'Python library',
    description: 'A pip package',
    owner: 'group:default/web-team',
    type: 'library',
    tags: [],
    version: 'unversioned',
    changelog: [],
    changelogProblems: [],
    adoption: { total: 0, current: 0, behind: 0, ahead: 0, unknown: 0 },
    entities: [],
  };
}

export function goldenPathsReport(
  templates = [modelServiceTemplate(), pythonLibTemplate()],
): GoldenPathsReport {
  return { templates, generatedAt: '2026-11-22T10:00:00.000Z' };
}

/** A fake backend client: the boundary the page talks to. */
export function fakeGoldenPathsApi(
  ...answers: Array<GoldenPathsReport | Error>
): MlopsApi & { getGoldenPaths: jest.Mock } {
  return { getGoldenPaths: answersInTurn(answers), getImageReport: jest.fn() };
}

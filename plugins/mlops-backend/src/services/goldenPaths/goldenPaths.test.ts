import {
  mockCredentials,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  GoldenPathTemplate,
  GoldenPathsReport,
} from '@internal/plugin-mlops-common';
import request from 'supertest';
import { mlopsPlugin } from '../../plugin';
import { componentEntity, templateEntity } from './fixtures';

const SOURCE = 'backstage.io/source-template';
const VERSION = 'mlops.io/template-version';
const UNKNOWN_REASON =
  'needs workload data: no Kubernetes cluster is configured';

const changelog = JSON.stringify([
  { version: '1.0.0', changes: ['first release'] },
  {
    version: '1.1.0',
    changes: ['Ingress gets TLS from cert-manager', 'readiness probe on /ping'],
  },
  { version: '1.2.0', changes: ['vLLM: /dev/shm as a memory emptyDir'] },
]);

const complete = {
  'jenkins.io/job-full-name': 'ml/fraud-detector',
  'argocd/app-name': 'fraud-detector',
  'mlops.io/image-repository': 'harbor.ml.internal/ml/fraud-detector',
};

const entities = [
  templateEntity({
    name: 'python-lib',
    title: 'Python library',
    description: 'A pip package',
    owner: 'group:default/web-team',
    type: 'library',
  }),
  templateEntity({
    name: 'model-service',
    title: 'New model service',
    description: 'One template, five runtimes',
    owner: 'ml-platform',
    type: 'model-service',
    tags: ['ml', 'model-service'],
    annotations: {
      [VERSION]: '1.2.0',
      'mlops.io/template-changelog': changelog,
    },
  }),
  templateEntity({
    name: 'batch-scoring',
    namespace: 'ml',
    title: 'Batch scoring',
    annotations: {
      [VERSION]: '2.0',
      'mlops.io/template-changelog': '- version: 2.0',
    },
  }),
  componentEntity('fraud-detector', {
    [SOURCE]: 'template:default/model-service',
    [VERSION]: '1.2.0',
    ...complete,
  }),
  componentEntity('llm-chat', {
    [SOURCE]: 'Template:Default/Model-Service',
    [VERSION]: '1.0.0',
    'github.com/project-slug': 'ml/llm-chat',
    'mlops.io/ci': 'github',
    'argocd/app-selector': 'app=llm-chat',
    'goharbor.io/repository-slug': 'ml/llm-chat',
  }),
  componentEntity('churn-scoring', {
    [SOURCE]: 'template:model-service',
    [VERSION]: '1.1.0',
    'gitlab.com/project-slug': 'ml/churn-scoring',
  }),
  componentEntity('legacy-recs', {
    [SOURCE]: 'template:default/model-service',
    'github.com/project-slug': 'ml/recs',
  }),
  componentEntity('typo-version', {
    [SOURCE]: 'template:default/model-service',
    [VERSION]: 'v1.x',
    ...complete,
  }),
  componentEntity('future', {
    [SOURCE]: 'template:default/model-service',
    [VERSION]: '1.3.0',
    ...complete,
  }),
  componentEntity(
    'docs-lib',
    { [SOURCE]: 'template:default/python-lib', [VERSION]: '0.1.0' },
    { owner: 'web-team' },
  ),
  componentEntity(
    'nightly',
    { [SOURCE]: 'template:ml/batch-scoring', [VERSION]: '1.0.0' },
    { namespace: 'ml' },
  ),
  componentEntity('foreign', {
    [SOURCE]: 'template:default/does-not-exist',
    [VERSION]: '1.0.0',
    ...complete,
  }),
  componentEntity('hand-made', complete),
  componentEntity(
    'model-bucket',
    { [SOURCE]: 'template:default/model-service', [VERSION]: '1.2.0' },
    { kind: 'Resource' },
  ),
];

describe('GET /golden-paths', () => {
  let server: Awaited<ReturnType<typeof startTestBackend>>['server'];
  let report: GoldenPathsReport;
  const byName = (name: string): GoldenPathTemplate => {
    const template = report.templates.find(t => t.name === name);
    if (!template)
      throw new Error(
        `no template ${name} in ${report.templates.map(t => t.name)}`,
      );
    return template;
  };

  beforeAll(async () => {
    ({ server } = await startTestBackend({
      features: [mlopsPlugin, catalogServiceMock.factory({ entities })],
    }));
    const res = await request(server).get('/api/mlops/golden-paths');
    if (res.status !== 200) {
      throw new Error(`GET /golden-paths answered ${res.status}: ${res.text}`);
    }
    report = res.body;
  });

  it('lists every template, model-service first, with version, owner, description and tags', () => {
    expect(report.templates.map(t => t.entityRef)).toEqual([
      'template:default/model-service',
      'template:ml/batch-scoring',
      'template:default/python-lib',
    ]);
    expect(byName('model-service')).toMatchObject({
      title: 'New model service',
      description: 'One template, five runtimes',
      owner: 'group:default/ml-platform',
      type: 'model-service',
      tags: ['ml', 'model-service'],
      version: '1.2.0',
      changelogProblems: [],
    });
    expect(byName('model-service').changelog.map(e => e.version)).toEqual([
      '1.0.0',
      '1.1.0',
      '1.2.0',
    ]);
    expect(byName('python-lib')).toMatchObject({
      version: 'unversioned',
      owner: 'group:default/web-team',
    });
    expect(byName('batch-scoring')).toMatchObject({
      version: '2.0',
      owner: 'group:ml/ml-platform',
    });
    expect(byName('batch-scoring').changelogProblems[0]).toMatch(
      /^not valid JSON/,
    );
    expect(Date.parse(report.generatedAt)).not.toBeNaN();
  });

  it('counts the components created from each template, however the ref is spelled', () => {
    expect(byName('model-service').adoption).toEqual({
      total: 6,
      current: 1,
      behind: 2,
      ahead: 1,
      unknown: 2,
    });
    expect(byName('model-service').entities.map(e => e.name)).toEqual([
      'churn-scoring',
      'llm-chat',
      'legacy-recs',
      'typo-version',
      'future',
      'fraud-detector',
    ]);
    expect(byName('python-lib').adoption).toEqual({
      total: 1,
      current: 0,
      behind: 0,
      ahead: 0,
      unknown: 1,
    });
    expect(byName('batch-scoring').entities.map(e => e.entityRef)).toEqual([
      'component:ml/nightly',
    ]);
    const all = report.templates.flatMap(t => t.entities.map(e => e.name));
    expect(all).not.toEqual(expect.arrayContaining(['foreign']));
    expect(all).not.toEqual(expect.arrayContaining(['hand-made']));
    expect(all).not.toEqual(expect.arrayContaining(['model-bucket']));
  });

  it('lists what changed since the version each drifted entity was generated from', () => {
    const [churn, llm] = byName('model-service').entities;
    expect(llm.drift).toEqual({
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
        { version: '1.2.0', changes: ['vLLM: /dev/shm as a memory emptyDir'] },
      ],
    });
    expect(churn.drift).toMatchObject({
      status: 'behind',
      from: '1.1.0',
      changes: [
        { version: '1.2.0', changes: ['vLLM: /dev/shm as a memory emptyDir'] },
      ],
    });
  });

  it('never calls a missing or unparsable version drift-free', () => {
    const entity = (name: string) =>
      report.templates.flatMap(t => t.entities).find(e => e.name === name)!;
    expect(entity('legacy-recs').drift).toEqual({
      status: 'unknown',
      to: '1.2.0',
      changes: [],
      reason:
        'unknown version: no mlops.io/template-version annotation (template is at 1.2.0)',
    });
    expect(entity('typo-version').drift).toMatchObject({
      status: 'unknown',
      from: 'v1.x',
    });
    expect(entity('typo-version').drift.reason).toContain(
      '"v1.x" is not a semantic version',
    );
    expect(entity('future').drift).toMatchObject({
      status: 'ahead',
      reason: "1.3.0 is newer than the template's 1.2.0",
    });
    expect(entity('fraud-detector').drift).toMatchObject({
      status: 'current',
      changes: [],
    });
    expect(entity('docs-lib').drift.reason).toBe(
      'the template has no mlops.io/template-version, so drift cannot be judged',
    );
    expect(entity('nightly').drift).toMatchObject({
      status: 'unknown',
      from: '1.0.0',
      to: '2.0',
    });
  });

  it('checks CI, Argo CD and the image from annotations, and leaves cluster checks unknown', () => {
    const entity = (name: string) =>
      byName('model-service').entities.find(e => e.name === name)!;
    const statuses = (name: string) =>
      Object.fromEntries(entity(name).checks.map(c => [c.id, c.status]));

    expect(entity('fraud-detector').checks).toEqual([
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
        reason: UNKNOWN_REASON,
      },
      {
        id: 'gpu',
        label: 'GPU request matches product',
        status: 'unknown',
        reason: UNKNOWN_REASON,
      },
    ]);
    expect(statuses('llm-chat')).toEqual({
      ci: 'ok',
      argocd: 'ok',
      image: 'ok',
      resources: 'unknown',
      gpu: 'unknown',
    });
    expect(entity('llm-chat').checks[0].reason).toBe(
      'GitHub Actions of ml/llm-chat',
    );
    expect(statuses('churn-scoring')).toEqual({
      ci: 'ok',
      argocd: 'error',
      image: 'error',
      resources: 'unknown',
      gpu: 'unknown',
    });
    expect(entity('churn-scoring').checks[1].reason).toBe(
      'no argocd/app-name or argocd/app-selector annotation',
    );
    expect(entity('legacy-recs').checks[0]).toMatchObject({
      status: 'warning',
    });
    expect(entity('legacy-recs').checks[0].reason).toContain(
      'add mlops.io/ci: github',
    );
    const docs = byName('python-lib').entities[0];
    expect(docs.checks[0]).toMatchObject({ id: 'ci', status: 'error' });
    for (const e of report.templates.flatMap(t => t.entities)) {
      expect(
        e.checks
          .filter(c => c.id === 'resources' || c.id === 'gpu')
          .map(c => c.status),
      ).toEqual(['unknown', 'unknown']);
    }
  });

  it('carries the entity owner as a full ref', () => {
    expect(byName('python-lib').entities[0]).toMatchObject({
      entityRef: 'component:default/docs-lib',
      owner: 'group:default/web-team',
      lifecycle: 'production',
    });
  });

  it('requires a caller identity', async () => {
    const res = await request(server)
      .get('/api/mlops/golden-paths')
      .set('Authorization', mockCredentials.none.header());
    expect(res.status).toBe(401);
  });
});

describe('GET /golden-paths with no templates', () => {
  it('answers an empty list', async () => {
    const { server } = await startTestBackend({
      features: [
        mlopsPlugin,
        catalogServiceMock.factory({
          entities: [componentEntity('x', complete)],
        }),
      ],
    });
    const res = await request(server).get('/api/mlops/golden-paths');
    expect(res.status).toBe(200);
    expect(res.body.templates).toEqual([]);
  });
});

/**
 * The Kubernetes checks themselves, against a real kube-apiserver: they must
 * accept valid objects and fail on each kind of mistake a template can make.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RunningKubeApiserver, startKubeApiserver } from '@internal/test-env';
import {
  dryRunObject,
  ensureNamespaces,
  installCrds,
  kubeClientFor,
} from './kubeChecks';
import { KubeClient, KubeObject } from '@internal/test-env';
import { adaptForKube120, renderOverlay } from '@internal/test-env';

jest.setTimeout(90_000);

const deployment = (
  containerExtra: Record<string, unknown> = {},
): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'fraud', namespace: 'checks' },
  spec: {
    selector: { matchLabels: { app: 'fraud' } },
    template: {
      metadata: { labels: { app: 'fraud' } },
      spec: {
        containers: [
          {
            name: 'main',
            image: 'harbor.ml.internal/ml/fraud:1',
            ...containerExtra,
          },
        ],
      },
    },
  },
});

const application = (spec: Record<string, unknown>): KubeObject => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Application',
  metadata: { name: 'fraud', namespace: 'argocd' },
  spec,
});

describe('Kubernetes checks against a real kube-apiserver', () => {
  let kube: RunningKubeApiserver;
  let client: KubeClient;

  beforeAll(async () => {
    kube = await startKubeApiserver();
    client = kubeClientFor(kube);
    await installCrds(client);
    await ensureNamespaces(client, ['checks', 'argocd']);
  });
  afterAll(async () => {
    await kube?.stop();
  });

  it('accepts a valid Deployment and persists nothing', async () => {
    expect(await dryRunObject(client, deployment())).toEqual({
      object: 'apps/v1 Deployment checks/fraud',
      ok: true,
    });
    const get = await client.request(
      'GET',
      '/apis/apps/v1/namespaces/checks/deployments/fraud',
    );
    expect(get.status).toBe(404);
  });

  it('reports the apiserver Status message of an invalid object', async () => {
    const outcome = await dryRunObject(
      client,
      deployment({ ports: [{ containerPort: 70000 }] }),
    );
    expect(outcome.ok).toBe(false);
    expect(outcome.problem).toMatch(/HTTP 422 Invalid: .*containerPort/);
  });

  it('reports a misspelt field (server-side apply checks fields against the schema)', async () => {
    const outcome = await dryRunObject(
      client,
      deployment({ livenesProbe: { httpGet: { path: '/ping', port: 8080 } } }),
    );
    expect(outcome.ok).toBe(false);
    expect(outcome.problem).toMatch(
      /containers\[name="main"\]\.livenesProbe: field not declared in schema/,
    );
  });

  it('reports an object in a namespace that does not exist', async () => {
    const obj = deployment();
    obj.metadata.namespace = 'nowhere';
    const outcome = await dryRunObject(client, obj);
    expect(outcome.ok).toBe(false);
    expect(outcome.problem).toMatch(/namespaces "nowhere" not found/);
  });

  it('falls back to a dry-run create only for the 1.20 server-side apply limitation on defaulted list keys, and still catches dropped fields there', async () => {
    const service = (port: Record<string, unknown>): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'fraud', namespace: 'checks' },
      spec: {
        selector: { app: 'fraud' },
        ports: [{ name: 'http', port: 80, targetPort: 'http', ...port }],
      },
    });
    const ok = await dryRunObject(client, service({}));
    expect(ok.ok).toBe(true);
    expect(ok.fallback).toMatch(/omits key field "protocol"/);
    expect(await dryRunObject(client, service({ protocol: 'TCP' }))).toEqual({
      object: 'v1 Service checks/fraud',
      ok: true,
    });
    const typo = await dryRunObject(client, service({ targetPrt: 8080 }));
    expect(typo.problem).toBe(
      'accepted, but the apiserver dropped unknown or misplaced fields: spec.ports[0].targetPrt',
    );
    const invalid = await dryRunObject(client, service({ port: 0 }));
    expect(invalid.problem).toMatch(/HTTP 422 Invalid: .*spec.ports\[0\].port/);
  });

  it('validates Argo CD Applications with the CRD schema', async () => {
    const good = application({
      project: 'default',
      source: {
        repoURL: 'https://git.ml.internal/platform/gitops.git',
        path: 'apps/fraud/overlays/prod',
        targetRevision: 'HEAD',
      },
      destination: { name: 'in-cluster', namespace: 'ml-serving' },
      syncPolicy: {
        automated: { prune: true, selfHeal: true },
        syncOptions: ['CreateNamespace=true'],
      },
    });
    expect((await dryRunObject(client, good)).ok).toBe(true);

    const noProject = await dryRunObject(
      client,
      application({
        destination: { name: 'in-cluster' },
        source: { repoURL: 'x' },
      }),
    );
    expect(noProject.problem).toMatch(/spec.project: Required value/);

    const wrongType = await dryRunObject(
      client,
      application({
        project: 'default',
        destination: {},
        source: { repoURL: 'x' },
        syncPolicy: { automated: { prune: 'yes' } },
      }),
    );
    expect(wrongType.problem).toMatch(
      /spec.syncPolicy.automated.prune: expected boolean/,
    );

    const misplaced = await dryRunObject(
      client,
      application({
        project: 'default',
        destination: {},
        source: { repoURL: 'x' },
        automated: { prune: true },
      }),
    );
    expect(misplaced.problem).toMatch(
      /\.spec\.automated: field not declared in schema/,
    );
  });

  it('validates KServe InferenceServices with the CRD schema', async () => {
    const isvc = (model: Record<string, unknown>): KubeObject => ({
      apiVersion: 'serving.kserve.io/v1beta1',
      kind: 'InferenceService',
      metadata: { name: 'fraud', namespace: 'checks' },
      spec: { predictor: { model } },
    });
    expect(
      (
        await dryRunObject(
          client,
          isvc({
            modelFormat: { name: 'triton' },
            protocolVersion: 'v2',
            storageUri: 's3://m/fraud',
          }),
        )
      ).ok,
    ).toBe(true);
    const bad = await dryRunObject(
      client,
      isvc({ modelFormat: { name: 'triton' }, protocolVersion: 'v3' }),
    );
    expect(bad.problem).toMatch(/protocolVersion: Unsupported value: "v3"/);
  });

  it('renders a modern kustomization (directory resources, replicas) with kubectl 1.20 kustomize and adapts CronJob for the 1.20 apiserver', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'template-checks-test-'));
    try {
      fs.mkdirSync(path.join(dir, 'base'));
      fs.mkdirSync(path.join(dir, 'overlays/prod'), { recursive: true });
      fs.writeFileSync(
        path.join(dir, 'base/kustomization.yaml'),
        'resources:\n  - cronjob.yaml\n  - web.yaml\n',
      );
      fs.writeFileSync(
        path.join(dir, 'base/web.yaml'),
        'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 1\n  selector: {matchLabels: {app: web}}\n' +
          '  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: web, image: scoring}]}\n',
      );
      fs.writeFileSync(
        path.join(dir, 'base/cronjob.yaml'),
        [
          'apiVersion: batch/v1',
          'kind: CronJob',
          'metadata: {name: scoring}',
          'spec:',
          '  schedule: "0 2 * * *"',
          '  jobTemplate:',
          '    spec:',
          '      template:',
          '        spec:',
          '          restartPolicy: OnFailure',
          '          containers: [{name: main, image: scoring}]',
          '',
        ].join('\n'),
      );
      fs.writeFileSync(
        path.join(dir, 'overlays/prod/kustomization.yaml'),
        'namespace: checks\nresources:\n  - ../../base\nreplicas:\n  - name: web\n    count: 3\nimages:\n  - name: scoring\n    newName: harbor.ml.internal/ml/scoring\n    newTag: "1.2.3"\n',
      );
      const rendered = await renderOverlay(
        kube.kubectlPath,
        dir,
        'overlays/prod',
      );
      expect(rendered.adaptedKustomizations).toEqual([
        {
          file: 'overlays/prod/kustomization.yaml',
          movedToBases: ['../../base'],
          replicas: [{ name: 'web', count: 3 }],
        },
      ]);
      const cron = rendered.objects.find(o => o.kind === 'CronJob')!;
      const web = rendered.objects.find(o => o.kind === 'Deployment')!;
      expect((web.spec as { replicas: number }).replicas).toBe(3);
      expect(JSON.stringify(web)).toContain(
        'harbor.ml.internal/ml/scoring:1.2.3',
      );
      expect(cron.metadata.namespace).toBe('checks');
      expect(JSON.stringify(cron)).toContain(
        'harbor.ml.internal/ml/scoring:1.2.3',
      );
      // the template folder itself is untouched
      expect(
        fs.readFileSync(
          path.join(dir, 'overlays/prod/kustomization.yaml'),
          'utf8',
        ),
      ).toContain('resources:');

      expect((await dryRunObject(client, cron)).problem).toMatch(
        /no kind CronJob in batch\/v1|batch\/v1/,
      );
      const adapted = adaptForKube120(rendered.objects);
      expect(adapted.changes).toEqual([
        'CronJob/scoring: batch/v1 → batch/v1beta1',
      ]);
      for (const obj of adapted.objects)
        expect(await dryRunObject(client, obj)).toEqual(
          expect.objectContaining({ ok: true }),
        );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * The GitOps controller (simulator) against a real kube-apiserver, a real
 * GitOps git repository and the Argo CD REST API simulator, observed the way
 * clients see them: the simulator over HTTP with a session token, the
 * apiserver over HTTPS, git on disk.
 */
import asyncHooks from 'node:async_hooks';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ArgoCdSimulator, startArgoCdSimulator } from '@internal/simulators';
import {
  KubeClient,
  KubeObject,
  RunningKubeApiserver,
  startKubeApiserver,
} from '@internal/test-env';
import { BreakBoard } from '../breaks';
import { GitRepo } from '../git';
import { LoopEvent, LoopService } from '../types';
import { GitOpsController, startGitOpsController } from './controller';

const NS = 'ml-prod';
const IMAGE = 'registry.demo.local/ml/demo';
const BASE = 'apps/demo/base';
const OVERLAY = 'apps/demo/overlays/prod';

const baseKustomization = (files: string[]) =>
  `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
${files.map(f => `  - ${f}`).join('\n')}
`;

const overlay = (tag: string, replicas = 3) =>
  `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: ${NS}
resources:
  - ../../base
replicas:
  - name: demo
    count: ${replicas}
images:
  - name: ${IMAGE}
    newTag: "${tag}"
`;

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: demo
  labels:
    app: demo
spec:
  replicas: 1
  selector:
    matchLabels:
      app: demo
  template:
    metadata:
      labels:
        app: demo
    spec:
      containers:
        - name: model
          image: ${IMAGE}:0.0.1
          ports:
            - containerPort: 8080
          resources:
            requests:
              cpu: "0.5"
              memory: 256Mi
`;

const SERVICE = `apiVersion: v1
kind: Service
metadata:
  name: demo
spec:
  selector:
    app: demo
  ports:
    - port: 80
      targetPort: 8080
`;

interface App {
  spec: {
    source?: { repoURL: string; path?: string; targetRevision?: string };
    destination?: { server?: string; namespace?: string };
    syncPolicy?: { automated?: { prune?: boolean; selfHeal?: boolean } };
  };
  operation?: unknown;
  status?: {
    sync?: { status?: string; revision?: string };
    health?: { status?: string };
    summary?: { images?: string[] };
    resources?: Array<{
      kind: string;
      name: string;
      status?: string;
      health?: { status?: string };
    }>;
    conditions?: Array<{ type: string; message: string }>;
    operationState?: {
      phase: string;
      message?: string;
      finishedAt?: string;
      operation?: { initiatedBy?: { username?: string; automated?: boolean } };
      syncResult?: { revision: string };
    };
    history?: Array<{ id: number; revision: string }>;
  };
}

async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}; last: ${String(last)}`);
    }
    await new Promise(r => setTimeout(r, 150));
  }
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

describe('GitOps controller (simulator)', () => {
  let kube: RunningKubeApiserver;
  let client: KubeClient;
  let argo: ArgoCdSimulator;
  let token: string;
  let repo: GitRepo;
  let tmp: string;
  let breaks: BreakBoard;
  let controller: GitOpsController;
  const events: LoopEvent[] = [];
  const shas: string[] = [];

  const deploymentRef: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'demo', namespace: NS },
  };
  const serviceRef: KubeObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'demo', namespace: NS },
  };

  beforeAll(async () => {
    kube = await startKubeApiserver();
    client = new KubeClient({
      url: kube.url,
      ca: Buffer.from(kube.caData, 'base64').toString('utf8'),
      token: kube.adminToken,
    });
    argo = await startArgoCdSimulator({ syncStartDelayMs: 20 });
    const login = await fetch(`${argo.url}/api/v1/session`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'password' }),
    });
    token = ((await login.json()) as { token: string }).token;

    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-controller-test-'));
    repo = await GitRepo.init(path.join(tmp, 'gitops'), {
      [`${BASE}/kustomization.yaml`]: baseKustomization([
        'deployment.yaml',
        'service.yaml',
      ]),
      [`${BASE}/deployment.yaml`]: DEPLOYMENT,
      [`${BASE}/service.yaml`]: SERVICE,
      [`${OVERLAY}/kustomization.yaml`]: overlay('1.2.3'),
    });
    shas.push(await repo.head());
    breaks = new BreakBoard();
    const service: LoopService = {
      name: 'demo',
      namespace: NS,
      image: IMAGE,
      registryRepository: 'ml/demo',
      jenkinsJob: 'ml/demo',
      argoApp: 'demo',
      sourceRepo: path.join(tmp, 'source'),
      gitopsRepo: repo.dir,
      gitopsPath: OVERLAY,
    };
    controller = startGitOpsController({
      argocd: argo,
      kube: {
        url: kube.url,
        ca: Buffer.from(kube.caData, 'base64').toString('utf8'),
        token: kube.adminToken,
      },
      kubectl: kube.kubectlPath,
      services: [service],
      breaks,
      pollMs: 300,
      selfHealBackoffMs: 500,
      log: e => events.push(e),
    });
  }, 120_000);

  afterAll(async () => {
    await controller?.stop();
    await argo?.stop();
    await kube?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  const api = async (method: string, p: string, body?: unknown) => {
    const res = await fetch(`${argo.url}${p}`, {
      method,
      headers: {
        Authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, json: (await res.json()) as unknown };
  };
  const getApp = async () =>
    (await api('GET', '/api/v1/applications/demo')).json as App;
  const live = async (ref: KubeObject) => {
    const reply = await client.get(ref);
    return reply.status === 200
      ? (reply.json as {
          metadata: {
            generation: number;
            resourceVersion: string;
            labels?: Record<string, string>;
            managedFields?: Array<{ manager: string; operation: string }>;
          };
          spec: {
            replicas: number;
            template: { spec: { containers: Array<{ image: string }> } };
          };
          status?: Record<string, unknown>;
        })
      : undefined;
  };
  const liveImage = async () =>
    (await live(deploymentRef))?.spec.template.spec.containers[0].image;
  /** The app once its operation (if any) finished and status matches `ok`. */
  const appWhen = (what: string, ok: (a: App) => boolean, timeoutMs?: number) =>
    eventually(
      what,
      async () => {
        const a = await getApp();
        return !a.operation && ok(a) ? a : undefined;
      },
      timeoutMs,
    );
  const writeDeploymentStatus = async (status: Record<string, unknown>) => {
    const current = (await live(deploymentRef))!;
    const reply = await client.request(
      'PUT',
      `/apis/apps/v1/namespaces/${NS}/deployments/demo/status`,
      {
        ...current,
        status: { observedGeneration: current.metadata.generation, ...status },
      },
    );
    expect(reply.status).toBe(200);
  };

  it('creates the Application and auto-syncs the overlay with server-side apply', async () => {
    const app = await appWhen(
      'the first automated sync',
      a => a.status?.sync?.status === 'Synced',
    );
    const dep = (await live(deploymentRef))!;
    expect(dep.spec.template.spec.containers[0].image).toBe(`${IMAGE}:1.2.3`);
    expect(dep.spec.replicas).toBe(3);
    expect(dep.metadata.labels).toMatchObject({
      app: 'demo',
      'app.kubernetes.io/instance': 'demo',
    });
    expect(dep.metadata.managedFields).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          manager: 'argocd-controller',
          operation: 'Apply',
        }),
      ]),
    );
    expect(await live(serviceRef)).toBeDefined();

    expect(app.spec.source).toEqual({
      repoURL: `file://${repo.dir}`,
      path: OVERLAY,
      targetRevision: 'main',
    });
    expect(app.spec.destination).toEqual({
      server: 'https://kubernetes.default.svc',
      namespace: NS,
    });
    expect(app.spec.syncPolicy?.automated).toEqual({
      prune: true,
      selfHeal: true,
    });
    expect(app.status!.sync).toMatchObject({
      status: 'Synced',
      revision: shas[0],
    });
    expect(app.status!.history!.map(h => h.revision)).toEqual([shas[0]]);
    expect(app.status!.summary!.images).toEqual([`${IMAGE}:1.2.3`]);
    expect(app.status!.operationState).toMatchObject({
      phase: 'Succeeded',
      operation: { initiatedBy: { automated: true } },
      syncResult: { revision: shas[0] },
    });
    expect(app.status!.resources!.map(r => [r.kind, r.status]).sort()).toEqual([
      ['Deployment', 'Synced'],
      ['Service', 'Synced'],
    ]);
    // no deployment controller runs: the rollout has not been observed yet
    expect(app.status!.health!.status).toBe('Progressing');
  }, 60_000);

  it('turns Healthy when the Deployment reports its replicas available, Degraded past the progress deadline', async () => {
    await writeDeploymentStatus({
      replicas: 3,
      updatedReplicas: 3,
      readyReplicas: 2,
      availableReplicas: 2,
    });
    const progressing = await appWhen(
      'Progressing with 2 of 3 available',
      a =>
        a.status?.resources?.find(r => r.kind === 'Deployment')?.health
          ?.status === 'Progressing',
    );
    expect(progressing.status!.health!.status).toBe('Progressing');

    await writeDeploymentStatus({
      replicas: 3,
      updatedReplicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
    });
    await appWhen('Healthy', a => a.status?.health?.status === 'Healthy');

    await writeDeploymentStatus({
      replicas: 3,
      updatedReplicas: 1,
      availableReplicas: 0,
      conditions: [
        {
          type: 'Progressing',
          status: 'False',
          reason: 'ProgressDeadlineExceeded',
          message: 'ReplicaSet "demo-1" has timed out progressing.',
        },
      ],
    });
    await appWhen('Degraded', a => a.status?.health?.status === 'Degraded');
    // status writes are not drift
    expect((await getApp()).status!.sync!.status).toBe('Synced');
  }, 60_000);

  it('applies a commit that bumps newTag within seconds (history 2)', async () => {
    shas.push(
      await repo.commit(
        { [`${OVERLAY}/kustomization.yaml`]: overlay('1.2.4') },
        'demo: 1.2.4',
      ),
    );
    const started = Date.now();
    await eventually(
      'image 1.2.4 applied',
      async () => (await liveImage()) === `${IMAGE}:1.2.4`,
    );
    expect(Date.now() - started).toBeLessThan(15_000);
    const app = await appWhen(
      'Synced at the new commit',
      a =>
        a.status?.sync?.revision === shas[1] &&
        a.status.sync.status === 'Synced',
    );
    expect(app.status!.history!.map(h => h.revision)).toEqual(shas);
    expect(app.status!.summary!.images).toEqual([`${IMAGE}:1.2.4`]);
  }, 60_000);

  it('writes nothing when a pass finds nothing new (resourceVersion unchanged)', async () => {
    const rv = async () =>
      (
        (await api('GET', '/api/v1/applications/demo')).json as {
          metadata: { resourceVersion: string };
        }
      ).metadata.resourceVersion;
    const before = await rv();
    for (let i = 0; i < 3; i++) await controller.reconcileNow();
    expect(await rv()).toBe(before);
  }, 30_000);

  it('self-heals drift another field manager introduces', async () => {
    const reply = await client.request(
      'PATCH',
      `/apis/apps/v1/namespaces/${NS}/deployments/demo?fieldManager=kubectl-scale`,
      { spec: { replicas: 1 } },
      'application/merge-patch+json',
    );
    expect(reply.status).toBe(200);
    await eventually(
      'replicas back to 3',
      async () => (await live(deploymentRef))?.spec.replicas === 3,
    );
    const app = await appWhen(
      'Synced again',
      a => a.status?.sync?.status === 'Synced',
    );
    // a self-heal sync is a partial sync: no new history entry
    expect(app.status!.history!.length).toBe(2);
    expect(app.status!.operationState!.operation!.initiatedBy).toEqual({
      automated: true,
    });
  }, 60_000);

  it('with sync-off shows OutOfSync and applies nothing until a sync is requested over HTTP', async () => {
    const refused = await api('POST', '/api/v1/applications/demo/rollback', {
      id: 0,
    });
    expect(refused).toMatchObject({
      status: 400,
      json: {
        message: 'rollback cannot be initiated when auto-sync is enabled',
      },
    });
    breaks.set('demo', 'sync-off');
    expect((await getApp()).spec.syncPolicy?.automated).toBeUndefined();
    shas.push(
      await repo.commit(
        { [`${OVERLAY}/kustomization.yaml`]: overlay('1.3.0') },
        'demo: 1.3.0',
      ),
    );
    const outOfSync = await appWhen(
      'OutOfSync at the new commit',
      a =>
        a.status?.sync?.status === 'OutOfSync' &&
        a.status.sync.revision === shas[2],
    );
    expect(outOfSync.status!.summary!.images).toEqual([`${IMAGE}:1.3.0`]);
    expect(
      outOfSync.status!.resources!.find(r => r.kind === 'Deployment')?.status,
    ).toBe('OutOfSync');
    for (let i = 0; i < 3; i++) await controller.reconcileNow();
    await sleep(500);
    expect(await liveImage()).toBe(`${IMAGE}:1.2.4`);
    expect((await getApp()).status!.history!.length).toBe(2);

    const res = await api('POST', '/api/v1/applications/demo/sync', {});
    expect(res.status).toBe(200);
    await eventually(
      'image 1.3.0 applied',
      async () => (await liveImage()) === `${IMAGE}:1.3.0`,
    );
    const app = await appWhen(
      'Synced after the manual sync',
      a => a.status?.sync?.status === 'Synced',
    );
    expect(app.status!.history!.map(h => h.revision)).toEqual(shas);
    expect(app.status!.operationState!.operation!.initiatedBy).toEqual({
      username: 'admin',
    });
  }, 60_000);

  it('rolls back over HTTP while auto-sync is off, and auto-sync returns to the target when sync-off clears', async () => {
    const res = await api('POST', '/api/v1/applications/demo/rollback', {
      id: 1,
    });
    expect(res.status).toBe(200);
    await eventually(
      'image 1.2.4 back',
      async () => (await liveImage()) === `${IMAGE}:1.2.4`,
    );
    const app = await appWhen(
      'OutOfSync after the rollback',
      a =>
        a.status?.history?.length === 4 &&
        a.status.sync?.status === 'OutOfSync',
    );
    expect(app.status!.history![3].revision).toBe(shas[1]);
    expect(app.status!.sync!.revision).toBe(shas[2]);

    breaks.clear('demo', 'sync-off');
    expect((await getApp()).spec.syncPolicy?.automated).toEqual({
      prune: true,
      selfHeal: true,
    });
    await eventually(
      'image 1.3.0 again',
      async () => (await liveImage()) === `${IMAGE}:1.3.0`,
    );
    await appWhen(
      'Synced at the target',
      a =>
        a.status?.sync?.status === 'Synced' && a.status.history?.length === 5,
    );
  }, 60_000);

  it('reports a kustomization kustomize rejects (ComparisonError, sync Unknown), applies nothing, and a requested sync errors', async () => {
    const before = (await live(deploymentRef))!.metadata.resourceVersion;
    const historyBefore = (await getApp()).status!.history!.length;
    const bad = await repo.commit(
      {
        [`${BASE}/kustomization.yaml`]: baseKustomization([
          'deployment.yaml',
          'service.yaml',
          'missing.yaml',
        ]),
      },
      'base: list a file that does not exist',
    );
    const app = await appWhen(
      'sync Unknown with a ComparisonError',
      a =>
        a.status?.sync?.status === 'Unknown' && a.status.sync.revision === bad,
    );
    const condition = app.status!.conditions!.find(
      c => c.type === 'ComparisonError',
    );
    expect(condition?.message).toContain('missing.yaml');
    expect(condition?.message).toMatch(/kustomize/);
    // kustomize's message names repository paths, not the controller's temp copies
    expect(condition?.message).not.toContain(os.tmpdir());

    const res = await api('POST', '/api/v1/applications/demo/sync', {});
    expect(res.status).toBe(200);
    const errored = await appWhen(
      'the requested sync ended',
      a => a.status?.operationState?.phase === 'Error',
    );
    expect(errored.status!.operationState!.message).toContain('missing.yaml');
    expect(errored.status!.operationState!.message).toMatch(
      /^ComparisonError: /,
    );
    expect(errored.status!.history!.length).toBe(historyBefore);
    expect((await live(deploymentRef))!.metadata.resourceVersion).toBe(before);
  }, 60_000);

  it('ends an automated sync Failed with the apiserver message when an object is invalid, without retrying', async () => {
    const before = (await live(deploymentRef))!.metadata.resourceVersion;
    const invalid = await repo.commit(
      {
        [`${BASE}/kustomization.yaml`]: baseKustomization([
          'deployment.yaml',
          'service.yaml',
        ]),
        [`${OVERLAY}/kustomization.yaml`]: overlay('1.3.1', -1),
      },
      'demo: 1.3.1 with an invalid replica count',
    );
    const app = await appWhen(
      'a failed automated sync',
      a =>
        a.status?.operationState?.phase === 'Failed' &&
        a.status.operationState.syncResult?.revision === invalid,
    );
    expect(app.status!.operationState!.message).toMatch(
      /^one or more objects failed to apply \(dry run\), reason: Deployment.apps "demo" is invalid: spec.replicas/,
    );
    expect(app.status!.sync!.status).toBe('OutOfSync');
    const withCondition = await appWhen('a SyncError condition', a =>
      Boolean(a.status?.conditions?.some(c => c.type === 'SyncError')),
    );
    expect(
      withCondition.status!.conditions!.find(c => c.type === 'SyncError')!
        .message,
    ).toContain(`Failed last sync attempt to [${invalid}]`);
    const finishedAt = withCondition.status!.operationState!.finishedAt;
    for (let i = 0; i < 3; i++) await controller.reconcileNow();
    expect((await getApp()).status!.operationState!.finishedAt).toBe(
      finishedAt,
    );
    expect((await live(deploymentRef))!.metadata.resourceVersion).toBe(before);
  }, 60_000);

  it('prunes the Service once service.yaml leaves the base', async () => {
    const sha = await repo.commit(
      {
        [`${BASE}/kustomization.yaml`]: baseKustomization(['deployment.yaml']),
        [`${BASE}/service.yaml`]: null,
        [`${OVERLAY}/kustomization.yaml`]: overlay('1.3.2'),
      },
      'demo: 1.3.2 without its Service',
    );
    await eventually(
      'the Service pruned',
      async () => (await client.get(serviceRef)).status === 404,
    );
    const app = await appWhen(
      'Synced without the Service',
      a =>
        a.status?.sync?.status === 'Synced' && a.status.sync.revision === sha,
    );
    expect(app.status!.resources!.map(r => r.kind)).toEqual(['Deployment']);
    expect(app.status!.conditions ?? []).toEqual([]);
    expect(await liveImage()).toBe(`${IMAGE}:1.3.2`);
    expect(
      events.some(
        e => e.controller === 'gitops' && /simulator/.test(e.message),
      ),
    ).toBe(true);
  }, 60_000);

  it('serves a resource tree with the ReplicaSets and Pods the Deployment owns', async () => {
    const dep = (await live(deploymentRef))! as unknown as {
      metadata: { uid: string };
    };
    const owner = (kind: string, name: string, uid: string) => [
      { apiVersion: 'apps/v1', kind, name, uid, controller: true },
    ];
    const template = {
      metadata: { labels: { app: 'demo' } },
      spec: { containers: [{ name: 'model', image: `${IMAGE}:1.3.2` }] },
    };
    const rs = await client.mustCreate({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: 'demo-5d8f',
        namespace: NS,
        labels: { app: 'demo' },
        ownerReferences: owner('Deployment', 'demo', dep.metadata.uid),
      },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'demo' } },
        template,
      },
    });
    const pod = await client.mustCreate({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'demo-5d8f-x1',
        namespace: NS,
        labels: { app: 'demo' },
        ownerReferences: owner(
          'ReplicaSet',
          'demo-5d8f',
          (rs.metadata as { uid: string }).uid,
        ),
      },
      spec: template.spec,
    });
    const reply = await client.request(
      'PUT',
      `/api/v1/namespaces/${NS}/pods/demo-5d8f-x1/status`,
      {
        ...pod,
        status: {
          phase: 'Running',
          containerStatuses: [
            {
              name: 'model',
              image: `${IMAGE}:1.3.2`,
              imageID: '',
              ready: false,
              restartCount: 4,
              state: {
                waiting: {
                  reason: 'CrashLoopBackOff',
                  message: 'back-off 40s restarting failed container',
                },
              },
            },
          ],
        },
      },
    );
    expect(reply.status).toBe(200);
    type Tree = {
      nodes: Array<{
        kind: string;
        name: string;
        images?: string[];
        parentRefs?: Array<{ kind: string; name: string }>;
        health?: { status?: string };
        info?: Array<{ name: string; value: string }>;
      }>;
    };
    const tree = await eventually('the pod in the resource tree', async () => {
      const t = (await api('GET', '/api/v1/applications/demo/resource-tree'))
        .json as Tree;
      return t.nodes.some(
        n => n.kind === 'Pod' && n.health?.status === 'Degraded',
      )
        ? t
        : undefined;
    });
    const podNode = tree.nodes.find(n => n.kind === 'Pod')!;
    expect(podNode.images).toEqual([`${IMAGE}:1.3.2`]);
    expect(podNode.parentRefs).toEqual([
      expect.objectContaining({ kind: 'ReplicaSet', name: 'demo-5d8f' }),
    ]);
    expect(podNode.info).toEqual(
      expect.arrayContaining([
        { name: 'Status Reason', value: 'CrashLoopBackOff' },
        { name: 'Containers', value: '0/1' },
      ]),
    );
    expect(tree.nodes.find(n => n.kind === 'ReplicaSet')!.parentRefs).toEqual([
      expect.objectContaining({ kind: 'Deployment', name: 'demo' }),
    ]);
    // owned objects are neither tracked nor pruned
    const app = await getApp();
    expect(app.status!.resources!.map(r => r.kind)).toEqual(['Deployment']);
    expect(app.status!.sync!.status).toBe('Synced');
  }, 60_000);

  it('stop() ends its timers: no more passes, no timer left', async () => {
    await controller.stop();
    const other = await startArgoCdSimulator();
    // every Timeout the controller creates from here on, until it fires or is cleared
    const timers = new Set<number>();
    const hook = asyncHooks.createHook({
      init(id, type) {
        if (
          type === 'Timeout' &&
          /gitops[/\\]controller\.ts/.test(new Error().stack ?? '')
        ) {
          timers.add(id);
        }
      },
      destroy(id) {
        timers.delete(id);
      },
    });
    hook.enable();
    try {
      const second = startGitOpsController({
        argocd: other,
        kube: {
          url: kube.url,
          ca: Buffer.from(kube.caData, 'base64').toString('utf8'),
          token: kube.adminToken,
        },
        kubectl: kube.kubectlPath,
        services: [],
        breaks: new BreakBoard(),
        pollMs: 50,
      });
      await eventually('a few passes', async () => second.passes() >= 3);
      expect(timers.size).toBeGreaterThan(0);
      await second.stop();
      const passes = second.passes();
      await sleep(300);
      expect(second.passes()).toBe(passes);
      // destroy hooks are emitted asynchronously (the sleep's own timer too)
      for (let i = 0; i < 3; i++) await new Promise(r => setImmediate(r));
      expect(timers.size).toBe(0);
    } finally {
      hook.disable();
      await other.stop();
    }
  }, 30_000);
});

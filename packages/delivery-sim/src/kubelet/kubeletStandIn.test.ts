/**
 * The kubelet stand-in against a real kube-apiserver and a real registry
 * (token auth): everything is asserted on what the apiserver stores (pods,
 * their status, Deployment status) and what the registry holds.
 */
import {
  KubeClient,
  RegistryTarget,
  RunningKubeApiserver,
  RunningRegistry,
  pushImage,
  startKubeApiserver,
  startRegistry,
} from '@internal/test-env';
import fs from 'node:fs';
import { BreakBoard } from '../breaks';
import { LoopEvent } from '../types';
import { KubeletStandIn, startKubeletStandIn } from './kubeletStandIn';
import {
  apiserverWrites,
  createDeployment,
  createNamespace,
  createReadyNode,
  deploymentManifest,
  getDeployment,
  patchDeployment,
  podsOf,
  setNodeResources,
  until,
} from './testUtils';
import { Pod, conditionOf } from './types';

jest.setTimeout(120_000);

const NS = 'ml';
const HOST = 'registry.test.local';

let kube: RunningKubeApiserver;
let registry: RunningRegistry;
let target: RegistryTarget;
let admin: KubeClient;
let kubelet: KubeletStandIn;
const breaks = new BreakBoard();
const events: LoopEvent[] = [];

const tick = () => kubelet.reconcileNow();
const image = (repo: string, tag: string) => `${HOST}/${repo}:${tag}`;
const containerOf = (pod: Pod) => pod.status?.containerStatuses?.[0];
const isReady = (pod: Pod) =>
  conditionOf(pod.status?.conditions, 'Ready')?.status === 'True';

beforeAll(async () => {
  [kube, registry] = await Promise.all([
    startKubeApiserver(),
    startRegistry({ auth: 'token' }),
  ]);
  target = {
    url: registry.url,
    username: registry.username,
    password: registry.password,
  };
  admin = new KubeClient({
    url: kube.url,
    ca: fs.readFileSync(kube.caFile, 'utf8'),
    token: kube.adminToken,
  });
  await createNamespace(admin, NS);
  await createReadyNode(admin, 'cpu-1', {}, 1);
  await createReadyNode(admin, 'gpu-a', { 'nvidia.com/gpu': '1' }, 2);
  await createReadyNode(admin, 'gpu-b', { 'nvidia.com/gpu': '1' }, 3);
  kubelet = startKubeletStandIn({
    kube: {
      url: kube.url,
      ca: fs.readFileSync(kube.caFile, 'utf8'),
      token: kube.adminToken,
    },
    registry: target,
    registryHosts: { [HOST]: registry.host },
    namespaces: [NS],
    breaks,
    pollMs: 300,
    registryCacheMs: 200,
    crashBackoffMs: 1_000,
    progressDeadlineMs: 3_000,
    log: e => events.push(e),
  });
});

afterAll(async () => {
  await kubelet?.stop();
  await Promise.all([kube?.stop(), registry?.stop()]);
});

describe('kubelet stand-in (simulator)', () => {
  it('runs the pods of a Deployment whose image is in the registry, with its digest, and marks the Deployment available', async () => {
    const pushed = await pushImage(target, {
      repository: 'ml/chat',
      tag: 'v1',
    });
    const created = await createDeployment(
      admin,
      deploymentManifest({
        name: 'chat',
        namespace: NS,
        image: image('ml/chat', 'v1'),
        replicas: 2,
      }),
    );

    const pods = await until('2 ready pods', tick, async () => {
      const p = await podsOf(admin, NS, 'chat');
      return p.length === 2 && p.every(isReady) && p;
    });
    for (const pod of pods) {
      expect(pod.status?.phase).toBe('Running');
      expect(pod.spec.nodeName).toBeTruthy();
      expect(pod.metadata.labels?.['pod-template-hash']).toMatch(
        /^[a-z0-9]{10}$/,
      );
      expect(pod.metadata.name).toMatch(
        new RegExp(
          `^chat-${pod.metadata.labels?.['pod-template-hash']}-[a-z0-9]{5}$`,
        ),
      );
      expect(pod.metadata.ownerReferences).toEqual([
        expect.objectContaining({
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          name: 'chat',
          uid: created.metadata.uid,
          controller: true,
        }),
      ]);
      const c = containerOf(pod)!;
      expect(c.ready).toBe(true);
      expect(c.image).toBe(image('ml/chat', 'v1'));
      expect(c.imageID).toBe(`${HOST}/ml/chat@${pushed.digest}`);
      expect(c.state?.running?.startedAt).toBeTruthy();
      expect(pod.status?.hostIP).toMatch(/^10\.0\.1\.\d$/);
      expect(
        pod.status?.conditions?.map(x => `${x.type}=${x.status}`).sort(),
      ).toEqual([
        'ContainersReady=True',
        'Initialized=True',
        'PodScheduled=True',
        'Ready=True',
      ]);
    }

    const d = await until('Deployment status', tick, async () => {
      const dep = await getDeployment(admin, NS, 'chat');
      return dep.status?.readyReplicas === 2 && dep;
    });
    expect(d.status).toMatchObject({
      observedGeneration: d.metadata.generation,
      replicas: 2,
      updatedReplicas: 2,
      readyReplicas: 2,
      availableReplicas: 2,
    });
    expect(d.status?.unavailableReplicas ?? 0).toBe(0);
    expect(conditionOf(d.status?.conditions, 'Available')).toMatchObject({
      status: 'True',
      reason: 'MinimumReplicasAvailable',
    });
    expect(conditionOf(d.status?.conditions, 'Progressing')).toMatchObject({
      status: 'True',
      reason: 'NewReplicaSetAvailable',
      message: `ReplicaSet "chat-${pods[0].metadata.labels?.['pod-template-hash']}" has successfully progressed.`,
    });

    // Nothing changes → nothing is written again (the apiserver's own request counter).
    await tick();
    const writes = await apiserverWrites(admin);
    await tick();
    await tick();
    expect(await apiserverWrites(admin)).toBe(writes);
  });

  it('shows ImagePullBackOff while the tag is missing, times the rollout out, and runs once the tag is pushed', async () => {
    const ref = image('ml/late', 'v7');
    await createDeployment(
      admin,
      deploymentManifest({
        name: 'late',
        namespace: NS,
        image: ref,
        replicas: 1,
      }),
    );
    const [pod] = await until('ImagePullBackOff', tick, async () => {
      const p = await podsOf(admin, NS, 'late');
      return (
        p.length === 1 &&
        containerOf(p[0])?.state?.waiting?.reason === 'ImagePullBackOff' &&
        p
      );
    });
    expect(containerOf(pod)?.state?.waiting?.message).toBe(
      `Back-off pulling image "${ref}"`,
    );
    expect(containerOf(pod)?.imageID).toBe('');
    expect(pod.status?.phase).toBe('Pending');
    expect(isReady(pod)).toBe(false);
    expect(conditionOf(pod.status?.conditions, 'Ready')).toMatchObject({
      reason: 'ContainersNotReady',
      message: 'containers with unready status: [model-server]',
    });

    const failed = await until('ProgressDeadlineExceeded', tick, async () => {
      const dep = await getDeployment(admin, NS, 'late');
      return (
        conditionOf(dep.status?.conditions, 'Progressing')?.reason ===
          'ProgressDeadlineExceeded' && dep
      );
    });
    expect(conditionOf(failed.status?.conditions, 'Progressing')?.status).toBe(
      'False',
    );
    expect(conditionOf(failed.status?.conditions, 'Available')).toMatchObject({
      status: 'False',
      reason: 'MinimumReplicasUnavailable',
    });
    expect(failed.status).toMatchObject({
      replicas: 1,
      unavailableReplicas: 1,
    });
    // Go omits zero counts: readyReplicas 0 is no field at all.
    expect(failed.status?.readyReplicas).toBeUndefined();

    const pushed = await pushImage(target, {
      repository: 'ml/late',
      tag: 'v7',
    });
    const [running] = await until('Running after the push', tick, async () => {
      const p = await podsOf(admin, NS, 'late');
      return p.length === 1 && isReady(p[0]) && p;
    });
    expect(running.metadata.name).toBe(pod.metadata.name);
    expect(running.status?.phase).toBe('Running');
    expect(containerOf(running)?.imageID).toBe(
      `${HOST}/ml/late@${pushed.digest}`,
    );
    const done = await until('Deployment complete', tick, async () => {
      const dep = await getDeployment(admin, NS, 'late');
      return (
        conditionOf(dep.status?.conditions, 'Progressing')?.reason ===
          'NewReplicaSetAvailable' && dep
      );
    });
    expect(conditionOf(done.status?.conditions, 'Available')?.status).toBe(
      'True',
    );
  });

  it('crash-loops while the break is set (restart count rising), and recovers when it is cleared', async () => {
    await pushImage(target, { repository: 'ml/crashy', tag: 'v1' });
    await createDeployment(
      admin,
      deploymentManifest({
        name: 'crashy',
        namespace: NS,
        image: image('ml/crashy', 'v1'),
        replicas: 1,
      }),
    );
    await until('ready', tick, async () => {
      const p = await podsOf(admin, NS, 'crashy');
      return p.length === 1 && isReady(p[0]);
    });

    breaks.set('crashy', 'crash-loop');
    const [first] = await until('CrashLoopBackOff', tick, async () => {
      const p = await podsOf(admin, NS, 'crashy');
      return (
        containerOf(p[0])?.state?.waiting?.reason === 'CrashLoopBackOff' && p
      );
    });
    const c = containerOf(first)!;
    expect(first.status?.phase).toBe('Running');
    expect(isReady(first)).toBe(false);
    expect(c.ready).toBe(false);
    expect(c.state?.waiting?.message).toBe(
      `back-off 1s restarting failed container=model-server pod=${first.metadata.name}`,
    );
    expect(c.lastState?.terminated).toMatchObject({
      exitCode: 1,
      reason: 'Error',
    });
    expect(c.restartCount).toBeGreaterThanOrEqual(1);
    const later = await until('restart count rising', tick, async () => {
      const p = await podsOf(admin, NS, 'crashy');
      return (
        (containerOf(p[0])?.restartCount ?? 0) >= c.restartCount + 2 && p[0]
      );
    });
    expect(containerOf(later)?.state?.waiting?.message).toMatch(
      /^back-off (2s|4s|8s) restarting failed container=model-server pod=/,
    );
    const dep = await until('Deployment unavailable', tick, async () => {
      const d = await getDeployment(admin, NS, 'crashy');
      return (d.status?.readyReplicas ?? 0) === 0 && d;
    });
    expect(conditionOf(dep.status?.conditions, 'Available')?.status).toBe(
      'False',
    );

    breaks.clear('crashy', 'crash-loop');
    const [recovered] = await until('Running again', tick, async () => {
      const p = await podsOf(admin, NS, 'crashy');
      return isReady(p[0]) && p;
    });
    expect(recovered.metadata.name).toBe(first.metadata.name);
    expect(containerOf(recovered)?.state?.running).toBeTruthy();
    expect(containerOf(recovered)?.restartCount).toBeGreaterThan(
      c.restartCount,
    );
    expect(containerOf(recovered)?.lastState?.terminated?.exitCode).toBe(1);
  });

  it('places GPU pods on nodes with free GPUs, leaves the rest Pending with the scheduler message, and binds them when GPUs free up', async () => {
    await pushImage(target, { repository: 'ml/llm', tag: 'v1' });
    await createDeployment(
      admin,
      deploymentManifest({
        name: 'llm',
        namespace: NS,
        image: image('ml/llm', 'v1'),
        replicas: 3,
        gpu: { 'nvidia.com/gpu': '1' },
      }),
    );
    const pods = await until('2 running + 1 pending', tick, async () => {
      const p = await podsOf(admin, NS, 'llm');
      return p.length === 3 && p.filter(isReady).length === 2 && p;
    });
    const running = pods.filter(isReady);
    expect(running.map(p => p.spec.nodeName).sort()).toEqual([
      'gpu-a',
      'gpu-b',
    ]);
    const [pending] = pods.filter(p => !isReady(p));
    expect(pending.spec.nodeName).toBeUndefined();
    expect(pending.status?.phase).toBe('Pending');
    expect(
      conditionOf(pending.status?.conditions, 'PodScheduled'),
    ).toMatchObject({
      status: 'False',
      reason: 'Unschedulable',
      message: '0/3 nodes are available: 3 Insufficient nvidia.com/gpu.',
    });
    const d = await until('status', tick, async () => {
      const dep = await getDeployment(admin, NS, 'llm');
      return dep.status?.readyReplicas === 2 && dep;
    });
    expect(d.status).toMatchObject({
      replicas: 3,
      availableReplicas: 2,
      unavailableReplicas: 1,
    });

    // The device plugin reports a second GPU on gpu-b: the pending pod is bound there.
    await setNodeResources(admin, 'gpu-b', { 'nvidia.com/gpu': '2' }, 3);
    const all = await until('3 running', tick, async () => {
      const p = await podsOf(admin, NS, 'llm');
      return p.length === 3 && p.every(isReady) && p;
    });
    expect(
      all.find(p => p.metadata.name === pending.metadata.name)?.spec.nodeName,
    ).toBe('gpu-b');
    await setNodeResources(admin, 'gpu-b', { 'nvidia.com/gpu': '1' }, 3);
  });

  it('keeps new GPU pods Pending while gpu-unschedulable is set, and schedules them when it clears', async () => {
    await pushImage(target, { repository: 'ml/mig', tag: 'v1' });
    // gpu-a and gpu-b are full (llm); give a fourth node MIG slices.
    await createReadyNode(admin, 'mig-1', { 'nvidia.com/mig-1g.5gb': '7' }, 4);
    breaks.set('mig', 'gpu-unschedulable');
    await createDeployment(
      admin,
      deploymentManifest({
        name: 'mig',
        namespace: NS,
        image: image('ml/mig', 'v1'),
        replicas: 1,
        gpu: { 'nvidia.com/mig-1g.5gb': '1' },
      }),
    );
    const [pending] = await until('Unschedulable', tick, async () => {
      const p = await podsOf(admin, NS, 'mig');
      return (
        p.length === 1 &&
        conditionOf(p[0].status?.conditions, 'PodScheduled')?.status ===
          'False' &&
        p
      );
    });
    expect(
      conditionOf(pending.status?.conditions, 'PodScheduled')?.message,
    ).toBe('0/4 nodes are available: 4 Insufficient nvidia.com/mig-1g.5gb.');
    // It stays that way while the break is set.
    await tick();
    await tick();
    expect((await podsOf(admin, NS, 'mig'))[0].spec.nodeName).toBeUndefined();

    breaks.clear('mig', 'gpu-unschedulable');
    const [bound] = await until('bound to the MIG node', tick, async () => {
      const p = await podsOf(admin, NS, 'mig');
      return isReady(p[0]) && p;
    });
    expect(bound.spec.nodeName).toBe('mig-1');
    expect(bound.metadata.name).toBe(pending.metadata.name);
  });

  it('replaces every pod when the template changes (Recreate), scales to 0, and deletes the pods of a deleted Deployment', async () => {
    const v1 = await pushImage(target, { repository: 'ml/roll', tag: 'v1' });
    const v2 = await pushImage(target, { repository: 'ml/roll', tag: 'v2' });
    expect(v2.digest).not.toBe(v1.digest);
    await createDeployment(
      admin,
      deploymentManifest({
        name: 'roll',
        namespace: NS,
        image: image('ml/roll', 'v1'),
        replicas: 2,
      }),
    );
    const before = await until('v1 ready', tick, async () => {
      const p = await podsOf(admin, NS, 'roll');
      return p.length === 2 && p.every(isReady) && p;
    });

    const patched = await patchDeployment(admin, NS, 'roll', {
      spec: {
        template: {
          spec: {
            containers: [
              { name: 'model-server', image: image('ml/roll', 'v2') },
            ],
          },
        },
      },
    });
    expect(patched.metadata.generation).toBe(2);
    const after = await until('v2 ready', tick, async () => {
      const p = await podsOf(admin, NS, 'roll');
      return (
        p.length === 2 &&
        p.every(isReady) &&
        p.every(
          x => containerOf(x)?.imageID === `${HOST}/ml/roll@${v2.digest}`,
        ) &&
        p
      );
    });
    const oldNames = before.map(p => p.metadata.name);
    expect(after.some(p => oldNames.includes(p.metadata.name))).toBe(false);
    expect(after[0].metadata.labels?.['pod-template-hash']).not.toBe(
      before[0].metadata.labels?.['pod-template-hash'],
    );
    const rolled = await until('observedGeneration 2', tick, async () => {
      const d = await getDeployment(admin, NS, 'roll');
      return (
        d.status?.observedGeneration === 2 && d.status.readyReplicas === 2 && d
      );
    });
    expect(rolled.status).toMatchObject({
      replicas: 2,
      updatedReplicas: 2,
      availableReplicas: 2,
    });

    await patchDeployment(admin, NS, 'roll', { spec: { replicas: 0 } });
    await until(
      'no pods',
      tick,
      async () => (await podsOf(admin, NS, 'roll')).length === 0,
    );
    const scaled = await until('status of 0 replicas', tick, async () => {
      const d = await getDeployment(admin, NS, 'roll');
      return d.status?.observedGeneration === 3 && d;
    });
    expect(scaled.status?.replicas ?? 0).toBe(0);
    expect(conditionOf(scaled.status?.conditions, 'Available')?.status).toBe(
      'True',
    );

    await patchDeployment(admin, NS, 'roll', { spec: { replicas: 1 } });
    await until('1 pod', tick, async () => {
      const p = await podsOf(admin, NS, 'roll');
      return p.length === 1 && isReady(p[0]);
    });
    const del = await admin.request(
      'DELETE',
      `/apis/apps/v1/namespaces/${NS}/deployments/roll`,
    );
    expect(del.status).toBe(200);
    await until(
      'pods of the deleted Deployment gone',
      tick,
      async () => (await podsOf(admin, NS, 'roll')).length === 0,
    );
    expect(
      events.some(
        e => e.controller === 'kubelet' && /roll is gone/.test(e.message),
      ),
    ).toBe(true);
    expect(
      events.every(e => e.message.startsWith('kubelet stand-in (simulator): ')),
    ).toBe(true);
  });

  it('schedules only on Ready nodes, with the scheduler message meanwhile', async () => {
    await pushImage(target, { repository: 'ml/pinned', tag: 'v1' });
    // A node that never reported Ready (its admission taint removed by hand).
    const node = await admin.request('POST', '/api/v1/nodes', {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: 'cold-1',
        labels: { 'kubernetes.io/hostname': 'cold-1' },
      },
    });
    expect(node.status).toBe(201);
    await admin.request(
      'PATCH',
      '/api/v1/nodes/cold-1',
      { spec: { taints: null } },
      'application/merge-patch+json',
    );
    const manifest = deploymentManifest({
      name: 'pinned',
      namespace: NS,
      image: image('ml/pinned', 'v1'),
      replicas: 1,
    });
    manifest.spec.template.spec.nodeSelector = {
      'kubernetes.io/hostname': 'cold-1',
    };
    await createDeployment(admin, manifest);
    const [pending] = await until('Unschedulable', tick, async () => {
      const p = await podsOf(admin, NS, 'pinned');
      return (
        p.length === 1 &&
        conditionOf(p[0].status?.conditions, 'PodScheduled')?.status ===
          'False' &&
        p
      );
    });
    expect(
      conditionOf(pending.status?.conditions, 'PodScheduled')?.message,
    ).toBe(
      "0/5 nodes are available: 1 node(s) had taint {node.kubernetes.io/not-ready: }, that the pod didn't tolerate, 4 node(s) didn't match node selector.",
    );
    await setNodeResources(admin, 'cold-1', {}, 5);
    const [running] = await until('Running on cold-1', tick, async () => {
      const p = await podsOf(admin, NS, 'pinned');
      return isReady(p[0]) && p;
    });
    expect(running.spec.nodeName).toBe('cold-1');
    expect(running.status?.hostIP).toBe('10.0.1.5');
  });

  it('does nothing after stop()', async () => {
    const other = startKubeletStandIn({
      kube: {
        url: kube.url,
        ca: fs.readFileSync(kube.caFile, 'utf8'),
        token: kube.adminToken,
      },
      registry: target,
      registryHosts: { [HOST]: registry.host },
      namespaces: ['stopped'],
      breaks,
      pollMs: 100,
    });
    await other.stop();
    await createNamespace(admin, 'stopped');
    await createDeployment(
      admin,
      deploymentManifest({
        name: 'idle',
        namespace: 'stopped',
        image: image('ml/chat', 'v1'),
        replicas: 1,
      }),
    );
    await new Promise(r => setTimeout(r, 600));
    expect(await podsOf(admin, 'stopped', 'idle')).toEqual([]);
  });
});

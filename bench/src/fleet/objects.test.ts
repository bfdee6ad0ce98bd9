import { deploymentObject, podObject, podStatus } from './objects';
import { QUICK_SIZE, planFleet } from './plan';

describe('fleet objects', () => {
  const plan = planFleet(QUICK_SIZE);
  const pod = plan.pods.find(
    p => p.service !== undefined && p.state === 'running',
  )!;
  const s = plan.services[pod.service!];

  it('labels pods and Deployments the way both plugins find them', () => {
    const obj = podObject(pod, plan, {
      kind: 'ReplicaSet',
      name: 'rs',
      uid: 'u1',
    });
    expect(obj.metadata.labels).toMatchObject({
      'backstage.io/kubernetes-id': s.name,
      'app.kubernetes.io/name': s.name,
      'pod-template-hash': s.templateHash,
    });
    expect((obj.spec as { nodeName?: string }).nodeName).toBe(pod.node);
    const dep = deploymentObject(s, 3);
    expect(dep.metadata.labels?.['backstage.io/kubernetes-id']).toBe(s.name);
    expect((dep.spec as { selector: unknown }).selector).toEqual({
      matchLabels: { 'app.kubernetes.io/name': s.name },
    });
  });

  it('requests the service GPU resource and tolerates the GPU taint', () => {
    const gpuPod = plan.pods.find(
      p => p.service !== undefined && plan.services[p.service].gpu,
    )!;
    const gs = plan.services[gpuPod.service!];
    const spec = podObject(gpuPod, plan, {
      kind: 'ReplicaSet',
      name: 'rs',
      uid: 'u',
    }).spec as {
      containers: Array<{ resources: { limits: Record<string, string> } }>;
      tolerations: Array<{ key: string }>;
    };
    expect(spec.containers[0].resources.limits[gs.gpu!.resource]).toBe(
      String(gs.gpu!.count),
    );
    expect(spec.tolerations[0].key).toBe('nvidia.com/gpu');
  });

  it('writes kubelet-shaped statuses: running, crash-looping, image pull back-off, unschedulable', () => {
    const base = {
      pod,
      image: 'registry.bench.local/x:1',
      imageID: 'registry.bench.local/x@sha256:ab',
      startedAt: 0,
      now: 100_000,
    };
    const running = podStatus({ ...base, state: 'running' }) as any;
    expect(running.phase).toBe('Running');
    expect(running.containerStatuses[0]).toMatchObject({
      ready: true,
      restartCount: 0,
      imageID: base.imageID,
    });
    const crash = podStatus({
      ...base,
      state: 'crash-loop',
      restartCount: 7,
    }) as any;
    expect(crash.containerStatuses[0].state.waiting.reason).toBe(
      'CrashLoopBackOff',
    );
    expect(crash.containerStatuses[0].restartCount).toBe(7);
    expect(crash.containerStatuses[0].lastState.terminated.exitCode).toBe(1);
    const pull = podStatus({ ...base, state: 'image-pull-backoff' }) as any;
    expect(pull.phase).toBe('Pending');
    expect(pull.containerStatuses[0].state.waiting.reason).toBe(
      'ImagePullBackOff',
    );
    expect(pull.containerStatuses[0].imageID).toBe('');
    const pending = podStatus({
      ...base,
      pod: {
        ...pod,
        node: undefined,
        schedulerMessage:
          '0/5 nodes are available: 5 Insufficient nvidia.com/gpu.',
      },
      state: 'unschedulable',
    }) as any;
    expect(pending.conditions[0]).toMatchObject({
      type: 'PodScheduled',
      status: 'False',
      reason: 'Unschedulable',
    });
    expect(pending.conditions[0].message).toContain(
      'Insufficient nvidia.com/gpu',
    );
  });
});

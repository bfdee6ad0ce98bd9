import v8 from 'node:v8';
import vm from 'node:vm';
import { ObjectStore } from './ObjectStore';
import { slim } from './slim';
import { KubeObject, Pod } from './types';

describe('slim', () => {
  it('drops managedFields and the last-applied annotation only', () => {
    const o = slim({
      metadata: {
        name: 'a',
        namespace: 'ml',
        labels: { app: 'fraud' },
        annotations: {
          'kubectl.kubernetes.io/last-applied-configuration': '{…}',
          keep: 'me',
        },
        managedFields: [{ manager: 'kubectl' }],
      } as KubeObject['metadata'],
    });
    expect(o.metadata).toEqual({
      name: 'a',
      namespace: 'ml',
      labels: { app: 'fraud' },
      annotations: { keep: 'me' },
    });
  });

  it("keeps of a pod's spec and status what the Pod type names", () => {
    const pod = slim({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'llm-0', namespace: 'ml' },
      spec: {
        nodeName: 'gpu-1',
        nodeSelector: { 'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-80GB' },
        tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists' }],
        overhead: { cpu: '250m' },
        volumes: [
          { name: 'weights', persistentVolumeClaim: { claimName: 'w' } },
        ],
        serviceAccountName: 'llm',
        initContainers: [
          { name: 'fetch', image: 'r/fetch:1', command: ['sh', '-c', 'cp'] },
        ],
        containers: [
          {
            name: 'model',
            image: 'r/llm:2',
            env: [{ name: 'HF_TOKEN', value: 'x' }],
            volumeMounts: [{ name: 'weights', mountPath: '/models' }],
            readinessProbe: { httpGet: { path: '/readyz', port: 8000 } },
            resources: { limits: { 'nvidia.com/gpu': '1' } },
          },
        ],
      },
      status: {
        phase: 'Running',
        podIP: '10.0.0.7',
        podIPs: [{ ip: '10.0.0.7' }],
        hostIP: '192.168.0.4',
        qosClass: 'Burstable',
        startTime: '2026-11-20T10:00:00Z',
        conditions: [
          {
            type: 'Ready',
            status: 'False',
            reason: 'ContainersNotReady',
            message: 'containers with unready status: [model]',
            lastProbeTime: null,
            lastTransitionTime: '2026-11-20T10:00:05Z',
          },
        ],
        containerStatuses: [
          {
            name: 'model',
            ready: false,
            started: false,
            restartCount: 3,
            image: 'r/llm:2',
            imageID: 'r/llm@sha256:abc',
            containerID: 'containerd://1',
            state: {
              waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s' },
            },
            lastState: {
              terminated: { exitCode: 137, reason: 'OOMKilled' },
            },
          },
        ],
      },
    } as KubeObject) as Pod;
    expect(pod.spec).toEqual({
      nodeName: 'gpu-1',
      nodeSelector: { 'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-80GB' },
      tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists' }],
      overhead: { cpu: '250m' },
      initContainers: [{ name: 'fetch', image: 'r/fetch:1' }],
      containers: [
        {
          name: 'model',
          image: 'r/llm:2',
          resources: { limits: { 'nvidia.com/gpu': '1' } },
        },
      ],
    });
    // As JSON (absent fields are kept as `undefined`, which JSON leaves out).
    expect(JSON.parse(JSON.stringify(pod.status))).toStrictEqual({
      phase: 'Running',
      startTime: '2026-11-20T10:00:00Z',
      conditions: [
        {
          type: 'Ready',
          status: 'False',
          reason: 'ContainersNotReady',
          message: 'containers with unready status: [model]',
          lastTransitionTime: '2026-11-20T10:00:05Z',
        },
      ],
      containerStatuses: [
        {
          name: 'model',
          ready: false,
          started: false,
          restartCount: 3,
          image: 'r/llm:2',
          imageID: 'r/llm@sha256:abc',
          containerID: 'containerd://1',
          state: {
            waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s' },
          },
          lastState: { terminated: { exitCode: 137, reason: 'OOMKilled' } },
        },
      ],
    });
  });

  it('keeps other kinds whole below metadata (a Deployment template is read)', () => {
    const spec = {
      template: { spec: { containers: [{ name: 'm', env: [] }] } },
    };
    const status = { readyReplicas: 1, conditions: [{ type: 'Available' }] };
    const d = slim({
      kind: 'Deployment',
      metadata: { name: 'd' },
      spec,
      status,
    });
    expect(d.spec).toBe(spec);
    expect(d.status).toBe(status);
  });

  it('passes malformed pod fields through instead of throwing', () => {
    const pod = slim({
      kind: 'Pod',
      metadata: { name: 'odd', labels: 'not-a-map' },
      spec: { containers: 'nope', tolerations: [null] },
      status: { conditions: [null, 'x'], containerStatuses: {} },
    } as unknown as KubeObject) as Pod;
    expect(pod.metadata.labels).toBe('not-a-map');
    expect(pod.spec?.containers).toBe('nope');
    expect(pod.spec?.tolerations).toEqual([null]);
    expect(pod.status?.conditions).toEqual([null, 'x']);
  });

  it('keeps pods of the same ReplicaSet on one copy of their containers, tolerations and labels', () => {
    const [a, b] = [apiPod(0), apiPod(150)].map(p =>
      slim(JSON.parse(JSON.stringify(p))),
    );
    expect(a.metadata.name).not.toBe(b.metadata.name);
    const [sa, sb] = [a, b].map(p => p.spec as Pod['spec']);
    expect(sa?.nodeName).not.toBe(sb?.nodeName);
    expect(sa?.containers).toBe(sb?.containers);
    expect(sa?.tolerations).toBe(sb?.tolerations);
    expect(a.metadata.labels).toBe(b.metadata.labels);
    expect(a.metadata.ownerReferences).toBe(b.metadata.ownerReferences);
    expect(a.status).not.toBe(b.status);
    const other = slim(JSON.parse(JSON.stringify(apiPod(1))));
    expect((other.spec as Pod['spec'])?.containers).not.toBe(sa?.containers);
    expect((other.spec as Pod['spec'])?.containers?.[0].image).toBe(
      'registry.internal:5000/ml/svc-001:1.1.0',
    );
  });

  it('keeps 2,000 pods of 50 services in under half the heap their parsed JSON holds, also once V8 has no hidden classes left to share', () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const raws = Array.from({ length: 2000 }, (_, i) =>
      JSON.stringify(apiPod(i)),
    );
    const retained = (keep: (o: KubeObject) => KubeObject) => {
      gc();
      gc();
      const before = process.memoryUsage().heapUsed;
      const store = new ObjectStore();
      for (const r of raws) store.put(keep(JSON.parse(r)));
      gc();
      gc();
      const bytes = process.memoryUsage().heapUsed - before;
      expect(store.size).toBe(raws.length);
      return bytes;
    };
    expect(retained(slim) / retained(o => o)).toBeLessThan(0.5);
    // A long-running backend has parsed objects with thousands of different
    // first keys (catalog entities, annotations, label sets): V8's root
    // transition tree is full and objects built key by key from `{}` get
    // hidden classes of their own. Slimmed pods must not depend on it.
    const firstKeys = Array.from({ length: 3000 }, (_, i) =>
      JSON.parse(`{"first-key-${i}": ${i}}`),
    );
    expect(retained(slim) / retained(o => o)).toBeLessThan(0.5);
    expect(firstKeys).toHaveLength(3000);
  });
});

/** A pod as a kube-apiserver returns it (managedFields, defaults, status). */
function apiPod(i: number): KubeObject {
  const service = `svc-${String(i % 50).padStart(3, '0')}`;
  const image = `registry.internal:5000/ml/${service}:1.${i % 3}.0`;
  const t = new Date(Date.UTC(2026, 10, 20, 10, 0, i)).toISOString();
  const container = {
    name: 'model',
    image,
    env: [{ name: 'MODEL_NAME', value: service }],
    ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
    readinessProbe: {
      httpGet: { path: '/v2/health/ready', port: 'http' },
      periodSeconds: 10,
    },
    resources: {
      requests: { cpu: '4', memory: '16Gi', 'nvidia.com/gpu': '1' },
      limits: { memory: '16Gi', 'nvidia.com/gpu': '1' },
    },
  };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${service}-7d9f8-${i}`,
      namespace: `team-${i % 5}`,
      uid: `0b5e${String(i).padStart(8, '0')}-1111-2222-3333-444455556666`,
      resourceVersion: String(1000 + i),
      creationTimestamp: t,
      labels: {
        'app.kubernetes.io/name': service,
        'backstage.io/kubernetes-id': service,
        'pod-template-hash': '7d9f8',
      },
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          name: `${service}-7d9f8`,
          uid: `rs-${service}`,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
      managedFields: [
        {
          manager: 'kube-controller-manager',
          operation: 'Update',
          time: t,
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:metadata': { 'f:labels': {} }, 'f:spec': {} },
        },
      ],
    } as unknown as KubeObject['metadata'],
    spec: {
      nodeName: `gpu-node-${i % 20}`,
      restartPolicy: 'Always',
      dnsPolicy: 'ClusterFirst',
      schedulerName: 'default-scheduler',
      tolerations: [
        { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
      ],
      containers: [container],
    },
    status: {
      phase: 'Running',
      hostIP: `192.168.0.${i % 20}`,
      podIP: `10.1.${i % 250}.${i % 200}`,
      qosClass: 'Burstable',
      startTime: t,
      conditions: [
        'Initialized',
        'Ready',
        'ContainersReady',
        'PodScheduled',
      ].map(type => ({
        type,
        status: 'True',
        lastProbeTime: null,
        lastTransitionTime: t,
      })),
      containerStatuses: [
        {
          name: 'model',
          ready: true,
          started: true,
          restartCount: 0,
          image,
          imageID: `registry.internal:5000/ml/${service}@sha256:${'a'.repeat(
            64,
          )}`,
          containerID: `containerd://${String(i).padStart(64, '0')}`,
          state: { running: { startedAt: t } },
          lastState: {},
        },
      ],
    },
  };
}

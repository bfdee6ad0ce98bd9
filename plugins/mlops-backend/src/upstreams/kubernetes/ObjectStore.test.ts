import { parseLabelSelector } from './labelSelector';
import { ObjectStore, slim } from './ObjectStore';
import { KubeObject } from './types';

const obj = (
  ns: string | undefined,
  name: string,
  labels: Record<string, string>,
  rv = '1',
): KubeObject => ({
  metadata: { namespace: ns, name, labels, resourceVersion: rv },
});

describe('ObjectStore', () => {
  it('answers selector queries through the label index and keeps it current on relabel and delete', () => {
    const store = new ObjectStore();
    store.put(obj('ml', 'a', { app: 'fraud' }));
    store.put(obj('ml', 'b', { app: 'churn' }));
    store.put(obj('other', 'c', { app: 'fraud' }));
    const fraud = parseLabelSelector('app=fraud');
    expect(
      store
        .query({ selector: fraud })
        .map(o => o.metadata.name)
        .sort(),
    ).toEqual(['a', 'c']);
    expect(
      store
        .query({ selector: fraud, namespace: 'ml' })
        .map(o => o.metadata.name),
    ).toEqual(['a']);

    expect(store.put(obj('ml', 'a', { app: 'churn' }, '2'))).toMatchObject({
      type: 'modified',
    });
    expect(store.query({ selector: fraud }).map(o => o.metadata.name)).toEqual([
      'c',
    ]);
    expect(
      store
        .query({ selector: parseLabelSelector('app=churn') })
        .map(o => o.metadata.name)
        .sort(),
    ).toEqual(['a', 'b']);

    expect(store.remove('other', 'c')).toMatchObject({ type: 'deleted' });
    expect(store.query({ selector: fraud })).toEqual([]);
    expect(store.query({ selector: parseLabelSelector('app!=churn') })).toEqual(
      [],
    );
  });

  it('reports no change for the same resourceVersion', () => {
    const store = new ObjectStore();
    store.put(obj('ml', 'a', {}, '5'));
    expect(store.put(obj('ml', 'a', {}, '5'))).toBeUndefined();
  });

  it('replace() diffs a fresh list: adds, modifies by resourceVersion, deletes what vanished', () => {
    const store = new ObjectStore();
    store.replace([
      obj('ml', 'a', {}, '1'),
      obj('ml', 'b', {}, '1'),
      obj(undefined, 'node-1', {}, '1'),
    ]);
    const changes = store.replace([
      obj('ml', 'a', {}, '1'),
      obj('ml', 'b', {}, '7'),
      obj('ml', 'd', {}, '8'),
    ]);
    expect(
      changes.map(c => `${c.type}:${c.object.metadata.name}`).sort(),
    ).toEqual(['added:d', 'deleted:node-1', 'modified:b']);
    expect(store.size).toBe(3);
  });

  it('slim() drops managedFields and the last-applied annotation only', () => {
    const o = slim({
      metadata: {
        name: 'a',
        annotations: {
          'kubectl.kubernetes.io/last-applied-configuration': '{…}',
          keep: 'me',
        },
        managedFields: [{ manager: 'kubectl' }],
      } as KubeObject['metadata'],
    });
    expect(o.metadata).toEqual({ name: 'a', annotations: { keep: 'me' } });
  });

  it("slim() keeps of a pod's spec what the Pod type names, and all of its status", () => {
    const status = {
      phase: 'Running',
      podIP: '10.0.0.7',
      containerStatuses: [{ name: 'model', ready: true, restartCount: 0 }],
    };
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
      status,
    } as KubeObject);
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
    expect(pod.status).toBe(status);
    // Other kinds keep their spec whole (a Deployment's template is read).
    const spec = {
      template: { spec: { containers: [{ name: 'm', env: [] }] } },
    };
    expect(
      slim({ kind: 'Deployment', metadata: { name: 'd' }, spec }).spec,
    ).toBe(spec);
  });
});

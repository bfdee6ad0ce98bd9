import { Entity } from '@backstage/catalog-model';
import {
  ObjectSource,
  entityKubernetesTarget,
  findEntityObjects,
} from './entityMatch';
import { KindObjects, ResourceKind } from './kinds';
import { ObjectStore } from './ObjectStore';
import { KubeObject } from './types';

function entity(
  name: string,
  annotations: Record<string, string> = {},
): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name, annotations },
    spec: {},
  };
}

describe('entityKubernetesTarget (Backstage kubernetes plugin rules)', () => {
  it('defaults to backstage.io/kubernetes-id=<metadata.name>', () => {
    const t = entityKubernetesTarget(entity('fraud-detector'));
    expect(t).toMatchObject({
      ok: true,
      id: 'fraud-detector',
      selectorSource: 'kubernetes-id',
      namespace: undefined,
    });
    expect(t.ok && t.selector.text).toBe(
      'backstage.io/kubernetes-id=fraud-detector',
    );
  });
  it('uses the kubernetes-id annotation as id', () => {
    const t = entityKubernetesTarget(
      entity('fraud-detector', { 'backstage.io/kubernetes-id': 'fraud' }),
    );
    expect(t.ok && t.selector.text).toBe('backstage.io/kubernetes-id=fraud');
  });
  it('the label-selector annotation wins; the namespace annotation narrows', () => {
    const t = entityKubernetesTarget(
      entity('fraud-detector', {
        'backstage.io/kubernetes-id': 'fraud',
        'backstage.io/kubernetes-label-selector': 'app=fraud,tier in (serving)',
        'backstage.io/kubernetes-namespace': 'ml',
      }),
    );
    expect(t).toMatchObject({
      ok: true,
      id: 'fraud',
      selectorSource: 'label-selector-annotation',
      namespace: 'ml',
    });
    expect(t.ok && t.selector.text).toBe('app=fraud,tier=serving');
  });
  it('reports bad annotations instead of matching everything', () => {
    expect(
      entityKubernetesTarget(
        entity('x', { 'backstage.io/kubernetes-label-selector': 'app in (a' }),
      ),
    ).toMatchObject({
      ok: false,
      fault: 'bad-annotation',
    });
    expect(
      entityKubernetesTarget(
        entity('x', { 'backstage.io/kubernetes-namespace': 'Not_A_Namespace' }),
      ),
    ).toMatchObject({ ok: false });
    expect(
      entityKubernetesTarget(
        entity('x', { 'backstage.io/kubernetes-id': 'has space' }),
      ),
    ).toMatchObject({ ok: false });
  });
});

/** An ObjectSource over plain stores: the same query path the cache uses. */
function source(
  objects: Partial<Record<ResourceKind, KubeObject[]>>,
): ObjectSource {
  const stores = new Map<ResourceKind, ObjectStore>();
  for (const [kind, list] of Object.entries(objects) as [
    ResourceKind,
    KubeObject[],
  ][]) {
    const store = new ObjectStore();
    store.replace(list);
    stores.set(kind, store);
  }
  return {
    clusterNames: () => ['prod'],
    list: <K extends ResourceKind>(
      _c: string,
      kind: K,
      q?: Parameters<ObjectStore['query']>[0],
    ) => (stores.get(kind)?.query(q) ?? []) as KindObjects[K][],
  };
}

describe('findEntityObjects', () => {
  const id = { 'backstage.io/kubernetes-id': 'fraud-detector' };
  it('matches by selector and namespace, and adds owned Jobs and selected Pods', () => {
    const src = source({
      deployments: [
        {
          kind: 'Deployment',
          metadata: { name: 'fraud', namespace: 'ml', labels: id },
          spec: { selector: { matchLabels: { app: 'fraud' } } },
        },
        {
          kind: 'Deployment',
          metadata: { name: 'fraud', namespace: 'staging', labels: id },
          spec: { selector: { matchLabels: { app: 'fraud' } } },
        },
      ],
      pods: [
        {
          metadata: {
            name: 'fraud-abc',
            namespace: 'ml',
            labels: { app: 'fraud' },
          },
        }, // selected by the Deployment only
        {
          metadata: {
            name: 'fraud-labelled',
            namespace: 'ml',
            labels: { ...id, app: 'fraud' },
          },
        },
        {
          metadata: {
            name: 'fraud-other-ns',
            namespace: 'other',
            labels: { app: 'fraud' },
          },
        },
        {
          metadata: {
            name: 'churn',
            namespace: 'ml',
            labels: { app: 'churn' },
          },
        },
      ],
      cronjobs: [
        {
          kind: 'CronJob',
          metadata: { name: 'retrain', namespace: 'ml', uid: 'c1', labels: id },
        },
      ],
      jobs: [
        {
          kind: 'Job',
          metadata: {
            name: 'retrain-1',
            namespace: 'ml',
            ownerReferences: [{ kind: 'CronJob', name: 'retrain', uid: 'c1' }],
          },
        },
        { kind: 'Job', metadata: { name: 'unrelated', namespace: 'ml' } },
      ],
    });
    const target = entityKubernetesTarget({
      ...entity('fraud-detector', {
        'backstage.io/kubernetes-namespace': 'ml',
      }),
    });
    if (!target.ok) throw new Error(target.message);
    const [found] = findEntityObjects(src, target);
    expect(found.deployments.map(d => d.metadata.namespace)).toEqual(['ml']);
    expect(found.pods.map(p => p.metadata.name).sort()).toEqual([
      'fraud-abc',
      'fraud-labelled',
    ]);
    expect(found.jobs.map(j => j.metadata.name)).toEqual(['retrain-1']);
    expect(found.services).toEqual([]);
  });
});

import { parseLabelSelector } from './labelSelector';
import { ObjectStore } from './ObjectStore';
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
});

import { Entity } from '@backstage/catalog-model';
import { KindObjects, ResourceKind } from '../../upstreams/kubernetes';
import { ObjectStore } from '../../upstreams/kubernetes/ObjectStore';
import { KubeObject } from '../../upstreams/kubernetes/types';
import { EntityWorkloadMemo, MemoSource } from './entityWorkloadMemo';

const entity = (annotations: Record<string, string>): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'fraud-detector', annotations },
  spec: {},
});
const byId = entity({ 'backstage.io/kubernetes-id': 'fraud-detector' });

function pod(name: string, labels: Record<string, string>, ready: boolean) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'ml',
      labels,
      resourceVersion: `${name}-${ready}`,
    },
    spec: { containers: [{ name: 'model', image: 'r.example/fraud:v1' }] },
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
      containerStatuses: [
        {
          name: 'model',
          ready,
          restartCount: ready ? 0 : 5,
          image: 'r.example/fraud:v1',
          imageID: '',
          state: ready
            ? { running: { startedAt: '2026-11-23T00:00:00Z' } }
            : { waiting: { reason: 'CrashLoopBackOff', message: 'back-off' } },
        },
      ],
    },
  } as KubeObject;
}

const fraudPod = (ready: boolean) =>
  pod('fraud-0', { 'backstage.io/kubernetes-id': 'fraud-detector' }, ready);

/** One cluster of pods in an ObjectStore; the revision moves with every put, as the watch cache's does. */
function podSource() {
  const pods = new ObjectStore();
  let revision = 0;
  let queries = 0;
  const source: MemoSource = {
    clusterNames: () => ['prod'],
    list: <K extends ResourceKind>(
      _cluster: string,
      kind: K,
      q?: Parameters<ObjectStore['query']>[0],
    ) => {
      queries++;
      return (kind === 'pods' ? pods.query(q) : []) as KindObjects[K][];
    },
    state: (cluster, kind) => ({
      cluster,
      kind,
      phase: 'watching',
      synced: true,
      objectCount: 0,
    }),
    revision: () => String(revision),
  };
  return {
    source,
    put(o: KubeObject) {
      if (pods.put(o)) revision++;
    },
    queries: () => queries,
  };
}

/** A memo over one cluster holding fraud-detector's one ready pod. */
function readyFraudMemo() {
  const s = podSource();
  s.put(fraudPod(true));
  return {
    s,
    memo: new EntityWorkloadMemo(s.source, { maxAgeMs: 5_000, max: 100 }),
  };
}

describe('EntityWorkloadMemo', () => {
  it('answers from memory while the cache revision and the clock allow, and judges again after a change', () => {
    const { s, memo } = readyFraudMemo();

    const first = memo.read(byId, 1_000);
    expect(first.report.status).toBe('ok');
    const queriesAfterFirst = s.queries();
    expect(queriesAfterFirst).toBeGreaterThan(0);

    // Same revision, within maxAge: the same answer, no query of the cache.
    expect(memo.read(byId, 3_000)).toBe(first);
    expect(s.queries()).toBe(queriesAfterFirst);

    // A watch event: the next read sees it.
    s.put(fraudPod(false));
    const after = memo.read(byId, 3_100);
    expect(after).not.toBe(first);
    expect(after.report.status).toBe('error');
    expect(after.report.reason).toBe(
      'Pod fraud-0: container model is crash-looping (5 restarts)',
    );
  });

  it('judges again once maxAge has passed, even on an unchanged cache', () => {
    const { memo } = readyFraudMemo();
    const first = memo.read(byId, 1_000);
    expect(memo.read(byId, 5_999)).toBe(first);
    expect(memo.read(byId, 6_000)).not.toBe(first);
    // A clock that went backwards does not keep an answer from the future.
    const fresh = memo.read(byId, 12_000);
    expect(memo.read(byId, 11_000)).not.toBe(fresh);
  });

  it('keeps an answer until a restart stops being recent, then judges again without it', () => {
    const s = podSource();
    const finishedAt = Date.parse('2026-11-23T10:00:00Z');
    const restarted = fraudPod(true);
    restarted.status = {
      ...(restarted.status as object),
      containerStatuses: [
        {
          name: 'model',
          ready: true,
          restartCount: 1,
          image: 'r.example/fraud:v1',
          imageID: '',
          state: { running: { startedAt: '2026-11-23T10:00:05Z' } },
          lastState: {
            terminated: {
              reason: 'Error',
              exitCode: 137,
              finishedAt: '2026-11-23T10:00:00Z',
            },
          },
        },
      ],
    } as KubeObject['status'];
    s.put(restarted);
    const hour = 60 * 60 * 1000;
    const memo = new EntityWorkloadMemo(s.source, {
      maxAgeMs: 24 * hour,
      max: 100,
    });

    const recent = memo.read(byId, finishedAt + 10 * 60 * 1000);
    expect(recent.report.status).toBe('warning');
    expect(recent.report.reason).toContain(
      'container model restarted 1 time, last at 2026-11-23T10:00:00Z',
    );
    // Nothing changed and the restart is still recent: the same answer.
    expect(memo.read(byId, finishedAt + hour - 1)).toBe(recent);
    // An hour after the restart it is no longer recent: judged again, ok.
    const later = memo.read(byId, finishedAt + hour);
    expect(later).not.toBe(recent);
    expect(later.report.status).toBe('ok');
    // With nothing left that depends on the clock, kept until maxAgeMs.
    expect(memo.read(byId, finishedAt + 20 * hour)).toBe(later);
  });

  it('keeps entities with different Kubernetes annotations apart', () => {
    const { s, memo } = readyFraudMemo();
    s.put(pod('canary-0', { app: 'fraud-canary' }, false));
    const bySelector = entity({
      'backstage.io/kubernetes-label-selector': 'app=fraud-canary',
    });
    expect(memo.read(byId, 1_000).report.status).toBe('ok');
    const canary = memo.read(bySelector, 1_000);
    expect(canary.report.status).toBe('error');
    expect(canary.found[0].pods.map(p => p.metadata.name)).toEqual([
      'canary-0',
    ]);
    const bad = memo.read(
      entity({ 'backstage.io/kubernetes-label-selector': 'app in (' }),
      1_000,
    );
    expect(bad.target.ok).toBe(false);
    expect(bad.found).toEqual([]);
    expect(bad.report.problem?.fault).toBe('bad-annotation');
  });
});

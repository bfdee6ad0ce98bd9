import { DeliveryFacts, judgeDelivery } from './deliveryChain';

const A = 'a1b2c3d4e5f6a7b8c9d0a1b2c3d4e5f6a7b8c9d0';
const B = '9f8e7d6c5b4a39281706f5e4d3c2b1a098765432';

/** A service delivering A end to end. */
const healthy = (): DeliveryFacts => ({
  build: {
    number: 42,
    result: 'SUCCESS',
    building: false,
    commit: A,
    at: '2026-05-01T10:00:00Z',
  },
  image: {
    tags: [
      { tag: 'a1b2c3d', digest: 'sha256:aaa', revision: A },
      { tag: '9f8e7d6', digest: 'sha256:bbb', revision: B },
    ],
  },
  desired: { tags: ['a1b2c3d'] },
  sync: {
    sync: 'Synced',
    health: 'Healthy',
    autoSync: true,
    operationPhase: 'Succeeded',
  },
  running: { tags: ['a1b2c3d'], digests: ['sha256:aaa'], ready: 2, desired: 2 },
  serving: { ready: true, reason: 'model fraud ready, p95 40 ms' },
});

describe('judgeDelivery', () => {
  it('says a healthy chain delivers end to end', () => {
    const view = judgeDelivery(healthy());
    expect(view.status).toBe('ok');
    expect(view.firstBroken).toBeUndefined();
    expect(view.steps.map(s => [s.id, s.status])).toEqual([
      ['commit', 'ok'],
      ['build', 'ok'],
      ['image', 'ok'],
      ['desired', 'ok'],
      ['synced', 'ok'],
      ['running', 'ok'],
      ['serving', 'ok'],
    ]);
    expect(view.verdict).toBe(
      'delivers end to end: 2/2 pods ready on :a1b2c3d',
    );
  });

  it('names a failed build and its stage', () => {
    const facts = healthy();
    facts.build = {
      number: 43,
      result: 'FAILURE',
      building: false,
      commit: A,
      failedStage: 'Image',
    };
    const view = judgeDelivery(facts);
    expect(view.firstBroken).toBe('build');
    expect(view.verdict).toBe('Build: build 43 failed at stage Image');
  });

  it('says when a successful build pushed no image', () => {
    const facts = healthy();
    facts.build = {
      number: 44,
      result: 'SUCCESS',
      building: false,
      commit: 'ccccccc1234567890',
    };
    expect(judgeDelivery(facts).verdict).toBe(
      'Image: build 44 succeeded but no image with revision ccccccc is in the registry',
    );
  });

  it('says when GitOps was not bumped to the new image', () => {
    const facts = healthy();
    facts.desired = { tags: ['9f8e7d6'] };
    facts.running = {
      tags: ['9f8e7d6'],
      digests: ['sha256:bbb'],
      ready: 2,
      desired: 2,
    };
    const view = judgeDelivery(facts);
    expect(view.firstBroken).toBe('desired');
    expect(view.verdict).toBe(
      'Desired in GitOps: :a1b2c3d (build 42) is not in GitOps yet: it still asks for :9f8e7d6',
    );
  });

  it('says when the Argo CD app is out of sync with auto-sync off', () => {
    const facts = healthy();
    facts.sync = { sync: 'OutOfSync', health: 'Healthy', autoSync: false };
    expect(judgeDelivery(facts).verdict).toBe(
      'Synced: the Argo CD app is OutOfSync and auto-sync is off',
    );
  });

  it("says the cluster still runs the old image (the issue's own example)", () => {
    const facts = healthy();
    facts.build = { number: 41, result: 'SUCCESS', building: false, commit: A };
    facts.running = {
      tags: ['9f8e7d6'],
      digests: ['sha256:bbb'],
      ready: 2,
      desired: 2,
    };
    facts.desired = undefined;
    const view = judgeDelivery(facts);
    expect(view.firstBroken).toBe('running');
    expect(view.verdict).toBe(
      'Running: build 41 pushed :a1b2c3d but the cluster still runs :9f8e7d6',
    );
  });

  it('reports crash-looping pods with the diagnosis', () => {
    const facts = healthy();
    facts.running = {
      tags: ['a1b2c3d'],
      digests: [],
      ready: 1,
      desired: 3,
      reason: 'CrashLoopBackOff (last exit OOMKilled)',
    };
    const view = judgeDelivery(facts);
    expect(view.status).toBe('warning');
    expect(view.verdict).toBe(
      'Running: 1/3 pods ready: CrashLoopBackOff (last exit OOMKilled)',
    );
  });

  it('names Running, not Synced, when Argo CD health is only the pods not being ready', () => {
    const facts = healthy();
    facts.sync = { sync: 'Synced', health: 'Progressing', autoSync: true };
    facts.running = {
      tags: ['a1b2c3d'],
      digests: [],
      ready: 0,
      desired: 1,
      reason: 'container model-server is crash-looping (4 restarts)',
    };
    const view = judgeDelivery(facts);
    expect(view.firstBroken).toBe('running');
    expect(view.steps.find(s => s.id === 'synced')).toMatchObject({
      status: 'ok',
      summary:
        'Synced; health Progressing because 0/1 pods are ready (see Running)',
    });
    expect(view.verdict).toBe(
      'Running: 0/1 pods ready: container model-server is crash-looping (4 restarts)',
    );
  });

  it('keeps an unhealthy app on Synced when the pods do not explain it', () => {
    const facts = healthy();
    facts.sync = { sync: 'Synced', health: 'Degraded', autoSync: true };
    const view = judgeDelivery(facts);
    expect(view.firstBroken).toBe('synced');
    expect(view.verdict).toBe('Synced: Synced, health Degraded');
  });

  it('reports a model that is not ready', () => {
    const facts = healthy();
    facts.serving = { ready: false, reason: 'model fraud is not ready (503)' };
    expect(judgeDelivery(facts).verdict).toBe(
      'Serving: model fraud is not ready (503)',
    );
  });

  it('names the upstream that could not be read and never calls it green', () => {
    const facts = healthy();
    facts.sync = {
      problem: {
        upstream: 'Argo CD prod (argocd.ml.internal)',
        fault: 'unauthorized',
        message: 'answered 401 Unauthorized',
      },
    };
    const view = judgeDelivery(facts);
    expect(view.status).toBe('error');
    expect(view.verdict).toBe(
      'Synced: Argo CD prod (argocd.ml.internal): answered 401 Unauthorized',
    );
  });

  it('is unknown, not ok, when upstreams are not configured', () => {
    const view = judgeDelivery({
      image: { tags: [{ tag: 'v1', digest: 'sha256:x' }] },
    });
    expect(view.status).toBe('unknown');
    expect(view.steps.find(s => s.id === 'build')).toMatchObject({
      status: 'unknown',
      summary: 'CI is not configured for this service',
    });
    expect(view.verdict).toMatch(
      /^no broken step found, but these steps cannot be judged: commit, build, desired in gitops, synced, running, serving$/,
    );
  });

  it('treats a running build as in progress', () => {
    const facts = healthy();
    facts.build = { number: 45, result: null, building: true, commit: B };
    const view = judgeDelivery(facts);
    expect(view.steps.find(s => s.id === 'build')).toMatchObject({
      status: 'warning',
      summary: 'build 45 is running (9f8e7d6)',
    });
  });
});

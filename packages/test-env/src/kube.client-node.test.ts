import { ApiException, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { RunningKubeApiserver, startKubeApiserver } from './kube';

jest.setTimeout(90_000);

function clientFor(kube: RunningKubeApiserver, token: string) {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'test', server: kube.url, caData: kube.caData, skipTLSVerify: false }],
    users: [{ name: 'u', token }],
    contexts: [{ name: 'c', cluster: 'test', user: 'u' }],
    currentContext: 'c',
  });
  return kc.makeApiClient(CoreV1Api);
}

describe('@kubernetes/client-node 2.x against the real kube-apiserver', () => {
  let kube: RunningKubeApiserver;
  beforeAll(async () => {
    kube = await startKubeApiserver();
  });
  afterAll(() => kube?.stop());

  it('creates and lists objects with the admin token', async () => {
    const admin = clientFor(kube, kube.adminToken);
    await admin.createNamespace({ body: { metadata: { name: 'ml-serving' } } });
    await admin.createNamespacedConfigMap({
      namespace: 'ml-serving',
      body: { metadata: { name: 'model-config' }, data: { model: 'fraud' } },
    });
    const list = await admin.listNamespacedConfigMap({ namespace: 'ml-serving' });
    expect(list.items.map(c => c.metadata?.name)).toContain('model-config');
  });

  it('reads but cannot write with the read-only token (403 Forbidden)', async () => {
    const reader = clientFor(kube, kube.readOnlyToken);
    const namespaces = await reader.listNamespace();
    expect(namespaces.items.map(n => n.metadata?.name)).toContain('ml-serving');
    let error: unknown;
    try {
      await reader.createNamespacedConfigMap({
        namespace: 'ml-serving',
        body: { metadata: { name: 'nope' } },
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ApiException);
    expect((error as ApiException<unknown>).code).toBe(403);
    // client-node keeps the body raw: the Status has to be parsed by the caller.
    const status = JSON.parse(String((error as ApiException<unknown>).body));
    expect(status).toMatchObject({ kind: 'Status', reason: 'Forbidden', code: 403 });
    expect(status.message).toContain('cannot create resource "configmaps"');
  });

  it('is refused with a wrong token (401)', async () => {
    const stranger = clientFor(kube, 'not-a-token');
    await expect(stranger.listNamespace()).rejects.toMatchObject({ code: 401 });
  });
});

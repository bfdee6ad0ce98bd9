import fs from 'node:fs';
import https from 'node:https';
import { RunningKubeApiserver, startKubeApiserver } from './kube';

interface Reply {
  status: number;
  body: string;
  json(): any;
}

function request(
  kube: RunningKubeApiserver,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<Reply> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = https.request(
      new URL(path, kube.url),
      {
        method,
        ca: Buffer.from(kube.caData, 'base64'),
        headers: {
          Authorization: `Bearer ${token}`,
          Accept: 'application/json',
          ...(payload ? { 'Content-Type': 'application/json' } : {}),
        },
      },
      res => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', d => (text += d));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: text,
            json: () => JSON.parse(text),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

describe('startKubeApiserver', () => {
  let kube: RunningKubeApiserver;
  const ns = `test-env-${Date.now().toString(36)}`;

  beforeAll(async () => {
    kube = await startKubeApiserver();
  }, 60_000);

  afterAll(async () => {
    await kube?.stop();
  });

  it('listens on 127.0.0.1 over TLS signed by the returned CA', () => {
    const url = new URL(kube.url);
    expect(url.protocol).toBe('https:');
    expect(url.hostname).toBe('127.0.0.1');
    expect(Number(url.port)).toBeGreaterThan(0);
    const pem = Buffer.from(kube.caData, 'base64').toString('utf8');
    expect(pem).toContain('-----BEGIN CERTIFICATE-----');
    expect(fs.readFileSync(kube.caFile, 'utf8')).toBe(pem);
    expect(fs.existsSync(kube.kubectlPath)).toBe(true);
  });

  it('lets the admin token create and list a Namespace and a ConfigMap', async () => {
    const createdNs = await request(
      kube,
      kube.adminToken,
      'POST',
      '/api/v1/namespaces',
      {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: ns },
      },
    );
    expect(createdNs.status).toBe(201);
    expect(createdNs.json().metadata.name).toBe(ns);

    const createdCm = await request(
      kube,
      kube.adminToken,
      'POST',
      `/api/v1/namespaces/${ns}/configmaps`,
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'settings' },
        data: { model: 'llama' },
      },
    );
    expect(createdCm.status).toBe(201);
    expect(createdCm.json().data).toEqual({ model: 'llama' });

    const namespaces = await request(
      kube,
      kube.adminToken,
      'GET',
      '/api/v1/namespaces',
    );
    expect(namespaces.status).toBe(200);
    expect(namespaces.json().items.map((i: any) => i.metadata.name)).toContain(
      ns,
    );

    const configMaps = await request(
      kube,
      kube.adminToken,
      'GET',
      `/api/v1/namespaces/${ns}/configmaps`,
    );
    expect(configMaps.status).toBe(200);
    expect(configMaps.json().kind).toBe('ConfigMapList');
    expect(configMaps.json().items.map((i: any) => i.metadata.name)).toEqual([
      'settings',
    ]);
  });

  it('lets the read-only token list but not create ConfigMaps', async () => {
    const list = await request(
      kube,
      kube.readOnlyToken,
      'GET',
      `/api/v1/namespaces/${ns}/configmaps`,
    );
    expect(list.status).toBe(200);
    expect(list.json().items.map((i: any) => i.metadata.name)).toEqual([
      'settings',
    ]);

    const denied = await request(
      kube,
      kube.readOnlyToken,
      'POST',
      `/api/v1/namespaces/${ns}/configmaps`,
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'nope' } },
    );
    expect(denied.status).toBe(403);
    const status = denied.json();
    expect(status.kind).toBe('Status');
    expect(status.reason).toBe('Forbidden');
    expect(status.code).toBe(403);
    expect(status.message).toContain('cannot create resource "configmaps"');

    // The denied object really was not created.
    const after = await request(
      kube,
      kube.adminToken,
      'GET',
      `/api/v1/namespaces/${ns}/configmaps/nope`,
    );
    expect(after.status).toBe(404);
  });

  it('rejects an invalid token with 401', async () => {
    const res = await request(
      kube,
      'not-a-valid-token',
      'GET',
      '/api/v1/namespaces',
    );
    expect(res.status).toBe(401);
    expect(res.json().reason).toBe('Unauthorized');
  });
});

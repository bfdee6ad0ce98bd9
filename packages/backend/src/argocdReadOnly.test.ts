import express from 'express';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { ROADIE_ARGOCD_MOUNT, argocdReadOnly } from './argocdReadOnly';

describe('argocdReadOnly', () => {
  let server: http.Server;
  let base: string;
  const reached: string[] = [];

  beforeAll(async () => {
    const app = express();
    app.use(ROADIE_ARGOCD_MOUNT, argocdReadOnly);
    // stands in for Roadie's router: records what got through
    app.use(ROADIE_ARGOCD_MOUNT, (req, res) => {
      reached.push(`${req.method} ${req.path}`);
      res.json({ ok: true });
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise(r => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise(r => server.close(r)));

  it('lets reads through to the Argo CD routes', async () => {
    const res = await fetch(`${base}/api/argocd/find/name/fraud-detector`);
    expect(res.status).toBe(200);
    expect(reached).toContain('GET /find/name/fraud-detector');
  });

  it.each([
    ['POST', '/sync'],
    ['POST', '/createArgo'],
    ['DELETE', '/argoInstance/gitops/applications/fraud-detector'],
    ['PUT', '/anything'],
  ])('refuses %s %s before Roadie sees it, saying where changes go', async (method, path) => {
    const res = await fetch(`${base}/api/argocd${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(403);
    const body = await res.json();
    expect(body.error.message).toContain('mlops.argocd.sync');
    expect(reached).not.toContain(`${method} ${path}`);
  });
});

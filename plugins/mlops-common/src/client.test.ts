/**
 * @jest-environment node
 */
import { ResponseError } from '@backstage/errors';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { fetch as undiciFetch } from 'undici';
import { MlopsClient } from './client';

/**
 * The client against a real HTTP server standing in for the backend's routes
 * (undici's fetch: the test setup blocks the global one for isomorphic packages).
 */
describe('MlopsClient', () => {
  let server: http.Server;
  let base: string;
  const seen: string[] = [];
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      if (req.url?.includes('missing')) {
        res.writeHead(404, { 'content-type': 'application/json' }).end(
          JSON.stringify({ error: { name: 'NotFoundError', message: 'No entity component:default/missing in the catalog' }, response: { statusCode: 404 } }),
        );
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ items: [], url: req.url }));
    });
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/mlops`;
  });
  afterAll(() => new Promise(r => server.close(r)));

  const client = () =>
    new MlopsClient({ discoveryApi: { getBaseUrl: async id => base.replace('mlops', id) }, fetchApi: { fetch: undiciFetch as unknown as typeof fetch } });

  it('calls the documented routes, with entity parts lower-cased and encoded', async () => {
    await client().getEntityHealth({ kind: 'Component', namespace: 'default', name: 'Fraud Detector' });
    await client().getFleetHealth();
    await client().getGpuNodes();
    await client().getImageReport({ kind: 'Component', namespace: 'ml', name: 'llm' });
    expect(seen).toEqual([
      'GET /api/mlops/entities/component/default/fraud%20detector/health',
      'GET /api/mlops/fleet/health',
      'GET /api/mlops/fleet/gpu-nodes',
      'GET /api/mlops/entities/component/ml/llm/image',
    ]);
  });

  it('throws a ResponseError carrying the backend message on non-2xx', async () => {
    const call = client().getEntityHealth({ kind: 'Component', namespace: 'default', name: 'missing' });
    await expect(call).rejects.toBeInstanceOf(ResponseError);
    const error = (await call.catch(e => e)) as ResponseError;
    expect(error.statusCode).toBe(404);
    expect(error.body.error.message).toBe('No entity component:default/missing in the catalog');
  });
});

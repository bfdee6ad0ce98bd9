/**
 * Argo CD simulator: sessions, the error envelope, 415 and the
 * 403-for-a-missing-app rule, checked over HTTP with plain fetch.
 */
import { ArgoCdSimulator, startArgoCdSimulator } from './simulator';
import { exampleApplication } from './fixtures';

const JSON_HEADERS = { 'Content-Type': 'application/json' };

function claimsOf(jwt: string) {
  const [h, p] = jwt.split('.');
  return {
    header: JSON.parse(Buffer.from(h, 'base64url').toString()),
    claims: JSON.parse(Buffer.from(p, 'base64url').toString()),
  };
}

describe('Argo CD simulator: sessions and errors', () => {
  let sim: ArgoCdSimulator;
  let token: string;

  beforeAll(async () => {
    sim = await startArgoCdSimulator({
      users: { admin: 's3cret', dev: 'dev' },
    });
    sim.putApplication(exampleApplication('fraud-detector'));
    const res = await fetch(`${sim.url}/api/v1/session`, {
      method: 'POST',
      headers: JSON_HEADERS,
      body: JSON.stringify({ username: 'admin', password: 's3cret' }),
    });
    token = ((await res.json()) as { token: string }).token;
  });
  afterAll(() => sim.stop());

  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${sim.url}${path}`, { headers });
  const bearer = () => ({ Authorization: `Bearer ${token}` });

  it('logs in with an HS256 JWT (iss argocd, sub <user>:login, 24 h) and sets the argocd.token cookie', async () => {
    const res = await fetch(`${sim.url}/api/v1/session`, {
      method: 'POST',
      headers: JSON_HEADERS,
      body: JSON.stringify({ username: 'dev', password: 'dev' }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-simulator')).toBe('argocd');
    const { token: jwt } = (await res.json()) as { token: string };
    const { header, claims } = claimsOf(jwt);
    expect(header.alg).toBe('HS256');
    expect(claims.iss).toBe('argocd');
    expect(claims.sub).toBe('dev:login');
    expect(claims.exp - claims.iat).toBe(24 * 60 * 60);
    expect(typeof claims.jti).toBe('string');
    expect(res.headers.get('set-cookie')).toMatch(/^argocd\.token=[^;]+;/);
  });

  it('answers a bad login 401 / code 16 in the {error,code,message} envelope', async () => {
    const res = await fetch(`${sim.url}/api/v1/session`, {
      method: 'POST',
      headers: JSON_HEADERS,
      body: JSON.stringify({ username: 'admin', password: 'wrong' }),
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      error: 'Invalid username or password',
      code: 16,
      message: 'Invalid username or password',
    });
  });

  it('answers 401 "no session information" without a token, and for a lower-case "bearer" prefix', async () => {
    for (const headers of [{}, { Authorization: `bearer ${token}` }] as Array<
      Record<string, string>
    >) {
      const res = await get('/api/v1/applications', headers);
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({
        code: 16,
        message: 'no session information',
      });
    }
  });

  it('accepts the token as Bearer and as the argocd.token cookie', async () => {
    expect((await get('/api/v1/applications', bearer())).status).toBe(200);
    expect(
      (await get('/api/v1/applications', { Cookie: `argocd.token=${token}` }))
        .status,
    ).toBe(200);
  });

  it('answers 401 "invalid session: …" for expired and tampered tokens', async () => {
    const expired = sim.issueToken({ username: 'admin', expiresInSec: -10 });
    const r1 = await get('/api/v1/applications', {
      Authorization: `Bearer ${expired}`,
    });
    expect(r1.status).toBe(401);
    expect(((await r1.json()) as { message: string }).message).toBe(
      'invalid session: token has invalid claims: token is expired',
    );
    const tampered = `${token.slice(0, -4)}AAAA`;
    const r2 = await get('/api/v1/applications', {
      Authorization: `Bearer ${tampered}`,
    });
    expect(r2.status).toBe(401);
    expect(((await r2.json()) as { message: string }).message).toMatch(
      /^invalid session: /,
    );
  });

  it('renews a login token in its last 5 minutes only through Set-Cookie', async () => {
    const ending = sim.issueToken({ username: 'admin', expiresInSec: 120 });
    const res = await get('/api/v1/applications', {
      Authorization: `Bearer ${ending}`,
    });
    expect(res.status).toBe(200);
    const cookie = res.headers.get('set-cookie') ?? '';
    const renewed = /argocd\.token=([^;]+)/.exec(cookie)?.[1];
    expect(renewed).toBeDefined();
    expect(claimsOf(renewed!).claims.exp - Date.now() / 1000).toBeGreaterThan(
      23 * 3600,
    );
    // a fresh token is not renewed
    expect(
      (await get('/api/v1/applications', bearer())).headers.get('set-cookie'),
    ).toBeNull();
  });

  it('honours a configured session duration', async () => {
    const short = await startArgoCdSimulator({ sessionDurationSec: 600 });
    try {
      const res = await fetch(`${short.url}/api/v1/session`, {
        method: 'POST',
        headers: JSON_HEADERS,
        body: JSON.stringify({ username: 'admin', password: 'password' }),
      });
      const { claims } = claimsOf(
        ((await res.json()) as { token: string }).token,
      );
      expect(claims.exp - claims.iat).toBe(600);
    } finally {
      await short.stop();
    }
  });

  it('answers non-GET requests without exactly application/json with plain-text 415', async () => {
    const cases: Array<[string, Record<string, string>]> = [
      ['POST', { 'Content-Type': 'application/json; charset=utf-8' }],
      ['POST', { 'Content-Type': 'text/plain' }],
      ['DELETE', {}],
    ];
    for (const [method, headers] of cases) {
      const path =
        method === 'DELETE'
          ? '/api/v1/applications/fraud-detector'
          : '/api/v1/applications/fraud-detector/sync';
      const res = await fetch(`${sim.url}${path}`, {
        method,
        headers: { ...bearer(), ...headers },
        body: method === 'POST' ? '{}' : undefined,
      });
      expect(res.status).toBe(415);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await res.text()).toBe('Invalid content type\n');
    }
    expect(sim.getApplication('fraud-detector')).toBeDefined();
  });

  it('answers a missing app 403 "permission denied", and 404 / code 5 only when ?project= is given', async () => {
    const r1 = await get('/api/v1/applications/nope', bearer());
    expect(r1.status).toBe(403);
    expect(await r1.json()).toEqual({
      error: 'permission denied',
      code: 7,
      message: 'permission denied',
    });

    const r2 = await get('/api/v1/applications/nope?project=default', bearer());
    expect(r2.status).toBe(404);
    expect(await r2.json()).toEqual({
      error: 'applications.argoproj.io "nope" not found',
      code: 5,
      message: 'applications.argoproj.io "nope" not found',
    });

    // an existing app asked for under the wrong project is "not found" too
    const r3 = await get(
      '/api/v1/applications/fraud-detector?project=other',
      bearer(),
    );
    expect(r3.status).toBe(404);
    expect(
      (await get('/api/v1/applications/fraud-detector', bearer())).status,
    ).toBe(200);
  });

  it('applies the RBAC policy: a denied app is 403 on get and silently missing from lists', async () => {
    const rbac = await startArgoCdSimulator({
      users: { admin: 'a', viewer: 'v' },
      projects: ['secret'],
      policy: ({ username, project }) =>
        username === 'admin' || project !== 'secret',
    });
    try {
      rbac.putApplication(exampleApplication('open'));
      rbac.putApplication(exampleApplication('hidden', { project: 'secret' }));
      const viewer = `Bearer ${rbac.issueToken({ username: 'viewer' })}`;
      const get1 = await fetch(`${rbac.url}/api/v1/applications/hidden`, {
        headers: { Authorization: viewer },
      });
      expect(get1.status).toBe(403);
      const list = (await (
        await fetch(`${rbac.url}/api/v1/applications`, {
          headers: { Authorization: viewer },
        })
      ).json()) as { items: Array<{ metadata: { name: string } }> };
      expect(list.items.map(i => i.metadata.name)).toEqual(['open']);
    } finally {
      await rbac.stop();
    }
  });

  it('serves a short /api/version without auth and the full one with auth', async () => {
    const anon = (await (await get('/api/version')).json()) as Record<
      string,
      string
    >;
    expect(Object.keys(anon)).toEqual(['Version']);
    expect(anon.Version).toMatch(/^v3\./);
    const full = (await (await get('/api/version', bearer())).json()) as Record<
      string,
      string
    >;
    expect(full).toHaveProperty('BuildDate');
    expect(full).toHaveProperty('GitCommit');
  });

  it('says it is a simulator on every response, including the UI paths', async () => {
    const res = await get('/applications/argocd/fraud-detector?view=tree');
    expect(res.headers.get('server')).toBe('argocd-simulator');
    expect(await res.text()).toContain('Argo CD simulator');
  });
});

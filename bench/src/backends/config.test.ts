import { baselineConfig, oursConfig } from './config';

const clusters = (token: string) => [
  { name: 'prod-eu', url: 'https://127.0.0.1:6443', caData: 'Q0E=', token },
  { name: 'prod-us', url: 'https://127.0.0.1:6444', caData: 'Q0E=', token },
];
const common = {
  port: 7007,
  viewerToken: 'viewer-token-0123456789',
  catalogFile: '/tmp/catalog.yaml',
};

describe('backend configs of the benchmark', () => {
  const baseline = baselineConfig({
    ...common,
    clusters: clusters('token-baseline'),
  });
  const ours = oursConfig({
    ...common,
    clusters: clusters('token-ours'),
    registry: {
      url: 'http://127.0.0.1:5000',
      host: 'registry.bench.local',
      username: 'portal',
      password: 'pw',
    },
    jenkins: {
      url: 'http://127.0.0.1:8080',
      username: 'portal',
      apiToken: 'jt',
    },
    argocd: {
      url: 'http://127.0.0.1:8081',
      username: 'portal',
      password: 'ap',
    },
    inferenceHosts: ['127.0.0.1:9000', '127.0.0.1:9001', '127.0.0.1:9000'],
  });

  it('gives both the same catalog, backend and kubernetes sections, except the token', () => {
    expect(ours.catalog).toEqual(baseline.catalog);
    expect(ours.backend).toEqual(baseline.backend);
    const withoutTokens = (c: Record<string, unknown>) =>
      JSON.parse(
        JSON.stringify(c.kubernetes).replace(/token-(ours|baseline)/g, 'T'),
      );
    expect(withoutTokens(ours)).toEqual(withoutTokens(baseline));
    expect(JSON.stringify(ours.kubernetes)).toContain('token-ours');
    expect(JSON.stringify(baseline.kubernetes)).not.toContain('token-ours');
  });

  it('configures Backstage-shaped clusters, loopback only, with a static viewer token', () => {
    const k = baseline.kubernetes as {
      serviceLocatorMethod: { type: string };
      clusterLocatorMethods: Array<{
        type: string;
        clusters: Array<Record<string, unknown>>;
      }>;
    };
    expect(k.serviceLocatorMethod.type).toBe('multiTenant');
    expect(k.clusterLocatorMethods[0].type).toBe('config');
    expect(k.clusterLocatorMethods[0].clusters[0]).toMatchObject({
      name: 'prod-eu',
      authProvider: 'serviceAccount',
      serviceAccountToken: 'token-baseline',
      caData: 'Q0E=',
      skipTLSVerify: false,
    });
    const backend = baseline.backend as Record<string, any>;
    expect(backend.listen).toEqual({ host: '127.0.0.1', port: 7007 });
    expect(backend.database).toEqual({
      client: 'better-sqlite3',
      connection: ':memory:',
    });
    expect(backend.auth.dangerouslyDisableDefaultAuthPolicy).toBe(true);
    expect(backend.auth.externalAccess[0].options.token).toBe(
      'viewer-token-0123456789',
    );
    expect((baseline.catalog as any).locations).toEqual([
      { type: 'file', target: '/tmp/catalog.yaml' },
    ]);
  });

  it('wires ours to the registry (host alias), Jenkins, Argo CD and the model servers', () => {
    const mlops = ours.mlops as Record<string, any>;
    expect(mlops.registries[0]).toMatchObject({
      url: 'http://127.0.0.1:5000',
      host: 'registry.bench.local',
      username: 'portal',
      password: 'pw',
    });
    expect(mlops.inference.allowedEndpoints).toEqual([
      '127.0.0.1:9000',
      '127.0.0.1:9001',
    ]);
    expect(mlops.notifications.delivery.enabled).toBe(false);
    expect((ours.jenkins as any).instances[0]).toMatchObject({
      baseUrl: 'http://127.0.0.1:8080',
      apiKey: 'jt',
    });
    expect(
      (ours.argocd as any).appLocatorMethods[0].instances[0],
    ).toMatchObject({
      url: 'http://127.0.0.1:8081',
      password: 'ap',
    });
    expect(baseline.mlops).toBeUndefined();
  });
});

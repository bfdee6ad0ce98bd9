import { ConfigReader } from '@backstage/config';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readKubernetesConfig, readToken } from './config';

const PEM =
  '-----BEGIN CERTIFICATE-----\nMIIBmjCCAUGgAwIBAgIU\n-----END CERTIFICATE-----\n';
const CA_DATA = Buffer.from(PEM).toString('base64');
const NO_IN_CLUSTER = { inClusterTokenPath: '/nonexistent/token' };

function read(data: object, options = NO_IN_CLUSTER) {
  return readKubernetesConfig(new ConfigReader(data), options);
}

describe('readKubernetesConfig', () => {
  it('reads the config the Backstage kubernetes plugin already uses', () => {
    const cfg = read({
      kubernetes: {
        serviceLocatorMethod: { type: 'multiTenant' },
        clusterLocatorMethods: [
          { type: 'catalog' },
          {
            type: 'config',
            clusters: [
              {
                name: 'prod',
                url: 'https://10.0.0.1:6443/',
                authProvider: 'serviceAccount',
                serviceAccountToken: 'eyJhbGciOi.prod',
                caData: CA_DATA,
                skipMetricsLookup: true,
                dashboardUrl: 'https://dashboard.example.com',
              },
              {
                name: 'dev',
                url: 'https://dev.k8s.internal',
                authProvider: 'serviceAccount',
                serviceAccountToken: 'dev-token',
                skipTLSVerify: true,
              },
            ],
          },
        ],
      },
      mlops: { kubernetes: { resyncSeconds: 120 } },
    });
    expect(cfg.resyncSeconds).toBe(120);
    expect(cfg.ignoredLocatorTypes).toEqual(['catalog']);
    expect(cfg.clusters).toEqual([
      {
        name: 'prod',
        url: 'https://10.0.0.1:6443',
        host: '10.0.0.1:6443',
        token: { kind: 'static', value: 'eyJhbGciOi.prod' },
        caPem: PEM,
        skipTLSVerify: false,
        dashboardUrl: 'https://dashboard.example.com',
      },
      expect.objectContaining({
        name: 'dev',
        skipTLSVerify: true,
        caPem: undefined,
      }),
    ]);
  });

  it('nothing configured is valid: no clusters, default resync', () => {
    expect(read({})).toEqual({
      clusters: [],
      resyncSeconds: 900,
      ignoredLocatorTypes: [],
    });
  });

  it('refuses auth providers it does not implement, naming the key', () => {
    expect(() =>
      read({
        kubernetes: {
          clusterLocatorMethods: [
            {
              type: 'config',
              clusters: [
                {
                  name: 'eks',
                  url: 'https://eks.example.com',
                  authProvider: 'aws',
                },
              ],
            },
          ],
        },
      }),
    ).toThrow(
      'kubernetes.clusterLocatorMethods[0].clusters[0] (cluster "eks"): authProvider aws is not supported by mlops yet',
    );
  });

  it('lists every problem at once', () => {
    let message = '';
    try {
      read({
        kubernetes: {
          clusterLocatorMethods: [
            {
              type: 'config',
              clusters: [
                {
                  name: 'a',
                  url: 'ftp://x',
                  authProvider: 'serviceAccount',
                  serviceAccountToken: 't',
                },
                {
                  name: 'b',
                  url: 'https://b',
                  authProvider: 'serviceAccount',
                  serviceAccountToken: 't',
                  caData: 'bm90IGEgY2VydA==',
                },
                { name: 'c', url: 'https://c', authProvider: 'serviceAccount' },
                {
                  name: 'd',
                  url: 'https://d',
                  authProvider: 'serviceAccount',
                  serviceAccountToken: 't',
                  caFile: '/nonexistent/ca.crt',
                },
                {
                  name: 'd',
                  url: 'https://d2',
                  authProvider: 'serviceAccount',
                  serviceAccountToken: 't',
                },
              ],
            },
          ],
        },
        mlops: { kubernetes: { resyncSeconds: -1 } },
      });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('clusters[0].url: must be http:// or https://');
    expect(message).toContain(
      'cluster "b"): caData must be the base64 of a PEM certificate',
    );
    expect(message).toContain(
      'cluster "c"): serviceAccountToken is not set and there is no in-cluster token at /nonexistent/token',
    );
    expect(message).toContain(
      'caFile /nonexistent/ca.crt cannot be read (ENOENT)',
    );
    expect(message).toContain('mlops.kubernetes.resyncSeconds');
  });

  it('rejects duplicate names', () => {
    const c = {
      url: 'https://x',
      authProvider: 'serviceAccount',
      serviceAccountToken: 't',
    };
    expect(() =>
      read({
        kubernetes: {
          clusterLocatorMethods: [
            { type: 'config', clusters: [{ name: 'x', ...c }] },
            { type: 'config', clusters: [{ name: 'x', ...c }] },
          ],
        },
      }),
    ).toThrow('duplicate cluster name "x"');
  });

  it('without a token, uses the in-cluster token file and re-reads it (it rotates)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k8s-token-'));
    const file = path.join(dir, 'token');
    fs.writeFileSync(file, 'first\n');
    const caFile = path.join(dir, 'ca.crt');
    fs.writeFileSync(caFile, PEM);
    try {
      const cfg = read(
        {
          kubernetes: {
            clusterLocatorMethods: [
              {
                type: 'config',
                clusters: [
                  {
                    name: 'local',
                    url: 'https://kubernetes.default.svc',
                    authProvider: 'serviceAccount',
                    caFile,
                  },
                ],
              },
            ],
          },
        },
        { inClusterTokenPath: file },
      );
      expect(cfg.clusters[0].token).toEqual({ kind: 'file', path: file });
      expect(cfg.clusters[0].caPem).toBe(PEM);
      expect(readToken(cfg.clusters[0].token)).toBe('first');
      fs.writeFileSync(file, 'second\n');
      expect(readToken(cfg.clusters[0].token)).toBe('second');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('readKubernetesConfig: writeServiceAccountToken (restart action)', () => {
  const cluster = (extra: object) => ({
    kubernetes: {
      clusterLocatorMethods: [
        {
          type: 'config',
          clusters: [
            {
              name: 'prod',
              url: 'https://10.0.0.1:6443',
              authProvider: 'serviceAccount',
              serviceAccountToken: 'read-token',
              ...extra,
            },
          ],
        },
      ],
    },
  });

  it('is kept apart from the read token; unset means no writes', () => {
    const withWrite = read(
      cluster({ writeServiceAccountToken: ' write-token ' }),
    );
    expect(withWrite.clusters[0].token).toEqual({
      kind: 'static',
      value: 'read-token',
    });
    expect(withWrite.clusters[0].writeToken).toEqual({
      kind: 'static',
      value: 'write-token',
    });
    expect(read(cluster({})).clusters[0]).not.toHaveProperty('writeToken');
  });

  it('an empty one stops the start with its path', () => {
    expect(() => read(cluster({ writeServiceAccountToken: '  ' }))).toThrow(
      'kubernetes.clusterLocatorMethods[0].clusters[0] (cluster "prod"): writeServiceAccountToken is empty',
    );
  });
});

/**
 * The production config exactly as a pod sees it: the ConfigMap's file as
 * rendered, loaded after the repo's app-config.yaml by Backstage's own config
 * loader, with `${VAR}` filled from the environment the Deployment gives the
 * container (its env, the generated Secret). Then the mlops backend's own
 * startup readers must accept it.
 */
import { ConfigReader } from '@backstage/config';
import type { Config } from '@backstage/config';
import { ConfigSources, FileConfigSource } from '@backstage/config-loader';
import { kubeBinaries } from '@internal/test-env';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KubeObject } from '@internal/test-env';
import { renderOverlay } from './kustomize';
import {
  configArgs,
  containerEnvironment,
  dataOf,
  mountedFile,
  one,
  podSpecOf,
  specOf,
} from './manifests';
import { OVERLAYS, Overlay, deployDir, repoRoot } from './paths';
import { mlopsConfigReaders } from './repoModules';

jest.setTimeout(60_000);

/** Where the kubelet mounts the pod's service account token and CA. */
const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/** Stand-in for the token controller's value of a service-account-token Secret. */
const CONTROLLER_TOKEN = 'token-filled-in-by-the-token-controller';

interface PodConfig {
  config: Config;
  /** every variable the config asked for, with its value (undefined: not set) */
  asked: Map<string, string | undefined>;
  ingressHost: string;
  containerPort: number;
}

const loaded = new Map<Overlay, PodConfig>();
let tmp: string;

async function loadAsPod(objects: KubeObject[]): Promise<PodConfig> {
  const deployment = one(objects, 'Deployment', 'mlops-portal');
  const pod = podSpecOf(deployment);
  const backend = pod.containers.find(c => c.name === 'backend')!;
  const env = containerEnvironment(objects, backend);
  for (const name of env.filledInCluster)
    env.values.set(name, CONTROLLER_TOKEN);

  // Each --config file from where the container gets it: the image's WORKDIR
  // holds the repo's app-config.yaml (deploy/Dockerfile copies it), absolute
  // paths come from the ConfigMap volume.
  const dir = fs.mkdtempSync(path.join(tmp, 'pod-'));
  const files = configArgs(backend.args ?? []).map(file => {
    if (!path.isAbsolute(file)) return path.join(repoRoot(), file);
    const mounted = mountedFile(pod, backend, file);
    if (mounted?.source !== 'configMap') {
      throw new Error(`${file} is not mounted from a ConfigMap`);
    }
    const content = dataOf(one(objects, 'ConfigMap', mounted.name))[
      mounted.key
    ];
    const target = path.join(dir, mounted.key);
    fs.writeFileSync(target, content);
    return target;
  });

  const asked = new Map<string, string | undefined>();
  const substitutionFunc = async (name: string) => {
    const value = env.values.get(name);
    asked.set(name, value);
    return value;
  };
  const source = ConfigSources.merge(
    files.map(f =>
      FileConfigSource.create({ path: f, watch: false, substitutionFunc }),
    ),
  );
  const config = await ConfigSources.toConfig(source);
  config.close();

  const ingress = one(objects, 'Ingress', 'mlops-portal');
  const host = (specOf(ingress).rules as { host: string }[])[0].host;
  const port = backend.ports![0].containerPort;
  return { config, asked, ingressHost: host, containerPort: port };
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-checks-config-'));
  const { kubectl } = kubeBinaries();
  for (const overlay of OVERLAYS) {
    const { objects } = await renderOverlay(
      kubectl,
      path.join(deployDir(), 'kustomize'),
      overlay,
    );
    loaded.set(overlay, await loadAsPod(objects));
  }
});

afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe.each(OVERLAYS)(
  '%s: the production config as the pod loads it',
  overlay => {
    it('gets every ${VAR} it uses from the pod environment', () => {
      const { asked } = loaded.get(overlay)!;
      const unset = [...asked]
        .filter(([, v]) => v === undefined)
        .map(([k]) => k);
      // Only the restart overlay hands the backend a write token.
      expect(unset).toEqual(
        overlay === 'overlays/production' ? ['KUBERNETES_WRITE_TOKEN'] : [],
      );
      for (const name of [
        'POSTGRES_HOST',
        'POSTGRES_PORT',
        'POSTGRES_USER',
        'POSTGRES_PASSWORD',
      ]) {
        expect(asked.get(name)).toBeTruthy();
      }
    });

    it('listens on the container port and names the Ingress host, over https, as its URLs', () => {
      const { config, ingressHost, containerPort } = loaded.get(overlay)!;
      expect(config.getNumber('backend.listen.port')).toBe(containerPort);
      const origin = `https://${ingressHost}`;
      expect(config.getString('app.baseUrl')).toBe(origin);
      expect(config.getString('backend.baseUrl')).toBe(origin);
      expect(config.getString('backend.cors.origin')).toBe(origin);
      expect(config.getString('backend.database.client')).toBe('pg');
      // the root filesystem is read-only: everything written goes to the /tmp emptyDir
      expect(config.getString('backend.workingDirectory')).toMatch(
        /^\/tmp(\/|$)/,
      );
      expect(
        config.getString('techdocs.publisher.local.publishDirectory'),
      ).toMatch(/^\/tmp\//);
      // the repo's demo catalog files are not in the image
      expect(config.getConfigArray('catalog.locations')).toEqual([]);
    });

    it("is accepted by the mlops backend's own startup readers", () => {
      const { config } = loaded.get(overlay)!;
      const { readers } = mlopsConfigReaders();
      for (const [key, read] of Object.entries(readers)) {
        expect(() => read(config)).not.toThrow();
        expect(`${key}: ${read(config) === undefined ? 'unset' : 'read'}`).toBe(
          `${key}: read`,
        );
      }
    });

    it('reads the cluster it runs in with the pod token; writes only with the restart overlay', () => {
      const { config } = loaded.get(overlay)!;
      const { readKubernetesConfig } = mlopsConfigReaders();
      // The kubelet's mounts (token, ca.crt), made here with a token and a CA.
      const sa = fs.mkdtempSync(path.join(tmp, 'sa-'));
      fs.writeFileSync(path.join(sa, 'token'), 'pod-token');
      fs.writeFileSync(
        path.join(sa, 'ca.crt'),
        '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
      );
      const raw = JSON.parse(
        JSON.stringify(config.get()).split(SA_DIR).join(sa),
      );
      const kubernetes = readKubernetesConfig(new ConfigReader(raw), {
        inClusterTokenPath: path.join(sa, 'token'),
      });
      expect(kubernetes.clusters).toHaveLength(1);
      const [cluster] = kubernetes.clusters;
      expect(cluster.url).toBe('https://kubernetes.default.svc');
      expect(cluster.token.kind).toBe('file');
      expect(cluster.caPem).toContain('BEGIN CERTIFICATE');
      expect(cluster.writeToken).toEqual(
        overlay === 'overlays/production'
          ? undefined
          : { kind: 'static', value: CONTROLLER_TOKEN },
      );
    });
  },
);

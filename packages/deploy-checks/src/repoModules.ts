/**
 * What the portal's own code says it needs, read from that code itself so a
 * change there shows up here:
 *
 * - the kinds the mlops backend watches: `KIND_SPECS` of
 *   plugins/mlops-backend/src/upstreams/kubernetes/kinds.ts (not exported by
 *   the plugin's package, so the module is loaded by its path; the tests run
 *   under jest, which compiles it);
 * - the objects Backstage's Kubernetes plugin fetches: its exported
 *   `DEFAULT_OBJECTS`;
 * - the mlops backend's config readers (same way as kinds.ts).
 */
import type { Config } from '@backstage/config';
import path from 'node:path';
import { repoRoot } from './paths';

export interface WatchedKind {
  kind: string;
  /** API group; '' is the core group */
  group: string;
  /** versions the backend reads, most preferred first */
  versions: string[];
  plural: string;
  namespaced: boolean;
  custom: boolean;
}

export interface FetchedObject {
  group: string;
  apiVersion: string;
  plural: string;
}

function loadRepoModule(relativePath: string): Record<string, unknown> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(path.join(repoRoot(), relativePath));
}

const KINDS_MODULE = 'plugins/mlops-backend/src/upstreams/kubernetes/kinds.ts';

/** `KIND_SPECS` of the mlops backend, checked for the fields used here. */
export function mlopsWatchedKinds(): WatchedKind[] {
  const specs = loadRepoModule(KINDS_MODULE).KIND_SPECS;
  if (!specs || typeof specs !== 'object') {
    throw new Error(`${KINDS_MODULE} no longer exports KIND_SPECS`);
  }
  return Object.values(specs as Record<string, WatchedKind>).map(s => {
    if (
      typeof s.group !== 'string' ||
      typeof s.plural !== 'string' ||
      !Array.isArray(s.versions)
    ) {
      throw new Error(
        `${KINDS_MODULE}: KIND_SPECS entry ${JSON.stringify(
          s,
        )} lacks group/plural/versions`,
      );
    }
    return s;
  });
}

/** `DEFAULT_OBJECTS` of @backstage/plugin-kubernetes-backend. */
export function kubernetesPluginObjects(): FetchedObject[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require('@backstage/plugin-kubernetes-backend') as {
    DEFAULT_OBJECTS?: FetchedObject[];
  };
  if (!Array.isArray(mod.DEFAULT_OBJECTS)) {
    throw new Error(
      '@backstage/plugin-kubernetes-backend no longer exports DEFAULT_OBJECTS',
    );
  }
  return mod.DEFAULT_OBJECTS;
}

export type ConfigReaderFn = (config: Config) => unknown;

/**
 * The mlops backend's startup config readers (each throws one Error listing
 * every problem). The Kubernetes one takes where the in-cluster token is.
 */
export function mlopsConfigReaders(): {
  readers: Record<string, ConfigReaderFn>;
  readKubernetesConfig: (
    config: Config,
    options: { inClusterTokenPath: string },
  ) => {
    clusters: {
      name: string;
      url: string;
      token: { kind: string };
      caPem?: string;
      writeToken?: { kind: string };
    }[];
  };
} {
  const pick = (file: string, name: string) => {
    const fn = loadRepoModule(`plugins/mlops-backend/src/${file}`)[name];
    if (typeof fn !== 'function') {
      throw new Error(
        `plugins/mlops-backend/src/${file} no longer exports ${name}`,
      );
    }
    return fn as ConfigReaderFn;
  };
  return {
    readers: {
      'mlops.registries': pick('config.ts', 'readMlopsConfig'),
      argocd: pick('upstreams/argocd/config.ts', 'readArgoCdConfig'),
      jenkins: pick('upstreams/jenkins/config.ts', 'readJenkinsConfig'),
      'mlops.prometheus': pick(
        'upstreams/prometheus/config.ts',
        'readPrometheusConfig',
      ),
      'mlops.inference': pick(
        'upstreams/inference/config.ts',
        'readInferenceConfig',
      ),
    },
    readKubernetesConfig: pick(
      'upstreams/kubernetes/config.ts',
      'readKubernetesConfig',
    ) as never,
  };
}

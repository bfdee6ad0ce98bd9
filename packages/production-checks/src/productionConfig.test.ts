/**
 * The production config, fast: app-config.yaml + app-config.production.yaml
 * loaded with Backstage's own config loader, `${VAR}`s filled from an
 * environment, validated against the backend's config schemas (every package
 * the backend depends on), then read by Backstage's cache manager and the
 * mlops backend's own startup readers. No server is started.
 */
import type { Config } from '@backstage/config';
import {
  ConfigSources,
  FileConfigSource,
  loadConfigSchema,
} from '@backstage/config-loader';
import { CacheManager } from '@backstage/backend-defaults/cache';
import type { LoggerService } from '@backstage/backend-plugin-api';
import type { JsonObject } from '@backstage/types';
import fs from 'node:fs';
import path from 'node:path';
import { backendPackageDir } from './backendProcess';

jest.setTimeout(60_000);

const repoRoot = path.resolve(backendPackageDir(), '..', '..');

/**
 * A startup config reader of the mlops backend, loaded from its source file
 * (the plugin's package does not export them; jest compiles the file).
 */
function mlopsReader<T = unknown>(
  file: string,
  name: string,
): (config: Config) => T {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(path.join(repoRoot, 'plugins/mlops-backend/src', file));
  if (typeof mod[name] !== 'function') {
    throw new Error(
      `plugins/mlops-backend/src/${file} no longer exports ${name}`,
    );
  }
  return mod[name];
}
const FILES = ['app-config.yaml', 'app-config.production.yaml'].map(f =>
  path.join(repoRoot, f),
);

/** What a replica's environment holds (deploy: the Secret mlops-portal-secrets). */
const ENV: Record<string, string> = {
  POSTGRES_HOST: 'postgres.mlops-portal.svc',
  POSTGRES_PORT: '5432',
  POSTGRES_USER: 'backstage',
  POSTGRES_PASSWORD: 'pg-secret',
  REDIS_URL: 'redis://:redis-secret@redis.mlops-portal.svc:6379',
};

let config: Config;
const asked = new Set<string>();
let schemaPromise: ReturnType<typeof loadConfigSchema> | undefined;
/** The backend's config schemas (its package and every dependency's), loaded once. */
const backendSchema = () =>
  (schemaPromise ??= loadConfigSchema({
    dependencies: ['backend'],
    packagePaths: [path.join(backendPackageDir(), 'package.json')],
  }));
const VISIBILITY = {
  visibility: ['frontend', 'backend', 'secret'] as const,
};

beforeAll(async () => {
  const source = ConfigSources.merge(
    FILES.map(f =>
      FileConfigSource.create({
        path: f,
        watch: false,
        substitutionFunc: async name => {
          asked.add(name);
          return ENV[name];
        },
      }),
    ),
  );
  const loaded = await ConfigSources.toConfig(source);
  loaded.close();
  config = loaded;
});

function capturingLogger(lines: string[]): LoggerService {
  const logger: LoggerService = {
    error: m => void lines.push(`error ${m}`),
    warn: m => void lines.push(`warn ${m}`),
    info: () => {},
    debug: () => {},
    child: () => logger,
  };
  return logger;
}

describe('app-config.production.yaml on top of app-config.yaml', () => {
  it('asks the environment for PostgreSQL and Redis only, all listed in the deploy Secret example', () => {
    expect([...asked].sort()).toEqual(Object.keys(ENV).sort());
    const example = fs.readFileSync(
      path.join(
        repoRoot,
        'deploy/kustomize/overlays/production/secrets.env.example',
      ),
      'utf8',
    );
    const listed = new Set(
      example
        .split('\n')
        .map(l => /^([A-Z0-9_]+)=/.exec(l)?.[1])
        .filter(Boolean),
    );
    for (const name of asked)
      expect(`${name}: ${listed.has(name)}`).toBe(`${name}: true`);
  });

  it('reads as the backend reads it: port, PostgreSQL, Redis, TechDocs cache', () => {
    // backend.listen is an object in app-config.yaml: a string here would break every read of it.
    expect(config.getNumber('backend.listen.port')).toBe(7007);
    expect(config.getString('backend.database.client')).toBe('pg');
    // app-config.yaml's connection is a string (SQLite's ':memory:'): read the
    // merged value as Backstage's database manager does (`get`).
    expect(config.get('backend.database.connection')).toEqual({
      host: ENV.POSTGRES_HOST,
      port: ENV.POSTGRES_PORT,
      user: ENV.POSTGRES_USER,
      password: ENV.POSTGRES_PASSWORD,
    });
    expect(config.getString('backend.cache.store')).toBe('redis');
    expect(config.getString('backend.cache.connection')).toBe(ENV.REDIS_URL);
    expect(config.getString('backend.cache.redis.client.namespace')).toBe(
      'mlops-portal',
    );
    expect(config.getNumber('techdocs.cache.ttl')).toBe(3_600_000);
  });

  it("is accepted by Backstage's cache manager without warnings", () => {
    const lines: string[] = [];
    // Parses store, connection and store options (no connection is made here).
    expect(
      CacheManager.fromConfig(config, { logger: capturingLogger(lines) }),
    ).toBeInstanceOf(CacheManager);
    expect(lines).toEqual([]);
  });

  it('passes the config schemas of every package the backend uses', async () => {
    const schema = await backendSchema();
    expect(() =>
      schema.process(
        [{ context: 'app-config (merged)', data: config.get<JsonObject>() }],
        { visibility: [...VISIBILITY.visibility] },
      ),
    ).not.toThrow();
  });

  it("is accepted by the mlops backend's own startup readers", () => {
    type Listed = {
      registries: unknown[];
      instances: unknown[];
      clusters: unknown[];
    };
    const read = (file: string, name: string) =>
      mlopsReader<Partial<Listed> & Record<string, unknown>>(
        file,
        name,
      )(config);
    expect(read('config.ts', 'readMlopsConfig').registries).toEqual([]);
    expect(
      read('upstreams/argocd/config.ts', 'readArgoCdConfig').instances,
    ).toEqual([]);
    expect(
      read('upstreams/jenkins/config.ts', 'readJenkinsConfig').instances,
    ).toEqual([]);
    expect(
      read('upstreams/prometheus/config.ts', 'readPrometheusConfig'),
    ).toBeUndefined();
    expect(
      read('upstreams/inference/config.ts', 'readInferenceConfig')
        .allowedEndpoints,
    ).toEqual([]);
    expect(
      read('upstreams/kubernetes/config.ts', 'readKubernetesConfig').clusters,
    ).toEqual([]);
    expect(
      read(
        'services/notifications/config.ts',
        'readDeliveryNotificationsConfig',
      ),
    ).toEqual({
      enabled: true,
      frequencySeconds: 60,
      initialDelaySeconds: 30,
    });
  });

  it('is refused by the schemas when the Redis connection is missing (the check can fail)', async () => {
    const schema = await backendSchema();
    const broken = JSON.parse(JSON.stringify(config.get())) as {
      backend: { cache: Record<string, unknown> };
    };
    delete broken.backend.cache.connection;
    expect(() =>
      schema.process(
        [{ context: 'broken', data: broken as unknown as JsonObject }],
        { visibility: [...VISIBILITY.visibility] },
      ),
    ).toThrow(/backend\/cache/);
  });
});

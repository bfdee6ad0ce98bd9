import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';

/** A Jenkins instance (the community jenkins plugin's config shape). */
export interface JenkinsInstance {
  name: string;
  /** Base URL without trailing slash. */
  baseUrl: string;
  username: string;
  /** API token: Basic auth that needs no CSRF crumb. */
  apiKey?: string;
  /** Password: Basic auth with a crumb tied to the session cookie. */
  password?: string;
}

/**
 * Reads `jenkins.instances[]` `{name, baseUrl, username, apiKey | password}`
 * and the single-instance form `jenkins.baseUrl/username/apiKey`, which is
 * the instance named `default`.
 */
export function readJenkinsInstances(config: Config): JenkinsInstance[] {
  const root = config.getOptionalConfig('jenkins');
  if (!root) return [];
  const read = (c: Config, name: string): JenkinsInstance => {
    const apiKey = c.getOptionalString('apiKey');
    const password = c.getOptionalString('password');
    if (!apiKey && !password) {
      throw new Error(
        `Jenkins instance "${name}" needs apiKey (an API token) or password`,
      );
    }
    return {
      name,
      baseUrl: c.getString('baseUrl').replace(/\/+$/, ''),
      username: c.getString('username'),
      apiKey,
      password,
    };
  };
  const instances = (root.getOptionalConfigArray('instances') ?? []).map(c =>
    read(c, c.getString('name')),
  );
  if (root.has('baseUrl')) {
    if (instances.some(i => i.name === 'default')) {
      throw new Error(
        'jenkins.baseUrl and a jenkins.instances entry named "default" are both configured; keep one',
      );
    }
    instances.unshift(read(root, 'default'));
  }
  return instances;
}

/** The named instance, or the `default` one (else the first) when no name is given. */
export function findJenkinsInstance(
  instances: JenkinsInstance[],
  name?: string,
): JenkinsInstance {
  if (!instances.length) {
    throw new InputError(
      'No Jenkins instance is configured (jenkins.baseUrl or jenkins.instances[])',
    );
  }
  if (!name) return instances.find(i => i.name === 'default') ?? instances[0];
  const instance = instances.find(i => i.name === name);
  if (!instance) {
    throw new InputError(
      `Unknown Jenkins instance "${name}"; configured instances: ${instances
        .map(i => i.name)
        .join(', ')}`,
    );
  }
  return instance;
}

import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';

/** A Harbor instance from `mlops.harbor.instances[]`. */
export interface HarborInstance {
  name: string;
  /** Base URL without trailing slash, e.g. https://harbor.ml.internal */
  url: string;
  /** Robot account, e.g. `robot$backstage`. */
  username: string;
  password: string;
}

/** Reads `mlops.harbor.instances[]` `{name, url, username, password}`. */
export function readHarborInstances(config: Config): HarborInstance[] {
  return (config.getOptionalConfigArray('mlops.harbor.instances') ?? []).map(
    c => ({
      name: c.getString('name'),
      url: c.getString('url').replace(/\/+$/, ''),
      username: c.getString('username'),
      password: c.getString('password'),
    }),
  );
}

/**
 * The instance whose name — or whose URL host, so a template can pass its
 * `registryHost` — is `nameOrHost`; the only/first instance when not given.
 */
export function findHarborInstance(
  instances: HarborInstance[],
  nameOrHost?: string,
): HarborInstance {
  if (!instances.length) {
    throw new InputError(
      'No Harbor instance is configured (mlops.harbor.instances[])',
    );
  }
  if (!nameOrHost) return instances[0];
  const wanted = nameOrHost.toLowerCase();
  const instance =
    instances.find(i => i.name === nameOrHost) ??
    instances.find(i => new URL(i.url).host.toLowerCase() === wanted);
  if (!instance) {
    throw new InputError(
      `Unknown Harbor instance "${nameOrHost}"; configured instances: ${instances
        .map(i => `${i.name} (${new URL(i.url).host})`)
        .join(', ')}`,
    );
  }
  return instance;
}

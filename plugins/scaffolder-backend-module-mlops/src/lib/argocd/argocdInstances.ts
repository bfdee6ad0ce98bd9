import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';

/** One Argo CD instance from `argocd.appLocatorMethods[].instances[]` (Roadie's config shape). */
export interface ArgocdInstance {
  name: string;
  /** Base URL without trailing slash. */
  url: string;
  /** API token (account or project token); preferred over username/password. */
  token?: string;
  username?: string;
  password?: string;
}

/**
 * Reads every instance of every `argocd.appLocatorMethods[]` entry.
 * `argocd.username`/`argocd.password` are the fallback credentials, as in
 * Roadie's plugin.
 */
export function readArgocdInstances(config: Config): ArgocdInstance[] {
  const root = config.getOptionalConfig('argocd');
  if (!root) return [];
  const username = root.getOptionalString('username');
  const password = root.getOptionalString('password');
  const instances: ArgocdInstance[] = [];
  for (const method of root.getOptionalConfigArray('appLocatorMethods') ?? []) {
    for (const instance of method.getOptionalConfigArray('instances') ?? []) {
      instances.push({
        name: instance.getString('name'),
        url: instance.getString('url').replace(/\/+$/, ''),
        token: instance.getOptionalString('token'),
        username: instance.getOptionalString('username') ?? username,
        password: instance.getOptionalString('password') ?? password,
      });
    }
  }
  return instances;
}

/** The instance called `name`, or an InputError listing the configured ones. */
export function findArgocdInstance(
  instances: ArgocdInstance[],
  name: string,
): ArgocdInstance {
  const instance = instances.find(i => i.name === name);
  if (instance) return instance;
  throw new InputError(
    instances.length
      ? `Unknown Argo CD instance "${name}"; configured instances: ${instances
          .map(i => i.name)
          .join(', ')}`
      : `Unknown Argo CD instance "${name}": no instances are configured under argocd.appLocatorMethods[].instances`,
  );
}

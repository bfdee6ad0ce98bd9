import {
  InputError,
  NotFoundError,
  NotImplementedError,
} from '@backstage/errors';
import { AppScope, ArgoCdClient } from '../../upstreams/argocd/ArgoCdClient';
import { locateApps, matchApps } from '../../upstreams/argocd/locator';
import { upstreamCall } from './upstreamErrors';

/** One Argo CD application an entity's annotations resolve to. */
export interface ArgoTarget {
  client: ArgoCdClient;
  name: string;
  scope: AppScope;
}

/**
 * Picks the application an action acts on: only one that the entity's
 * annotations resolve to (Roadie's `argocd/*` plus `argocd/instance-name`),
 * narrowed by the request's `app` and `instance`. A single named application
 * on a single instance needs no request to Argo CD; otherwise each candidate
 * instance's (cached) application list is read.
 */
export async function resolveArgoTarget(
  annotations: Record<string, string> | undefined,
  clients: ArgoCdClient[],
  wanted: { app?: string; instance?: string },
): Promise<ArgoTarget> {
  if (clients.length === 0) {
    throw new NotImplementedError(
      'no Argo CD instance is configured (argocd.appLocatorMethods[type: config].instances)',
    );
  }
  const located = locateApps(
    annotations,
    clients.map(c => c.instance.name),
  );
  if (!located.ok) {
    if (located.fault === 'not-configured')
      throw new NotImplementedError(located.message);
    throw new InputError(located.message);
  }
  const locator = located.locator;
  let instances = locator.instances;
  if (wanted.instance !== undefined) {
    if (!instances.includes(wanted.instance)) {
      throw new NotFoundError(
        `Argo CD instance "${
          wanted.instance
        }" is not one of this entity's (${instances.join(', ')})`,
      );
    }
    instances = [wanted.instance];
  }
  if (locator.name && wanted.app !== undefined && wanted.app !== locator.name) {
    throw new NotFoundError(
      `application "${wanted.app}" is not this entity's (argocd/app-name is "${locator.name}")`,
    );
  }
  const chosen = clients.filter(c => instances.includes(c.instance.name));
  const scopeOf = (appNamespace?: string): AppScope => ({
    ...(appNamespace ? { appNamespace } : {}),
    ...(locator.project ? { project: locator.project } : {}),
  });

  if (locator.name && chosen.length === 1) {
    return {
      client: chosen[0],
      name: locator.name,
      scope: scopeOf(locator.appNamespace),
    };
  }

  const found: ArgoTarget[] = [];
  for (const client of chosen) {
    const apps = await upstreamCall(() => client.listApplications());
    for (const app of matchApps(apps, locator)) {
      if (wanted.app !== undefined && app.metadata.name !== wanted.app)
        continue;
      found.push({
        client,
        name: app.metadata.name,
        scope: scopeOf(app.metadata.namespace ?? locator.appNamespace),
      });
    }
  }
  if (found.length === 0) {
    let what = `application matching "${locator.selector}"`;
    if (locator.name) what = `application "${locator.name}"`;
    if (wanted.app) what = `application "${wanted.app}"`;
    throw new NotFoundError(
      `no ${what} of this entity is visible on Argo CD ${chosen
        .map(c => c.instance.name)
        .join(', ')}`,
    );
  }
  if (found.length > 1) {
    throw new InputError(
      `this entity has several Argo CD applications (${found
        .map(t => `${t.client.instance.name}/${t.name}`)
        .join(', ')}); say which with "app" and "instance"`,
    );
  }
  return found[0];
}

import {
  ANNOTATION_ARGOCD_APP_NAME,
  ANNOTATION_ARGOCD_APP_NAMESPACE,
  ANNOTATION_ARGOCD_APP_SELECTOR,
  ANNOTATION_ARGOCD_INSTANCE_NAME,
  ANNOTATION_ARGOCD_PROJECT_NAME,
} from '@internal/plugin-mlops-common';
import { LabelMatcher, parseLabelSelector } from './labelSelector';
import { ArgoApplication } from './wire';

/** Which applications an entity means, on which instances. */
export interface AppLocator {
  instances: string[];
  name?: string;
  selector?: string;
  project?: string;
  appNamespace?: string;
  matches: LabelMatcher;
}

export type AppLocatorResult =
  | { ok: true; locator: AppLocator }
  | {
      ok: false;
      fault: 'bad-annotation' | 'not-configured';
      message: string;
      annotation?: string;
    };

const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * Reads Roadie's annotations (`argocd/app-name` or `argocd/app-selector`,
 * optionally `argocd/project-name`, `argocd/app-namespace`) plus
 * `argocd/instance-name` (comma list; default: every configured instance).
 * Instances that are not configured are refused.
 */
export function locateApps(
  annotations: Record<string, string> | undefined,
  instanceNames: string[],
): AppLocatorResult {
  const a = annotations ?? {};
  const name = a[ANNOTATION_ARGOCD_APP_NAME]?.trim();
  const selector = a[ANNOTATION_ARGOCD_APP_SELECTOR]?.trim();
  const project = a[ANNOTATION_ARGOCD_PROJECT_NAME]?.trim() || undefined;
  const appNamespace = a[ANNOTATION_ARGOCD_APP_NAMESPACE]?.trim() || undefined;
  const instanceList = a[ANNOTATION_ARGOCD_INSTANCE_NAME];
  if (!name && !selector) {
    return {
      ok: false,
      fault: 'bad-annotation',
      message: `entity has neither ${ANNOTATION_ARGOCD_APP_NAME} nor ${ANNOTATION_ARGOCD_APP_SELECTOR}`,
    };
  }
  if (instanceNames.length === 0) {
    return {
      ok: false,
      fault: 'not-configured',
      message: 'no Argo CD instance is configured (argocd.appLocatorMethods)',
    };
  }
  if (name && !NAME.test(name)) {
    return {
      ok: false,
      fault: 'bad-annotation',
      annotation: ANNOTATION_ARGOCD_APP_NAME,
      message: `${ANNOTATION_ARGOCD_APP_NAME} "${name}" is not a valid application name (lower-case letters, digits, - and .)`,
    };
  }
  if (appNamespace && !NAMESPACE.test(appNamespace)) {
    return {
      ok: false,
      fault: 'bad-annotation',
      annotation: ANNOTATION_ARGOCD_APP_NAMESPACE,
      message: `${ANNOTATION_ARGOCD_APP_NAMESPACE} "${appNamespace}" is not a valid namespace`,
    };
  }
  let matches: LabelMatcher = () => true;
  if (!name && selector) {
    try {
      matches = parseLabelSelector(selector);
    } catch (e) {
      return {
        ok: false,
        fault: 'bad-annotation',
        annotation: ANNOTATION_ARGOCD_APP_SELECTOR,
        message: `${ANNOTATION_ARGOCD_APP_SELECTOR} "${selector}": ${
          (e as Error).message
        }`,
      };
    }
  }
  let instances = instanceNames;
  if (instanceList !== undefined && instanceList.trim() !== '') {
    instances = [
      ...new Set(
        instanceList
          .split(',')
          .map(s => s.trim())
          .filter(Boolean),
      ),
    ];
    const unknown = instances.filter(i => !instanceNames.includes(i));
    if (unknown.length) {
      return {
        ok: false,
        fault: 'bad-annotation',
        annotation: ANNOTATION_ARGOCD_INSTANCE_NAME,
        message: `${ANNOTATION_ARGOCD_INSTANCE_NAME} names ${unknown
          .map(u => `"${u}"`)
          .join(', ')}, which ${
          unknown.length === 1 ? 'is' : 'are'
        } not configured (configured: ${instanceNames.join(', ')})`,
      };
    }
  }
  return {
    ok: true,
    locator: {
      instances,
      ...(name ? { name } : { selector }),
      ...(project ? { project } : {}),
      ...(appNamespace ? { appNamespace } : {}),
      matches,
    },
  };
}

/** The applications of a list that the locator means (name, or selector; then project and namespace). */
export function matchApps(
  apps: ArgoApplication[],
  locator: AppLocator,
): ArgoApplication[] {
  return apps.filter(app => {
    if (
      locator.name
        ? app.metadata.name !== locator.name
        : !locator.matches(app.metadata.labels ?? undefined)
    )
      return false;
    if (locator.project && (app.spec?.project || 'default') !== locator.project)
      return false;
    if (
      locator.appNamespace &&
      app.metadata.namespace &&
      app.metadata.namespace !== locator.appNamespace
    )
      return false;
    return true;
  });
}

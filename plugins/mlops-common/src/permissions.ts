import { createPermission } from '@backstage/plugin-permission-common';

/** Read health of model services (all signals). @public */
export const mlopsHealthReadPermission = createPermission({
  name: 'mlops.health.read',
  attributes: { action: 'read' },
});

/** Trigger a CI build (Jenkins) for a model service. @public */
export const mlopsBuildTriggerPermission = createPermission({
  name: 'mlops.build.trigger',
  attributes: { action: 'update' },
});

/** Ask Argo CD to sync (or roll back) a model service's application. @public */
export const mlopsSyncPermission = createPermission({
  name: 'mlops.argocd.sync',
  attributes: { action: 'update' },
});

/** Restart a model service's Deployment (rollout restart). @public */
export const mlopsRestartPermission = createPermission({
  name: 'mlops.workload.restart',
  attributes: { action: 'update' },
});

/** All permissions of the mlops plugins. @public */
export const mlopsPermissions = [
  mlopsHealthReadPermission,
  mlopsBuildTriggerPermission,
  mlopsSyncPermission,
  mlopsRestartPermission,
];

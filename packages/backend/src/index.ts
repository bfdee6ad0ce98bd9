/*
 * The ML Model Portal backend: Backstage's core plugins plus the mlops
 * backend plugin and its scaffolder module.
 */
import { createBackend } from '@backstage/backend-defaults';
import { rootHttpRouterServiceFactory } from '@backstage/backend-defaults/rootHttpRouter';
import { ROADIE_ARGOCD_MOUNT, argocdReadOnly } from './argocdReadOnly';

const backend = createBackend();

// Roadie's Argo CD backend (for Roadie's Argo CD cards) is read-only here:
// its write routes bypass the permission framework (see argocdReadOnly.ts).
backend.add(
  rootHttpRouterServiceFactory({
    configure: ({ app, applyDefaults }) => {
      app.use(ROADIE_ARGOCD_MOUNT, argocdReadOnly);
      applyDefaults();
    },
  }),
);
backend.add(import('@roadiehq/backstage-plugin-argo-cd-backend'));

backend.add(import('@backstage/plugin-app-backend'));
backend.add(import('@backstage/plugin-proxy-backend'));

// Software templates (golden paths) and our actions.
backend.add(import('@backstage/plugin-scaffolder-backend'));
backend.add(import('@backstage/plugin-scaffolder-backend-module-github'));
backend.add(import('@backstage/plugin-scaffolder-backend-module-gitlab'));
backend.add(import('@backstage/plugin-scaffolder-backend-module-gitea'));
backend.add(import('@backstage/plugin-scaffolder-backend-module-notifications'));
backend.add(import('@internal/plugin-scaffolder-backend-module-mlops'));

backend.add(import('@backstage/plugin-techdocs-backend'));

backend.add(import('@backstage/plugin-auth-backend'));
backend.add(import('@backstage/plugin-auth-backend-module-guest-provider'));

backend.add(import('@backstage/plugin-catalog-backend'));
backend.add(import('@backstage/plugin-catalog-backend-module-scaffolder-entity-model'));
backend.add(import('@backstage/plugin-catalog-backend-module-logs'));

backend.add(import('@backstage/plugin-permission-backend'));
backend.add(import('@backstage/plugin-permission-backend-module-allow-all-policy'));

backend.add(import('@backstage/plugin-search-backend'));
backend.add(import('@backstage/plugin-search-backend-module-pg'));
backend.add(import('@backstage/plugin-search-backend-module-catalog'));
backend.add(import('@backstage/plugin-search-backend-module-techdocs'));

backend.add(import('@backstage/plugin-kubernetes-backend'));

backend.add(import('@backstage/plugin-user-settings-backend'));
backend.add(import('@backstage/plugin-notifications-backend'));
backend.add(import('@backstage/plugin-signals-backend'));
// The events bus (in PostgreSQL with LISTEN/NOTIFY): events and the signals
// pushed to browsers reach every replica, not only the one that sent them.
backend.add(import('@backstage/plugin-events-backend'));
backend.add(import('@backstage/plugin-mcp-actions-backend'));

// The ML model service portal.
backend.add(import('@internal/plugin-mlops-backend'));

// A backend whose startup failed (e.g. two replicas racing the first
// migrations of an empty database) must exit, so Kubernetes restarts it at
// once rather than after the startup probe gives up; Backstage only logs it.
backend.start().catch(error => {
  // eslint-disable-next-line no-console
  console.error('Backend startup failed, exiting:', error);
  process.exit(1);
});

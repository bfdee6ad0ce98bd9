import {
  ApiBlueprint,
  createFrontendModule,
  discoveryApiRef,
  identityApiRef,
} from '@backstage/frontend-plugin-api';
import {
  ArgoCDApiClient,
  argoCDApiRef,
} from '@roadiehq/backstage-plugin-argo-cd';

/**
 * Roadie's Argo CD cards, read through the backend proxy only.
 *
 * Roadie's own API factory switches to Roadie's argocd backend plugin as soon
 * as `argocd.appLocatorMethods` is configured (our backend reads its Argo CD
 * instances from that same key). We do not install that backend plugin: its
 * `/sync` and `/createArgo` routes are not behind Backstage's permission
 * framework. Instead the cards read `GET`s through the proxy endpoint
 * `/argocd/api` (configured with `allowedMethods: [GET]` and the token on
 * the backend side), and every change goes through the mlops plugin's
 * permission-checked actions.
 */
export const argocdProxyModule = createFrontendModule({
  pluginId: 'argocd',
  extensions: [
    ApiBlueprint.make({
      params: defineParams =>
        defineParams({
          api: argoCDApiRef,
          deps: { discoveryApi: discoveryApiRef, identityApi: identityApiRef },
          factory: ({ discoveryApi, identityApi }) =>
            new ArgoCDApiClient({
              discoveryApi,
              identityApi,
              backendBaseUrl: '',
              searchInstances: false,
              useNamespacedApps: false,
            }),
        }),
    }),
  ],
});

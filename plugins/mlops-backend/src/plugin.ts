import { coreServices, createBackendPlugin } from '@backstage/backend-plugin-api';
import { mlopsPermissions } from '@internal/plugin-mlops-common';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { readMlopsConfig } from './config';
import { createRouter } from './router';
import { ImageService } from './services/ImageService';
import { GoldenPathsService } from './services/goldenPaths';

/**
 * The mlops backend plugin (id `mlops`, distinct from `argocd` and
 * `backstage-community-argocd`). Validates `mlops.*` config at startup.
 *
 * @public
 */
export const mlopsPlugin = createBackendPlugin({
  pluginId: 'mlops',
  register(env) {
    env.registerInit({
      deps: {
        logger: coreServices.logger,
        rootConfig: coreServices.rootConfig,
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        permissionsRegistry: coreServices.permissionsRegistry,
        catalog: catalogServiceRef,
      },
      async init({ logger, rootConfig, httpRouter, httpAuth, permissionsRegistry, catalog }) {
        const config = readMlopsConfig(rootConfig);
        logger.info(
          `mlops: ${config.registries.length} registr${config.registries.length === 1 ? 'y' : 'ies'} configured${
            config.registries.length ? ` (${config.registries.map(r => `${r.name}=${r.referenceHost}`).join(', ')})` : ''
          }`,
        );
        permissionsRegistry.addPermissions(mlopsPermissions);
        const images = ImageService.create({ config, logger });
        const goldenPaths = GoldenPathsService.create({ catalog });
        httpRouter.use(await createRouter({ logger, httpAuth, catalog, config, images, goldenPaths }));
        httpRouter.addAuthPolicy({ path: '/health', allow: 'unauthenticated' });
      },
    });
  },
});

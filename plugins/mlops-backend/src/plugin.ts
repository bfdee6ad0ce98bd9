import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { mlopsPermissions } from '@internal/plugin-mlops-common';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { readMlopsConfig } from './config';
import { actionsRegistryServiceRef } from '@backstage/backend-plugin-api/alpha';
import { notificationService } from '@backstage/plugin-notifications-node';
import { createRouter } from './router';
import { scheduleDeliveryNotifier } from './services/notifications';
import { registerMlopsActions } from './services/mcpActions';
import { createActionsRouter } from './routes/actionsRouter';
import { ActionsService } from './services/actions/ActionsService';
import { WorkloadRestarter } from './services/actions/WorkloadRestarter';
import { ImageService } from './services/ImageService';
import { GoldenPathsService } from './services/goldenPaths';
import { HealthService, SignalProvider } from './services/health/HealthService';
import { imageSignalProvider } from './services/health/imageProvider';
import { inferenceSignalProvider } from './services/health/inferenceProvider';
import {
  gpuSignalProvider,
  workloadSignalProvider,
} from './services/health/kubernetesProviders';
import { readInferenceConfig } from './upstreams/inference/config';
import { InferenceProber } from './upstreams/inference/InferenceProber';
import { ResourceCache, readKubernetesConfig } from './upstreams/kubernetes';
import {
  buildSignalProvider,
  syncSignalProvider,
} from './services/health/cicdProviders';
import { readJenkinsConfig } from './upstreams/jenkins/config';
import { JenkinsClient } from './upstreams/jenkins/JenkinsClient';
import { readArgoCdConfig } from './upstreams/argocd/config';
import { ArgoCdClient } from './upstreams/argocd/ArgoCdClient';
import { readPrometheusConfig } from './upstreams/prometheus/config';
import { PrometheusClient } from './upstreams/prometheus/PrometheusClient';
import { CachedPrometheus } from './upstreams/prometheus/CachedPrometheus';

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
        lifecycle: coreServices.lifecycle,
        rootConfig: coreServices.rootConfig,
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        permissionsRegistry: coreServices.permissionsRegistry,
        permissions: coreServices.permissions,
        auth: coreServices.auth,
        database: coreServices.database,
        scheduler: coreServices.scheduler,
        notifications: notificationService,
        actionsRegistry: actionsRegistryServiceRef,
        catalog: catalogServiceRef,
      },
      async init({
        logger,
        lifecycle,
        rootConfig,
        httpRouter,
        httpAuth,
        permissionsRegistry,
        permissions,
        auth,
        database,
        scheduler,
        notifications,
        actionsRegistry,
        catalog,
      }) {
        const config = readMlopsConfig(rootConfig);
        logger.info(
          `mlops: ${config.registries.length} registr${
            config.registries.length === 1 ? 'y' : 'ies'
          } configured${
            config.registries.length
              ? ` (${config.registries
                  .map(r => `${r.name}=${r.referenceHost}`)
                  .join(', ')})`
              : ''
          }`,
        );
        permissionsRegistry.addPermissions(mlopsPermissions);
        const images = ImageService.create({ config, logger });

        // Every upstream is read from config at startup; a bad entry stops the
        // backend with a message naming the key. Unconfigured ones say so on cards.
        const kubernetes = readKubernetesConfig(rootConfig);
        const inference = readInferenceConfig(rootConfig);
        const jenkins = readJenkinsConfig(rootConfig);
        const argocd = readArgoCdConfig(rootConfig);
        const prometheusConfig = readPrometheusConfig(rootConfig);
        const prometheus = prometheusConfig
          ? new CachedPrometheus(
              new PrometheusClient(prometheusConfig),
              prometheusConfig.refreshSeconds * 1000,
            )
          : undefined;
        const providers: SignalProvider[] = [imageSignalProvider(images)];
        // One client per upstream, shared by the health signals and the write actions
        // (a triggered build or sync clears the client's cache).
        const jenkinsClient =
          jenkins.instances.length > 0
            ? JenkinsClient.create(jenkins)
            : undefined;
        const argoClients = argocd.instances.map(
          i => new ArgoCdClient(i, argocd),
        );
        if (jenkins.instances.length > 0) {
          providers.push(buildSignalProvider(jenkinsClient!));
        }
        let cache: ResourceCache | undefined;
        if (kubernetes.clusters.length > 0) {
          cache = ResourceCache.create({
            clusters: kubernetes.clusters,
            resyncSeconds: kubernetes.resyncSeconds,
            logger: { info: m => logger.info(m), warn: m => logger.warn(m) },
          });
          cache.start();
          lifecycle.addShutdownHook(() => cache!.stop());
          providers.push(
            workloadSignalProvider(cache),
            gpuSignalProvider(cache, undefined, prometheus),
          );
        }
        if (argocd.instances.length > 0 || cache) {
          // REST for configured Argo CD instances; else the Application objects via the Kubernetes API.
          providers.push(syncSignalProvider(argoClients, cache));
        }
        if (kubernetes.ignoredLocatorTypes.length) {
          logger.warn(
            `mlops: ignoring kubernetes cluster locators of type ${kubernetes.ignoredLocatorTypes.join(
              ', ',
            )} (only "config" is read)`,
          );
        }
        if (inference.allowedEndpoints.length > 0) {
          providers.push(
            inferenceSignalProvider(
              InferenceProber.create({ config: inference }),
              { cluster: cache, prometheus },
            ),
          );
        }
        logger.info(
          `mlops: kubernetes clusters: ${
            kubernetes.clusters.map(c => c.name).join(', ') || 'none'
          }; jenkins: ${
            jenkins.instances.map(i => i.name).join(', ') || 'none'
          }; argocd: ${
            argocd.instances.map(i => i.name).join(', ') || 'none'
          }; inference endpoint rules: ${
            inference.allowedEndpoints.length
          }; prometheus: ${prometheusConfig ? 'configured' : 'none'}`,
        );
        const goldenPaths = GoldenPathsService.create({
          catalog,
          cluster: cache,
        });
        const health = new HealthService(providers, logger, {
          providerTimeoutMs: 10_000,
        });
        const restarter = cache
          ? WorkloadRestarter.create({
              clusters: kubernetes.clusters,
              objects: cache,
            })
          : undefined;
        if (restarter) lifecycle.addShutdownHook(() => restarter.close());
        httpRouter.use(
          await createActionsRouter({
            logger,
            httpAuth,
            permissions,
            catalog,
            actions: ActionsService.create({
              jenkins: jenkinsClient,
              argocd: argoClients,
              restarter,
            }),
          }),
        );
        httpRouter.use(
          await createRouter({
            logger,
            httpAuth,
            catalog,
            config,
            images,
            goldenPaths,
            health,
            cache,
          }),
        );
        // Read-only actions for MCP clients and automation (actions registry).
        registerMlopsActions({ actionsRegistry, catalog, health, cache });
        // Owners hear when a delivery breaks and when it recovers (once per incident, across replicas).
        await scheduleDeliveryNotifier({
          config: rootConfig,
          scheduler,
          database,
          auth,
          catalog,
          notifications,
          health,
          logger,
        });
        httpRouter.addAuthPolicy({ path: '/health', allow: 'unauthenticated' });
      },
    });
  },
});

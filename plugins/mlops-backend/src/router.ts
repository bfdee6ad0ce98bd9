import { HttpAuthService, LoggerService } from '@backstage/backend-plugin-api';
import { CompoundEntityRef } from '@backstage/catalog-model';
import { InputError, NotFoundError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import express from 'express';
import Router from 'express-promise-router';
import { z } from 'zod';
import { MlopsConfig } from './config';
import { ImageService } from './services/ImageService';
import { GoldenPathsService } from './services/goldenPaths';
import {
  HEALTH_ENTITY_FIELDS,
  HealthService,
} from './services/health/HealthService';
import { ResourceCache, nodeGpuInventory } from './upstreams/kubernetes';
import { MODEL_SERVICE_COMPONENT_TYPES } from '@internal/plugin-mlops-common';

const entityParams = z.object({
  kind: z.string().min(1).max(63),
  namespace: z.string().min(1).max(63),
  name: z.string().min(1).max(253),
});

export interface RouterOptions {
  logger: LoggerService;
  httpAuth: HttpAuthService;
  catalog: CatalogService;
  config: MlopsConfig;
  images: ImageService;
  goldenPaths: GoldenPathsService;
  health: HealthService;
  /** The Kubernetes watch cache, when clusters are configured. */
  cache?: ResourceCache;
}

/** REST routes of the mlops backend (documented in ../openapi.yaml). */
export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const { httpAuth, catalog, config, images, health, cache } = options;
  const router = Router();
  router.use(express.json());

  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  /** Configured registries, without credentials. */
  router.get('/registries', async (req, res) => {
    await httpAuth.credentials(req, { allow: ['user', 'service'] });
    res.json({
      items: config.registries.map(r => ({
        name: r.name,
        host: r.referenceHost,
        type: r.type,
        ...(r.uiUrl ? { uiUrl: r.uiUrl } : {}),
      })),
    });
  });

  router.get('/entities/:kind/:namespace/:name/image', async (req, res) => {
    const parsed = entityParams.safeParse(req.params);
    if (!parsed.success)
      throw new InputError(`Invalid entity reference: ${parsed.error.message}`);
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    const ref: CompoundEntityRef = parsed.data;
    const entity = await catalog.getEntityByRef(ref, { credentials });
    if (!entity) {
      throw new NotFoundError(
        `No entity ${ref.kind}:${ref.namespace}/${ref.name} in the catalog`,
      );
    }
    res.json(await images.getReport(entity));
  });

  /** Templates with adoption, drift and per-entity checks, as the caller may see them. */
  /** Every signal of one entity plus its delivery chain and what its cards show (`details`). */
  router.get('/entities/:kind/:namespace/:name/health', async (req, res) => {
    const parsed = entityParams.safeParse(req.params);
    if (!parsed.success)
      throw new InputError(`Invalid entity reference: ${parsed.error.message}`);
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    const entity = await catalog.getEntityByRef(parsed.data, { credentials });
    if (!entity) {
      throw new NotFoundError(
        `No entity ${parsed.data.kind}:${parsed.data.namespace}/${parsed.data.name} in the catalog`,
      );
    }
    res.json(await health.getEntityHealth(entity, { details: true }));
  });

  /** Fleet view for platform owners: every model service with its signals (no `details`: it stays lean). */
  router.get('/fleet/health', async (req, res) => {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    const { items } = await catalog.getEntities(
      {
        filter: {
          kind: 'Component',
          'spec.type': [...MODEL_SERVICE_COMPONENT_TYPES],
        },
        fields: [...HEALTH_ENTITY_FIELDS],
      },
      { credentials },
    );
    res.json({ items: await health.getFleetHealth(items) });
  });

  /** GPU nodes across clusters, with what holds them. */
  router.get('/fleet/gpu-nodes', async (req, res) => {
    await httpAuth.credentials(req, { allow: ['user', 'service'] });
    if (!cache) {
      res.json({
        clusters: [],
        reason:
          'no Kubernetes cluster is configured (kubernetes.clusterLocatorMethods with type: config)',
      });
      return;
    }
    res.json({
      clusters: cache.clusterNames().map(cluster => {
        const state = cache.state(cluster, 'nodes');
        return {
          cluster,
          ...(state?.lastError ? { problem: state.lastError } : {}),
          nodes: nodeGpuInventory(
            cache.list(cluster, 'nodes'),
            cache.list(cluster, 'pods'),
          ),
        };
      }),
    });
  });

  router.get('/golden-paths', async (req, res) => {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    res.json(await options.goldenPaths.getReport({ credentials }));
  });

  return router;
}

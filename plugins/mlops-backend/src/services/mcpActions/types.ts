import { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import { Entity } from '@backstage/catalog-model';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { EntityHealth } from '@internal/plugin-mlops-common';
import { ResourceCache } from '../../upstreams/kubernetes';

/** What the mlops actions need from the plugin. */
export interface MlopsActionsOptions {
  actionsRegistry: ActionsRegistryService;
  catalog: CatalogService;
  /** The plugin's HealthService. */
  health: {
    getEntityHealth(entity: Entity): Promise<EntityHealth>;
    getFleetHealth(entities: Entity[]): Promise<EntityHealth[]>;
  };
  /** The Kubernetes watch cache, when clusters are configured. */
  cache?: Pick<ResourceCache, 'clusterNames' | 'state' | 'list'>;
}

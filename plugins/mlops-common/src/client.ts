import { CompoundEntityRef } from '@backstage/catalog-model';
import { ResponseError } from '@backstage/errors';
import {
  RebuildActionRequest,
  RebuildActionResponse,
  RestartActionRequest,
  RestartActionResponse,
  RollbackActionRequest,
  SyncActionRequest,
  SyncActionResponse,
} from './actions';
import { EntityHealth } from './delivery';
import { GoldenPathsReport } from './goldenPaths';
import { GpuNodesReport } from './gpu';
import { ImageReport } from './image';

/** The subset of Backstage's DiscoveryApi the client needs. @public */
export interface MlopsDiscovery {
  getBaseUrl(pluginId: string): Promise<string>;
}

/** The subset of Backstage's FetchApi the client needs. @public */
export interface MlopsFetch {
  fetch: typeof fetch;
}

/** Typed client of the mlops backend (frontend and backend both use it). @public */
export interface MlopsApi {
  getImageReport(entity: CompoundEntityRef): Promise<ImageReport>;
  /** Templates (golden paths) with adoption, drift and per-entity checks. */
  getGoldenPaths(): Promise<GoldenPathsReport>;
}

/** Health of entities and of the fleet. @public */
export interface MlopsHealthApi {
  /** Every signal of one entity plus its delivery chain. */
  getEntityHealth(entity: CompoundEntityRef): Promise<EntityHealth>;
  /** Every model service the caller can see, with its signals. */
  getFleetHealth(): Promise<{ items: EntityHealth[] }>;
  /** GPU nodes across clusters. */
  getGpuNodes(): Promise<GpuNodesReport>;
}

/**
 * Write actions (each checked against a Backstage permission by the backend;
 * a denial is a 403 `NotAllowedError`). @public
 */
export interface MlopsActionsApi {
  /** Queues a Jenkins build of one of the entity's jobs. */
  rebuild(
    entity: CompoundEntityRef,
    request?: RebuildActionRequest,
  ): Promise<RebuildActionResponse>;
  /** Asks Argo CD to sync one of the entity's applications. */
  sync(
    entity: CompoundEntityRef,
    request?: SyncActionRequest,
  ): Promise<SyncActionResponse>;
  /** Asks Argo CD to roll one of the entity's applications back to a history id. */
  rollback(
    entity: CompoundEntityRef,
    request: RollbackActionRequest,
  ): Promise<SyncActionResponse>;
  /** Restarts one of the entity's Deployments/StatefulSets like `kubectl rollout restart`. */
  restart(
    entity: CompoundEntityRef,
    request: RestartActionRequest,
  ): Promise<RestartActionResponse>;
}

/** @public */
export class MlopsClient implements MlopsApi, MlopsActionsApi, MlopsHealthApi {
  private readonly discoveryApi: MlopsDiscovery;
  private readonly fetchApi: MlopsFetch;

  constructor(options: { discoveryApi: MlopsDiscovery; fetchApi: MlopsFetch }) {
    this.discoveryApi = options.discoveryApi;
    this.fetchApi = options.fetchApi;
  }

  async getImageReport(entity: CompoundEntityRef): Promise<ImageReport> {
    return this.get<ImageReport>(`${entityPath(entity)}/image`);
  }

  async getGoldenPaths(): Promise<GoldenPathsReport> {
    return this.get<GoldenPathsReport>('/golden-paths');
  }

  async getEntityHealth(entity: CompoundEntityRef): Promise<EntityHealth> {
    return this.get<EntityHealth>(`${entityPath(entity)}/health`);
  }

  async getFleetHealth(): Promise<{ items: EntityHealth[] }> {
    return this.get<{ items: EntityHealth[] }>('/fleet/health');
  }

  async getGpuNodes(): Promise<GpuNodesReport> {
    return this.get<GpuNodesReport>('/fleet/gpu-nodes');
  }

  async rebuild(
    entity: CompoundEntityRef,
    request: RebuildActionRequest = {},
  ): Promise<RebuildActionResponse> {
    return this.post(`${entityPath(entity)}/actions/rebuild`, request);
  }

  async sync(
    entity: CompoundEntityRef,
    request: SyncActionRequest = {},
  ): Promise<SyncActionResponse> {
    return this.post(`${entityPath(entity)}/actions/sync`, request);
  }

  async rollback(
    entity: CompoundEntityRef,
    request: RollbackActionRequest,
  ): Promise<SyncActionResponse> {
    return this.post(`${entityPath(entity)}/actions/rollback`, request);
  }

  async restart(
    entity: CompoundEntityRef,
    request: RestartActionRequest,
  ): Promise<RestartActionResponse> {
    return this.post(`${entityPath(entity)}/actions/restart`, request);
  }

  private async post<T>(path: string, body: object): Promise<T> {
    const baseUrl = await this.discoveryApi.getBaseUrl('mlops');
    const response = await this.fetchApi.fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    return (await response.json()) as T;
  }

  private async get<T>(path: string): Promise<T> {
    const baseUrl = await this.discoveryApi.getBaseUrl('mlops');
    const response = await this.fetchApi.fetch(`${baseUrl}${path}`);
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    return (await response.json()) as T;
  }
}

/** `/entities/<kind>/<namespace>/<name>` with each part URL-encoded. @public */
export function entityPath(entity: CompoundEntityRef): string {
  return `/entities/${[entity.kind, entity.namespace, entity.name]
    .map(p => encodeURIComponent(p.toLocaleLowerCase('en-US')))
    .join('/')}`;
}

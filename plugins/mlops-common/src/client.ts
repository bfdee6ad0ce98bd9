import { CompoundEntityRef } from '@backstage/catalog-model';
import { ResponseError } from '@backstage/errors';
import { GoldenPathsReport } from './goldenPaths';
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

/** @public */
export class MlopsClient implements MlopsApi {
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

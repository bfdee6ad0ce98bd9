/**
 * The real scaffolder backend (`@backstage/plugin-scaffolder-backend`) with the
 * modules the portal's backend installs (github publish actions, our mlops
 * actions), started in-process by `startTestBackend` on a free 127.0.0.1
 * port. The catalog is Backstage's in-memory catalog client, recording every
 * registration attempt.
 */
import {
  BackendFeature,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import {
  AddLocationRequest,
  AddLocationResponse,
} from '@backstage/catalog-client';
import { InMemoryCatalogClient } from '@backstage/catalog-client/testUtils';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import scaffolderPlugin from '@backstage/plugin-scaffolder-backend';
import giteaModule from '@backstage/plugin-scaffolder-backend-module-gitea';
import githubModule from '@backstage/plugin-scaffolder-backend-module-github';
import gitlabModule from '@backstage/plugin-scaffolder-backend-module-gitlab';
import mlopsModule from '@internal/plugin-scaffolder-backend-module-mlops';
import { JsonObject } from '@backstage/types';
import { SerializedFile, TemplateEntity } from './templateFiles';

/**
 * Backstage's in-memory catalog that remembers every location registration;
 * `readLocation` (when given) plays the catalog reading the registered file.
 */
export class RecordingCatalog extends InMemoryCatalogClient {
  readonly addedLocations: AddLocationRequest[] = [];
  readLocation?: (target: string) => Entity[];

  async addLocation(
    location: AddLocationRequest,
  ): Promise<AddLocationResponse> {
    this.addedLocations.push(location);
    return {
      location: {
        id: `loc-${this.addedLocations.length}`,
        type: location.type ?? 'url',
        target: location.target,
        entityRef: `location:default/loc-${this.addedLocations.length}`,
      },
      entities: this.readLocation?.(location.target) ?? [],
      exists: false,
    };
  }
}

export interface DryRunResult {
  status: number;
  /** present on 200 */
  directoryContents?: SerializedFile[];
  log?: { body: { message: string; stepId?: string; status?: string } }[];
  output?: Record<string, unknown>;
  /** present on 4xx/5xx */
  error?: { name?: string; message?: string };
  errors?: { property?: string; message?: string; stack?: string }[];
}

export interface TaskEvent {
  id: number;
  type: 'log' | 'completion' | 'cancelled' | 'recovered';
  body: {
    message?: string;
    stepId?: string;
    status?: string;
    error?: { message?: string };
    output?: Record<string, unknown>;
  };
}

export interface TaskState {
  id: string;
  status:
    | 'open'
    | 'processing'
    | 'completed'
    | 'failed'
    | 'cancelled'
    | 'skipped';
}

export interface ScaffolderHarness {
  baseUrl: string;
  catalog: RecordingCatalog;
  dryRun(
    template: TemplateEntity,
    values: Record<string, unknown>,
    directoryContents: SerializedFile[],
  ): Promise<DryRunResult>;
  /** POST /v2/tasks; returns the task id, or the 4xx body when the values are refused */
  createTask(
    templateRef: string,
    values: Record<string, unknown>,
  ): Promise<{ status: number; id?: string; body: Record<string, unknown> }>;
  /** Waits until the task is completed/failed/cancelled; returns its state and every event. */
  waitForTask(
    id: string,
    timeoutMs?: number,
  ): Promise<{ task: TaskState; events: TaskEvent[] }>;
  stop(): Promise<void>;
}

export interface ScaffolderHarnessOptions {
  config: JsonObject;
  /** entities in the catalog (e.g. the templates for /v2/tasks) */
  entities?: Entity[];
  /** extra backend features (e.g. a module with test actions) */
  features?: BackendFeature[];
}

const AUTH = { Authorization: mockCredentials.user.header() };

export async function startScaffolder(
  options: ScaffolderHarnessOptions,
): Promise<ScaffolderHarness> {
  const catalog = new RecordingCatalog({ entities: options.entities ?? [] });
  const backend = await startTestBackend({
    features: [
      scaffolderPlugin,
      githubModule,
      gitlabModule,
      giteaModule,
      mlopsModule,
      createServiceFactory({
        service: catalogServiceRef,
        deps: {},
        factory: () => catalog,
      }),
      mockServices.rootConfig.factory({ data: options.config }),
      mockServices.rootLogger.factory({ level: 'warn' }),
      ...(options.features ?? []),
    ],
  });
  const baseUrl = `http://127.0.0.1:${backend.server.port()}/api/scaffolder`;

  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: { ...AUTH, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text);
    } catch {
      json = { text };
    }
    return { status: res.status, json };
  };
  const get = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${baseUrl}${path}`, { headers: AUTH });
    if (!res.ok)
      throw new Error(`GET ${path}: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };

  return {
    baseUrl,
    catalog,
    async dryRun(template, values, directoryContents) {
      const { status, json } = await post('/v2/dry-run', {
        template,
        values,
        directoryContents,
      });
      return { status, ...(json as Omit<DryRunResult, 'status'>) };
    },
    async createTask(templateRef, values) {
      const { status, json } = await post('/v2/tasks', { templateRef, values });
      return {
        status,
        id: typeof json.id === 'string' ? json.id : undefined,
        body: json,
      };
    },
    async waitForTask(id, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const task = await get<TaskState>(`/v2/tasks/${id}`);
        if (['completed', 'failed', 'cancelled'].includes(task.status)) {
          const events = await get<TaskEvent[]>(`/v2/tasks/${id}/events`);
          return { task, events };
        }
        if (Date.now() > deadline)
          throw new Error(
            `task ${id} still ${task.status} after ${timeoutMs} ms`,
          );
        await new Promise(r => setTimeout(r, 100));
      }
    },
    stop: () => backend.stop(),
  };
}

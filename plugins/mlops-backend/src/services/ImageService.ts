import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { LoggerService } from '@backstage/backend-plugin-api';
import {
  ImageReport,
  ImageTag,
  SignalHealth,
  UpstreamProblem,
} from '@internal/plugin-mlops-common';
import { LRUCache } from 'lru-cache';
import { dueForRefresh } from '../upstreams/refreshAhead';
import { Dispatcher } from 'undici';
import { MlopsConfig } from '../config';
import { UpstreamError } from '../upstreams/http';
import {
  RegistryClient,
  RegistryReader,
} from '../upstreams/registry/RegistryClient';
import { resolveImageReference } from './imageReference';

type RepoReport = Omit<ImageReport, 'entityRef'>;

/** Failed reads are kept this long, so a recovered registry shows up quickly. */
const ERROR_TTL_MS = 5_000;

/**
 * The image signal: for an entity, the newest tags of its repository with
 * digest, created time, size and revision. One cached report per repository,
 * shared by every viewer; concurrent requests share one upstream read.
 */
export class ImageService {
  private readonly readers: Map<string, RegistryReader>;
  private readonly cache = new LRUCache<
    string,
    { report: RepoReport; expiresAt: number; lifetimeMs: number }
  >({ max: 10_000 });
  private readonly inFlight = new Map<string, Promise<RepoReport>>();

  private constructor(
    private readonly config: MlopsConfig,
    private readonly logger: LoggerService,
    readers: RegistryReader[],
    private readonly now: () => number,
  ) {
    this.readers = new Map(readers.map(r => [r.config.name, r]));
  }

  static create(options: {
    config: MlopsConfig;
    logger: LoggerService;
    dispatcher?: Dispatcher;
    now?: () => number;
  }): ImageService {
    const readers = options.config.registries.map(
      r => new RegistryClient(r, { dispatcher: options.dispatcher }),
    );
    return new ImageService(
      options.config,
      options.logger,
      readers,
      options.now ?? Date.now,
    );
  }

  async getReport(entity: Entity): Promise<ImageReport> {
    const entityRef = stringifyEntityRef(entity);
    const resolved = resolveImageReference(entity, this.config.registries);
    if (!resolved.ok) {
      return {
        entityRef,
        tags: [],
        totalTags: 0,
        health: this.health('error', resolved.message, {
          upstream: resolved.annotation
            ? `annotation ${resolved.annotation}`
            : 'registry',
          fault: resolved.fault,
          message: resolved.message,
        }),
      };
    }
    const key = `${resolved.registry.name}/${resolved.repository}`;
    const cached = this.cache.get(key);
    const now = this.now();
    if (cached && cached.expiresAt > now) {
      if (
        dueForRefresh(cached.expiresAt, now, cached.lifetimeMs) &&
        !this.inFlight.has(key)
      )
        this.load(key, resolved.registry.name, resolved.repository).catch(
          () => {},
        );
      return { entityRef, ...cached.report };
    }
    return {
      entityRef,
      ...(await this.load(key, resolved.registry.name, resolved.repository)),
    };
  }

  /** Reads a repository into the cache; concurrent callers share one read. */
  private load(
    key: string,
    registryName: string,
    repository: string,
  ): Promise<RepoReport> {
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.readRepository(registryName, repository).finally(() =>
        this.inFlight.delete(key),
      );
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  private async readRepository(
    registryName: string,
    repository: string,
  ): Promise<RepoReport> {
    const reader = this.readers.get(registryName)!;
    const cfg = reader.config;
    const registry = {
      name: cfg.name,
      host: cfg.referenceHost,
      ...(cfg.uiUrl ? { uiUrl: cfg.uiUrl } : {}),
    };
    const started = this.now();
    let report: RepoReport;
    try {
      const allTags = await reader.listTags(repository);
      const inspected = allTags.slice(0, cfg.maxTagsInspected);
      const tags = await Promise.all(
        inspected.map(async (tag): Promise<ImageTag> => {
          try {
            return await reader.inspectTag(repository, tag);
          } catch (e) {
            if (
              e instanceof UpstreamError &&
              ['unreachable', 'timeout', 'unauthorized', 'forbidden'].includes(
                e.problem.fault,
              )
            ) {
              throw e; // the registry as a whole is failing, not this tag
            }
            return {
              tag,
              digest: '',
              mediaType: '',
              platforms: [],
              error: errorText(e),
            };
          }
        }),
      );
      tags.sort(compareNewestFirst);
      const shown = tags.slice(0, this.config.images.maxTagsShown);
      report = {
        registry,
        repository,
        tags: shown,
        totalTags: allTags.length,
        health: this.judge(
          `registry ${cfg.name} (${cfg.referenceHost})`,
          repository,
          tags,
          allTags.length,
          inspected.length,
        ),
      };
    } catch (e) {
      const problem: UpstreamProblem =
        e instanceof UpstreamError
          ? e.problem
          : {
              upstream: `registry ${cfg.name}`,
              fault: 'server-error',
              message: errorText(e),
            };
      if (!(e instanceof UpstreamError)) {
        this.logger.error(
          `Unexpected failure reading ${cfg.name}/${repository}`,
          e as Error,
        );
      }
      report = {
        registry,
        repository,
        tags: [],
        totalTags: 0,
        health: this.health(
          'error',
          `${problem.upstream} ${problem.message}`,
          problem,
        ),
      };
      const lifetimeMs = Math.min(ERROR_TTL_MS, cfg.refreshSeconds * 1000);
      this.cache.set(`${registryName}/${repository}`, {
        report,
        expiresAt: started + lifetimeMs,
        lifetimeMs,
      });
      return report;
    }
    this.cache.set(`${registryName}/${repository}`, {
      report,
      expiresAt: started + cfg.refreshSeconds * 1000,
      lifetimeMs: cfg.refreshSeconds * 1000,
    });
    return report;
  }

  private judge(
    /** Who answered, as the other registry errors name it. */
    upstream: string,
    repository: string,
    tags: ImageTag[],
    total: number,
    inspected: number,
  ): SignalHealth {
    const readable = tags.filter(t => !t.error);
    const broken = tags.filter(t => t.error);
    if (total === 0)
      return this.health('error', `repository ${repository} has no tags`);
    if (readable.length === 0) {
      return this.health(
        'error',
        `${upstream}: none of the ${tags.length} tags of ${repository} could be read: ${broken[0]?.error}`,
      );
    }
    const newest = readable[0];
    const parts = [`newest tag ${newest.tag}`];
    if (newest.created) parts.push(`created ${newest.created}`);
    if (newest.revision) parts.push(`revision ${newest.revision.slice(0, 12)}`);
    const notes: string[] = [];
    if (broken.length)
      notes.push(
        `${broken.length} tag(s) unreadable (e.g. ${broken[0].tag}: ${broken[0].error})`,
      );
    if (inspected < total)
      notes.push(`only ${inspected} of ${total} tags inspected`);
    if (!newest.created) notes.push('newest tag has no created time');
    const status = broken.length || !newest.created ? 'warning' : 'ok';
    return this.health(status, [parts.join(', '), ...notes].join('; '));
  }

  private health(
    status: SignalHealth['status'],
    reason: string,
    problem?: UpstreamProblem,
  ): SignalHealth {
    return {
      signal: 'image',
      status,
      reason,
      checkedAt: new Date(this.now()).toISOString(),
      ...(problem ? { problem } : {}),
    };
  }
}

function compareNewestFirst(a: ImageTag, b: ImageTag): number {
  if (a.error && !b.error) return 1;
  if (!a.error && b.error) return -1;
  const ta = a.created ? Date.parse(a.created) : NaN;
  const tb = b.created ? Date.parse(b.created) : NaN;
  if (Number.isNaN(ta) && Number.isNaN(tb)) return a.tag.localeCompare(b.tag);
  if (Number.isNaN(ta)) return 1;
  if (Number.isNaN(tb)) return -1;
  return tb - ta || a.tag.localeCompare(b.tag);
}

function errorText(e: unknown): string {
  if (e instanceof UpstreamError) return e.problem.message;
  return e instanceof Error ? e.message : String(e);
}

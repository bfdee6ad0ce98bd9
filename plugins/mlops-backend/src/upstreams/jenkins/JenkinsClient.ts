import { ConflictError, InputError } from '@backstage/errors';
import {
  BuildBranch,
  BuildJob,
  BuildJobKind,
  QueuedBuild,
} from '@internal/plugin-mlops-common';
import { LRUCache } from 'lru-cache';
import { dueForRefresh } from '../refreshAhead';
import pLimit from 'p-limit';
import { Dispatcher } from 'undici';
import {
  HttpResponse,
  UpstreamError,
  UpstreamHttp,
  parseJson,
  truncate,
} from '../http';
import { attachStages, toBuildRun } from './builds';
import { JenkinsConfig, JenkinsInstanceConfig } from './config';
import {
  JobRef,
  JobRefResult,
  decodeItemName,
  jobPath,
  parseJobAnnotation,
} from './jobName';
import {
  CLASS,
  WireJob,
  WireRun,
  jobTree,
  wireCrumb,
  wireJob,
  wireRuns,
} from './wire';

/** Failed reads are kept this long (ms), so a recovered Jenkins shows up quickly. */
const ERROR_TTL_MS = 5_000;

/** What one `tree` read (plus stages) of a job returned; mapped per caller. */
interface RawJob {
  job: WireJob;
  /** `wfapi/runs` of the pipeline (or of the multibranch project's primary branch). */
  runs: WireRun[];
  primaryBranch?: string;
  readAt: number;
}

type CacheEntry =
  | { expiresAt: number; raw: RawJob }
  | { expiresAt: number; error: UpstreamError };

interface Instance {
  config: JenkinsInstanceConfig;
  http: UpstreamHttp;
  limit: ReturnType<typeof pLimit>;
}

/** Parameters of a triggered build: sent as `buildWithParameters?NAME=value`. */
export type BuildParameters = Record<string, string | number | boolean>;

/** Reads jobs and triggers builds on configured Jenkins instances only. */
export interface JenkinsApi {
  readonly config: JenkinsConfig;
  /** Parses `jenkins.io/job-full-name` against the configured instances. */
  resolve(annotation: string | undefined): JobRefResult;
  /** The job with its newest builds (or branches), from cache when fresh. Throws UpstreamError. */
  getJob(ref: JobRef, options?: { repoUrl?: string }): Promise<BuildJob>;
  /** Queues a build; returns the queue item. Throws UpstreamError, or Conflict/InputError when Jenkins refuses. */
  triggerBuild(
    jobFullName: string,
    parameters?: BuildParameters,
  ): Promise<QueuedBuild>;
}

/** An API token (legacy 32 hex digits, or `11` + 32 hex digits) is exempt from CSRF crumbs. */
export function looksLikeApiToken(apiKey: string): boolean {
  return /^(11)?[0-9a-f]{32}$/i.test(apiKey);
}

/** `name=value` pairs of `Set-Cookie` headers (joined by `, ` by the HTTP layer). */
export function sessionCookies(
  setCookie: string | undefined,
): string | undefined {
  if (!setCookie) return undefined;
  const pairs = setCookie
    .split(/,\s*(?=[^;,=\s]+=)/)
    .map(c => c.split(';')[0].trim())
    .filter(c => c.includes('='));
  return pairs.length ? pairs.join('; ') : undefined;
}

function kindOf(cls: string | undefined): BuildJobKind {
  if (cls === CLASS.workflowJob) return 'pipeline';
  if (cls === CLASS.multibranch) return 'multibranch';
  if (cls === CLASS.freestyle) return 'freestyle';
  if (cls === CLASS.folder || cls?.endsWith('.OrganizationFolder'))
    return 'folder';
  return 'other';
}

/**
 * Client of Jenkins' JSON API and Stage View API, for every configured
 * instance: one `tree` query per job (plus `wfapi/runs` for stages), cached
 * per job for `refreshSeconds` with concurrent reads coalesced, a concurrency
 * limit and a timeout per instance. URLs are built from the configured base
 * URL only; URLs Jenkins returns are shown to people, never fetched.
 */
export class JenkinsClient implements JenkinsApi {
  readonly config: JenkinsConfig;
  private readonly instances: Map<string, Instance>;
  private readonly cache = new LRUCache<string, CacheEntry>({ max: 5_000 });
  private readonly inFlight = new Map<string, Promise<RawJob>>();
  /** Jobs converted from a cached read, by the git remote they were read for. */
  private readonly converted = new WeakMap<
    RawJob,
    Map<string, { job: BuildJob; at: number; running: boolean }>
  >();
  private readonly now: () => number;

  private constructor(
    config: JenkinsConfig,
    options: { dispatcher?: Dispatcher; now?: () => number },
  ) {
    this.config = config;
    this.now = options.now ?? Date.now;
    this.instances = new Map(
      config.instances.map(i => [
        i.name,
        {
          config: i,
          http: new UpstreamHttp({
            upstream: `Jenkins ${i.name} (${i.host})`,
            timeoutMs: config.timeoutMs,
            secrets: [i.apiKey],
            dispatcher: options.dispatcher,
          }),
          limit: pLimit(config.concurrency),
        },
      ]),
    );
  }

  static create(
    config: JenkinsConfig,
    options: { dispatcher?: Dispatcher; now?: () => number } = {},
  ): JenkinsClient {
    return new JenkinsClient(config, options);
  }

  resolve(annotation: string | undefined): JobRefResult {
    return parseJobAnnotation(annotation, this.config.instances);
  }

  async getJob(
    ref: JobRef,
    options: { repoUrl?: string } = {},
  ): Promise<BuildJob> {
    const instance = this.instance(ref.instance);
    const raw = await this.readCached(instance, ref);
    // The same read converts to the same job, except for the running time
    // of builds in progress: reused while nothing runs, else for a second.
    const repoUrl = options.repoUrl ?? '';
    const now = this.now();
    const done = this.converted.get(raw)?.get(repoUrl);
    if (done && (!done.running || now - done.at < 1_000)) return done.job;
    const job = this.toJob(instance, ref, raw, options.repoUrl);
    let byRepo = this.converted.get(raw);
    if (!byRepo) this.converted.set(raw, (byRepo = new Map()));
    byRepo.set(repoUrl, {
      job,
      at: now,
      running:
        job.builds.some(b => b.building) ||
        (job.branches ?? []).some(b => b.lastBuild?.building),
    });
    return job;
  }

  async triggerBuild(
    jobFullName: string,
    parameters: BuildParameters = {},
  ): Promise<QueuedBuild> {
    if (jobFullName.includes(','))
      throw new InputError(
        'trigger one job at a time (the job name contains a comma)',
      );
    const parsed = this.resolve(jobFullName);
    if (!parsed.ok) throw new InputError(parsed.message);
    const ref = parsed.jobs[0];
    const instance = this.instance(ref.instance);
    const { http } = instance;
    const jobUrl = `${instance.config.baseUrl}${jobPath(ref.segments)}`;

    // A multibranch project's `build` is a branch-indexing scan, a folder has none: refuse before POSTing.
    const cls = await this.jobClass(instance, ref);
    const kind = kindOf(cls);
    if (kind === 'multibranch' || kind === 'folder') {
      throw new InputError(
        `${http.upstream}: ${ref.fullName} is a ${
          kind === 'multibranch' ? 'multibranch project' : 'folder'
        }, not a job; trigger one of its branches (e.g. ${ref.fullName}/main)`,
      );
    }

    const names = Object.keys(parameters);
    const query = new URLSearchParams(
      names.map(n => [n, String(parameters[n])]),
    ).toString();
    const url = names.length
      ? `${jobUrl}/buildWithParameters?${query}`
      : `${jobUrl}/build`;
    const wantCrumb =
      instance.config.crumbIssuer !== false &&
      !looksLikeApiToken(instance.config.apiKey);
    let res = await this.post(instance, url, wantCrumb);
    if (
      res.status === 403 &&
      !wantCrumb &&
      instance.config.crumbIssuer !== false &&
      /No valid crumb/i.test(res.body.toString('utf8'))
    ) {
      res = await this.post(instance, url, true);
    }
    this.invalidate(ref);
    return this.queued(instance, ref, res, names.length > 0);
  }

  // -------------------------------------------------------------------------

  private instance(name: string): Instance {
    const instance = this.instances.get(name);
    if (!instance) {
      throw new UpstreamError({
        upstream: `Jenkins ${name}`,
        fault: 'not-allowed',
        message: `instance "${name}" is not configured (configured: ${
          [...this.instances.keys()].join(', ') || 'none'
        })`,
      });
    }
    return instance;
  }

  private key(ref: JobRef): string {
    return `${ref.instance}\u0000${ref.segments.join('/')}`;
  }

  private invalidate(ref: JobRef): void {
    this.cache.delete(this.key(ref));
  }

  private async readCached(instance: Instance, ref: JobRef): Promise<RawJob> {
    const key = this.key(ref);
    const hit = this.cache.get(key);
    const now = this.now();
    if (hit && hit.expiresAt > now) {
      if ('error' in hit) throw hit.error;
      if (
        dueForRefresh(hit.expiresAt, now, this.config.refreshSeconds * 1000) &&
        !this.inFlight.has(key)
      )
        this.fetch(instance, ref, key).catch(() => {});
      return hit.raw;
    }
    return this.fetch(instance, ref, key);
  }

  /** Reads a job from Jenkins into the cache; concurrent callers share one request. */
  private fetch(instance: Instance, ref: JobRef, key: string): Promise<RawJob> {
    let pending = this.inFlight.get(key);
    if (!pending) {
      const started = this.now();
      pending = this.readJob(instance, ref)
        .then(
          raw => {
            this.cache.set(key, {
              raw,
              expiresAt: started + this.config.refreshSeconds * 1000,
            });
            return raw;
          },
          (e: unknown) => {
            if (e instanceof UpstreamError) {
              const ttl = Math.min(
                ERROR_TTL_MS,
                this.config.refreshSeconds * 1000,
              );
              this.cache.set(key, { error: e, expiresAt: started + ttl });
            }
            throw e;
          },
        )
        .finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  private headers(
    instance: Instance,
    extra: Record<string, string> = {},
  ): Record<string, string> {
    const { username, apiKey } = instance.config;
    return {
      accept: 'application/json',
      authorization: `Basic ${Buffer.from(`${username}:${apiKey}`).toString(
        'base64',
      )}`,
      ...extra,
    };
  }

  private send(
    instance: Instance,
    url: string,
    init: { method?: 'GET' | 'POST'; headers?: Record<string, string> } = {},
  ) {
    return instance.limit(() =>
      instance.http.send(url, {
        method: init.method ?? 'GET',
        headers: this.headers(instance, init.headers),
      }),
    );
  }

  private async readJob(instance: Instance, ref: JobRef): Promise<RawJob> {
    const base = `${instance.config.baseUrl}${jobPath(ref.segments)}`;
    const tree = jobTree({
      maxBuilds: this.config.maxBuilds,
      maxBranches: this.config.maxBranches,
    });
    const res = await this.send(
      instance,
      `${base}/api/json?tree=${encodeURIComponent(tree)}`,
    );
    if (res.status !== 200)
      throw this.readError(instance, res, `job ${ref.fullName}`);
    const parsed = wireJob.safeParse(
      parseJson(instance.http, res, `job ${ref.fullName}`),
    );
    if (!parsed.success) {
      throw instance.http.error(
        'malformed',
        `returned job ${ref.fullName} in an unexpected shape (${describe(
          parsed.error,
        )})`,
        res.status,
      );
    }
    const job = parsed.data;
    const readAt = this.now();
    if (job._class === CLASS.workflowJob) {
      return { job, runs: await this.readRuns(instance, base), readAt };
    }
    if (job._class === CLASS.multibranch) {
      const primary = primaryBranch(job);
      if (!primary) return { job, runs: [], readAt };
      const runs = await this.readRuns(
        instance,
        `${base}${jobPath([primary])}`,
      );
      return { job, runs, primaryBranch: primary, readAt };
    }
    return { job, runs: [], readAt };
  }

  /** Stage View runs (≤ 10, newest first). Missing plugin (404): no stages, not an error. */
  private async readRuns(
    instance: Instance,
    jobUrl: string,
  ): Promise<WireRun[]> {
    const res = await this.send(instance, `${jobUrl}/wfapi/runs`);
    if (res.status === 404) return [];
    if (res.status !== 200)
      throw this.readError(instance, res, 'stage view (wfapi/runs)');
    const parsed = wireRuns.safeParse(
      parseJson(instance.http, res, 'stage view runs'),
    );
    if (!parsed.success) {
      throw instance.http.error(
        'malformed',
        `returned stage view runs in an unexpected shape (${describe(
          parsed.error,
        )})`,
        res.status,
      );
    }
    return parsed.data;
  }

  private async jobClass(
    instance: Instance,
    ref: JobRef,
  ): Promise<string | undefined> {
    const hit = this.cache.get(this.key(ref));
    if (hit && 'raw' in hit) return hit.raw.job._class;
    const url = `${instance.config.baseUrl}${jobPath(
      ref.segments,
    )}/api/json?tree=_class`;
    const res = await this.send(instance, url);
    if (res.status !== 200)
      throw this.readError(instance, res, `job ${ref.fullName}`);
    const body = parseJson(instance.http, res, `job ${ref.fullName}`) as {
      _class?: unknown;
    } | null;
    return typeof body?._class === 'string' ? body._class : undefined;
  }

  private async post(
    instance: Instance,
    url: string,
    withCrumb: boolean,
  ): Promise<HttpResponse> {
    const extra: Record<string, string> = {};
    if (withCrumb) {
      const crumb = await this.crumb(instance);
      if (crumb) {
        extra[crumb.field] = crumb.value;
        if (crumb.cookie) extra.cookie = crumb.cookie;
      }
    }
    return instance.limit(() =>
      instance.http.send(url, {
        method: 'POST',
        headers: this.headers(instance, extra),
        body: '',
      }),
    );
  }

  /** A CSRF crumb and the session cookie it is bound to; undefined when Jenkins issues none. */
  private async crumb(
    instance: Instance,
  ): Promise<{ field: string; value: string; cookie?: string } | undefined> {
    const res = await this.send(
      instance,
      `${instance.config.baseUrl}/crumbIssuer/api/json`,
    );
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw this.readError(instance, res, 'a CSRF crumb');
    const parsed = wireCrumb.safeParse(
      parseJson(instance.http, res, 'a CSRF crumb'),
    );
    if (!parsed.success)
      throw instance.http.error(
        'malformed',
        'returned a crumb without crumb/crumbRequestField',
        res.status,
      );
    return {
      field: parsed.data.crumbRequestField,
      value: parsed.data.crumb,
      cookie: sessionCookies(res.headers['set-cookie']),
    };
  }

  private queued(
    instance: Instance,
    ref: JobRef,
    res: HttpResponse,
    withParameters: boolean,
  ): QueuedBuild {
    const { http } = instance;
    const job = `${ref.fullName}`;
    const jenkinsSays = jenkinsErrorText(res);
    switch (res.status) {
      case 201: {
        const location = res.headers.location;
        if (!location)
          throw http.error(
            'malformed',
            `queued ${job} but sent no Location header`,
            201,
          );
        let queueUrl: URL;
        try {
          queueUrl = new URL(location, instance.config.baseUrl);
        } catch {
          throw http.error(
            'malformed',
            `queued ${job} with an invalid Location "${truncate(
              location,
              100,
            )}"`,
            201,
          );
        }
        const id = /\/queue\/item\/(\d+)\/?$/.exec(queueUrl.pathname)?.[1];
        return {
          instance: instance.config.name,
          fullName: ref.fullName,
          queueUrl: queueUrl.toString(),
          ...(id ? { queueId: Number(id) } : {}),
        };
      }
      case 302:
      case 303:
        throw new ConflictError(
          `${http.upstream}: did not queue a new build of ${job} (${
            res.status
          }): ${
            withParameters
              ? 'a build with the same parameters is probably queued already'
              : 'Jenkins redirected instead of queueing'
          }`,
        );
      case 400:
        throw new InputError(
          `${http.upstream}: refused to build ${job} (400): ${
            withParameters
              ? 'the job takes no parameters; trigger it without parameters'
              : 'the job needs parameters'
          }${jenkinsSays ? ` (${jenkinsSays})` : ''}`,
        );
      case 405:
        throw new InputError(
          `${http.upstream}: ${job} cannot be built this way (405 Method Not Allowed); is it a buildable job?`,
        );
      case 409:
        throw new ConflictError(
          `${http.upstream}: ${job} is disabled (409); enable it in Jenkins to build it`,
        );
      case 403: {
        if (/No valid crumb/i.test(res.body.toString('utf8'))) {
          throw http.error(
            'forbidden',
            `refused the CSRF crumb for ${job} (403 No valid crumb); is the session cookie kept by a proxy?`,
            403,
          );
        }
        throw this.readError(instance, res, `job ${job}`, 'build');
      }
      default:
        throw this.readError(instance, res, `job ${job}`, 'build');
    }
  }

  /** The error for a failed read, with what Jenkins' headers say about who we are and what is missing. */
  private readError(
    instance: Instance,
    res: HttpResponse,
    what: string,
    verb = 'read',
  ): UpstreamError {
    const { http, config } = instance;
    if (res.status === 401) {
      return http.error(
        'unauthorized',
        `rejected the API key of user "${config.username}" (401)`,
        401,
      );
    }
    if (res.status === 403) {
      const who = res.headers['x-you-are-authenticated-as'] ?? config.username;
      const needs = res.headers['x-required-permission'];
      return http.error(
        'forbidden',
        `user "${who}" may not ${verb} ${what} (403${
          needs ? `, needs ${needs}` : ''
        })`,
        403,
      );
    }
    if (res.status === 404)
      return http.error('not-found', `has no ${what} (404)`, 404);
    if ([301, 302, 303, 307, 308].includes(res.status)) {
      const to = res.headers.location
        ? ` to ${truncate(res.headers.location, 120)}`
        : '';
      return http.error(
        'malformed',
        `answered ${res.status} (redirect${to}) instead of ${what}: a login page or a proxy in front of Jenkins? Check jenkins baseUrl`,
        res.status,
      );
    }
    return http.statusError(res, jenkinsErrorText(res));
  }

  private toJob(
    instance: Instance,
    ref: JobRef,
    raw: RawJob,
    repoUrl?: string,
  ): BuildJob {
    const { job } = raw;
    const now = this.now();
    const kind = kindOf(job._class);
    const url =
      job.url ?? `${instance.config.baseUrl}${jobPath(ref.segments)}/`;
    let builds = (job.builds ?? []).map(b => toBuildRun(b, { now, repoUrl }));
    if (kind === 'pipeline') builds = attachStages(builds, raw.runs);
    let branches: BuildBranch[] | undefined;
    if (kind === 'multibranch') {
      branches = (job.jobs ?? []).map(child => {
        const name = decodeItemName(child.name);
        let lastBuild = child.lastBuild
          ? toBuildRun(child.lastBuild, { now, repoUrl, branch: name })
          : undefined;
        if (lastBuild && child.name === raw.primaryBranch)
          lastBuild = attachStages([lastBuild], raw.runs)[0];
        return {
          name,
          itemName: child.name,
          url:
            child.url ?? `${url.replace(/\/$/, '')}${jobPath([child.name])}/`,
          ...(child.color ? { color: child.color } : {}),
          ...(lastBuild ? { lastBuild } : {}),
        };
      });
      branches.sort(
        (a, b) =>
          Date.parse(b.lastBuild?.startedAt ?? '0') -
            Date.parse(a.lastBuild?.startedAt ?? '0') ||
          a.name.localeCompare(b.name),
      );
    }
    return {
      instance: instance.config.name,
      fullName: ref.fullName,
      ...(job.displayName ? { displayName: job.displayName } : {}),
      url,
      kind,
      ...(job._class ? { jobClass: job._class } : {}),
      ...(job.color ? { color: job.color } : {}),
      ...(typeof job.buildable === 'boolean'
        ? { buildable: job.buildable }
        : {}),
      ...(typeof job.inQueue === 'boolean' ? { inQueue: job.inQueue } : {}),
      builds,
      ...(branches ? { branches } : {}),
      checkedAt: new Date(raw.readAt).toISOString(),
      link: {
        title: `${ref.fullName} in Jenkins ${instance.config.name}`,
        url,
      },
    };
  }
}

/** The branch whose stages are read: `main`, `master`, else the most recently started one. */
export function primaryBranch(job: WireJob): string | undefined {
  const children = job.jobs ?? [];
  for (const preferred of ['main', 'master']) {
    if (children.some(c => c.name === preferred)) return preferred;
  }
  const built = children
    .filter(c => c.lastBuild)
    .sort(
      (a, b) => (b.lastBuild?.timestamp ?? 0) - (a.lastBuild?.timestamp ?? 0),
    );
  return (built[0] ?? children[0])?.name;
}

/** Jenkins' own reason: the `X-Error` header, or the first line of a short text body. */
function jenkinsErrorText(res: HttpResponse): string | undefined {
  if (res.headers['x-error']) return truncate(res.headers['x-error'], 200);
  const type = res.headers['content-type'] ?? '';
  if (type.startsWith('text/plain')) {
    const line = res.body.toString('utf8').trim().split('\n')[0];
    return line ? truncate(line, 200) : undefined;
  }
  return undefined;
}

function describe(error: {
  issues: Array<{ path: PropertyKey[]; message: string }>;
}): string {
  return error.issues
    .slice(0, 3)
    .map(i => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}

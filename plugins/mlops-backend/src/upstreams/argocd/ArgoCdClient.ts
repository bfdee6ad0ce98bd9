import { ConflictError, InputError } from '@backstage/errors';
import {
  ArgoOperationPhase,
  SyncRequested,
} from '@internal/plugin-mlops-common';
import pLimit from 'p-limit';
import { Dispatcher } from 'undici';
import {
  HttpResponse,
  UpstreamError,
  UpstreamHttp,
  parseJson,
  truncate,
} from '../http';
import { ArgoCdConfig, ArgoCdInstanceConfig, secretsOf } from './config';
import { SessionToken } from './session';
import { dueForRefresh } from '../refreshAhead';
import {
  ArgoApplication,
  ArgoResourceTree,
  ArgoRevisionMetadata,
  wireApplication,
  wireApplicationList,
  wireError,
  wireResourceTree,
  wireRevisionMetadata,
  wireSession,
} from './wire';

/** Failed list reads are kept this long (ms), so a recovered Argo CD shows up quickly. */
const ERROR_TTL_MS = 5_000;

/** Where an application lives: apps in any namespace, and the project that makes a missing app 404. */
export interface AppScope {
  appNamespace?: string;
  project?: string;
}

/** Server-side filters of `GET /api/v1/applications`. */
export interface ApplicationQuery {
  /** Label selector, sent URL-encoded exactly once. */
  selector?: string;
  projects?: string[];
  appNamespace?: string;
  name?: string;
  repo?: string;
}

type ListEntry =
  | { expiresAt: number; apps: ArgoApplication[] }
  | { expiresAt: number; error: UpstreamError };

const APP_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const COMMIT_SHA = /^[0-9a-f]{40}$|^[0-9a-f]{64}$/i;

/** True when `revision` is a git commit SHA (Argo CD resolves metadata only for those). */
export function isCommitSha(revision: string | undefined): revision is string {
  return Boolean(revision && COMMIT_SHA.test(revision));
}

/**
 * Client of one Argo CD API server: a session token from `POST
 * /api/v1/session` kept until its `exp` (or a static token), one shared
 * application list per refresh interval, gets, the resource tree, revision
 * metadata, sync and rollback. Errors are UpstreamErrors (reads) or
 * Conflict/InputErrors (writes Argo CD refuses).
 */
export class ArgoCdClient {
  readonly instance: ArgoCdInstanceConfig;
  private readonly http: UpstreamHttp;
  private readonly limit: ReturnType<typeof pLimit>;
  private readonly session: SessionToken | undefined;
  private readonly now: () => number;
  private list: ListEntry | undefined;
  private listInFlight: Promise<ArgoApplication[]> | undefined;
  /** Bumped by writes: a list read that started before a write must not refill the cache. */
  private generation = 0;

  constructor(
    instance: ArgoCdInstanceConfig,
    private readonly config: Pick<
      ArgoCdConfig,
      'refreshSeconds' | 'timeoutMs' | 'concurrency' | 'sessionMarginSeconds'
    >,
    options: { dispatcher?: Dispatcher; now?: () => number } = {},
  ) {
    this.instance = instance;
    this.now = options.now ?? Date.now;
    this.http = new UpstreamHttp({
      upstream: `Argo CD ${instance.name} (${instance.host})`,
      timeoutMs: config.timeoutMs,
      secrets: secretsOf(instance),
      dispatcher: options.dispatcher,
    });
    this.limit = pLimit(config.concurrency);
    const auth = instance.auth;
    this.session =
      auth.kind === 'login'
        ? new SessionToken(() => this.login(auth.username, auth.password), {
            marginMs: config.sessionMarginSeconds * 1000,
            now: this.now,
          })
        : undefined;
  }

  get upstream(): string {
    return this.http.upstream;
  }

  /** Link to the application in Argo CD's UI. */
  appUrl(name: string, namespace?: string): string {
    const ns = namespace ? `${encodeURIComponent(namespace)}/` : '';
    return `${this.instance.url}/applications/${ns}${encodeURIComponent(name)}`;
  }

  /**
   * Every application the configured account may see, read at most once per
   * `refreshSeconds` and shared by all callers (concurrent callers share one
   * request). Filter it in memory.
   */
  async listApplications(): Promise<ArgoApplication[]> {
    const hit = this.list;
    const now = this.now();
    if (hit && hit.expiresAt > now) {
      if ('error' in hit) throw hit.error;
      if (
        dueForRefresh(hit.expiresAt, now, this.config.refreshSeconds * 1000) &&
        !this.listInFlight
      )
        this.fetchList().catch(() => {});
      return hit.apps;
    }
    return this.fetchList();
  }

  /** Reads the application list into the cache; concurrent callers share one request. */
  private fetchList(): Promise<ArgoApplication[]> {
    if (!this.listInFlight) {
      const started = this.now();
      const generation = this.generation;
      this.listInFlight = this.queryApplications({})
        .then(
          apps => {
            if (generation === this.generation) {
              this.list = {
                apps,
                expiresAt: started + this.config.refreshSeconds * 1000,
              };
            }
            return apps;
          },
          (e: unknown) => {
            if (e instanceof UpstreamError && generation === this.generation) {
              this.list = {
                error: e,
                expiresAt:
                  started +
                  Math.min(ERROR_TTL_MS, this.config.refreshSeconds * 1000),
              };
            }
            throw e;
          },
        )
        .finally(() => {
          this.listInFlight = undefined;
        });
    }
    return this.listInFlight;
  }

  /** `GET /api/v1/applications` with server-side filters, uncached. `items: null` is an empty list. */
  async queryApplications(query: ApplicationQuery): Promise<ArgoApplication[]> {
    const params: string[] = [];
    if (query.name) params.push(`name=${encodeURIComponent(query.name)}`);
    for (const p of query.projects ?? [])
      params.push(`projects=${encodeURIComponent(p)}`);
    if (query.selector)
      params.push(`selector=${encodeURIComponent(query.selector)}`);
    if (query.repo) params.push(`repo=${encodeURIComponent(query.repo)}`);
    if (query.appNamespace)
      params.push(`appNamespace=${encodeURIComponent(query.appNamespace)}`);
    const path = `/api/v1/applications${
      params.length ? `?${params.join('&')}` : ''
    }`;
    const res = await this.request('GET', path);
    if (res.status !== 200) throw this.readError(res, 'the application list');
    const body = wireApplicationList.safeParse(
      parseJson(this.http, res, 'an application list'),
    );
    if (!body.success)
      throw this.http.error(
        'malformed',
        'returned an application list without an "items" array',
        res.status,
      );
    return (body.data.items ?? []).map((item, i) => {
      const app = wireApplication.safeParse(item);
      if (!app.success) {
        throw this.http.error(
          'malformed',
          `returned application #${i} in an unexpected shape (${describe(
            app.error,
          )})`,
          res.status,
        );
      }
      return app.data;
    });
  }

  /** One application. With `project`, a missing app is a 404 (without it Argo CD says 403). */
  async getApplication(
    name: string,
    scope: AppScope = {},
  ): Promise<ArgoApplication> {
    this.checkName(name);
    const res = await this.request(
      'GET',
      `/api/v1/applications/${encodeURIComponent(name)}${this.scopeQuery(
        scope,
      )}`,
    );
    if (res.status !== 200)
      throw this.readError(res, `application "${name}"`, scope);
    const app = wireApplication.safeParse(
      parseJson(this.http, res, `application "${name}"`),
    );
    if (!app.success)
      throw this.http.error(
        'malformed',
        `returned application "${name}" in an unexpected shape (${describe(
          app.error,
        )})`,
        res.status,
      );
    return app.data;
  }

  async getResourceTree(
    name: string,
    scope: AppScope = {},
  ): Promise<ArgoResourceTree> {
    this.checkName(name);
    const res = await this.request(
      'GET',
      `/api/v1/applications/${encodeURIComponent(
        name,
      )}/resource-tree${this.scopeQuery(scope)}`,
    );
    if (res.status !== 200)
      throw this.readError(res, `the resource tree of "${name}"`, scope);
    const tree = wireResourceTree.safeParse(
      parseJson(this.http, res, 'a resource tree'),
    );
    if (!tree.success)
      throw this.http.error(
        'malformed',
        `returned a resource tree in an unexpected shape (${describe(
          tree.error,
        )})`,
        res.status,
      );
    return {
      nodes: tree.data.nodes ?? [],
      orphanedNodes: tree.data.orphanedNodes ?? [],
    };
  }

  /**
   * Author, date, tags and message of a commit. Only commit SHAs are asked
   * for: a Helm chart version (or a branch name) answers 500, so those give
   * undefined without a request.
   */
  async getRevisionMetadata(
    name: string,
    revision: string | undefined,
    scope: AppScope & { sourceIndex?: number } = {},
  ): Promise<ArgoRevisionMetadata | undefined> {
    this.checkName(name);
    if (!isCommitSha(revision)) return undefined;
    const extra =
      scope.sourceIndex !== undefined
        ? [`sourceIndex=${scope.sourceIndex}`]
        : [];
    const res = await this.request(
      'GET',
      `/api/v1/applications/${encodeURIComponent(
        name,
      )}/revisions/${revision}/metadata${this.scopeQuery(scope, extra)}`,
    );
    if (res.status !== 200)
      throw this.readError(
        res,
        `metadata of revision ${revision.slice(0, 12)}`,
        scope,
      );
    const meta = wireRevisionMetadata.safeParse(
      parseJson(this.http, res, 'revision metadata'),
    );
    if (!meta.success)
      throw this.http.error(
        'malformed',
        'returned revision metadata in an unexpected shape',
        res.status,
      );
    return meta.data;
  }

  /** Starts a sync. Throws ConflictError while another operation runs. */
  async sync(
    name: string,
    options: AppScope & {
      revision?: string;
      prune?: boolean;
      dryRun?: boolean;
    } = {},
  ): Promise<SyncRequested> {
    this.checkName(name);
    const body = {
      ...(options.appNamespace ? { appNamespace: options.appNamespace } : {}),
      ...(options.project ? { project: options.project } : {}),
      ...(options.revision ? { revision: options.revision } : {}),
      prune: options.prune ?? false,
      dryRun: options.dryRun ?? false,
      syncOptions: { items: [] as string[] },
    };
    const res = await this.request(
      'POST',
      `/api/v1/applications/${encodeURIComponent(name)}/sync`,
      body,
    );
    this.invalidate();
    if (res.status === 200) return this.requested(res, name);
    const err = this.errorBody(res);
    if (
      res.status === 400 &&
      (err.code === 9 ||
        /another operation is already in progress/i.test(err.message ?? ''))
    ) {
      throw new ConflictError(
        `${this.upstream}: cannot sync "${name}": another operation is already in progress; wait for it to finish (or terminate it in Argo CD)`,
      );
    }
    if (res.status === 400)
      throw new InputError(
        `${this.upstream}: refused to sync "${name}": ${truncate(
          err.message ?? 'bad request',
          300,
        )}`,
      );
    throw this.readError(res, `application "${name}"`, options, 'sync');
  }

  /** Rolls back to history entry `id`. Throws ConflictError when auto-sync is on. */
  async rollback(
    name: string,
    id: number,
    options: AppScope & { prune?: boolean; dryRun?: boolean } = {},
  ): Promise<SyncRequested> {
    this.checkName(name);
    if (!Number.isInteger(id) || id < 0)
      throw new InputError(`history id must be a whole number ≥ 0 (got ${id})`);
    const body = {
      id,
      prune: options.prune ?? false,
      dryRun: options.dryRun ?? false,
      ...(options.appNamespace ? { appNamespace: options.appNamespace } : {}),
      ...(options.project ? { project: options.project } : {}),
    };
    const res = await this.request(
      'POST',
      `/api/v1/applications/${encodeURIComponent(name)}/rollback`,
      body,
    );
    this.invalidate();
    if (res.status === 200) return this.requested(res, name);
    const err = this.errorBody(res);
    const text = err.message ?? '';
    if (res.status === 400 && /auto-sync is enabled/i.test(text)) {
      throw new ConflictError(
        `${this.upstream}: cannot roll back "${name}" while auto-sync is enabled: Argo CD would sync it forward again; turn auto-sync off first`,
      );
    }
    if (
      res.status === 400 &&
      (err.code === 9 || /another operation is already in progress/i.test(text))
    ) {
      throw new ConflictError(
        `${this.upstream}: cannot roll back "${name}": another operation is already in progress`,
      );
    }
    if (res.status === 400)
      throw new InputError(
        `${
          this.upstream
        }: refused to roll back "${name}" to history id ${id}: ${truncate(
          text || 'bad request',
          300,
        )}`,
      );
    throw this.readError(res, `application "${name}"`, options, 'roll back');
  }

  /** Drops the cached list (after a write). */
  invalidate(): void {
    this.generation++;
    this.list = undefined;
  }

  // -------------------------------------------------------------------------

  private checkName(name: string): void {
    if (!APP_NAME.test(name))
      throw new InputError(
        `"${truncate(name, 80)}" is not a valid Argo CD application name`,
      );
  }

  private scopeQuery(scope: AppScope, extra: string[] = []): string {
    const params = [...extra];
    if (scope.appNamespace)
      params.push(`appNamespace=${encodeURIComponent(scope.appNamespace)}`);
    if (scope.project)
      params.push(`project=${encodeURIComponent(scope.project)}`);
    return params.length ? `?${params.join('&')}` : '';
  }

  private requested(res: HttpResponse, name: string): SyncRequested {
    const app = wireApplication.safeParse(
      parseJson(this.http, res, `application "${name}"`),
    );
    const state = app.success ? app.data.status?.operationState : undefined;
    const phase = (
      app.success && app.data.operation ? 'Running' : state?.phase ?? undefined
    ) as ArgoOperationPhase | undefined;
    const revision = state?.operation?.sync?.revision ?? undefined;
    return {
      instance: this.instance.name,
      name,
      ...(phase ? { phase } : {}),
      ...(revision ? { revision } : {}),
    };
  }

  private async login(username: string, password: string): Promise<string> {
    const res = await this.limit(() =>
      this.http.send(`${this.instance.url}/api/v1/session`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
        },
        body: JSON.stringify({ username, password }),
      }),
    );
    if (res.status === 401 || res.status === 403) {
      const err = this.errorBody(res);
      throw this.http.error(
        'unauthorized',
        `rejected the login of user "${username}" (${res.status}${
          err.message ? `: ${truncate(err.message, 120)}` : ''
        })`,
        res.status,
      );
    }
    if (res.status !== 200)
      throw this.http.statusError(
        res,
        `on login: ${this.errorBody(res).message ?? ''}`.trim(),
      );
    const body = wireSession.safeParse(parseJson(this.http, res, 'a session'));
    if (!body.success)
      throw this.http.error(
        'malformed',
        'answered the login without a token',
        res.status,
      );
    return body.data.token;
  }

  /** Sends with a bearer token; a session token that gets 401 is renewed once. */
  private async request(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
  ): Promise<HttpResponse> {
    const url = `${this.instance.url}${path}`;
    const send = (token: string) =>
      this.limit(() =>
        this.http.send(url, {
          method,
          headers: {
            accept: 'application/json',
            authorization: `Bearer ${token}`,
            ...(body !== undefined
              ? { 'content-type': 'application/json' }
              : {}),
          },
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        }),
      );
    if (!this.session) {
      return send((this.instance.auth as { token: string }).token);
    }
    const token = await this.session.get();
    const res = await send(token);
    if (res.status !== 401) return res;
    this.session.reject(token);
    return send(await this.session.get());
  }

  private errorBody(res: HttpResponse): { code?: number; message?: string } {
    try {
      const parsed = wireError.safeParse(JSON.parse(res.body.toString('utf8')));
      if (parsed.success) {
        return {
          ...(parsed.data.code !== undefined ? { code: parsed.data.code } : {}),
          ...(parsed.data.message || parsed.data.error
            ? { message: (parsed.data.message || parsed.data.error)! }
            : {}),
        };
      }
    } catch {
      // not a gRPC-gateway error body
    }
    const text = res.body.toString('utf8').trim();
    return text && text.length < 300 && !text.startsWith('<')
      ? { message: text }
      : {};
  }

  private readError(
    res: HttpResponse,
    what: string,
    scope: AppScope = {},
    verb = 'read',
  ): UpstreamError {
    const err = this.errorBody(res);
    const said = err.message ? `: ${truncate(err.message, 200)}` : '';
    const auth = this.instance.auth;
    if (res.status === 401) {
      return this.http.error(
        'unauthorized',
        auth.kind === 'token'
          ? `rejected the configured token (401${said})`
          : `rejected the session of user "${auth.username}" even after a new login (401${said})`,
        401,
      );
    }
    if (res.status === 403) {
      const hint = scope.project
        ? ''
        : '; Argo CD also answers this for an application that does not exist: set argocd/project-name to tell them apart';
      return this.http.error(
        'forbidden',
        `denied ${verb} access to ${what} (403${said})${hint}`,
        403,
      );
    }
    if (res.status === 404)
      return this.http.error('not-found', `has no ${what} (404${said})`, 404);
    return this.http.statusError(res, err.message);
  }
}

function describe(error: {
  issues: Array<{ path: PropertyKey[]; message: string }>;
}): string {
  return error.issues
    .slice(0, 3)
    .map(i => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}

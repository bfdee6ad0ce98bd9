import { ImageTag } from '@internal/plugin-mlops-common';
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import pLimit from 'p-limit';
import { Dispatcher } from 'undici';
import { RegistryConfig } from '../../config';
import {
  HttpResponse,
  UpstreamError,
  UpstreamHttp,
  parseJson,
  truncate,
} from '../http';
import { TokenCache, nextLink, parseChallenge } from './auth';
import {
  ImageConfig,
  MANIFEST_ACCEPT,
  ParsedManifest,
  imageConfigSchema,
  isAttestation,
  parseManifest,
  platformString,
} from './manifest';

const MAX_PAGES = 50;
const REVISION = 'org.opencontainers.image.revision';
const SOURCE = 'org.opencontainers.image.source';

/** Reads one OCI / Docker v2 registry. Credentials never leave this class. */
export interface RegistryReader {
  readonly config: RegistryConfig;
  listTags(repository: string): Promise<string[]>;
  listCatalog(): Promise<string[]>;
  inspectTag(repository: string, tag: string): Promise<ImageTag>;
}

interface ManifestResult {
  digest: string;
  parsed: ParsedManifest;
}

/**
 * Client of the Docker Registry HTTP API v2 / OCI Distribution spec:
 * Basic and Bearer-token auth (challenge driven, tokens cached per scope),
 * Docker schema 2 and OCI manifests and indexes, `Link` pagination.
 * Content addressed by digest is cached (it never changes).
 */
export class RegistryClient implements RegistryReader {
  readonly config: RegistryConfig;
  private readonly http: UpstreamHttp;
  private readonly tokens = new TokenCache();
  private readonly limit: ReturnType<typeof pLimit>;
  /** Last scheme the registry challenged with; lets us skip the 401 round trip. */
  private scheme: 'none' | 'basic' | 'bearer' | undefined;
  private readonly byDigest = new LRUCache<
    string,
    ParsedManifest | ImageConfig
  >({ max: 5000 });

  constructor(
    config: RegistryConfig,
    options: { dispatcher?: Dispatcher } = {},
  ) {
    this.config = config;
    this.http = new UpstreamHttp({
      upstream: `registry ${config.name} (${config.referenceHost})`,
      timeoutMs: config.timeoutMs,
      secrets: [config.password ?? ''],
      dispatcher: options.dispatcher,
    });
    this.limit = pLimit(config.concurrency);
  }

  async listTags(repository: string): Promise<string[]> {
    const tags: string[] = [];
    let url:
      | string
      | undefined = `${this.config.url}/v2/${repository}/tags/list`;
    for (let page = 0; url && page < MAX_PAGES; page++) {
      const res = await this.get(url, `repository:${repository}:pull`, {
        accept: 'application/json',
      });
      if (res.status === 404) {
        throw this.http.error(
          'not-found',
          `has no repository "${repository}" (${
            registryErrorText(res) ?? '404'
          })`,
          404,
        );
      }
      if (res.status !== 200)
        throw this.http.statusError(res, registryErrorText(res));
      const body = parseJson(this.http, res, 'a tag list') as {
        tags?: unknown;
      };
      if (
        body.tags !== null &&
        body.tags !== undefined &&
        !Array.isArray(body.tags)
      ) {
        throw this.http.error(
          'malformed',
          'returned a tag list whose "tags" is not an array',
          res.status,
        );
      }
      for (const t of (body.tags as unknown[] | null | undefined) ?? []) {
        if (typeof t === 'string') tags.push(t);
      }
      url = nextLink(res.headers.link, url);
    }
    return tags;
  }

  async listCatalog(): Promise<string[]> {
    const repos: string[] = [];
    let url: string | undefined = `${this.config.url}/v2/_catalog?n=100`;
    for (let page = 0; url && page < MAX_PAGES; page++) {
      const res = await this.get(url, 'registry:catalog:*', {
        accept: 'application/json',
      });
      if (res.status !== 200)
        throw this.http.statusError(res, registryErrorText(res));
      const body = parseJson(this.http, res, 'a catalog') as {
        repositories?: unknown;
      };
      if (!Array.isArray(body.repositories ?? [])) {
        throw this.http.error(
          'malformed',
          'returned a catalog whose "repositories" is not an array',
          res.status,
        );
      }
      for (const r of (body.repositories as unknown[] | undefined) ?? []) {
        if (typeof r === 'string') repos.push(r);
      }
      url = nextLink(res.headers.link, url);
    }
    return repos;
  }

  async inspectTag(repository: string, tag: string): Promise<ImageTag> {
    const top = await this.getManifest(repository, tag, true);
    let image: ParsedManifest = top.parsed;
    let platforms: string[] = [];
    let annotations = top.parsed.manifest.annotations ?? {};
    if (top.parsed.kind === 'index') {
      const runnable = top.parsed.manifest.manifests.filter(
        m => !isAttestation(m),
      );
      platforms = runnable
        .filter(m => m.platform)
        .map(m => platformString(m.platform!));
      const child =
        runnable.find(
          m =>
            m.platform?.os === 'linux' && m.platform?.architecture === 'amd64',
        ) ?? runnable[0];
      if (!child) {
        throw this.http.error(
          'malformed',
          `tag ${tag} is an index with no runnable image`,
        );
      }
      const childManifest = await this.getManifest(
        repository,
        child.digest,
        false,
      );
      if (childManifest.parsed.kind !== 'image') {
        throw this.http.error(
          'malformed',
          `tag ${tag}: nested indexes are not supported`,
        );
      }
      image = childManifest.parsed;
      annotations = {
        ...annotations,
        ...(childManifest.parsed.manifest.annotations ?? {}),
      };
    }
    if (image.kind !== 'image')
      throw this.http.error('malformed', `tag ${tag} has no image manifest`);
    const config = await this.getConfig(
      repository,
      image.manifest.config.digest,
    );
    if (top.parsed.kind === 'image' && config.os && config.architecture) {
      platforms = [
        platformString({ os: config.os, architecture: config.architecture }),
      ];
    }
    const labels = config.config?.Labels ?? {};
    const size =
      image.manifest.config.size +
      image.manifest.layers.reduce((sum, l) => sum + l.size, 0);
    const revision = labels[REVISION] ?? annotations[REVISION];
    const source = labels[SOURCE] ?? annotations[SOURCE];
    return {
      tag,
      digest: top.digest,
      mediaType: top.parsed.mediaType,
      ...(config.created ? { created: config.created } : {}),
      size,
      ...(revision ? { revision } : {}),
      ...(source ? { source } : {}),
      platforms,
    };
  }

  private async getManifest(
    repository: string,
    reference: string,
    isTag: boolean,
  ): Promise<ManifestResult> {
    if (!isTag) {
      const cached = this.byDigest.get(`m:${reference}`) as
        | ParsedManifest
        | undefined;
      if (cached) return { digest: reference, parsed: cached };
    }
    const url = `${
      this.config.url
    }/v2/${repository}/manifests/${encodeURIComponent(reference)}`;
    const res = await this.get(url, `repository:${repository}:pull`, {
      accept: MANIFEST_ACCEPT,
    });
    if (res.status === 404) {
      throw this.http.error(
        'not-found',
        `has no manifest ${repository}:${reference} (${
          registryErrorText(res) ?? '404'
        })`,
        404,
      );
    }
    if (res.status !== 200)
      throw this.http.statusError(res, registryErrorText(res));
    const computed = `sha256:${createHash('sha256')
      .update(res.body)
      .digest('hex')}`;
    const headerDigest = res.headers['docker-content-digest'];
    const digest = headerDigest || computed;
    if (!isTag && digest.startsWith('sha256:') && computed !== reference) {
      throw this.http.error(
        'malformed',
        `manifest ${reference} does not match its digest (got ${computed})`,
      );
    }
    const parsed = parseManifest(res.headers['content-type'], res.body);
    if ('error' in parsed) {
      throw this.http.error(
        'malformed',
        `returned an unreadable manifest for ${repository}:${reference}: ${parsed.error}`,
      );
    }
    this.byDigest.set(`m:${digest}`, parsed);
    return { digest, parsed };
  }

  private async getConfig(
    repository: string,
    digest: string,
  ): Promise<ImageConfig> {
    const cached = this.byDigest.get(`c:${digest}`) as ImageConfig | undefined;
    if (cached) return cached;
    const url = `${this.config.url}/v2/${repository}/blobs/${digest}`;
    let res = await this.get(url, `repository:${repository}:pull`, {
      accept: '*/*',
    });
    if (
      [301, 302, 303, 307, 308].includes(res.status) &&
      res.headers.location
    ) {
      res = await this.followBlobRedirect(res.headers.location, url);
    }
    if (res.status === 404)
      throw this.http.error(
        'not-found',
        `has no config blob ${digest} in ${repository}`,
        404,
      );
    if (res.status !== 200)
      throw this.http.statusError(res, registryErrorText(res));
    const json = parseJson(this.http, res, `config blob ${digest}`);
    const parsed = imageConfigSchema.safeParse(json);
    if (!parsed.success)
      throw this.http.error(
        'malformed',
        `config blob ${digest} is not an image config`,
      );
    this.byDigest.set(`c:${digest}`, parsed.data);
    return parsed.data;
  }

  /** Storage redirects (S3 signed URLs): only to configured hosts, never with Authorization. */
  private async followBlobRedirect(
    location: string,
    base: string,
  ): Promise<HttpResponse> {
    const target = new URL(location, base);
    const sameHost = target.host === new URL(this.config.url).host;
    if (
      !sameHost &&
      !this.config.redirectHosts
        .map(h => h.toLowerCase())
        .includes(target.host.toLowerCase())
    ) {
      throw this.http.error(
        'not-allowed',
        `redirected a blob download to ${target.host}, which is not in redirectHosts; not following`,
      );
    }
    if (!/^https?:$/.test(target.protocol))
      throw this.http.error(
        'not-allowed',
        `redirected to a ${target.protocol} URL`,
      );
    return this.limit(() =>
      this.http.send(target.toString(), { headers: { accept: '*/*' } }),
    );
  }

  /** GET with registry auth: reuses a cached token, answers challenges once. */
  private async get(
    url: string,
    scope: string,
    opts: { accept: string },
  ): Promise<HttpResponse> {
    const headers: Record<string, string> = { accept: opts.accept };
    const preAuth = this.authorizationFor(scope);
    if (preAuth) headers.authorization = preAuth;
    let res = await this.limit(() => this.http.send(url, { headers }));
    if (res.status !== 401) return res;

    const challenge = parseChallenge(res.headers['www-authenticate']);
    if (!challenge) {
      throw this.http.error(
        'unauthorized',
        'answered 401 without a WWW-Authenticate challenge',
        401,
      );
    }
    if (challenge.scheme === 'basic') {
      if (!this.config.username || !this.config.password) {
        throw this.http.error(
          'unauthorized',
          'requires Basic credentials; set username and password for it in mlops.registries',
          401,
        );
      }
      if (preAuth?.startsWith('Basic ')) {
        throw this.http.error(
          'unauthorized',
          `rejected the configured credentials of user "${this.config.username}" (401)`,
          401,
        );
      }
      this.scheme = 'basic';
      headers.authorization = this.basicHeader();
    } else if (challenge.scheme === 'bearer') {
      this.scheme = 'bearer';
      const wanted = challenge.params.scope ?? scope;
      this.tokens.delete(wanted);
      const token = await this.fetchToken(challenge.params, wanted);
      headers.authorization = `Bearer ${token}`;
      if (wanted !== scope) this.tokens.set(scope, token, 30);
    } else {
      throw this.http.error(
        'unauthorized',
        `asked for unsupported auth scheme "${challenge.scheme}"`,
        401,
      );
    }
    res = await this.limit(() => this.http.send(url, { headers }));
    if (res.status === 401) {
      const again = parseChallenge(res.headers['www-authenticate']);
      const why = again?.params.error ? ` (${again.params.error})` : '';
      throw this.http.error(
        'unauthorized',
        this.config.username
          ? `rejected the credentials of user "${this.config.username}"${why}`
          : `requires credentials${why}; set username and password for it in mlops.registries`,
        401,
      );
    }
    return res;
  }

  private authorizationFor(scope: string): string | undefined {
    if (this.scheme === 'basic' && this.config.username && this.config.password)
      return this.basicHeader();
    if (this.scheme === 'bearer') {
      const token = this.tokens.get(scope);
      if (token) return `Bearer ${token}`;
    }
    return undefined;
  }

  private basicHeader(): string {
    return `Basic ${Buffer.from(
      `${this.config.username}:${this.config.password}`,
    ).toString('base64')}`;
  }

  private async fetchToken(
    params: Record<string, string>,
    scope: string,
  ): Promise<string> {
    const realm = params.realm;
    if (!realm)
      throw this.http.error(
        'unauthorized',
        'sent a Bearer challenge without a realm',
        401,
      );
    let realmUrl: URL;
    try {
      realmUrl = new URL(realm);
    } catch {
      throw this.http.error(
        'malformed',
        `sent a Bearer challenge with an invalid realm "${truncate(
          realm,
          100,
        )}"`,
      );
    }
    // The registry's own host name (any port) is trusted; other hosts only when listed in authHosts.
    const sameHost =
      realmUrl.hostname.toLowerCase() ===
      new URL(this.config.url).hostname.toLowerCase();
    const listed = this.config.authHosts
      .map(h => h.toLowerCase())
      .includes(realmUrl.host.toLowerCase());
    if ((!sameHost && !listed) || !/^https?:$/.test(realmUrl.protocol)) {
      throw this.http.error(
        'not-allowed',
        `sent a token realm on ${realmUrl.host}, which is not this registry's host nor in authHosts; not sending credentials there`,
      );
    }
    if (params.service) realmUrl.searchParams.set('service', params.service);
    for (const s of scope.split(' ').filter(Boolean))
      realmUrl.searchParams.append('scope', s);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.config.username && this.config.password)
      headers.authorization = this.basicHeader();
    const res = await this.limit(() =>
      this.http.send(realmUrl.toString(), { headers }),
    );
    if (res.status === 401 || res.status === 403) {
      throw this.http.error(
        'unauthorized',
        this.config.username
          ? `token service rejected the credentials of user "${this.config.username}" (${res.status})`
          : `token service requires credentials (${res.status}); set username and password in mlops.registries`,
        res.status,
      );
    }
    if (res.status !== 200)
      throw this.http.statusError(res, 'from the token service');
    const body = parseJson(this.http, res, 'a token response') as {
      token?: unknown;
      access_token?: unknown;
      expires_in?: unknown;
    };
    // Harbor sends "access_token": "" next to "token": use the first non-empty one.
    const token =
      (typeof body.token === 'string' && body.token) ||
      (typeof body.access_token === 'string' && body.access_token) ||
      '';
    if (!token)
      throw this.http.error(
        'malformed',
        'token service answered without a token',
      );
    const expiresIn =
      typeof body.expires_in === 'number' && body.expires_in > 0
        ? body.expires_in
        : 60;
    this.tokens.set(scope, token, expiresIn);
    return token;
  }
}

/** `CODE: message` of the first error in a registry error envelope, if any. */
export function registryErrorText(res: HttpResponse): string | undefined {
  try {
    const body = JSON.parse(res.body.toString('utf8')) as {
      errors?: Array<{ code?: unknown; message?: unknown }>;
    };
    const first = Array.isArray(body.errors) ? body.errors[0] : undefined;
    if (
      first &&
      (typeof first.code === 'string' || typeof first.message === 'string')
    ) {
      return truncate(
        [first.code, first.message]
          .filter(x => typeof x === 'string')
          .join(': '),
        200,
      );
    }
  } catch {
    // not an error envelope
  }
  return undefined;
}

export { UpstreamError };

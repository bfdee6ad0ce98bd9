/**
 * What an image pull would find: resolves an image reference (as the pod spec
 * names it) to its registry digest in the real registry — `HEAD
 * /v2/<repo>/manifests/<tag|digest>` with every manifest type in Accept,
 * answering a Basic or Bearer (token server) challenge — and caches each
 * answer briefly. Image hosts the manifests name (e.g. `registry.demo.local`)
 * are mapped to the registry's real `127.0.0.1:<port>`.
 */
import crypto from 'node:crypto';
import { ALL_MANIFEST_ACCEPT, RegistryTarget } from '@internal/test-env';

export interface ImageReference {
  /** As written in the pod spec. */
  ref: string;
  /** Host as the reference names it (`docker.io` when it names none). */
  host: string;
  /** Repository path inside the registry, e.g. `genai/support-chat`. */
  repository: string;
  tag?: string;
  digest?: string;
}

/** Splits `host/repo:tag@sha256:…` (host optional, tag `latest` when neither is given). */
export function parseImageReference(ref: string): ImageReference {
  let rest = ref.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > slash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const first = rest.split('/')[0];
  const hasHost =
    rest.includes('/') &&
    (first.includes('.') || first.includes(':') || first === 'localhost');
  const host = hasHost ? first : 'docker.io';
  let repository = hasHost ? rest.slice(first.length + 1) : rest;
  if (!hasHost && !repository.includes('/'))
    repository = `library/${repository}`;
  return {
    ref,
    host,
    repository,
    ...(digest ? { digest } : { tag: tag ?? 'latest' }),
  };
}

export type Resolution =
  | { found: true; digest: string }
  | { found: false; reason: string };

export interface ImageResolverOptions {
  registry: RegistryTarget;
  /** Image host as manifests name it → the real registry's `host:port`. */
  registryHosts: Record<string, string>;
  /** How long an answer is reused (default 2 s). */
  cacheMs?: number;
  /** Per request (default 5 s). */
  timeoutMs?: number;
}

interface Cached {
  at: number;
  value: Promise<Resolution>;
}

function parseChallenge(
  header: string | null,
): { scheme: string; params: Record<string, string> } | undefined {
  const m = header ? /^\s*(\w+)\s*(.*)$/.exec(header) : null;
  if (!m) return undefined;
  const params: Record<string, string> = {};
  for (const p of m[2].matchAll(/(\w+)\s*=\s*(?:"([^"]*)"|([^,\s]*))/g)) {
    params[p[1].toLowerCase()] = p[2] ?? p[3];
  }
  return { scheme: m[1].toLowerCase(), params };
}

export class ImageResolver {
  private readonly cache = new Map<string, Cached>();
  /** Authorization per repository (Bearer tokens are scoped to one repository). */
  private readonly auth = new Map<string, { header: string; until: number }>();
  private readonly registryHost: string;
  private readonly cacheMs: number;
  private readonly timeoutMs: number;

  constructor(private readonly options: ImageResolverOptions) {
    this.registryHost = new URL(options.registry.url).host;
    this.cacheMs = options.cacheMs ?? 2_000;
    this.timeoutMs = options.timeoutMs ?? 5_000;
  }

  /** Whether `host` (as an image names it) is the registry this resolver asks. */
  serves(host: string): boolean {
    return (this.options.registryHosts[host] ?? host) === this.registryHost;
  }

  resolve(image: ImageReference): Promise<Resolution> {
    if (!this.serves(image.host)) {
      return Promise.resolve({
        found: false,
        reason: `no registry here serves ${image.host}`,
      });
    }
    const reference = image.digest ?? image.tag ?? 'latest';
    const key = `${image.repository}@${reference}`;
    const now = Date.now();
    const hit = this.cache.get(key);
    if (hit && now - hit.at < this.cacheMs) return hit.value;
    const value = this.lookup(image.repository, reference).catch(
      (e): Resolution => ({ found: false, reason: (e as Error).message }),
    );
    this.cache.set(key, { at: now, value });
    // Bounded: drop expired entries now and then.
    if (this.cache.size > 500) {
      for (const [k, c] of this.cache)
        if (now - c.at >= this.cacheMs) this.cache.delete(k);
    }
    return value;
  }

  private basic(): string | undefined {
    const { username, password } = this.options.registry;
    if (username === undefined) return undefined;
    return `Basic ${Buffer.from(`${username}:${password ?? ''}`).toString(
      'base64',
    )}`;
  }

  private async authenticate(
    repository: string,
    challengeHeader: string | null,
  ): Promise<void> {
    const challenge = parseChallenge(challengeHeader);
    if (challenge?.scheme === 'basic') {
      const basic = this.basic();
      if (!basic) throw new Error('the registry wants credentials');
      this.auth.set(repository, { header: basic, until: Infinity });
      return;
    }
    if (challenge?.scheme !== 'bearer' || !challenge.params.realm) {
      throw new Error(`unusable registry challenge: ${challengeHeader}`);
    }
    const realm = new URL(challenge.params.realm);
    if (challenge.params.service)
      realm.searchParams.set('service', challenge.params.service);
    realm.searchParams.set('scope', `repository:${repository}:pull`);
    const basic = this.basic();
    const res = await fetch(realm, {
      headers: basic ? { authorization: basic } : {},
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await res.text();
    if (!res.ok) {
      throw new Error(
        `token request failed: HTTP ${res.status} ${text.slice(0, 200)}`,
      );
    }
    const json = JSON.parse(text) as {
      token?: string;
      access_token?: string;
      expires_in?: number;
    };
    const token = json.token || json.access_token;
    if (!token) throw new Error('the token server answered no token');
    const seconds = Math.max((json.expires_in ?? 60) - 10, 5);
    this.auth.set(repository, {
      header: `Bearer ${token}`,
      until: Date.now() + seconds * 1000,
    });
  }

  private async request(
    method: 'HEAD' | 'GET',
    repository: string,
    reference: string,
  ): Promise<Response> {
    const url = new URL(
      `/v2/${repository}/manifests/${reference}`,
      this.options.registry.url,
    );
    const send = () => {
      const auth = this.auth.get(repository);
      const headers: Record<string, string> = { accept: ALL_MANIFEST_ACCEPT };
      if (auth && auth.until > Date.now()) headers.authorization = auth.header;
      return fetch(url, {
        method,
        headers,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    };
    let res = await send();
    if (res.status === 401) {
      await res.arrayBuffer();
      await this.authenticate(repository, res.headers.get('www-authenticate'));
      res = await send();
    }
    return res;
  }

  private async lookup(
    repository: string,
    reference: string,
  ): Promise<Resolution> {
    const head = await this.request('HEAD', repository, reference);
    await head.arrayBuffer();
    if (head.status === 404) {
      return { found: false, reason: 'manifest unknown' };
    }
    if (head.status !== 200) {
      throw new Error(`registry answered HTTP ${head.status}`);
    }
    const digest = head.headers.get('docker-content-digest');
    if (digest) return { found: true, digest };
    // A registry that sends no digest header: hash the manifest as stored.
    const get = await this.request('GET', repository, reference);
    const body = Buffer.from(await get.arrayBuffer());
    if (get.status !== 200) {
      throw new Error(`registry answered HTTP ${get.status}`);
    }
    return {
      found: true,
      digest: `sha256:${crypto
        .createHash('sha256')
        .update(body)
        .digest('hex')}`,
    };
  }
}

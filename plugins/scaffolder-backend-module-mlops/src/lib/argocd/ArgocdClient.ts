import { joinUrl, bodyText, fetchOrUnreachable, requestSignal } from '../http';
import { ArgocdInstance } from './argocdInstances';

/** An Application as sent to `POST /api/v1/applications` (no apiVersion/kind: the API omits them). */
export interface ArgocdApplicationBody {
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    finalizers?: string[];
  };
  spec: {
    project: string;
    source: { repoURL: string; path: string; targetRevision: string };
    destination: { server?: string; name?: string; namespace: string };
    syncPolicy?: {
      automated?: { prune: boolean; selfHeal: boolean };
      syncOptions?: string[];
    };
  };
}

/** The parts of an Application the actions read back. */
export interface ArgocdApplicationSummary {
  metadata: { name: string; namespace?: string };
  spec?: { project?: string };
}

/** A non-2xx answer: HTTP status, gRPC code and Argo CD's message. */
export class ArgocdApiError extends Error {
  constructor(
    readonly status: number,
    readonly grpcCode: number | undefined,
    readonly serverMessage: string,
  ) {
    super(`Argo CD answered ${status}: ${serverMessage}`);
    this.name = 'ArgocdApiError';
  }
}

/**
 * Session tokens per instance and user, shared by every action created by
 * the module: one `POST /api/v1/session` per instance until Argo CD rejects
 * the token (sessions last 24 h by default).
 */
export class ArgocdSessionCache {
  private readonly tokens = new Map<string, string>();
  get(key: string): string | undefined {
    return this.tokens.get(key);
  }
  set(key: string, token: string): void {
    this.tokens.set(key, token);
  }
  delete(key: string): void {
    this.tokens.delete(key);
  }
}

/** Minimal Argo CD REST client for the scaffolder actions. */
export class ArgocdClient {
  constructor(
    private readonly instance: ArgocdInstance,
    private readonly sessions: ArgocdSessionCache,
    private readonly options: { signal?: AbortSignal; timeoutMs?: number } = {},
  ) {}

  /** `GET /api/v1/applications?name=` — the app visible to this account, if any. */
  async findApplication(
    name: string,
  ): Promise<ArgocdApplicationSummary | undefined> {
    const list = await this.request<{
      items?: ArgocdApplicationSummary[] | null;
    }>('GET', `/api/v1/applications?name=${encodeURIComponent(name)}`);
    return (list.items ?? []).find(a => a.metadata?.name === name);
  }

  /** `POST /api/v1/applications` (no upsert: an existing app is an error). */
  async createApplication(
    app: ArgocdApplicationBody,
  ): Promise<ArgocdApplicationSummary> {
    return this.request<ArgocdApplicationSummary>(
      'POST',
      '/api/v1/applications?upsert=false&validate=true',
      app,
    );
  }

  private get sessionKey(): string {
    return `${this.instance.url}|${this.instance.username ?? ''}`;
  }

  private async request<T>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<T> {
    const usesSession = !this.instance.token;
    let response = await this.send(method, path, body, await this.bearer());
    if (response.status === 401 && usesSession) {
      // the cached session expired or was revoked: log in again once
      this.sessions.delete(this.sessionKey);
      await bodyText(response);
      response = await this.send(method, path, body, await this.bearer());
    }
    if (!response.ok) throw await toApiError(response);
    return (await response.json()) as T;
  }

  private async bearer(): Promise<string> {
    if (this.instance.token) return this.instance.token;
    const cached = this.sessions.get(this.sessionKey);
    if (cached) return cached;
    const { username, password } = this.instance;
    if (!username || !password) {
      throw new Error(
        `Argo CD instance "${this.instance.name}" has neither a token nor a username and password configured`,
      );
    }
    const response = await this.send('POST', '/api/v1/session', {
      username,
      password,
    });
    if (!response.ok) throw await toApiError(response);
    const { token } = (await response.json()) as { token?: string };
    if (!token)
      throw new Error(
        `Argo CD instance "${this.instance.name}" returned no session token`,
      );
    this.sessions.set(this.sessionKey, token);
    return token;
  }

  private send(
    method: string,
    path: string,
    body: unknown,
    bearer?: string,
  ): Promise<Response> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (bearer) headers.Authorization = `Bearer ${bearer}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    return fetchOrUnreachable(
      `Argo CD instance "${this.instance.name}" (${this.instance.url})`,
      joinUrl(this.instance.url, path),
      {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        redirect: 'manual',
        signal: requestSignal(
          this.options.signal,
          this.options.timeoutMs ?? 30_000,
        ),
      },
    );
  }
}

async function toApiError(response: Response): Promise<ArgocdApiError> {
  const text = await bodyText(response, 2000);
  let code: number | undefined;
  let message = text.trim() || response.statusText;
  try {
    const parsed = JSON.parse(text) as {
      code?: number;
      message?: string;
      error?: string;
    };
    code = parsed.code;
    message = parsed.message || parsed.error || message;
  } catch {
    // plain-text answers (415 "Invalid content type", proxies)
  }
  return new ArgocdApiError(response.status, code, message);
}

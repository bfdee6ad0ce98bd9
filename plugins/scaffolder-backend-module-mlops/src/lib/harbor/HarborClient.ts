import {
  basicAuth,
  bodyText,
  fetchOrUnreachable,
  joinUrl,
  requestSignal,
} from '../http';
import { HarborInstance } from './harborInstances';

/** A non-2xx answer with Harbor's first error message and request id. */
export class HarborApiError extends Error {
  constructor(
    readonly status: number,
    readonly serverMessage: string,
    readonly requestId?: string,
  ) {
    super(
      `Harbor answered ${status}: ${serverMessage}${
        requestId ? ` (X-Request-Id ${requestId})` : ''
      }`,
    );
    this.name = 'HarborApiError';
  }
}

/** The fields of a Harbor project the action reads. */
export interface HarborProject {
  project_id: number;
  name: string;
}

/**
 * Minimal Harbor v2.0 API client. It sends no cookies at all: Harbor's CSRF
 * check only applies to requests carrying its `sid` cookie, and Basic auth
 * needs none.
 */
export class HarborClient {
  private readonly authorization: string;

  constructor(
    private readonly instance: HarborInstance,
    private readonly options: { signal?: AbortSignal; timeoutMs?: number } = {},
  ) {
    this.authorization = basicAuth(instance.username, instance.password);
  }

  /** `GET /api/v2.0/projects/{name}` — undefined on 404. */
  async getProject(name: string): Promise<HarborProject | undefined> {
    const response = await this.send(
      'GET',
      `/api/v2.0/projects/${encodeURIComponent(name)}`,
    );
    if (response.status === 404) {
      await bodyText(response);
      return undefined;
    }
    if (!response.ok) throw await toApiError(response);
    return (await response.json()) as HarborProject;
  }

  /**
   * `POST /api/v2.0/projects` — the new project's id (from `Location`), or
   * `exists` on 409.
   */
  async createProject(
    name: string,
    isPublic: boolean,
  ): Promise<{ id?: number } | 'exists'> {
    const response = await this.send('POST', '/api/v2.0/projects', {
      project_name: name,
      metadata: { public: isPublic ? 'true' : 'false' },
    });
    if (response.status === 409) {
      await bodyText(response);
      return 'exists';
    }
    if (!response.ok) throw await toApiError(response);
    await bodyText(response);
    const match = /\/projects\/(\d+)\/?$/.exec(
      response.headers.get('location') ?? '',
    );
    return { id: match ? Number(match[1]) : undefined };
  }

  private send(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<Response> {
    const headers: Record<string, string> = {
      Authorization: this.authorization,
      Accept: 'application/json',
      // a numeric project name would otherwise be read as an id
      'X-Is-Resource-Name': 'true',
    };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    return fetchOrUnreachable(
      `Harbor instance "${this.instance.name}" (${this.instance.url})`,
      joinUrl(this.instance.url, path),
      {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        redirect: 'manual',
        credentials: 'omit',
        signal: requestSignal(
          this.options.signal,
          this.options.timeoutMs ?? 30_000,
        ),
      },
    );
  }
}

async function toApiError(response: Response): Promise<HarborApiError> {
  const text = await bodyText(response, 2000);
  let message = text.trim() || response.statusText;
  try {
    const parsed = JSON.parse(text) as {
      errors?: Array<{ code?: string; message?: string }>;
    };
    const first = parsed.errors?.[0];
    if (first) message = [first.code, first.message].filter(Boolean).join(': ');
  } catch {
    // not JSON (nginx, CSRF plain text)
  }
  return new HarborApiError(
    response.status,
    message,
    response.headers.get('x-request-id') ?? undefined,
  );
}

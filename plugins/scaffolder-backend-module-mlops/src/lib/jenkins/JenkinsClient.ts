import {
  basicAuth,
  bodyText,
  fetchOrUnreachable,
  joinUrl,
  requestSignal,
} from '../http';
import { JenkinsInstance } from './jenkinsInstances';

/** A non-2xx answer with the headers Jenkins explains errors with. */
export class JenkinsApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    readonly xError?: string,
    readonly requiredPermission?: string,
  ) {
    super(
      `Jenkins answered ${status}: ${
        xError ?? (body.split('\n')[0] || 'no details')
      }`,
    );
    this.name = 'JenkinsApiError';
  }
}

interface Session {
  crumb?: { field: string; value: string };
  cookie?: string;
}

/**
 * Minimal Jenkins client for creating items. API-token Basic auth needs no
 * CSRF crumb; with password auth the client fetches `/crumbIssuer/api/json`
 * first and replays the session cookie the crumb is bound to. A 403 "No
 * valid crumb" (an apiKey that is really a password) triggers the same once.
 */
export class JenkinsClient {
  private session?: Session;
  private readonly authorization: string;

  constructor(
    readonly instance: JenkinsInstance,
    private readonly options: { signal?: AbortSignal; timeoutMs?: number } = {},
  ) {
    this.authorization = basicAuth(
      instance.username,
      instance.apiKey ?? instance.password ?? '',
    );
  }

  /** `<baseUrl>/job/a/job/b/` */
  itemUrl(path: string[]): string {
    return `${this.instance.baseUrl}${path
      .map(s => `/job/${encodeURIComponent(s)}`)
      .join('')}/`;
  }

  /** The item's `_class`, or undefined when it does not exist (404). */
  async itemClass(path: string[]): Promise<string | undefined> {
    const response = await this.send(
      'GET',
      `${this.itemUrl(path)}api/json?tree=_class`,
    );
    if (response.status === 404) {
      await bodyText(response);
      return undefined;
    }
    if (!response.ok) throw await toApiError(response);
    const json = (await response.json()) as { _class?: string };
    return json._class ?? 'unknown';
  }

  /** `POST <parent>/createItem?name=` with a config.xml; `exists` on Jenkins' duplicate answer. */
  async createItem(
    parent: string[],
    name: string,
    configXml: string,
  ): Promise<'created' | 'exists'> {
    const url = `${this.itemUrl(parent)}createItem?name=${encodeURIComponent(
      name,
    )}`;
    const response = await this.post(url, configXml);
    if (response.ok) {
      await bodyText(response);
      return 'created';
    }
    const error = await toApiError(response);
    if (
      error.status === 400 &&
      /already exists/i.test(`${error.xError ?? ''} ${error.body}`)
    ) {
      return 'exists';
    }
    throw error;
  }

  private async post(url: string, xml: string): Promise<Response> {
    if (!this.session && this.instance.password && !this.instance.apiKey) {
      this.session = await this.fetchCrumb();
    }
    let response = await this.send('POST', url, xml);
    if (response.status === 403 && !this.session?.crumb) {
      const text = await bodyText(response, 5000);
      if (!/crumb/i.test(text)) {
        throw new JenkinsApiError(
          403,
          text,
          xErrorOf(response),
          response.headers.get('x-required-permission') ?? undefined,
        );
      }
      this.session = await this.fetchCrumb();
      response = await this.send('POST', url, xml);
    }
    return response;
  }

  private async fetchCrumb(): Promise<Session> {
    const response = await this.send(
      'GET',
      joinUrl(this.instance.baseUrl, '/crumbIssuer/api/json'),
      undefined,
      {},
    );
    if (response.status === 404) {
      await bodyText(response);
      return {}; // CSRF protection is off
    }
    if (!response.ok) throw await toApiError(response);
    const { crumb, crumbRequestField } = (await response.json()) as {
      crumb?: string;
      crumbRequestField?: string;
    };
    const cookie = response.headers
      .getSetCookie()
      .map(c => c.split(';', 1)[0].trim())
      .filter(Boolean)
      .join('; ');
    return {
      crumb: crumb
        ? { field: crumbRequestField ?? 'Jenkins-Crumb', value: crumb }
        : undefined,
      cookie: cookie || undefined,
    };
  }

  private send(
    method: string,
    url: string,
    xml?: string,
    session: Session | undefined = this.session,
  ): Promise<Response> {
    const headers: Record<string, string> = {
      Authorization: this.authorization,
    };
    if (xml !== undefined) headers['Content-Type'] = 'application/xml';
    if (session?.crumb) headers[session.crumb.field] = session.crumb.value;
    if (session?.cookie) headers.Cookie = session.cookie;
    return fetchOrUnreachable(
      `Jenkins instance "${this.instance.name}" (${this.instance.baseUrl})`,
      url,
      {
        method,
        headers,
        body: xml,
        redirect: 'manual',
        signal: requestSignal(
          this.options.signal,
          this.options.timeoutMs ?? 30_000,
        ),
      },
    );
  }
}

/** Jenkins writes `X-Error` as UTF-8 bytes; fetch reads header bytes as latin1. */
function xErrorOf(response: Response): string | undefined {
  const raw = response.headers.get('x-error');
  return raw === null ? undefined : Buffer.from(raw, 'latin1').toString('utf8');
}

async function toApiError(response: Response): Promise<JenkinsApiError> {
  return new JenkinsApiError(
    response.status,
    await bodyText(response, 2000),
    xErrorOf(response),
    response.headers.get('x-required-permission') ?? undefined,
  );
}

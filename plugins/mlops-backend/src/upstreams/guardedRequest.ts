import { EndpointPolicy } from './endpointPolicy';
import { HttpResponse, UpstreamError, UpstreamHttp } from './http';

/**
 * GET an entity-supplied URL under an {@link EndpointPolicy}: the URL, every
 * redirect target and every resolved address are checked; nothing outside the
 * policy is ever connected to.
 */
export class GuardedRequester {
  private readonly http: UpstreamHttp;
  private readonly maxRedirects: number;

  constructor(
    private readonly policy: EndpointPolicy,
    options: { upstream: string; timeoutMs: number; maxRedirects?: number },
  ) {
    this.http = new UpstreamHttp({
      upstream: options.upstream,
      timeoutMs: options.timeoutMs,
      dispatcher: policy.dispatcher({ timeoutMs: options.timeoutMs }),
    });
    this.maxRedirects = options.maxRedirects ?? 3;
  }

  async get(
    rawUrl: string,
    headers: Record<string, string> = {},
  ): Promise<HttpResponse> {
    let current = rawUrl;
    for (let hop = 0; hop <= this.maxRedirects; hop++) {
      const verdict = this.policy.check(current);
      if (!verdict.ok) {
        throw this.http.error(
          'not-allowed',
          hop === 0
            ? verdict.reason
            : `redirected to a URL that is not allowed: ${verdict.reason}`,
        );
      }
      const res = await this.http.send(verdict.url.toString(), { headers });
      if (
        [301, 302, 303, 307, 308].includes(res.status) &&
        res.headers.location
      ) {
        current = new URL(res.headers.location, verdict.url).toString();
        continue;
      }
      return res;
    }
    throw this.http.error(
      'not-allowed',
      `more than ${this.maxRedirects} redirects`,
    );
  }
}

export { UpstreamError };

import { UpstreamFault } from '@internal/plugin-mlops-common';
import { Agent, Dispatcher, request } from 'undici';
import { UpstreamError, truncate } from '../../upstreams/http';
import {
  ClusterToken,
  KubernetesClusterConfig,
  readToken,
} from '../../upstreams/kubernetes/config';

/** What the apiserver answered: status plus the parsed JSON body (object or Status). */
export interface KubeAnswer {
  status: number;
  body: unknown;
}

const MAX_BODY_BYTES = 4 * 1024 * 1024;

/**
 * One-shot requests to one cluster's apiserver for actions (a GET and a
 * PATCH), each with the token it is given: the read token for looking, the
 * write token only for writing. Network failures become {@link UpstreamError};
 * every HTTP answer is returned for the caller to judge.
 */
export class KubeClusterHttp {
  readonly upstream: string;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly secrets: string[];

  constructor(
    private readonly cluster: KubernetesClusterConfig,
    private readonly timeoutMs: number,
    dispatcher?: Dispatcher,
  ) {
    this.upstream = `kubernetes ${cluster.name} (${cluster.host})`;
    this.ownsDispatcher = !dispatcher;
    this.dispatcher =
      dispatcher ??
      new Agent({
        connect: {
          ca: cluster.caPem,
          rejectUnauthorized: !cluster.skipTLSVerify,
          timeout: timeoutMs,
        },
        keepAliveTimeout: 10_000,
        connections: 4,
      });
    this.secrets = [cluster.token, cluster.writeToken]
      .map(t => (t?.kind === 'static' ? t.value : ''))
      .filter(v => v.length >= 4);
  }

  async send(
    method: 'GET' | 'PATCH',
    path: string,
    token: ClusterToken,
    patch?: { contentType: string; body: unknown },
  ): Promise<KubeAnswer> {
    const signal = AbortSignal.timeout(this.timeoutMs);
    try {
      const res = await request(this.cluster.url + path, {
        method,
        headers: {
          accept: 'application/json',
          authorization: `Bearer ${readToken(token)}`,
          'user-agent': 'backstage-mlops',
          ...(patch ? { 'content-type': patch.contentType } : {}),
        },
        ...(patch ? { body: JSON.stringify(patch.body) } : {}),
        dispatcher: this.dispatcher,
        signal,
      });
      const chunks: Buffer[] = [];
      let total = 0;
      for await (const chunk of res.body) {
        total += (chunk as Buffer).length;
        if (total > MAX_BODY_BYTES) {
          res.body.destroy();
          throw this.error(
            'too-large',
            `answered ${path} with a body too large to read`,
          );
        }
        chunks.push(chunk as Buffer);
      }
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON: keep the text for the message
      }
      return { status: res.statusCode, body };
    } catch (e) {
      if (e instanceof UpstreamError) throw e;
      const err = e as {
        code?: string;
        name?: string;
        message?: string;
        cause?: { code?: string };
      };
      const code = err.code ?? err.cause?.code;
      if (signal.aborted || err.name === 'TimeoutError')
        throw this.error(
          'timeout',
          `did not answer within ${this.timeoutMs} ms`,
        );
      if (code === 'ECONNREFUSED')
        throw this.error(
          'unreachable',
          'refused the connection (is the apiserver running?)',
        );
      if (
        typeof code === 'string' &&
        /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code)
      )
        throw this.error(
          'unreachable',
          `TLS failed (${code}); check caData/caFile or skipTLSVerify`,
        );
      throw this.error(
        'unreachable',
        `request failed: ${truncate(err.message ?? String(e), 200)}`,
      );
    }
  }

  /** The error for an answer that is not a success, with the apiserver's own Status message. */
  statusError(answer: KubeAnswer, what: string): UpstreamError {
    const body = answer.body as { kind?: string; message?: string } | string;
    let detail = what;
    if (typeof body === 'string' && body.trim()) detail = body.trim();
    else if (
      typeof body === 'object' &&
      body?.kind === 'Status' &&
      body.message
    )
      detail = body.message;
    return this.error(
      faultOf(answer.status),
      `answered ${answer.status}: ${truncate(detail, 400)}`,
      answer.status,
    );
  }

  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.destroy();
  }

  private error(
    fault: UpstreamFault,
    message: string,
    httpStatus?: number,
  ): UpstreamError {
    let scrubbed = message;
    for (const s of this.secrets) scrubbed = scrubbed.split(s).join('***');
    return new UpstreamError({
      upstream: this.upstream,
      fault,
      message: scrubbed,
      ...(httpStatus !== undefined ? { httpStatus } : {}),
    });
  }
}

function faultOf(httpStatus: number): UpstreamFault {
  if (httpStatus === 401) return 'unauthorized';
  if (httpStatus === 403) return 'forbidden';
  if (httpStatus === 404) return 'not-found';
  if (httpStatus === 429) return 'rate-limited';
  if (httpStatus >= 500) return 'server-error';
  return 'malformed';
}

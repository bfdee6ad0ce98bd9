/**
 * `exp` of a JWT in epoch ms, read without verifying the signature (the
 * token is Argo CD's own; we only need to know when to renew it).
 */
export function jwtTimes(token: string): { exp?: number; iat?: number } {
  const payload = token.split('.')[1];
  if (!payload) return {};
  try {
    const claims = JSON.parse(
      Buffer.from(payload, 'base64url').toString('utf8'),
    ) as { exp?: unknown; iat?: unknown };
    return {
      ...(typeof claims.exp === 'number' ? { exp: claims.exp * 1000 } : {}),
      ...(typeof claims.iat === 'number' ? { iat: claims.iat * 1000 } : {}),
    };
  } catch {
    return {};
  }
}

/**
 * One Argo CD session token per instance: logged in once, kept until shortly
 * before its `exp` (the margin, or half the lifetime for short tokens),
 * concurrent callers share one login, and a token the server rejects is
 * dropped so the next call logs in again.
 */
export class SessionToken {
  private token: string | undefined;
  private renewAt = 0;
  private pending: Promise<string> | undefined;

  constructor(
    private readonly login: () => Promise<string>,
    private readonly options: { marginMs: number; now: () => number },
  ) {}

  async get(): Promise<string> {
    if (this.token && this.options.now() < this.renewAt) return this.token;
    if (!this.pending) {
      this.pending = this.login()
        .then(token => {
          const now = this.options.now();
          const { exp, iat } = jwtTimes(token);
          const lifetime = exp !== undefined ? exp - (iat ?? now) : undefined;
          const margin =
            lifetime !== undefined
              ? Math.min(this.options.marginMs, lifetime / 2)
              : 0;
          this.token = token;
          this.renewAt =
            exp !== undefined ? exp - margin : Number.POSITIVE_INFINITY;
          return token;
        })
        .finally(() => {
          this.pending = undefined;
        });
    }
    return this.pending;
  }

  /** Forgets `token` if it is still the current one (the server answered 401 to it). */
  reject(token: string): void {
    if (this.token === token) {
      this.token = undefined;
      this.renewAt = 0;
    }
  }
}

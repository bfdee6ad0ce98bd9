/**
 * Argo CD sessions: HS256 JWTs (`iss: argocd`, `sub: <user>:login`, 24 h by
 * default), read from `Authorization: Bearer <jwt>` (case-sensitive prefix)
 * or the `argocd.token` cookie. A login token with less than 5 minutes left
 * is renewed through `Set-Cookie` only.
 */
import crypto from 'node:crypto';
import { JwtClaims, JwtError, signHs256, verifyHs256 } from '../common/jwt';
import { SimRequest } from '../common/server';
import { ArgoError, GrpcCode } from './errors';

export const AUTH_COOKIE = 'argocd.token';
const RENEW_BEFORE_SEC = 5 * 60;

export interface Session {
  subject: string;
  username: string;
  claims: JwtClaims;
  /** A renewed token to send back as a cookie. */
  renewed?: string;
}

export interface IssueTokenOptions {
  /** Account name (default `admin`); the subject becomes `<username>:login`. */
  username?: string;
  /** Full subject, e.g. `ci:apiKey` or `proj:ml:deployer`; wins over username. */
  subject?: string;
  /** Lifetime in seconds (default: the session duration). Negative = already expired. */
  expiresInSec?: number;
  /** `iat`/`nbf` in epoch seconds (default now). */
  issuedAt?: number;
}

export class SessionManager {
  readonly secret = crypto.randomBytes(32);

  constructor(
    private readonly users: Record<string, string>,
    private readonly durationSec: number,
  ) {}

  issue(options: IssueTokenOptions = {}): string {
    const iat = options.issuedAt ?? Math.floor(Date.now() / 1000);
    const subject = options.subject ?? `${options.username ?? 'admin'}:login`;
    const claims: JwtClaims = {
      iss: 'argocd',
      sub: subject,
      exp: iat + (options.expiresInSec ?? this.durationSec),
      nbf: iat,
      iat,
      jti: crypto.randomUUID(),
    };
    return signHs256(claims, this.secret);
  }

  login(username: unknown, password: unknown): string {
    if (
      typeof username !== 'string' ||
      typeof password !== 'string' ||
      !Object.prototype.hasOwnProperty.call(this.users, username) ||
      this.users[username] !== password
    ) {
      throw new ArgoError(
        GrpcCode.Unauthenticated,
        'Invalid username or password',
      );
    }
    return this.issue({ username });
  }

  /** The raw token, or undefined when the request carries none. */
  tokenOf(req: SimRequest): string | undefined {
    const auth = req.header('authorization');
    if (auth && auth.startsWith('Bearer ')) return auth.slice('Bearer '.length);
    const cookie = req.cookies[AUTH_COOKIE];
    return cookie ? decodeURIComponent(cookie) : undefined;
  }

  /** Throws the 401/16 errors Argo CD answers. */
  authenticate(req: SimRequest): Session {
    const token = this.tokenOf(req);
    if (!token) {
      throw new ArgoError(GrpcCode.Unauthenticated, 'no session information');
    }
    let claims: JwtClaims;
    try {
      claims = verifyHs256(token, this.secret);
    } catch (e) {
      const msg = e instanceof JwtError ? e.message : String(e);
      throw new ArgoError(GrpcCode.Unauthenticated, `invalid session: ${msg}`);
    }
    const subject = String(claims.sub ?? '');
    const session: Session = {
      subject,
      username: subject.split(':')[0],
      claims,
    };
    const now = Math.floor(Date.now() / 1000);
    if (
      subject.endsWith(':login') &&
      typeof claims.exp === 'number' &&
      claims.exp - now < RENEW_BEFORE_SEC
    ) {
      session.renewed = this.issue({ subject });
    }
    return session;
  }

  cookieFor(token: string): string {
    return `${AUTH_COOKIE}=${token}; path=/; SameSite=lax; httpOnly`;
  }
}

/**
 * Jenkins security as a client meets it:
 * - Basic `user:apiToken` (crumb-exempt, JENKINS-22474) or `user:password`;
 *   bad credentials → 401 `WWW-Authenticate: Basic realm="Jenkins"`.
 * - Sessions (`JSESSIONID.<hash>` cookie) remember the user.
 * - Crumbs from `/crumbIssuer/api/json` hash the user and the session id, so a
 *   crumb is only valid together with the session cookie it was issued for.
 * - Missing permissions → 403 with `X-You-Are-Authenticated-As` and
 *   `X-Required-Permission`.
 */
import crypto from 'node:crypto';
import { SimRequest } from '../common/server';
import { parseBasicAuth } from '../common/respond';
import { JenkinsPermission, JenkinsUser } from './types';

export const PERMISSION_IDS: Record<JenkinsPermission | 'overall', string> = {
  overall: 'hudson.model.Hudson.Read',
  read: 'hudson.model.Item.Read',
  build: 'hudson.model.Item.Build',
  create: 'hudson.model.Item.Create',
  configure: 'hudson.model.Item.Configure',
};

export interface Principal {
  username: string;
  /** How the request authenticated. */
  via: 'anonymous' | 'token' | 'password' | 'session';
  sessionId?: string;
}

export class JenkinsAuthError extends Error {
  constructor(
    readonly status: 401 | 403,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export class JenkinsSecurity {
  readonly cookieName = `JSESSIONID.${crypto.randomBytes(4).toString('hex')}`;
  private readonly sessions = new Map<string, string>();
  private readonly salt = crypto.randomBytes(16).toString('hex');

  constructor(
    readonly users: JenkinsUser[],
    readonly anonymousRead: boolean,
    readonly crumbsEnabled: boolean,
  ) {}

  private user(name: string) {
    return this.users.find(u => u.username === name);
  }

  identify(req: SimRequest): Principal {
    const sessionId = req.cookies[this.cookieName];
    const basic = parseBasicAuth(req.header('authorization'));
    if (basic) {
      const u = this.user(basic.username);
      if (u && u.apiToken && basic.password === u.apiToken) {
        return { username: u.username, via: 'token', sessionId };
      }
      if (u && u.password !== undefined && basic.password === u.password) {
        return { username: u.username, via: 'password', sessionId };
      }
      throw new JenkinsAuthError(
        401,
        `Invalid password/token for user: ${basic.username}`,
        {
          'WWW-Authenticate': 'Basic realm="Jenkins"',
        },
      );
    }
    if (sessionId && this.sessions.has(sessionId)) {
      const username = this.sessions.get(sessionId)!;
      return {
        username,
        via: username === 'anonymous' ? 'anonymous' : 'session',
        sessionId,
      };
    }
    return { username: 'anonymous', via: 'anonymous', sessionId };
  }

  has(p: Principal, perm: JenkinsPermission | 'overall'): boolean {
    if (p.username === 'anonymous')
      return this.anonymousRead && (perm === 'overall' || perm === 'read');
    const u = this.user(p.username);
    if (!u) return false;
    if (perm === 'overall') return true;
    return !u.permissions || u.permissions.includes(perm);
  }

  /** Throws the 403 Jenkins sends for a missing permission. */
  require(p: Principal, perm: JenkinsPermission | 'overall'): void {
    if (this.has(p, perm)) return;
    throw new JenkinsAuthError(
      403,
      p.username === 'anonymous'
        ? 'Authentication required'
        : `${p.username} is missing the ${PERMISSION_IDS[perm]
            .replace('hudson.model.', '')
            .replace('.', '/')} permission`,
      {
        'X-You-Are-Authenticated-As': p.username,
        'X-You-Are-In-Group-Disabled':
          'JENKINS-39402: use -Dhudson.security.AccessDeniedException2.REPORT_GROUP_HEADERS=true or use /whoAmI to diagnose',
        'X-Required-Permission': PERMISSION_IDS[perm],
        'X-Permission-Implied-By': 'hudson.model.Hudson.Administer',
      },
    );
  }

  /** Returns the session id to use, creating a session (and cookie) when needed. */
  ensureSession(p: Principal): { sessionId: string; setCookie?: string } {
    if (p.sessionId && this.sessions.has(p.sessionId)) {
      if (p.via !== 'anonymous') this.sessions.set(p.sessionId, p.username);
      return { sessionId: p.sessionId };
    }
    const sessionId = crypto.randomBytes(16).toString('hex');
    this.sessions.set(sessionId, p.username);
    return {
      sessionId,
      setCookie: `${this.cookieName}=${sessionId}; Path=/; HttpOnly`,
    };
  }

  crumbFor(username: string, sessionId: string): string {
    return crypto
      .createHash('sha256')
      .update(`${username};${sessionId};${this.salt}`)
      .digest('hex');
  }

  /** `CrumbFilter`: POSTs need a crumb unless API-token authenticated. */
  checkCrumb(
    req: SimRequest,
    p: Principal,
    form: URLSearchParams | undefined,
  ): void {
    if (!this.crumbsEnabled || req.method !== 'POST' || p.via === 'token')
      return;
    const given =
      req.header('jenkins-crumb') ??
      form?.get('Jenkins-Crumb') ??
      req.query.get('Jenkins-Crumb');
    const sessionId = p.sessionId;
    if (
      given &&
      sessionId &&
      this.sessions.has(sessionId) &&
      given === this.crumbFor(p.username, sessionId)
    ) {
      return;
    }
    throw new JenkinsAuthError(
      403,
      'No valid crumb was included in the request',
    );
  }
}

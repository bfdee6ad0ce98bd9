/** Shared state of one Argo CD simulator plus the RBAC helpers the handlers use. */
import { ServerResponse } from 'node:http';
import { TimerSet } from '../common/timers';
import { SimRequest } from '../common/server';
import { isRecord, parseJsonBody } from '../common/respond';
import { ArgoError, GrpcCode, appNotFound, permissionDenied } from './errors';
import { OperationRunner } from './operations';
import { Session, SessionManager } from './session';
import { ArgoStore } from './store';
import { ArgoAction, ArgoApplication, ArgoPolicy } from './types';

export interface ArgoCluster {
  name: string;
  server: string;
}

export interface ArgoContext {
  store: ArgoStore;
  sessions: SessionManager;
  runner: OperationRunner;
  policy: ArgoPolicy;
  version: string;
  clusters: ArgoCluster[];
  timers: TimerSet;
  keepAliveMs: number;
  reconcileDelayMs: number;
}

/** Authenticates and, when due, renews the session cookie on the response. */
export function requireSession(
  ctx: ArgoContext,
  req: SimRequest,
  res: ServerResponse,
): Session {
  const session = ctx.sessions.authenticate(req);
  if (session.renewed) {
    res.setHeader('Set-Cookie', ctx.sessions.cookieFor(session.renewed));
  }
  return session;
}

export function allowed(
  ctx: ArgoContext,
  session: Session,
  action: ArgoAction,
  project: string,
  namespace: string,
  name: string,
): boolean {
  return ctx.policy({
    subject: session.subject,
    username: session.username,
    action,
    project,
    namespace,
    name,
  });
}

/** `Enforcer.EnforceErr`: `permission denied: applications, <action>, <rbacName>, sub: …, iat: …`. */
export function enforceErr(
  ctx: ArgoContext,
  session: Session,
  action: ArgoAction,
  project: string,
  namespace: string,
  name: string,
): void {
  if (allowed(ctx, session, action, project, namespace, name)) return;
  const rbacName =
    namespace === ctx.store.options.namespace
      ? `${project}/${name}`
      : `${project}/${namespace}/${name}`;
  const parts = ['applications', action, rbacName, `sub: ${session.subject}`];
  if (typeof session.claims.iat === 'number') {
    parts.push(
      `iat: ${new Date(session.claims.iat * 1000)
        .toISOString()
        .replace(/\.\d{3}Z$/, 'Z')}`,
    );
  }
  throw new ArgoError(
    GrpcCode.PermissionDenied,
    `permission denied: ${parts.join(', ')}`,
  );
}

/**
 * `getAppEnforceRBAC`: a missing app is 403 `permission denied` unless the
 * caller names a project (then 404); a project mismatch is 404 as well.
 */
export function getAppEnforceRBAC(
  ctx: ArgoContext,
  session: Session,
  action: ArgoAction,
  project: string,
  appNamespace: string | undefined | null,
  name: string,
): ArgoApplication {
  const ns = ctx.store.namespaceOrDefault(appNamespace);
  if (!ctx.store.isNamespaceEnabled(ns)) throw permissionDenied();
  if (project && !allowed(ctx, session, action, project, ns, name)) {
    throw permissionDenied();
  }
  const app = ctx.store.get(name, ns);
  if (!app) {
    if (project) throw appNotFound(name);
    throw permissionDenied();
  }
  if (!allowed(ctx, session, action, app.spec.project, ns, name)) {
    if (project) throw appNotFound(name);
    throw permissionDenied();
  }
  if (project && app.spec.project !== project) throw appNotFound(name);
  return app;
}

/** Request bodies decode like grpc-gateway: invalid JSON is 400 / InvalidArgument. */
export function jsonBody(req: SimRequest): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = parseJsonBody(req.body);
  } catch (e) {
    throw new ArgoError(
      GrpcCode.InvalidArgument,
      `invalid character in request body: ${(e as Error).message}`,
    );
  }
  if (parsed === undefined) return {};
  if (!isRecord(parsed)) {
    throw new ArgoError(
      GrpcCode.InvalidArgument,
      `json: cannot unmarshal ${
        Array.isArray(parsed) ? 'array' : typeof parsed
      } into Go value`,
    );
  }
  return parsed;
}

export function stringOr(v: unknown, fallback = ''): string {
  return typeof v === 'string' ? v : fallback;
}

/** Request routing of the Argo CD simulator (REST paths of `application.proto`). */
import { ServerResponse } from 'node:http';
import { compareStrings } from '../common/compare';
import { SimHandler, SimRequest } from '../common/server';
import { isRecord, sendJson, sendText } from '../common/respond';
import {
  ArgoContext,
  getAppEnforceRBAC,
  jsonBody,
  requireSession,
  stringOr,
} from './context';
import { createApplication } from './create';
import { ArgoError, GrpcCode, writeArgoError } from './errors';
import { parseFields, projectListItem } from './fields';
import { parseLabelSelector } from './selector';
import { primarySource, rfc3339 } from './store';
import { streamApplications } from './stream';
import { ArgoAction, ArgoApplication, Operation } from './types';

const HEX = /^[0-9a-f]{7,40}$/i;

function writeList(res: ServerResponse, rv: string, items: unknown[] | null) {
  // Mirrors streamApplicationListJSON: json.Encoder adds a newline after each value.
  let body = `{"metadata":${JSON.stringify({ resourceVersion: rv })}\n`;
  if (items === null) body += ',"items":null}';
  else
    body += `,"items":[${items.map(i => `${JSON.stringify(i)}\n`).join(',')}]}`;
  sendJson(res, 200, body);
}

function listApplications(
  ctx: ArgoContext,
  req: SimRequest,
  res: ServerResponse,
) {
  const session = requireSession(ctx, req, res);
  const q = req.query;
  let selector;
  try {
    selector = parseLabelSelector(q.get('selector') ?? '');
  } catch (e) {
    throw new ArgoError(
      GrpcCode.Unknown,
      `error parsing the selector: ${(e as Error).message}`,
    );
  }
  const appNamespace = q.get('appNamespace') ?? '';
  let apps = ctx.store
    .all()
    .filter(a => !appNamespace || a.metadata.namespace === appNamespace)
    .filter(a => selector(a.metadata.labels))
    .filter(a => ctx.store.isNamespaceEnabled(a.metadata.namespace ?? ''))
    .filter(a =>
      ctx.policy({
        subject: session.subject,
        username: session.username,
        action: 'get',
        project: a.spec.project,
        namespace: a.metadata.namespace ?? '',
        name: a.metadata.name,
      }),
    );
  const name = q.get('name') ?? '';
  if (name) {
    const hit = apps.find(a => a.metadata.name === name);
    apps = hit ? [hit] : [];
  }
  const projects = q.getAll('projects').length
    ? q.getAll('projects')
    : q.getAll('project');
  if (projects.length)
    apps = apps.filter(a => projects.includes(a.spec.project));
  const repo = q.get('repo') ?? '';
  if (repo) apps = apps.filter(a => primarySource(a)?.repoURL === repo);
  apps.sort((a, b) => compareStrings(a.metadata.name, b.metadata.name));

  const rendered = apps.map(a => ctx.store.render(a, 'list'));
  const fields = parseFields(q);
  const items = fields
    ? rendered.map(a => projectListItem(a, fields))
    : rendered;
  writeList(res, ctx.store.resourceVersion(), items.length ? items : null);
}

function parseSyncOptions(v: unknown): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) {
    throw new ArgoError(
      GrpcCode.InvalidArgument,
      'json: cannot unmarshal array into Go struct field ApplicationSyncRequest.syncOptions of type application.SyncOptions',
    );
  }
  if (!isRecord(v) || (v.items !== undefined && !Array.isArray(v.items))) {
    throw new ArgoError(
      GrpcCode.InvalidArgument,
      'json: cannot unmarshal syncOptions into Go struct field ApplicationSyncRequest.syncOptions of type application.SyncOptions',
    );
  }
  return (v.items as unknown[] | undefined)?.map(String) ?? [];
}

function sync(
  ctx: ArgoContext,
  req: SimRequest,
  res: ServerResponse,
  name: string,
) {
  const session = requireSession(ctx, req, res);
  const body = jsonBody(req);
  const ns = stringOr(body.appNamespace) || req.query.get('appNamespace');
  const app = getAppEnforceRBAC(
    ctx,
    session,
    'sync',
    stringOr(body.project),
    ns,
    name,
  );
  const syncOptions = parseSyncOptions(body.syncOptions);
  if (
    body.resources !== undefined &&
    body.resources !== null &&
    !Array.isArray(body.resources)
  ) {
    throw new ArgoError(
      GrpcCode.InvalidArgument,
      'json: cannot unmarshal object into Go struct field ApplicationSyncRequest.resources of type []*application.SyncOperationResource',
    );
  }
  const revision = stringOr(body.revision);
  ctx.runner.checkSyncAllowed(app, revision);
  const source = primarySource(app);
  const options = syncOptions ?? app.spec.syncPolicy?.syncOptions;
  const op: Operation = {
    sync: {
      revision: ctx.runner.resolveRevision(source, revision),
      ...(body.prune ? { prune: true } : {}),
      ...(body.dryRun ? { dryRun: true } : {}),
      ...(isRecord(body.strategy) ? { syncStrategy: body.strategy } : {}),
      ...(Array.isArray(body.resources) && body.resources.length
        ? { resources: body.resources as Record<string, unknown>[] }
        : {}),
      ...(options && options.length ? { syncOptions: options } : {}),
    },
    initiatedBy: { username: session.username },
    ...(Array.isArray(body.infos)
      ? { info: body.infos as Record<string, unknown>[] }
      : {}),
    retry: isRecord(body.retryStrategy) ? body.retryStrategy : {},
  };
  ctx.runner.start(app, op, 'sync');
  sendJson(
    res,
    200,
    ctx.store.render(ctx.store.get(name, app.metadata.namespace)!, 'get'),
  );
}

function rollback(
  ctx: ArgoContext,
  req: SimRequest,
  res: ServerResponse,
  name: string,
) {
  const session = requireSession(ctx, req, res);
  const body = jsonBody(req);
  if (body.id !== undefined && typeof body.id !== 'number') {
    throw new ArgoError(
      GrpcCode.InvalidArgument,
      `json: cannot unmarshal ${typeof body.id} into Go struct field ApplicationRollbackRequest.id of type int64`,
    );
  }
  const id = typeof body.id === 'number' ? body.id : 0;
  const ns = stringOr(body.appNamespace) || req.query.get('appNamespace');
  const app = getAppEnforceRBAC(
    ctx,
    session,
    'sync',
    stringOr(body.project),
    ns,
    name,
  );
  if (app.metadata.deletionTimestamp) {
    throw new ArgoError(
      GrpcCode.FailedPrecondition,
      'application is being deleted',
    );
  }
  const automated = app.spec.syncPolicy?.automated;
  if (automated && automated.enabled !== false) {
    throw new ArgoError(
      GrpcCode.FailedPrecondition,
      'rollback cannot be initiated when auto-sync is enabled',
    );
  }
  const entry = (app.status?.history ?? []).find(h => h.id === id);
  if (!entry) {
    throw new ArgoError(
      GrpcCode.InvalidArgument,
      `application ${app.metadata.namespace}/${app.metadata.name} does not have deployment with id ${id}`,
    );
  }
  if (!entry.source && !entry.sources) {
    throw new ArgoError(
      GrpcCode.FailedPrecondition,
      'cannot rollback to revision deployed with Argo CD v0.11 or lower. sync to revision instead.',
    );
  }
  const options = app.spec.syncPolicy?.syncOptions;
  const op: Operation = {
    sync: {
      revision: entry.revision,
      ...(body.prune ? { prune: true } : {}),
      ...(body.dryRun ? { dryRun: true } : {}),
      syncStrategy: { apply: {} },
      ...(options && options.length ? { syncOptions: options } : {}),
      ...(entry.source ? { source: entry.source } : {}),
    },
    initiatedBy: { username: session.username },
    retry: {},
  };
  ctx.runner.start(app, op, 'rollback', { historyId: id });
  sendJson(
    res,
    200,
    ctx.store.render(ctx.store.get(name, app.metadata.namespace)!, 'get'),
  );
}

/**
 * The application a GET/DELETE names in its path, scoped by the `project`
 * and `appNamespace` query parameters, after the session and RBAC checks.
 */
function appFromQuery(
  ctx: ArgoContext,
  req: SimRequest,
  res: ServerResponse,
  action: ArgoAction,
  name: string,
): ArgoApplication {
  const session = requireSession(ctx, req, res);
  return getAppEnforceRBAC(
    ctx,
    session,
    action,
    req.query.get('project') ?? '',
    req.query.get('appNamespace'),
    name,
  );
}

function revisionMetadata(
  ctx: ArgoContext,
  req: SimRequest,
  res: ServerResponse,
  name: string,
  rev: string,
) {
  const app = appFromQuery(ctx, req, res, 'get', name);
  if (!HEX.test(rev)) {
    throw new ArgoError(GrpcCode.Unknown, `revision ${rev} must be resolved`);
  }
  const lower = rev.toLowerCase();
  const seeded =
    ctx.store.revisionMetadata.get(lower) ??
    [...ctx.store.revisionMetadata.entries()].find(([sha]) =>
      sha.startsWith(lower),
    )?.[1];
  sendJson(
    res,
    200,
    seeded ?? {
      author: 'Simulated Author <author@simulator.invalid>',
      date: app.metadata.creationTimestamp ?? rfc3339(),
      message: `Simulated commit ${lower.slice(0, 7)}`,
    },
  );
}

function deleteApplication(
  ctx: ArgoContext,
  req: SimRequest,
  res: ServerResponse,
  name: string,
) {
  const app = appFromQuery(ctx, req, res, 'delete', name);
  const ns = app.metadata.namespace;
  const cascades =
    req.query.get('cascade') !== 'false' &&
    (app.metadata.finalizers ?? []).some(f =>
      f.startsWith('resources-finalizer.argocd.argoproj.io'),
    );
  if (cascades) {
    ctx.store.update(name, ns, a => {
      a.metadata.deletionTimestamp = a.metadata.deletionTimestamp ?? rfc3339();
    });
    ctx.timers.after(ctx.reconcileDelayMs, () => ctx.store.remove(name, ns));
  } else {
    ctx.store.remove(name, ns);
  }
  sendJson(res, 200, {});
}

function version(ctx: ArgoContext, req: SimRequest, res: ServerResponse) {
  let authed = false;
  try {
    ctx.sessions.authenticate(req);
    authed = true;
  } catch {
    authed = false;
  }
  if (!authed) {
    sendJson(res, 200, { Version: ctx.version });
    return;
  }
  sendJson(res, 200, {
    Version: ctx.version,
    BuildDate: '2026-08-01T00:00:00Z',
    GitCommit: 'simulator',
    GitTag: ctx.version.split('+')[0],
    GitTreeState: 'clean',
    GoVersion: 'go1.25.0',
    Compiler: 'gc',
    Platform: 'linux/amd64',
    KustomizeVersion: 'v5.7.0 (simulator)',
    HelmVersion: 'v3.18.4+simulator',
    KubectlVersion: 'v0.34.0',
    JsonnetVersion: 'v0.21.0',
  });
}

/** Non-API paths: a plain page that says what this is. */
function uiPage(res: ServerResponse, path: string) {
  sendText(
    res,
    200,
    `<!doctype html><title>Argo CD simulator</title><h1>Argo CD simulator</h1><p>This is a local simulator of the Argo CD REST API, not Argo CD. Requested page: ${path
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')}</p>`,
    undefined,
    'text/html; charset=utf-8',
  );
}

export function createArgoHandler(ctx: ArgoContext): SimHandler {
  return (req, res) => {
    try {
      route(ctx, req, res);
    } catch (e) {
      if (e instanceof ArgoError) {
        if (!res.headersSent) writeArgoError(res, e.code, e.message);
        return;
      }
      throw e;
    }
  };
}

function route(ctx: ArgoContext, req: SimRequest, res: ServerResponse) {
  const path = req.rawPath;
  if (!path.startsWith('/api/')) {
    uiPage(res, path);
    return;
  }
  if (
    req.method !== 'GET' &&
    (req.header('content-type') ?? '').toLowerCase() !== 'application/json'
  ) {
    sendText(res, 415, 'Invalid content type\n', {
      'X-Content-Type-Options': 'nosniff',
    });
    return;
  }
  let seg: string[];
  try {
    seg = path.split('/').slice(1).map(decodeURIComponent);
  } catch {
    sendText(res, 400, 'Bad Request\n');
    return;
  }
  if (seg[seg.length - 1] === '') seg.pop();
  const m = req.method;
  const is = (...parts: string[]) =>
    parts.length === seg.length &&
    parts.every((p, i) => p === '*' || p === seg[i]);

  if (m === 'GET' && is('api', 'version')) {
    version(ctx, req, res);
    return;
  }
  if (m === 'POST' && is('api', 'v1', 'session')) {
    const body = jsonBody(req);
    const token = ctx.sessions.login(body.username, body.password);
    sendJson(
      res,
      200,
      { token },
      { 'Set-Cookie': ctx.sessions.cookieFor(token) },
    );
    return;
  }
  if (m === 'DELETE' && is('api', 'v1', 'session')) {
    sendJson(
      res,
      200,
      {},
      { 'Set-Cookie': 'argocd.token=; path=/; Max-Age=0' },
    );
    return;
  }
  if (m === 'GET' && is('api', 'v1', 'session', 'userinfo')) {
    try {
      const s = ctx.sessions.authenticate(req);
      sendJson(res, 200, {
        loggedIn: true,
        username: s.username,
        iss: 'argocd',
      });
    } catch {
      sendJson(res, 200, { loggedIn: false });
    }
    return;
  }
  if (m === 'GET' && is('api', 'v1', 'stream', 'applications')) {
    streamApplications(ctx, req, res);
    return;
  }
  if (is('api', 'v1', 'applications')) {
    if (m === 'GET') {
      listApplications(ctx, req, res);
      return;
    }
    if (m === 'POST') {
      const session = requireSession(ctx, req, res);
      const created = createApplication(ctx, session, jsonBody(req), req.query);
      sendJson(res, 200, ctx.store.render(created, 'get'));
      return;
    }
  }
  if (
    seg.length >= 4 &&
    seg[0] === 'api' &&
    seg[1] === 'v1' &&
    seg[2] === 'applications'
  ) {
    const name = seg[3];
    if (is('api', 'v1', 'applications', '*')) {
      if (m === 'GET') {
        let app: ArgoApplication = appFromQuery(ctx, req, res, 'get', name);
        if (req.query.get('refresh')) {
          app = ctx.store.update(name, app.metadata.namespace, a => {
            a.status = { ...a.status, reconciledAt: rfc3339() };
          })!;
        }
        sendJson(res, 200, ctx.store.render(app, 'get'));
        return;
      }
      if (m === 'DELETE') {
        deleteApplication(ctx, req, res, name);
        return;
      }
    }
    if (m === 'POST' && is('api', 'v1', 'applications', '*', 'sync')) {
      sync(ctx, req, res, name);
      return;
    }
    if (m === 'POST' && is('api', 'v1', 'applications', '*', 'rollback')) {
      rollback(ctx, req, res, name);
      return;
    }
    if (m === 'DELETE' && is('api', 'v1', 'applications', '*', 'operation')) {
      const app = appFromQuery(ctx, req, res, 'sync', name);
      ctx.runner.terminate(app);
      sendJson(res, 200, {});
      return;
    }
    if (m === 'GET' && is('api', 'v1', 'applications', '*', 'resource-tree')) {
      const app = appFromQuery(ctx, req, res, 'get', name);
      const entry = ctx.store.entry(name, app.metadata.namespace)!;
      sendJson(res, 200, ctx.store.tree(entry));
      return;
    }
    if (
      m === 'GET' &&
      is('api', 'v1', 'applications', '*', 'revisions', '*', 'metadata')
    ) {
      revisionMetadata(ctx, req, res, name, seg[5]);
      return;
    }
  }
  sendText(res, 404, 'Not Found\n');
}

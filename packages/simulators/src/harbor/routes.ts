/**
 * Request routing of the Harbor API simulator. The path is decoded once (the
 * bundled nginx) and each segment unescaped again (core), so a repository
 * `team/app` is reachable only as `team%252Fapp`; a single `%2F` splits the
 * path and ends in go-swagger's 404 `path … was not found`.
 */
import crypto from 'node:crypto';
import { ServerResponse } from 'node:http';
import { compareStrings } from '../common/compare';
import { SimHandler, SimRequest } from '../common/server';
import {
  isRecord,
  parseBasicAuth,
  sendEmpty,
  sendJson,
} from '../common/respond';
import {
  DEFAULT_ACCEPT_VULNERABILITIES,
  artifactJson,
  projectJson,
  repositoryJson,
} from './render';
import { HarborArtifact, HarborProject, HarborState } from './state';
import { HarborAccount } from './types';

const ERROR_TYPE = 'application/json; charset=utf-8';
const MAX_PAGE_SIZE = 100;
const CSRF_HEADER = 'X-Harbor-CSRF-Token';
const CSRF_COOKIE = '__csrf';

export class HarborError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

export function writeHarborError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
) {
  sendJson(res, status, { errors: [{ code, message }] }, undefined, ERROR_TYPE);
}

/** `http.StatusText` upper-cased with `_`, as Harbor names go-swagger errors. */
export function codeForStatus(status: number): string {
  const map: Record<number, string> = {
    400: 'BAD_REQUEST',
    401: 'UNAUTHORIZED',
    403: 'FORBIDDEN',
    404: 'NOT_FOUND',
    405: 'METHOD_NOT_ALLOWED',
    409: 'CONFLICT',
    412: 'PRECONDITION',
    422: 'UNPROCESSABLE_ENTITY',
    429: 'TOO_MANY_REQUESTS',
  };
  return map[status] ?? 'UNKNOWN';
}

export interface HarborContext {
  state: HarborState;
  version: string;
  csrfSecret: Buffer;
}

interface Caller {
  account?: HarborAccount;
}

/** Harbor treats bad Basic credentials as anonymous (public reads still work). */
function identify(ctx: HarborContext, req: SimRequest): Caller {
  const basic = parseBasicAuth(req.header('authorization'));
  if (!basic) return {};
  const account = ctx.state.accounts.find(
    a => a.username === basic.username && a.password === basic.password,
  );
  return account ? { account } : {};
}

function memberOf(caller: Caller, project: HarborProject): boolean {
  const a = caller.account;
  if (!a) return false;
  if (a.admin) return true;
  const robot = /^robot\$([^+]+)\+/.exec(a.username);
  if (robot && robot[1] === project.name) return true;
  return (
    (a.projects ?? []).includes(project.name) ||
    project.ownerName === a.username
  );
}

function canRead(caller: Caller, project: HarborProject): void {
  if (project.public || memberOf(caller, project)) return;
  if (!caller.account)
    throw new HarborError(401, 'UNAUTHORIZED', 'unauthorized');
  throw new HarborError(403, 'FORBIDDEN', 'forbidden');
}

const csrfToken = (ctx: HarborContext, secret: string) =>
  crypto
    .createHmac('sha256', ctx.csrfSecret)
    .update(secret)
    .digest('base64url');

/**
 * Harbor's CSRF middleware: skipped for /api/ requests without the `sid`
 * session cookie; with it, unsafe methods need `X-Harbor-CSRF-Token`.
 */
function csrf(ctx: HarborContext, req: SimRequest, res: ServerResponse): void {
  if (!('sid' in req.cookies)) return;
  const safe = ['GET', 'HEAD', 'OPTIONS', 'TRACE'].includes(req.method);
  if (safe) {
    let secret = req.cookies[CSRF_COOKIE];
    if (!secret) {
      secret = crypto.randomBytes(16).toString('hex');
      res.appendHeader(
        'Set-Cookie',
        `${CSRF_COOKIE}=${secret}; Path=/; HttpOnly`,
      );
    }
    res.setHeader(CSRF_HEADER, csrfToken(ctx, secret));
    return;
  }
  const secret = req.cookies[CSRF_COOKIE];
  const given = req.header(CSRF_HEADER);
  if (!secret || !given || given !== csrfToken(ctx, secret)) {
    throw new HarborError(403, 'FORBIDDEN', 'CSRF token invalid');
  }
}

/** Go `url.QueryEscape`. */
const queryEscape = (s: string) =>
  encodeURIComponent(s)
    .replace(/[!'()*]/g, c => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');

interface Paging {
  page: number;
  pageSize: number;
}

function paging(q: URLSearchParams): Paging {
  const failures: string[] = [];
  const num = (name: string, def: number) => {
    const raw = q.get(name);
    if (raw === null || raw === '') return def;
    if (!/^-?\d+$/.test(raw)) {
      throw new HarborError(
        400,
        'BAD_REQUEST',
        `${name} in query must be of type int64: "${raw}"`,
      );
    }
    return Number.parseInt(raw, 10);
  };
  const page = num('page', 1);
  const pageSize = num('page_size', 10);
  if (page < 1)
    failures.push('page in query should be greater than or equal to 1');
  if (pageSize > MAX_PAGE_SIZE)
    failures.push(
      `page_size in query should be less than or equal to ${MAX_PAGE_SIZE}`,
    );
  if (pageSize < 0)
    failures.push('page_size in query should be greater than or equal to 0');
  if (failures.length) {
    throw new HarborError(
      422,
      'UNPROCESSABLE_ENTITY',
      `validation failure list:\n${failures.join('\n')}`,
    );
  }
  return { page, pageSize };
}

/** Sets `X-Total-Count` and a relative `Link` (prev/next joined by ` , `); returns the page. */
function paginate<T>(
  req: SimRequest,
  res: ServerResponse,
  items: T[],
  p: Paging,
): T[] {
  res.setHeader('X-Total-Count', String(items.length));
  const pageSize = p.pageSize === 0 ? 10 : p.pageSize;
  const link = (page: number, rel: string) => {
    const params = new Map<string, string>();
    for (const [k, v] of req.query) if (!params.has(k)) params.set(k, v);
    params.set('page', String(page));
    params.set('page_size', String(pageSize));
    const query = [...params.keys()]
      .sort()
      .map(k => `${queryEscape(k)}=${queryEscape(params.get(k)!)}`)
      .join('&');
    return `<${req.rawPath}?${query}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (p.page > 1) links.push(link(p.page - 1, 'prev'));
  if (p.page * pageSize < items.length) links.push(link(p.page + 1, 'next'));
  if (links.length) res.setHeader('Link', links.join(' , '));
  return items.slice((p.page - 1) * pageSize, p.page * pageSize);
}

/** Harbor's `q`: comma-separated `key=value` with `~` fuzzy, `*` any, `nil` none. */
function artifactFilter(q: string | null): (a: HarborArtifact) => boolean {
  if (!q) return () => true;
  const conds = q.split(',').map(c => {
    const eq = c.indexOf('=');
    if (eq <= 0)
      throw new HarborError(400, 'BAD_REQUEST', `invalid query: ${q}`);
    return { key: c.slice(0, eq).trim(), value: c.slice(eq + 1).trim() };
  });
  return a =>
    conds.every(({ key, value }) => {
      if (key === 'tags') {
        if (value === '*') return a.tags.length > 0;
        if (value === 'nil') return a.tags.length === 0;
        if (value.startsWith('~'))
          return a.tags.some(t => t.includes(value.slice(1)));
        return a.tags.includes(value);
      }
      if (key === 'digest') return a.digest === value;
      return true;
    });
}

function projectsList(
  ctx: HarborContext,
  caller: Caller,
  req: SimRequest,
  res: ServerResponse,
) {
  const p = paging(req.query);
  const name = req.query.get('name');
  const pub = req.query.get('public');
  const all = [...ctx.state.projects.values()]
    .filter(x => x.public || memberOf(caller, x))
    .filter(x => !name || x.name.includes(name))
    .filter(x => pub === null || String(x.public) === pub)
    .sort((a, b) => a.name.localeCompare(b.name));
  const page = paginate(req, res, all, p);
  sendJson(
    res,
    200,
    page.map(x => projectJson(x, memberOf(caller, x) ? 1 : null)),
  );
}

function createProject(
  ctx: HarborContext,
  caller: Caller,
  req: SimRequest,
  res: ServerResponse,
) {
  if (!caller.account)
    throw new HarborError(401, 'UNAUTHORIZED', 'unauthorized');
  if (caller.account.username.startsWith('robot$'))
    throw new HarborError(403, 'FORBIDDEN', 'forbidden');
  let body: unknown;
  try {
    body = JSON.parse(req.body.toString('utf8'));
  } catch (e) {
    throw new HarborError(
      400,
      'BAD_REQUEST',
      `parsing project body from "" failed, because ${(e as Error).message}`,
    );
  }
  if (!isRecord(body))
    throw new HarborError(
      400,
      'BAD_REQUEST',
      'parsing project body from "" failed',
    );
  const name = body.project_name;
  if (typeof name !== 'string' || name === '') {
    throw new HarborError(
      422,
      'UNPROCESSABLE_ENTITY',
      'validation failure list:\nproject_name in body is required',
    );
  }
  const metadata = body.metadata;
  let isPublic = false;
  if (metadata !== undefined && metadata !== null) {
    if (!isRecord(metadata))
      throw new HarborError(
        400,
        'BAD_REQUEST',
        'parsing project body from "" failed',
      );
    const pub = metadata.public;
    if (pub !== undefined) {
      if (typeof pub !== 'string') {
        throw new HarborError(
          400,
          'BAD_REQUEST',
          `parsing project body from "" failed, because json: cannot unmarshal ${
            typeof pub === 'boolean' ? 'bool' : typeof pub
          } into Go struct field ProjectMetadata.metadata.public of type string`,
        );
      }
      if (pub !== 'true' && pub !== 'false') {
        throw new HarborError(400, 'BAD_REQUEST', `invalid bool value: ${pub}`);
      }
      isPublic = pub === 'true';
    }
  }
  if (!HarborState.validProjectName(name)) {
    throw new HarborError(
      400,
      'BAD_REQUEST',
      `project name is not in lower case or contains illegal characters`,
    );
  }
  if (ctx.state.projects.has(name)) {
    throw new HarborError(
      409,
      'CONFLICT',
      `The project named ${name} already exists`,
    );
  }
  const project = ctx.state.addProject(name, isPublic, caller.account.username);
  sendEmpty(res, 201, { Location: `/api/v2.0/projects/${project.id}` });
}

function findProject(
  ctx: HarborContext,
  caller: Caller,
  req: SimRequest,
  ref: string,
): HarborProject {
  const project = ctx.state.projectByNameOrId(
    ref,
    req.header('x-is-resource-name') === 'true',
  );
  if (!project)
    throw new HarborError(404, 'NOT_FOUND', `project ${ref} not found`);
  canRead(caller, project);
  return project;
}

function artifacts(
  ctx: HarborContext,
  caller: Caller,
  req: SimRequest,
  res: ServerResponse,
  projectRef: string,
  repoName: string,
  reference?: string,
) {
  const p = paging(req.query);
  const project = findProject(ctx, caller, req, projectRef);
  const repo = project.repositories.get(repoName);
  if (!repo)
    throw new HarborError(
      404,
      'NOT_FOUND',
      `repository ${project.name}/${repoName} not found`,
    );
  const q = req.query;
  const flag = (name: string, def: boolean) =>
    q.get(name) === null ? def : q.get(name) === 'true';
  const opts = {
    withTag: flag('with_tag', true),
    withScanOverview: flag('with_scan_overview', false),
    withLabel: flag('with_label', false),
    acceptVulnerabilities:
      req.header('x-accept-vulnerabilities') ?? DEFAULT_ACCEPT_VULNERABILITIES,
  };
  if (reference !== undefined) {
    const a = repo.artifacts.find(
      x => x.digest === reference || x.tags.includes(reference),
    );
    if (!a) {
      throw new HarborError(
        404,
        'NOT_FOUND',
        `artifact ${project.name}/${repoName}:${reference} not found`,
      );
    }
    sendJson(res, 200, artifactJson(project, repo, a, opts));
    return;
  }
  const sort = q.get('sort') ?? '-push_time';
  const desc = sort.startsWith('-');
  const key = sort.replace(/^-/, '');
  const sortKey = (a: HarborArtifact) => {
    if (key === 'push_time') return a.pushTime;
    if (key === 'digest') return a.digest;
    return String(a.id).padStart(12, '0');
  };
  const filtered = repo.artifacts
    .filter(artifactFilter(q.get('q')))
    .sort((a, b) => {
      const c = compareStrings(sortKey(a), sortKey(b)) || b.id - a.id;
      return desc ? -c : c;
    });
  const page = paginate(req, res, filtered, p);
  sendJson(
    res,
    200,
    page.map(a => artifactJson(project, repo, a, opts)),
  );
}

function route(ctx: HarborContext, req: SimRequest, res: ServerResponse) {
  let once: string;
  try {
    once = decodeURIComponent(req.rawPath);
  } catch {
    throw new HarborError(400, 'BAD_REQUEST', 'invalid URL escape');
  }
  const notFound = () =>
    new HarborError(404, 'NOT_FOUND', `path ${once} was not found`);
  if (!once.startsWith('/api/v2.0/')) throw notFound();
  let seg: string[];
  try {
    seg = once.slice('/api/v2.0/'.length).split('/').map(decodeURIComponent);
  } catch {
    throw notFound();
  }
  if (seg[seg.length - 1] === '') seg.pop();
  const m = req.method;
  const caller = identify(ctx, req);
  csrf(ctx, req, res);

  if (m === 'GET' && seg.length === 1 && seg[0] === 'ping') {
    sendJson(res, 200, '"Pong"');
    return;
  }
  if (m === 'GET' && seg.length === 1 && seg[0] === 'systeminfo') {
    sendJson(res, 200, {
      auth_mode: 'db_auth',
      harbor_version: ctx.version,
      project_creation_restriction: 'everyone',
      self_registration: false,
      has_ca_root: false,
      read_only: false,
      banner_message: 'Harbor API simulator',
      current_time: new Date().toISOString(),
      primary_auth_mode: false,
    });
    return;
  }
  if (seg[0] === 'projects') {
    if (seg.length === 1) {
      if (m === 'HEAD') {
        const name = req.query.get('project_name');
        if (!name)
          throw new HarborError(
            422,
            'UNPROCESSABLE_ENTITY',
            'validation failure list:\nproject_name in query is required',
          );
        sendEmpty(res, ctx.state.projects.has(name) ? 200 : 404);
        return;
      }
      if (m === 'GET') {
        projectsList(ctx, caller, req, res);
        return;
      }
      if (m === 'POST') {
        createProject(ctx, caller, req, res);
        return;
      }
    }
    if (seg.length === 2 && m === 'GET') {
      const project = findProject(ctx, caller, req, seg[1]);
      sendJson(
        res,
        200,
        projectJson(project, memberOf(caller, project) ? 1 : null),
      );
      return;
    }
    if (seg.length === 3 && seg[2] === 'repositories' && m === 'GET') {
      const project = findProject(ctx, caller, req, seg[1]);
      const p = paging(req.query);
      const repos = [...project.repositories.values()].sort((a, b) =>
        a.name.localeCompare(b.name),
      );
      sendJson(
        res,
        200,
        paginate(req, res, repos, p).map(r => repositoryJson(project, r)),
      );
      return;
    }
    if (seg.length === 4 && seg[2] === 'repositories' && m === 'GET') {
      const project = findProject(ctx, caller, req, seg[1]);
      const repo = project.repositories.get(seg[3]);
      if (!repo)
        throw new HarborError(
          404,
          'NOT_FOUND',
          `repository ${project.name}/${seg[3]} not found`,
        );
      sendJson(res, 200, repositoryJson(project, repo));
      return;
    }
    if (
      seg.length === 5 &&
      seg[2] === 'repositories' &&
      seg[4] === 'artifacts' &&
      m === 'GET'
    ) {
      artifacts(ctx, caller, req, res, seg[1], seg[3]);
      return;
    }
    if (
      seg.length === 6 &&
      seg[2] === 'repositories' &&
      seg[4] === 'artifacts' &&
      m === 'GET'
    ) {
      artifacts(ctx, caller, req, res, seg[1], seg[3], seg[5]);
      return;
    }
  }
  throw notFound();
}

export function createHarborHandler(ctx: HarborContext): SimHandler {
  return (req, res) => {
    res.setHeader(
      'X-Request-Id',
      req.header('x-request-id') ?? crypto.randomUUID(),
    );
    if (!('sid' in req.cookies)) {
      // Harbor starts a session on its own; a cookie-jar client sends it back.
      res.setHeader(
        'Set-Cookie',
        `sid=${crypto.randomBytes(16).toString('hex')}; Path=/; HttpOnly`,
      );
    }
    try {
      route(ctx, req, res);
    } catch (e) {
      if (e instanceof HarborError) {
        if (req.method === 'HEAD') sendEmpty(res, e.status);
        else writeHarborError(res, e.status, e.code, e.message);
        return;
      }
      throw e;
    }
  };
}

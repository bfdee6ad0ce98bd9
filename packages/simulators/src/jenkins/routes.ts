/**
 * Request routing of the Jenkins simulator: `/job/<name>/…` per path element
 * (the path is decoded once, so `feature%252Fx` reaches item `feature%2Fx`
 * while a single `%2F` splits the path and 404s), the remote API, triggers,
 * the queue, createItem, crumbs and the Declarative validator.
 */
import { ServerResponse } from 'node:http';
import { SimHandler, SimRequest } from '../common/server';
import { sendEmpty, sendJson, sendText } from '../common/respond';
import { exportBean } from './bean';
import { ConfigXmlError, classify } from './configXml';
import { consoleText, sendProgressiveText } from './console';
import { validateJenkinsfile } from './declarative';
import { errorPage, failure, htmlPage } from './pages';
import { Renderer } from './render';
import { JenkinsAuthError, JenkinsSecurity, Principal } from './security';
import {
  JenkinsBuild,
  JenkinsJob,
  JenkinsWorld,
  isContainer,
  userCause,
} from './state';
import { TreeParseError, parseTree } from './tree';
import { StageView } from './wfapi';

export interface JenkinsContext {
  world: JenkinsWorld;
  security: JenkinsSecurity;
  version: string;
  quietPeriodMs: number;
}

const JSON_TYPE = 'application/json;charset=utf-8';
const UNSAFE = '?*/\\%!@#$^&|<>[]:;';
const PERMALINKS = [
  'lastBuild',
  'lastCompletedBuild',
  'lastSuccessfulBuild',
  'lastFailedBuild',
  'lastStableBuild',
  'lastUnstableBuild',
  'lastUnsuccessfulBuild',
];

class HttpFail extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

class Failure extends Error {}

interface Call {
  ctx: JenkinsContext;
  req: SimRequest;
  res: ServerResponse;
  p: Principal;
  r: Renderer;
  form?: URLSearchParams;
}

function apiJson(call: Call, bean: ReturnType<Renderer['job']>) {
  const treeParam = call.req.query.get('tree');
  let tree;
  if (treeParam !== null) {
    try {
      tree = parseTree(treeParam);
    } catch (e) {
      if (e instanceof TreeParseError) throw new HttpFail(500, e.message);
      throw e;
    }
  }
  const depthParam = call.req.query.get('depth');
  const depth = depthParam !== null ? Number.parseInt(depthParam, 10) || 0 : 0;
  sendJson(
    call.res,
    200,
    exportBean(bean, { tree, depth }),
    undefined,
    JSON_TYPE,
  );
}

/** `TimeDuration.fromString`: `5sec`, `300ms`, `1min`, plain = seconds. */
function parseDelay(v: string | null, fallbackMs: number): number {
  if (v === null || v === '') return fallbackMs;
  const m = /^(\d+)\s*(ms|sec|secs|min|mins)?$/.exec(v.trim());
  if (!m) return fallbackMs;
  const n = Number.parseInt(m[1], 10);
  if (m[2] === 'ms') return n;
  if (m[2]?.startsWith('min')) return n * 60_000;
  return n * 1000;
}

function param(call: Call, name: string): string | null {
  return call.form?.get(name) ?? call.req.query.get(name);
}

function scheduleAndRedirect(
  call: Call,
  job: JenkinsJob,
  parameters: Record<string, string | boolean> | undefined,
  duplicateStatus: 201 | 303,
) {
  const delay = parseDelay(call.req.query.get('delay'), call.ctx.quietPeriodMs);
  const { item, existing } = call.ctx.world.schedule(
    job,
    delay,
    [userCause(call.p.username)],
    parameters,
  );
  sendEmpty(call.res, existing ? duplicateStatus : 201, {
    Location: `${call.req.baseUrl}/queue/item/${item.id}/`,
  });
}

/** `BuildAuthorizationToken.checkPermission`: Item/Build, then POST (or an API token). */
function checkBuildPermission(call: Call) {
  call.ctx.security.require(call.p, 'build');
  if (call.req.method === 'POST' || call.p.via === 'token') return;
  throw new HttpFail(405, 'This URL requires POST', { Allow: 'POST' });
}

function doBuild(call: Call, job: JenkinsJob) {
  if (job.type === 'multibranch') {
    if (call.req.method !== 'POST')
      throw new HttpFail(405, 'This URL requires POST', { Allow: 'POST' });
    call.ctx.security.require(call.p, 'build');
    job.scans += 1;
    sendEmpty(call.res, 302, {
      Location: call.req.header('referer') ?? call.r.jobUrl(job),
    });
    return;
  }
  if (isContainer(job)) throw new HttpFail(404, 'Not Found');
  if (job.disabled)
    throw new HttpFail(
      409,
      `${call.ctx.world.fullNameOf(job)} is not buildable`,
    );
  const parameterized = job.parameters.length > 0;
  if (parameterized && call.req.method !== 'POST') {
    htmlPage(
      call.res,
      `Build ${job.name}`,
      '<p>This build requires parameters.</p>',
    );
    return;
  }
  checkBuildPermission(call);
  if (parameterized) {
    const json = param(call, 'json');
    if (!json) throw new HttpFail(400, 'This page expects a form submission');
    let parsed: { parameter?: unknown };
    try {
      parsed = JSON.parse(json);
    } catch {
      throw new HttpFail(400, 'This page expects a form submission');
    }
    const given = ([] as unknown[]).concat(parsed.parameter ?? []) as Array<{
      name?: string;
      value?: unknown;
    }>;
    const values: Record<string, string | boolean> = {};
    for (const def of job.parameters) {
      const hit = given.find(g => g && g.name === def.name);
      values[def.name] =
        (hit?.value as string | boolean | undefined) ?? def.defaultValue ?? '';
    }
    scheduleAndRedirect(call, job, values, 201);
    return;
  }
  scheduleAndRedirect(call, job, undefined, 201);
}

function doBuildWithParameters(call: Call, job: JenkinsJob) {
  if (isContainer(job)) throw new HttpFail(404, 'Not Found');
  checkBuildPermission(call);
  if (job.disabled)
    throw new HttpFail(
      409,
      `${call.ctx.world.fullNameOf(job)} is not buildable`,
    );
  if (job.parameters.length === 0) {
    throw new HttpFail(
      400,
      `${call.ctx.world.fullNameOf(job)} is not parameterized`,
    );
  }
  const values: Record<string, string | boolean> = {};
  for (const def of job.parameters) {
    const v = param(call, def.name);
    if (v !== null)
      values[def.name] =
        def.type === 'boolean' ? v === 'true' || v === 'on' : v;
    else
      values[def.name] =
        def.defaultValue ?? (def.type === 'boolean' ? false : '');
  }
  scheduleAndRedirect(call, job, values, 303);
}

function createItem(call: Call, parent: JenkinsJob) {
  if (call.req.method !== 'POST')
    throw new HttpFail(405, 'This URL requires POST', { Allow: 'POST' });
  call.ctx.security.require(call.p, 'create');
  const contentType = call.req.header('content-type');
  const mode = call.req.query.get('mode');
  if (!contentType && mode !== 'copy')
    throw new Failure('No Content-Type header set');
  const isXml =
    !!contentType &&
    (contentType.startsWith('application/xml') ||
      contentType.startsWith('text/xml'));
  let name = call.req.query.get('name');
  if (name === null) throw new Failure("Query parameter 'name' is required");
  if (name.trim() === '') throw new Failure('No name is specified');
  for (const ch of name) {
    if (UNSAFE.includes(ch))
      throw new Failure(`‘${ch}’ is an unsafe character`);
  }
  name = name.trim();
  if (parent.children.has(name))
    throw new Failure(`A job already exists with the name ‘${name}’`);
  if (mode === 'copy')
    throw new Failure('mode=copy is not supported by the Jenkins simulator');
  if (!isXml) throw new Failure('No mode given');
  let seed;
  try {
    seed = classify(call.req.body.toString('utf8'));
  } catch (e) {
    if (e instanceof ConfigXmlError)
      throw new HttpFail(500, `Failed to load ${name}: ${e.message}`);
    throw e;
  }
  call.ctx.world.addJob(name, seed, parent);
  sendEmpty(call.res, 200);
}

function configXml(call: Call, job: JenkinsJob) {
  call.ctx.security.require(call.p, 'configure');
  if (call.req.method === 'GET') {
    sendText(call.res, 200, job.configXml, undefined, 'application/xml');
    return;
  }
  if (call.req.method !== 'POST') throw new HttpFail(405, 'Method Not Allowed');
  let seed;
  try {
    seed = classify(call.req.body.toString('utf8'));
  } catch (e) {
    if (e instanceof ConfigXmlError) throw new HttpFail(500, e.message);
    throw e;
  }
  if (seed.type !== job.type)
    throw new Failure(`Expecting ${job.type} but got ${seed.type}`);
  job.configXml = seed.configXml!;
  job.description = seed.description ?? '';
  job.disabled = seed.disabled ?? false;
  job.parameters = seed.parameters ?? [];
  job.scmRemote = seed.scmRemote ?? job.scmRemote;
  sendEmpty(call.res, 200);
}

function buildRoutes(
  call: Call,
  job: JenkinsJob,
  build: JenkinsBuild,
  rest: string[],
) {
  const m = call.req.method;
  const is = (...parts: string[]) =>
    parts.length === rest.length && parts.every((x, i) => x === rest[i]);
  if (rest.length === 0) {
    htmlPage(
      call.res,
      `${job.name} #${build.number}`,
      `<p>${build.building ? 'Running' : build.result}</p>`,
    );
    return;
  }
  if (m === 'GET' && is('api', 'json')) {
    apiJson(call, call.r.build(job, build));
    return;
  }
  if (m === 'GET' && is('wfapi', 'describe') && job.type === 'pipeline') {
    sendJson(
      call.res,
      200,
      new StageView(call.ctx.world, j => call.r.relUrl(j)).run(job, build),
      undefined,
      JSON_TYPE,
    );
    return;
  }
  if (m === 'GET' && is('consoleText')) {
    sendText(call.res, 200, consoleText(build));
    return;
  }
  if (m === 'GET' && is('logText', 'progressiveText')) {
    sendProgressiveText(call.res, build, call.req.query.get('start'));
    return;
  }
  throw new HttpFail(404, 'Not Found');
}

function jobRoutes(call: Call, job: JenkinsJob, rest: string[]) {
  const m = call.req.method;
  const { world } = call.ctx;
  const is = (...parts: string[]) =>
    parts.length === rest.length && parts.every((x, i) => x === rest[i]);
  if (rest.length === 0) {
    htmlPage(call.res, call.r.fullDisplayName(job), '');
    return;
  }
  if (m === 'GET' && is('api', 'json')) {
    apiJson(call, call.r.job(job));
    return;
  }
  if (is('build')) {
    doBuild(call, job);
    return;
  }
  if (is('buildWithParameters')) {
    doBuildWithParameters(call, job);
    return;
  }
  if (is('createItem') && isContainer(job)) {
    createItem(call, job);
    return;
  }
  if (is('config.xml')) {
    configXml(call, job);
    return;
  }
  if (job.type === 'pipeline' && m === 'GET' && rest[0] === 'wfapi') {
    const view = new StageView(world, j => call.r.relUrl(j));
    if (is('wfapi', 'describe')) {
      sendJson(call.res, 200, view.describeJob(job), undefined, JSON_TYPE);
      return;
    }
    if (is('wfapi', 'runs')) {
      let since = call.req.query.get('since');
      if (since) {
        try {
          since = decodeURIComponent(since);
        } catch {
          // keep as is
        }
      }
      sendJson(call.res, 200, view.runs(job, since), undefined, JSON_TYPE);
      return;
    }
  }
  if ((is('enable') || is('disable')) && !isContainer(job)) {
    if (m !== 'POST')
      throw new HttpFail(405, 'This URL requires POST', { Allow: 'POST' });
    call.ctx.security.require(call.p, 'configure');
    job.disabled = rest[0] === 'disable';
    sendEmpty(call.res, 302, { Location: call.r.jobUrl(job) });
    return;
  }
  if (!isContainer(job) && rest.length >= 1) {
    let build: JenkinsBuild | undefined;
    if (/^\d+$/.test(rest[0]))
      build = job.builds.find(b => b.number === Number(rest[0]));
    else if (PERMALINKS.includes(rest[0])) {
      const done = job.builds.filter(b => !b.building);
      const pick: Record<string, JenkinsBuild | undefined> = {
        lastBuild: job.builds[job.builds.length - 1],
        lastCompletedBuild: done[done.length - 1],
        lastSuccessfulBuild: [...done]
          .reverse()
          .find(b => b.result === 'SUCCESS' || b.result === 'UNSTABLE'),
        lastFailedBuild: [...done].reverse().find(b => b.result === 'FAILURE'),
        lastStableBuild: [...done].reverse().find(b => b.result === 'SUCCESS'),
        lastUnstableBuild: [...done]
          .reverse()
          .find(b => b.result === 'UNSTABLE'),
        lastUnsuccessfulBuild: [...done]
          .reverse()
          .find(b => b.result !== 'SUCCESS'),
      };
      build = pick[rest[0]];
    }
    if (build) {
      buildRoutes(call, job, build, rest.slice(1));
      return;
    }
  }
  throw new HttpFail(404, 'Not Found');
}

function validateEndpoint(call: Call, json: boolean) {
  call.ctx.security.require(call.p, 'overall');
  const source = param(call, 'jenkinsfile');
  if (json) {
    if (source === null) {
      sendJson(
        call.res,
        200,
        {
          status: 'ok',
          data: {
            result: 'failure',
            errors: [{ error: "No content found for 'jenkinsfile' parameter" }],
          },
        },
        undefined,
        JSON_TYPE,
      );
      return;
    }
    const errors = validateJenkinsfile(source);
    sendJson(
      call.res,
      200,
      errors.length
        ? {
            status: 'ok',
            data: {
              result: 'failure',
              errors: errors.map(error => ({ error })),
            },
          }
        : { status: 'ok', data: { result: 'success' } },
      undefined,
      JSON_TYPE,
    );
    return;
  }
  const errors = validateJenkinsfile(source ?? '');
  sendText(
    call.res,
    200,
    errors.length
      ? `Errors encountered validating Jenkinsfile:\n${errors.join('\n')}\n`
      : 'Jenkinsfile successfully validated.\n',
  );
}

function route(call: Call, tokens: string[]) {
  const { ctx, req, res, p } = call;
  const m = req.method;
  const is = (...parts: string[]) =>
    parts.length === tokens.length && parts.every((x, i) => x === tokens[i]);

  if (m === 'GET' && is('whoAmI', 'api', 'json')) {
    sendJson(
      res,
      200,
      {
        _class: 'hudson.security.WhoAmI',
        anonymous: p.username === 'anonymous',
        authenticated: p.username !== 'anonymous',
        authorities:
          p.username === 'anonymous' ? ['anonymous'] : ['authenticated'],
        name: p.username,
      },
      undefined,
      JSON_TYPE,
    );
    return;
  }
  if (tokens[0] === 'pipeline-model-converter' && m === 'POST') {
    if (is('pipeline-model-converter', 'validate')) {
      validateEndpoint(call, false);
      return;
    }
    if (is('pipeline-model-converter', 'validateJenkinsfile')) {
      validateEndpoint(call, true);
      return;
    }
  }
  ctx.security.checkCrumb(req, p, call.form);
  ctx.security.require(p, 'overall');

  if (m === 'GET' && is('crumbIssuer', 'api', 'json')) {
    if (!ctx.security.crumbsEnabled) throw new HttpFail(404, 'Not Found');
    const { sessionId, setCookie } = ctx.security.ensureSession(p);
    sendJson(
      res,
      200,
      {
        _class: 'hudson.security.csrf.DefaultCrumbIssuer',
        crumb: ctx.security.crumbFor(p.username, sessionId),
        crumbRequestField: 'Jenkins-Crumb',
      },
      setCookie ? { 'Set-Cookie': setCookie } : undefined,
      JSON_TYPE,
    );
    return;
  }
  if (m === 'GET' && is('api', 'json')) {
    apiJson(call, call.r.rootBean());
    return;
  }
  if (m === 'GET' && is('queue', 'api', 'json')) {
    apiJson(call, call.r.queueBean());
    return;
  }
  if (
    m === 'GET' &&
    tokens.length === 5 &&
    tokens[0] === 'queue' &&
    tokens[1] === 'item' &&
    tokens[3] === 'api' &&
    tokens[4] === 'json'
  ) {
    const item = ctx.world.queue.get(Number(tokens[2]));
    if (!item || !/^\d+$/.test(tokens[2])) throw new HttpFail(404, 'Not Found');
    apiJson(call, call.r.queueItemBean(item));
    return;
  }
  if (is('createItem')) {
    createItem(call, ctx.world.root);
    return;
  }
  if (tokens.length === 0) {
    htmlPage(res, 'Jenkins simulator', '<p>Dashboard</p>');
    return;
  }

  let job: JenkinsJob = ctx.world.root;
  let i = 0;
  while (tokens[i] === 'job' && i + 1 < tokens.length) {
    if (!isContainer(job)) throw new HttpFail(404, 'Not Found');
    const child = job.children.get(tokens[i + 1]);
    if (!child || !ctx.security.has(p, 'read'))
      throw new HttpFail(404, 'Not Found');
    job = child;
    i += 2;
  }
  if (job === ctx.world.root) throw new HttpFail(404, 'Not Found');
  jobRoutes(call, job, tokens.slice(i));
}

export function createJenkinsHandler(ctx: JenkinsContext): SimHandler {
  return (req, res) => {
    res.setHeader('X-Jenkins', ctx.version);
    res.setHeader('X-Jenkins-Session', 'cafe5157');
    ctx.world.advance();
    try {
      const p = ctx.security.identify(req);
      let decoded: string;
      try {
        decoded = decodeURIComponent(req.rawPath);
      } catch {
        throw new HttpFail(400, 'Bad Message 400: Bad URI');
      }
      const tokens = decoded.split('/').filter(Boolean);
      const ct = req.header('content-type') ?? '';
      const form = ct.startsWith('application/x-www-form-urlencoded')
        ? new URLSearchParams(req.body.toString('utf8'))
        : undefined;
      const r = new Renderer(ctx.world, `${req.baseUrl}/`);
      route({ ctx, req, res, p, r, form }, tokens);
    } catch (e) {
      if (e instanceof JenkinsAuthError || e instanceof HttpFail) {
        errorPage(res, e.status, e.message, e.headers);
        return;
      }
      if (e instanceof Failure) {
        failure(res, e.message);
        return;
      }
      throw e;
    }
  };
}

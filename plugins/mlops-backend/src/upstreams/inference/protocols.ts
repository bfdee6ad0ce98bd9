import {
  InferenceCheck,
  InferenceProtocol,
  UpstreamProblem,
} from '@internal/plugin-mlops-common';
import { HttpResponse, UpstreamError, truncate } from '../http';
import { InferenceConfig } from './config';
import { InferenceTarget } from './target';

/** A GET through the endpoint policy, timed. Throws only UpstreamError. */
export type TimedGet = (
  url: string,
  headers: Record<string, string>,
  upstream: string,
) => Promise<{ res: HttpResponse; ms: number }>;

/** What the calls of one protocol found. `undefined` = could not be judged. */
export interface ProbeOutcome {
  live?: boolean;
  ready?: boolean;
  modelReady?: boolean;
  latencyMs?: number;
  checks: InferenceCheck[];
  /** The first failure that kept something from being judged. */
  problem?: UpstreamProblem;
  /** Why something is unknown although nothing failed (e.g. no model name). */
  unknownBecause: string[];
}

export interface ProbeEnv {
  get: TimedGet;
  config: InferenceConfig;
}

type Answer = { res: HttpResponse; ms: number } | { error: UpstreamError };

/** Joins a base URL and a path without doubling or losing slashes; keeps the base's own path prefix. */
export function joinUrl(base: string, path: string): string {
  const url = new URL(base);
  url.search = '';
  url.hash = '';
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${path}`;
  return url.toString();
}

/** `host[:port]` of a URL, for messages. */
export function hostOf(raw: string): string {
  try {
    return new URL(raw).host;
  } catch {
    return truncate(raw, 60);
  }
}

const LABELS: Record<InferenceProtocol, string> = {
  torchserve: 'TorchServe',
  'kserve-v2': 'KServe (V2)',
  triton: 'Triton',
  openai: 'vLLM (OpenAI API)',
  http: 'inference endpoint',
};

export function upstreamName(target: InferenceTarget): string {
  return `${LABELS[target.protocol]} ${hostOf(target.endpoint)}`;
}

/** Text of an error body: TorchServe `{code,type,message}`, OIP `{error}`, vLLM `{error:{message}}` or `{message}`. */
export function errorText(res: HttpResponse): string | undefined {
  const raw = res.body.toString('utf8').trim();
  if (!raw) return undefined;
  try {
    const body = JSON.parse(raw) as Record<string, unknown>;
    const nested = body.error as Record<string, unknown> | string | undefined;
    const parts = [
      typeof body.type === 'string' ? body.type : undefined,
      typeof nested === 'string' ? nested : undefined,
      nested && typeof nested === 'object' && typeof nested.message === 'string'
        ? nested.message
        : undefined,
      typeof body.message === 'string' ? body.message : undefined,
      typeof body.status === 'string' ? body.status : undefined,
      typeof body.reason === 'string' ? body.reason : undefined,
    ].filter((p): p is string => Boolean(p));
    return parts.length ? truncate(parts.join(': '), 200) : undefined;
  } catch {
    return /^[\x20-\x7e\s]+$/.test(raw)
      ? truncate(raw.replace(/\s+/g, ' '), 120)
      : undefined;
  }
}

class Recorder {
  readonly checks: InferenceCheck[] = [];
  /** The outcome being built; `fail` and `unexpected` set its problem. */
  readonly out: ProbeOutcome = { checks: this.checks, unknownBecause: [] };

  constructor(
    private readonly env: ProbeEnv,
    private readonly upstream: string,
  ) {}

  async call(
    base: string,
    path: string,
    headers: Record<string, string> = {},
    upstream = this.upstream,
  ): Promise<Answer> {
    try {
      return await this.env.get(
        joinUrl(base, path),
        { accept: 'application/json', ...headers },
        upstream,
      );
    } catch (e) {
      if (!(e instanceof UpstreamError)) throw e;
      return { error: e };
    }
  }

  record(check: InferenceCheck, answer?: Answer): void {
    if (answer && 'res' in answer) {
      check.httpStatus = answer.res.status;
      check.ms = Math.round(answer.ms);
    }
    this.checks.push(check);
  }

  /** Records a call that kept something from being judged; `answer` when the server did answer. */
  fail(
    kind: InferenceCheck['kind'],
    path: string,
    error: UpstreamError | UpstreamProblem,
    answer?: Answer,
  ): void {
    const problem = error instanceof UpstreamError ? error.problem : error;
    this.out.problem ??= problem;
    this.record({ kind, path, detail: problem.message }, answer);
  }

  unexpected(
    kind: InferenceCheck['kind'],
    path: string,
    answer: { res: HttpResponse; ms: number },
    what: string,
  ): void {
    const text = errorText(answer.res);
    let fault: UpstreamProblem['fault'] = 'malformed';
    if (answer.res.status >= 500) fault = 'server-error';
    else if (answer.res.status === 404) fault = 'not-found';
    const problem: UpstreamProblem = {
      upstream: this.upstream,
      fault,
      message: `answered ${answer.res.status} on ${path}${
        text ? ` (${text})` : ''
      }${what ? `: ${what}` : ''}`,
      httpStatus: answer.res.status,
    };
    this.out.problem ??= problem;
    this.record({ kind, path, detail: problem.message }, answer);
  }
}

const bearer = (token?: string): Record<string, string> =>
  token ? { authorization: `Bearer ${token}` } : {};
const modelPath = (model: string) => encodeURIComponent(model);

/**
 * TorchServe: `GET /ping` is 200 `{"status":"Healthy"}` or 500 `Unhealthy`;
 * since 0.11.1 it needs the inference key (400 `InvalidKeyException`
 * without). `/ping` says Healthy even with no model loaded, so the model is
 * judged only through the management API (`GET /models/{m}`, an array whose
 * workers must be READY).
 */
async function probeTorchServe(
  target: InferenceTarget,
  env: ProbeEnv,
  upstream: string,
): Promise<ProbeOutcome> {
  const rec = new Recorder(env, upstream);
  const out = rec.out;
  const token = env.config.torchserveToken;
  const mgmtUpstream = `TorchServe management ${hostOf(
    target.managementEndpoint ?? '',
  )}`;
  const [ping, mgmt] = await Promise.all([
    rec.call(target.endpoint, '/ping', bearer(token)),
    target.managementEndpoint && target.model
      ? rec.call(
          target.managementEndpoint,
          `/models/${modelPath(target.model)}`,
          bearer(env.config.torchserveManagementToken),
          mgmtUpstream,
        )
      : Promise.resolve(undefined),
  ]);

  if ('error' in ping) {
    rec.fail('ready', '/ping', ping.error);
  } else if (ping.res.status === 200 || ping.res.status === 500) {
    out.live = true;
    out.ready = ping.res.status === 200;
    out.latencyMs = ping.ms;
    const status = errorText(ping.res) ?? (out.ready ? 'Healthy' : 'Unhealthy');
    rec.record(
      {
        kind: 'ready',
        path: '/ping',
        ok: out.ready,
        detail: out.ready
          ? `/ping: ${status}`
          : `/ping: ${status} (a model has fewer healthy workers than its minWorkers)`,
      },
      ping,
    );
  } else if (ping.res.status === 400 || ping.res.status === 401) {
    // Only the token check makes /ping (which takes no input) answer 400.
    out.live = true;
    const server = errorText(ping.res);
    const message = token
      ? `rejected mlops.inference.torchserveToken on /ping (${ping.res.status}${
          server ? ` ${server}` : ''
        }); inference keys expire after 60 minutes unless TorchServe is told otherwise`
      : `answered ${ping.res.status} on /ping: token auth is on: configure mlops.inference.torchserveToken (the "inference" key of TorchServe's key_file.json), or start TorchServe with --disable-token-auth`;
    rec.fail(
      'ready',
      '/ping',
      { upstream, fault: 'unauthorized', message, httpStatus: ping.res.status },
      ping,
    );
  } else {
    rec.unexpected(
      'ready',
      '/ping',
      ping,
      ping.res.status === 404
        ? 'is this a TorchServe inference address (port 8080)?'
        : '',
    );
  }

  if (!target.model) {
    out.unknownBecause.push(
      'no model name: set annotation mlops.io/model-name',
    );
  } else if (!target.managementEndpoint) {
    out.unknownBecause.push(
      `TorchServe's /ping says Healthy even when no model is loaded; set annotation mlops.io/inference-management-endpoint to check model ${target.model}`,
    );
  } else if (mgmt) {
    judgeTorchServeModel(
      target.model,
      mgmt,
      rec,
      out,
      mgmtUpstream,
      Boolean(env.config.torchserveManagementToken),
    );
  }
  return out;
}

function judgeTorchServeModel(
  model: string,
  answer: Answer,
  rec: Recorder,
  out: ProbeOutcome,
  upstream: string,
  hasToken: boolean,
): void {
  const path = `/models/${modelPath(model)}`;
  if ('error' in answer) {
    rec.fail('model-ready', path, answer.error);
    return;
  }
  const { res } = answer;
  if (res.status === 404) {
    out.modelReady = false;
    rec.record(
      {
        kind: 'model-ready',
        path,
        ok: false,
        detail: `model ${model} is not registered (${errorText(res) ?? '404'})`,
      },
      answer,
    );
    return;
  }
  if (res.status === 400 || res.status === 401) {
    const message = hasToken
      ? `rejected mlops.inference.torchserveManagementToken (${res.status})`
      : `answered ${res.status}: token auth is on: configure mlops.inference.torchserveManagementToken (the "management" key of key_file.json)`;
    rec.fail(
      'model-ready',
      path,
      { upstream, fault: 'unauthorized', message, httpStatus: res.status },
      answer,
    );
    return;
  }
  if (res.status !== 200) {
    rec.unexpected('model-ready', path, answer, '');
    return;
  }
  let versions: unknown;
  try {
    versions = JSON.parse(res.body.toString('utf8'));
  } catch {
    versions = undefined;
  }
  if (!Array.isArray(versions)) {
    rec.unexpected(
      'model-ready',
      path,
      answer,
      'expected the array TorchServe returns',
    );
    return;
  }
  const workers = versions.flatMap(v => {
    const w = (v as { workers?: unknown }).workers;
    return Array.isArray(w) ? (w as Array<{ status?: unknown }>) : [];
  });
  const minWorkers = Math.max(
    0,
    ...versions.map(
      v => Number((v as { minWorkers?: unknown }).minWorkers) || 0,
    ),
  );
  const readyWorkers = workers.filter(w => w.status === 'READY').length;
  out.modelReady = readyWorkers > 0;
  const detail =
    workers.length === 0
      ? `model ${model} is registered but has no workers`
      : `model ${model}: ${readyWorkers}/${workers.length} workers READY${
          minWorkers ? ` (minWorkers ${minWorkers})` : ''
        }`;
  rec.record({ kind: 'model-ready', path, ok: out.modelReady, detail }, answer);
}

/**
 * Open Inference Protocol (KServe V2, Triton): judged by status code only.
 * KServe answers JSON bodies and 503 when not ready; Triton empty bodies and
 * 400. Triton's server readiness is false while it loads models in explicit
 * mode, so the model's own readiness decides between warning and error.
 */
async function probeOip(
  target: InferenceTarget,
  env: ProbeEnv,
  upstream: string,
): Promise<ProbeOutcome> {
  const rec = new Recorder(env, upstream);
  const out = rec.out;
  const modelReadyPath = target.model
    ? `/v2/models/${modelPath(target.model)}/ready`
    : undefined;
  const [live, ready, model] = await Promise.all([
    rec.call(target.endpoint, '/v2/health/live'),
    rec.call(target.endpoint, '/v2/health/ready'),
    modelReadyPath
      ? rec.call(target.endpoint, modelReadyPath)
      : Promise.resolve(undefined),
  ]);

  const judge = (
    kind: InferenceCheck['kind'],
    path: string,
    answer: Answer,
    subject: string,
  ): boolean | undefined => {
    if ('error' in answer) {
      rec.fail(kind, path, answer.error);
      return undefined;
    }
    const status = answer.res.status;
    const text = errorText(answer.res);
    if (status === 200) {
      rec.record({ kind, path, ok: true, detail: `${subject}: yes` }, answer);
      return true;
    }
    if (status === 404 && kind !== 'model-ready') {
      rec.unexpected(
        kind,
        path,
        answer,
        'is this an Open Inference Protocol (V2) server? KServe V1 servers answer /v1/models/{m}',
      );
      return undefined;
    }
    if ((status >= 400 && status < 500) || status === 503) {
      const why =
        status === 404
          ? `model ${target.model} does not exist`
          : `${subject}: no`;
      rec.record(
        {
          kind,
          path,
          ok: false,
          detail: `${why} (${status}${text ? ` ${text}` : ''})`,
        },
        answer,
      );
      return false;
    }
    rec.unexpected(kind, path, answer, '');
    return undefined;
  };

  out.live = judge('live', '/v2/health/live', live, 'server live');
  out.ready = judge('ready', '/v2/health/ready', ready, 'server ready');
  if (out.ready === false && out.live && target.protocol === 'triton') {
    const check = rec.checks.find(c => c.kind === 'ready');
    if (check)
      check.detail +=
        '; Triton reports not ready while it loads models in explicit mode';
  }
  if ('res' in ready) out.latencyMs = ready.ms;
  if (model && modelReadyPath)
    out.modelReady = judge(
      'model-ready',
      modelReadyPath,
      model,
      `model ${target.model} ready`,
    );
  else
    out.unknownBecause.push(
      'no model name: set annotation mlops.io/model-name',
    );
  return out;
}

/**
 * vLLM's OpenAI-compatible server: `GET /health` is an empty 200, or an empty
 * 503 once the engine died; until the weights are loaded nothing listens at
 * all. `GET /v1/models` lists the served model names (and is the only call
 * guarded by `--api-key`).
 */
async function probeOpenAi(
  target: InferenceTarget,
  env: ProbeEnv,
  upstream: string,
): Promise<ProbeOutcome> {
  const rec = new Recorder(env, upstream);
  const out = rec.out;
  const [health, models] = await Promise.all([
    rec.call(target.endpoint, '/health'),
    rec.call(target.endpoint, '/v1/models', bearer(env.config.openaiApiKey)),
  ]);

  if ('error' in health) {
    const p = health.error.problem;
    if (p.fault === 'unreachable' && /refused/.test(p.message)) {
      rec.fail('ready', '/health', {
        ...p,
        message: `not listening yet (model may be loading): ${p.message}`,
      });
    } else {
      rec.fail('ready', '/health', health.error);
    }
    return out; // /v1/models failed the same way; one problem is enough
  }
  if (health.res.status === 200 || health.res.status === 503) {
    out.live = true;
    out.ready = health.res.status === 200;
    out.latencyMs = health.ms;
    // vLLM answers an empty 503 once its engine died; other OpenAI-compatible
    // servers (the generated FastAPI service) say why in the body.
    const why = out.ready ? undefined : errorText(health.res);
    let detail = '/health: 200';
    if (!out.ready)
      detail = why
        ? `/health: 503 (${why})`
        : '/health: 503, the engine is dead (EngineDeadError): the server needs a restart';
    rec.record(
      {
        kind: 'ready',
        path: '/health',
        ok: out.ready,
        detail,
      },
      health,
    );
  } else {
    rec.unexpected(
      'ready',
      '/health',
      health,
      health.res.status === 404
        ? 'is this a vLLM OpenAI-compatible server?'
        : '',
    );
  }

  if ('error' in models) {
    rec.fail('models', '/v1/models', models.error);
  } else if (models.res.status === 401) {
    rec.fail(
      'models',
      '/v1/models',
      {
        upstream,
        fault: 'unauthorized',
        httpStatus: 401,
        message: env.config.openaiApiKey
          ? 'rejected mlops.inference.openaiApiKey on /v1/models (401)'
          : 'answered 401 on /v1/models: the server runs with --api-key; configure mlops.inference.openaiApiKey',
      },
      models,
    );
  } else if (models.res.status !== 200) {
    rec.unexpected('models', '/v1/models', models, '');
  } else {
    const ids = servedModelIds(models.res);
    if (ids === 'not-json') {
      rec.fail(
        'models',
        '/v1/models',
        {
          upstream,
          fault: 'malformed',
          httpStatus: 200,
          message: 'returned a model list on /v1/models that is not valid JSON',
        },
        models,
      );
    } else if (!ids) {
      rec.unexpected(
        'models',
        '/v1/models',
        models,
        'expected {"object":"list","data":[{"id":…}]}',
      );
    } else {
      out.modelReady = target.model
        ? ids.includes(target.model)
        : ids.length > 0;
      const served = ids.length
        ? `serves ${ids.map(i => truncate(i, 60)).join(', ')}`
        : 'serves no model';
      let detail = served;
      if (target.model) {
        detail = out.modelReady
          ? `model ${target.model} is served`
          : `${served}, not ${target.model}`;
      }
      rec.record(
        { kind: 'models', path: '/v1/models', ok: out.modelReady, detail },
        models,
      );
    }
  }
  return out;
}

function servedModelIds(res: HttpResponse): string[] | 'not-json' | undefined {
  let body: { data?: unknown };
  try {
    body = JSON.parse(res.body.toString('utf8')) as { data?: unknown };
  } catch {
    return 'not-json';
  }
  if (!Array.isArray(body?.data)) return undefined;
  return body.data
    .map(m => (m as { id?: unknown }).id)
    .filter((id): id is string => typeof id === 'string');
}

/**
 * Plain HTTP: the endpoint URL is the service's own readiness check (e.g. the
 * generated FastAPI service's `/ready`, which covers its model): 2xx = live,
 * ready and model ready; any other answer = live but not ready.
 */
async function probeHttp(
  target: InferenceTarget,
  env: ProbeEnv,
  upstream: string,
): Promise<ProbeOutcome> {
  const rec = new Recorder(env, upstream);
  const out = rec.out;
  const url = new URL(target.endpoint);
  const path = `${url.pathname}${url.search}`;
  let answer: Answer;
  try {
    answer = await env.get(url.toString(), { accept: '*/*' }, upstream);
  } catch (e) {
    if (!(e instanceof UpstreamError)) throw e;
    answer = { error: e };
  }
  if ('error' in answer) {
    rec.fail('ready', path, answer.error);
    return out;
  }
  const ok = answer.res.status >= 200 && answer.res.status < 300;
  out.live = true;
  out.ready = ok;
  out.modelReady = ok;
  out.latencyMs = answer.ms;
  const text = ok ? undefined : errorText(answer.res);
  rec.record(
    {
      kind: 'ready',
      path,
      ok,
      detail: `GET ${path}: ${answer.res.status}${text ? ` (${text})` : ''}`,
    },
    answer,
  );
  return out;
}

export const PROTOCOL_PROBES: Record<
  InferenceProtocol,
  (
    target: InferenceTarget,
    env: ProbeEnv,
    upstream: string,
  ) => Promise<ProbeOutcome>
> = {
  torchserve: probeTorchServe,
  'kserve-v2': probeOip,
  triton: probeOip,
  openai: probeOpenAi,
  http: probeHttp,
};

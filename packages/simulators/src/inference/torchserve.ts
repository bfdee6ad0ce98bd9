/**
 * TorchServe simulator (not TorchServe): inference (`/ping`, `/predictions`),
 * management (`/models` paging, describe-as-array) and metrics on three
 * ports, token authorization on by default (≥ 0.11.1: `/ping` without a
 * token is 400 `InvalidKeyException`), `{code,type,message}` errors, and the
 * simpleclient metrics text with a trailing comma after the last label.
 */
import crypto from 'node:crypto';
import { ServerResponse } from 'node:http';
import { Fault } from '../common/faults';
import { javaDouble, renderProm, PromFamily } from '../common/promText';
import {
  RecordedRequest,
  SimRequest,
  SimServer,
  startSimServer,
} from '../common/server';
import { sendJson, sendText } from '../common/respond';

export interface TorchServeModelSeed {
  name: string;
  version?: string;
  /** Default `<name>.mar`. */
  url?: string;
  minWorkers?: number;
  maxWorkers?: number;
  /** Workers that are READY (default minWorkers, at least 1). */
  readyWorkers?: number;
  batchSize?: number;
  maxBatchDelay?: number;
}

export interface TorchServeSimulatorOptions {
  /** Token authorization (default true, as since 0.11.1). */
  tokenAuth?: boolean;
  /** `metrics_mode`: `log` (default: no series on /metrics), `prometheus`, `legacy` (only ts_*). */
  metricsMode?: 'log' | 'prometheus' | 'legacy';
  models?: TorchServeModelSeed[];
  /** Value of the `hostname`/`Hostname` metric labels. */
  hostname?: string;
}

export interface TorchServeSimulator {
  /** The inference API (same as inferenceUrl). */
  url: string;
  inferenceUrl: string;
  managementUrl: string;
  metricsUrl: string;
  /** key_file.json: management, inference and API keys. */
  keys: { management: string; inference: string; api: string };
  stop(): Promise<void>;
  /** Applies a fault to one port or all of them. */
  setFault(
    fault: Fault,
    port?: 'inference' | 'management' | 'metrics' | 'all',
  ): Promise<void>;
  requests(): RecordedRequest[];
  addModel(model: TorchServeModelSeed): void;
  removeModel(name: string): void;
  /** Sets how many workers of a model are READY (fewer than minWorkers → /ping 500). */
  setReadyWorkers(name: string, ready: number): void;
}

interface Model extends Required<Omit<TorchServeModelSeed, 'readyWorkers'>> {
  readyWorkers: number;
  requests: number;
  latencyUs: number;
  queueUs: number;
  loadedAt: string;
}

const tsError = (
  res: ServerResponse,
  code: number,
  type: string,
  message: string,
) => sendJson(res, code, { code, type, message });

const INVALID_KEY =
  'Token Authorization failed. Token either incorrect, expired, or not provided correctly';

export async function startTorchServeSimulator(
  options: TorchServeSimulatorOptions = {},
): Promise<TorchServeSimulator> {
  const tokenAuth = options.tokenAuth ?? true;
  const hostname = options.hostname ?? 'torchserve-simulator';
  const keys = {
    management: crypto.randomBytes(6).toString('base64url'),
    inference: crypto.randomBytes(6).toString('base64url'),
    api: crypto.randomBytes(6).toString('base64url'),
  };
  const models = new Map<string, Model>();
  const http = { '2xx': 0, '4xx': 0, '5xx': 0 };
  const add = (m: TorchServeModelSeed) => {
    const minWorkers = m.minWorkers ?? 1;
    models.set(m.name, {
      name: m.name,
      version: m.version ?? '1.0',
      url: m.url ?? `${m.name}.mar`,
      minWorkers,
      maxWorkers: m.maxWorkers ?? Math.max(minWorkers, 1),
      batchSize: m.batchSize ?? 1,
      maxBatchDelay: m.maxBatchDelay ?? 100,
      readyWorkers: m.readyWorkers ?? Math.max(minWorkers, 1),
      requests: 0,
      latencyUs: 0,
      queueUs: 0,
      loadedAt: new Date().toISOString(),
    });
  };
  for (const m of options.models ?? []) add(m);

  const authorized = (req: SimRequest, key: string) => {
    if (!tokenAuth) return true;
    const h = req.header('authorization');
    return h === `Bearer ${key}` || h === `Bearer ${keys.api}`;
  };
  const count = (status: number) => {
    if (status < 300) http['2xx']++;
    else if (status < 500) http['4xx']++;
    else http['5xx']++;
  };

  const inference = await startSimServer({
    name: 'torchserve',
    errorResponse: (_req, res, status) =>
      tsError(res, status, 'SimulatedFault', `simulated fault: HTTP ${status}`),
    handler: (req, res) => {
      if (!authorized(req, keys.inference)) {
        count(400);
        tsError(res, 400, 'InvalidKeyException', INVALID_KEY);
        return;
      }
      const seg = req.rawPath
        .split('/')
        .filter(Boolean)
        .map(decodeURIComponent);
      if (req.method === 'GET' && seg.length === 1 && seg[0] === 'ping') {
        const healthy = [...models.values()].every(
          m => m.readyWorkers >= m.minWorkers,
        );
        count(healthy ? 200 : 500);
        sendJson(res, healthy ? 200 : 500, {
          status: healthy ? 'Healthy' : 'Unhealthy',
        });
        return;
      }
      if (
        req.method === 'POST' &&
        seg[0] === 'predictions' &&
        (seg.length === 2 || seg.length === 3)
      ) {
        const m = models.get(seg[1]);
        if (!m || (seg[2] && seg[2] !== m.version)) {
          count(404);
          tsError(
            res,
            404,
            'ModelNotFoundException',
            `Model not found: ${seg[1]}`,
          );
          return;
        }
        if (m.readyWorkers === 0) {
          count(503);
          tsError(
            res,
            503,
            'ServiceUnavailableException',
            `Model "${m.name}" has no worker to serve inference request. Please use scale workers API to add workers.`,
          );
          return;
        }
        m.requests += 1;
        m.latencyUs += 12_345;
        m.queueUs += 150;
        count(200);
        sendJson(res, 200, {
          simulated: true,
          model: m.name,
          prediction: [0.5],
        });
        return;
      }
      count(404);
      tsError(
        res,
        404,
        'ResourceNotFoundException',
        'Requested resource is not found, please refer to API document.',
      );
    },
  });

  const describe = (m: Model) => ({
    modelName: m.name,
    modelVersion: m.version,
    modelUrl: m.url,
    runtime: 'python',
    minWorkers: m.minWorkers,
    maxWorkers: m.maxWorkers,
    batchSize: m.batchSize,
    maxBatchDelay: m.maxBatchDelay,
    loadedAtStartup: true,
    workers: Array.from(
      { length: Math.max(m.readyWorkers, m.minWorkers) },
      (_, i) => ({
        id: String(9000 + i),
        startTime: m.loadedAt,
        status: i < m.readyWorkers ? 'READY' : 'UNLOADING',
        memoryUsage: 0,
        pid: 4000 + i,
        gpu: false,
        gpuUsage: 'N/A',
      }),
    ),
    jobQueueStatus: { remainingCapacity: 1000, pendingRequests: 0 },
  });

  const management = await startSimServer({
    name: 'torchserve',
    errorResponse: (_req, res, status) =>
      tsError(res, status, 'SimulatedFault', `simulated fault: HTTP ${status}`),
    handler: (req, res) => {
      if (!authorized(req, keys.management)) {
        tsError(res, 400, 'InvalidKeyException', INVALID_KEY);
        return;
      }
      const seg = req.rawPath
        .split('/')
        .filter(Boolean)
        .map(decodeURIComponent);
      if (req.method === 'GET' && seg.length === 1 && seg[0] === 'models') {
        const limitRaw = Number.parseInt(req.query.get('limit') ?? '100', 10);
        const limit =
          Number.isNaN(limitRaw) || limitRaw <= 0 || limitRaw > 100
            ? 100
            : limitRaw;
        const token =
          Number.parseInt(req.query.get('next_page_token') ?? '0', 10) || 0;
        const names = [...models.keys()].sort();
        let last = token + limit;
        const out: {
          nextPageToken?: string;
          models: Array<{ modelName: string; modelUrl: string }>;
        } = { models: [] };
        if (last > names.length) last = names.length;
        else out.nextPageToken = String(last);
        out.models = names
          .slice(token, last)
          .map(n => ({ modelName: n, modelUrl: models.get(n)!.url }));
        sendJson(
          res,
          200,
          out.nextPageToken
            ? { nextPageToken: out.nextPageToken, models: out.models }
            : { models: out.models },
        );
        return;
      }
      if (
        req.method === 'GET' &&
        seg[0] === 'models' &&
        (seg.length === 2 || seg.length === 3)
      ) {
        const m = models.get(seg[1]);
        if (!m || (seg[2] && seg[2] !== 'all' && seg[2] !== m.version)) {
          tsError(
            res,
            404,
            'ModelNotFoundException',
            `Model not found: ${seg[1]}`,
          );
          return;
        }
        sendJson(res, 200, [describe(m)]);
        return;
      }
      tsError(
        res,
        404,
        'ResourceNotFoundException',
        'Requested resource is not found, please refer to API document.',
      );
    },
  });

  const metrics = await startSimServer({
    name: 'torchserve',
    errorResponse: (_req, res, status) =>
      sendText(res, status, `simulated fault: HTTP ${status}\n`),
    handler: (req, res) => {
      if (req.rawPath !== '/metrics') {
        sendText(res, 404, 'Not Found\n');
        return;
      }
      const mode = options.metricsMode ?? 'log';
      const families: PromFamily[] = [];
      if (mode !== 'log') {
        const tsFamily = (
          name: string,
          help: string,
          pick: (m: Model) => number,
        ): PromFamily => ({
          name,
          help,
          type: 'counter',
          samples: [...models.values()].map(m => ({
            name,
            labels: [
              ['model_name', m.name],
              ['model_version', 'default'],
              ['hostname', hostname],
            ],
            value: javaDouble(pick(m)),
          })),
        });
        families.push(
          tsFamily(
            'ts_inference_requests_total',
            'Total number of inference requests.',
            m => m.requests,
          ),
          tsFamily(
            'ts_inference_latency_microseconds',
            'Cumulative inference duration in microseconds',
            m => m.latencyUs,
          ),
          tsFamily(
            'ts_queue_latency_microseconds',
            'Cumulative queue duration in microseconds',
            m => m.queueUs,
          ),
        );
      }
      if (mode === 'prometheus') {
        const frontend = (name: string, v: number): PromFamily => ({
          name,
          help: 'Torchserve prometheus counter metric with unit: Count',
          type: 'counter',
          samples: [
            {
              name,
              labels: [
                ['Level', 'Host'],
                ['Hostname', hostname],
              ],
              value: javaDouble(v),
            },
          ],
        });
        families.push(
          frontend('Requests2XX', http['2xx']),
          frontend('Requests4XX', http['4xx']),
          frontend('Requests5XX', http['5xx']),
          {
            name: 'CPUUtilization',
            help: 'Torchserve prometheus gauge metric with unit: Percent',
            type: 'gauge',
            samples: [
              {
                name: 'CPUUtilization',
                labels: [
                  ['Level', 'Host'],
                  ['Hostname', hostname],
                ],
                value: javaDouble(12.5),
              },
            ],
          },
        );
      }
      sendText(
        res,
        200,
        renderProm(families, { trailingComma: true }),
        undefined,
        'text/plain; version=0.0.4; charset=utf-8',
      );
    },
  });

  const servers: Record<'inference' | 'management' | 'metrics', SimServer> = {
    inference,
    management,
    metrics,
  };
  return {
    url: inference.url,
    inferenceUrl: inference.url,
    managementUrl: management.url,
    metricsUrl: metrics.url,
    keys,
    async stop() {
      await Promise.all(Object.values(servers).map(s => s.stop()));
    },
    async setFault(fault, port = 'all') {
      const targets = port === 'all' ? Object.values(servers) : [servers[port]];
      await Promise.all(targets.map(s => s.setFault(fault)));
    },
    requests: () =>
      [
        ...inference.requests(),
        ...management.requests(),
        ...metrics.requests(),
      ].sort((a, b) => a.at - b.at),
    addModel: add,
    removeModel: name => {
      models.delete(name);
    },
    setReadyWorkers(name, ready) {
      const m = models.get(name);
      if (!m) throw new Error(`torchserve simulator: no model ${name}`);
      m.readyWorkers = ready;
    },
  };
}

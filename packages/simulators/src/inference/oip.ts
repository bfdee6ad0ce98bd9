/**
 * Open Inference Protocol (KServe V2) simulator in two flavours (not KServe,
 * not Triton): `kserve` answers JSON bodies and 503 when not ready, `triton`
 * answers empty bodies and 400. KServe also serves V1 (`/v1/models`); Triton
 * serves `POST /v2/repository/index` and metrics on a separate port
 * (`nv_inference_*` per model/version, `nv_gpu_*` per `gpu_uuid`, GPU
 * utilization as a 0–1 ratio).
 */
import { ServerResponse } from 'node:http';
import { Fault } from '../common/faults';
import { PromFamily, pyFloat, renderProm } from '../common/promText';
import {
  RecordedRequest,
  SimRequest,
  SimServer,
  startSimServer,
} from '../common/server';
import { sendEmpty, sendJson, sendText } from '../common/respond';

export interface OipModelSeed {
  name: string;
  ready?: boolean;
  versions?: string[];
  platform?: string;
  inputs?: Array<{ name: string; datatype: string; shape: number[] }>;
  outputs?: Array<{ name: string; datatype: string; shape: number[] }>;
}

export interface OipGpuSeed {
  uuid: string;
  /** 0–1 ratio. */
  utilization: number;
  memoryUsedBytes: number;
}

export interface OipSimulatorOptions {
  flavour: 'kserve' | 'triton';
  models?: OipModelSeed[];
  live?: boolean;
  ready?: boolean;
  /** Triton: GPUs reported on the metrics port. */
  gpus?: OipGpuSeed[];
}

export interface OipSimulator {
  url: string;
  /** Triton: the metrics port (8002 upstream); KServe: same as url. */
  metricsUrl: string;
  flavour: 'kserve' | 'triton';
  stop(): Promise<void>;
  setFault(fault: Fault): Promise<void>;
  requests(): RecordedRequest[];
  setServerReady(ready: boolean): void;
  setServerLive(live: boolean): void;
  setModelReady(name: string, ready: boolean): void;
  addModel(model: OipModelSeed): void;
}

interface Model extends Required<OipModelSeed> {
  success: number;
  failure: number;
  durationUs: number;
  queueUs: number;
}

const KSERVE_VERSION = '0.15.2';
const TRITON_VERSION = '2.59.0';

export async function startOipSimulator(
  options: OipSimulatorOptions,
): Promise<OipSimulator> {
  const flavour = options.flavour;
  let live = options.live ?? true;
  let ready = options.ready ?? true;
  const models = new Map<string, Model>();
  const add = (m: OipModelSeed) =>
    models.set(m.name, {
      name: m.name,
      ready: m.ready ?? true,
      versions: m.versions ?? ['1'],
      platform:
        m.platform ?? (flavour === 'triton' ? 'onnxruntime_onnx' : 'sklearn'),
      inputs: m.inputs ?? [
        { name: 'input-0', datatype: 'FP32', shape: [-1, 4] },
      ],
      outputs: m.outputs ?? [
        { name: 'output-0', datatype: 'FP32', shape: [-1, 1] },
      ],
      success: 0,
      failure: 0,
      durationUs: 0,
      queueUs: 0,
    });
  for (const m of options.models ?? []) add(m);
  const kserve = flavour === 'kserve';

  const unknownModel = (res: ServerResponse, name: string) =>
    kserve
      ? sendJson(res, 404, { error: `Model with name ${name} does not exist.` })
      : sendJson(res, 400, {
          error: `Request for unknown model: '${name}' is not found`,
        });

  const health = (res: ServerResponse, ok: boolean, what: 'live' | 'ready') => {
    if (kserve) {
      if (ok) sendJson(res, 200, { [what]: true });
      else
        sendJson(res, 503, {
          error:
            what === 'ready' ? 'Server is not ready.' : 'Server is not live.',
        });
    } else {
      sendEmpty(res, ok ? 200 : 400);
    }
  };

  const metricsText = () => {
    if (kserve) {
      const families: PromFamily[] = [
        {
          name: 'request_predict_seconds',
          help: 'predict latency',
          type: 'histogram',
          samples: [...models.values()].flatMap(m => [
            {
              name: 'request_predict_seconds_bucket',
              labels: [
                ['model_name', m.name],
                ['le', '+Inf'],
              ] as Array<[string, string]>,
              value: pyFloat(m.success),
            },
            {
              name: 'request_predict_seconds_count',
              labels: [['model_name', m.name]] as Array<[string, string]>,
              value: pyFloat(m.success),
            },
            {
              name: 'request_predict_seconds_sum',
              labels: [['model_name', m.name]] as Array<[string, string]>,
              value: pyFloat(m.durationUs / 1e6),
            },
          ]),
        },
      ];
      return renderProm(families);
    }
    const perModel = (
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
          ['model', m.name],
          ['version', m.versions[m.versions.length - 1]],
        ] as Array<[string, string]>,
        value: String(pick(m)),
      })),
    });
    const perGpu = (
      name: string,
      help: string,
      pick: (g: OipGpuSeed) => number,
    ): PromFamily => ({
      name,
      help,
      type: 'gauge',
      samples: (options.gpus ?? []).map(g => ({
        name,
        labels: [['gpu_uuid', g.uuid]] as Array<[string, string]>,
        value: String(pick(g)),
      })),
    });
    return renderProm([
      perModel(
        'nv_inference_request_success',
        'Number of successful inference requests, all batch sizes',
        m => m.success,
      ),
      perModel(
        'nv_inference_request_failure',
        'Number of failed inference requests, all batch sizes',
        m => m.failure,
      ),
      perModel(
        'nv_inference_request_duration_us',
        'Cumulative inference request duration in microseconds (includes cached requests)',
        m => m.durationUs,
      ),
      perModel(
        'nv_inference_queue_duration_us',
        'Cumulative inference queuing duration in microseconds (includes cached requests)',
        m => m.queueUs,
      ),
      perGpu(
        'nv_gpu_utilization',
        'GPU utilization rate [0.0 - 1.0)',
        g => g.utilization,
      ),
      perGpu(
        'nv_gpu_memory_used_bytes',
        'GPU used memory, in bytes',
        g => g.memoryUsedBytes,
      ),
    ]);
  };

  const handler = (req: SimRequest, res: ServerResponse) => {
    const seg = req.rawPath.split('/').filter(Boolean).map(decodeURIComponent);
    const m = req.method;
    const is = (...parts: string[]) =>
      parts.length === seg.length &&
      parts.every((p, i) => p === '*' || p === seg[i]);
    if (m === 'GET' && is('v2', 'health', 'live'))
      return health(res, live, 'live');
    if (m === 'GET' && is('v2', 'health', 'ready'))
      return health(res, live && ready, 'ready');
    if (m === 'GET' && is('v2')) {
      return sendJson(res, 200, {
        name: kserve ? 'kserve' : 'triton',
        version: kserve ? KSERVE_VERSION : TRITON_VERSION,
        extensions: kserve
          ? []
          : [
              'classification',
              'sequence',
              'model_repository',
              'schedule_policy',
              'model_configuration',
              'system_shared_memory',
              'cuda_shared_memory',
              'binary_tensor_data',
              'statistics',
              'trace',
              'logging',
            ],
      });
    }
    if (seg[0] === 'v2' && seg[1] === 'models' && seg.length >= 3) {
      const model = models.get(seg[2]);
      const rest = seg.slice(3);
      if (!model) return unknownModel(res, seg[2]);
      const version = rest[0] === 'versions' ? rest[1] : undefined;
      const tail = rest[0] === 'versions' ? rest.slice(2) : rest;
      if (version && !model.versions.includes(version)) {
        return kserve
          ? sendJson(res, 404, {
              error: `Model with name ${model.name} does not exist.`,
            })
          : sendJson(res, 400, {
              error: `Request for unknown model: '${model.name}' version ${version} is not found`,
            });
      }
      if (m === 'GET' && tail.length === 1 && tail[0] === 'ready') {
        if (kserve) {
          return model.ready
            ? sendJson(res, 200, { name: model.name, ready: true })
            : sendJson(res, 503, {
                error: `Model with name ${model.name} is not ready.`,
              });
        }
        return model.ready
          ? sendEmpty(res, 200)
          : sendJson(res, 400, { error: 'Model version not ready' });
      }
      if (m === 'GET' && tail.length === 0) {
        return sendJson(res, 200, {
          name: model.name,
          versions: model.versions,
          platform: model.platform,
          inputs: model.inputs,
          outputs: model.outputs,
        });
      }
      if (m === 'POST' && tail.length === 1 && tail[0] === 'infer') {
        if (!model.ready) {
          model.failure += 1;
          return kserve
            ? sendJson(res, 503, {
                error: `Model with name ${model.name} is not ready.`,
              })
            : sendJson(res, 400, { error: 'Model version not ready' });
        }
        model.success += 1;
        model.durationUs += 2_500;
        model.queueUs += 80;
        return sendJson(res, 200, {
          model_name: model.name,
          model_version: model.versions[model.versions.length - 1],
          id: 'simulated',
          outputs: model.outputs.map(o => ({
            name: o.name,
            datatype: o.datatype,
            shape: [1, 1],
            data: [0.5],
          })),
        });
      }
    }
    if (kserve && m === 'GET' && is('v1', 'models'))
      return sendJson(res, 200, { models: [...models.keys()] });
    if (
      kserve &&
      m === 'GET' &&
      seg[0] === 'v1' &&
      seg[1] === 'models' &&
      seg.length === 3
    ) {
      const model = models.get(seg[2]);
      if (!model) return unknownModel(res, seg[2]);
      return model.ready
        ? sendJson(res, 200, { name: model.name, ready: true })
        : sendJson(res, 503, {
            error: `Model with name ${model.name} is not ready.`,
          });
    }
    if (!kserve && m === 'POST' && is('v2', 'repository', 'index')) {
      return sendJson(
        res,
        200,
        [...models.values()].map(x => ({
          name: x.name,
          version: x.versions[x.versions.length - 1],
          state: x.ready ? 'READY' : 'UNAVAILABLE',
          reason: x.ready ? '' : 'unloaded',
        })),
      );
    }
    if (kserve && m === 'GET' && is('metrics')) {
      return sendText(
        res,
        200,
        metricsText(),
        undefined,
        'text/plain; version=0.0.4; charset=utf-8',
      );
    }
    if (kserve) return sendJson(res, 404, { detail: 'Not Found' });
    return sendJson(res, 400, { error: 'Not Found' });
  };

  const errorResponse = (
    _req: SimRequest,
    res: ServerResponse,
    status: number,
  ) => sendJson(res, status, { error: `simulated fault: HTTP ${status}` });
  const main = await startSimServer({
    name: flavour === 'kserve' ? 'kserve' : 'triton',
    handler,
    errorResponse,
  });
  let metrics: SimServer | undefined;
  if (!kserve) {
    metrics = await startSimServer({
      name: 'triton',
      errorResponse: (_req, res, status) =>
        sendText(res, status, `simulated fault: HTTP ${status}\n`),
      handler: (req, res) =>
        req.rawPath === '/metrics'
          ? sendText(
              res,
              200,
              metricsText(),
              undefined,
              'text/plain; charset=utf-8',
            )
          : sendText(res, 404, 'Not Found\n'),
    });
  }
  const set = (name: string) => {
    const model = models.get(name);
    if (!model) throw new Error(`oip simulator: no model ${name}`);
    return model;
  };
  return {
    url: main.url,
    metricsUrl: metrics?.url ?? main.url,
    flavour,
    async stop() {
      await main.stop();
      await metrics?.stop();
    },
    async setFault(f) {
      await main.setFault(f);
      await metrics?.setFault(f);
    },
    requests: () =>
      [...main.requests(), ...(metrics?.requests() ?? [])].sort(
        (a, b) => a.at - b.at,
      ),
    setServerReady: r => {
      ready = r;
    },
    setServerLive: l => {
      live = l;
    },
    setModelReady: (name, r) => {
      set(name).ready = r;
    },
    addModel: add,
  };
}

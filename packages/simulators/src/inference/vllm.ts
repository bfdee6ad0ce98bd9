/**
 * vLLM OpenAI-compatible server simulator (not vLLM): a listener that opens
 * only after the "weights" load, `/health` 200/503 with an empty body,
 * `/v1/models` ModelCards, chat completions with the nested (≥ 0.10.1) or
 * flat error format, `--api-key` guarding only `/v1`, and `/metrics` as
 * Python prometheus_client writes it (`_total` plus `_created` gauges,
 * `_bucket{le}`), with the new and/or old KV-cache metric name.
 */
import { ServerResponse } from 'node:http';
import { Fault } from '../common/faults';
import {
  Labels,
  PromFamily,
  PromSample,
  pyFloat,
  renderProm,
} from '../common/promText';
import { RecordedRequest, SimRequest, startSimServer } from '../common/server';
import { isRecord, sendEmpty, sendJson, sendText } from '../common/respond';

export interface VllmSimulatorOptions {
  /** `--served-model-name` (default `llm`). */
  servedModelName?: string;
  /** Model path/repo (`root` in ModelCards). */
  model?: string;
  maxModelLen?: number;
  /** `--api-key`: required on /v1 only. */
  apiKey?: string;
  /** Reported by `/version` (default 0.11.0). */
  version?: string;
  /** Error bodies: `nested` (≥ 0.10.1, default) or `flat` (older). */
  errorFormat?: 'nested' | 'flat';
  /** KV-cache gauge name: `new` (kv_cache_usage_perc, default), `old` (gpu_cache_usage_perc), `both`. */
  kvCacheMetric?: 'new' | 'old' | 'both';
  /** Connections are refused until this much time has passed (weights loading). Default 0. */
  loadDelayMs?: number;
}

export interface VllmSimulator {
  url: string;
  stop(): Promise<void>;
  setFault(fault: Fault): Promise<void>;
  requests(): RecordedRequest[];
  /** Resolves once the listener accepts connections. */
  loaded: Promise<void>;
  /** EngineDeadError: /health turns 503. */
  setEngineDead(dead: boolean): void;
  /** Gauges shown on /metrics. */
  setLoad(load: {
    running?: number;
    waiting?: number;
    kvCacheUsage?: number;
  }): void;
}

const LATENCY_BUCKETS = [
  0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0,
  60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0,
];
const TTFT_BUCKETS = [
  0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5,
  5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0,
];

class Histogram {
  readonly counts: number[];
  sum = 0;
  count = 0;
  constructor(readonly buckets: number[]) {
    this.counts = buckets.map(() => 0);
  }
  observe(v: number) {
    this.sum += v;
    this.count += 1;
    this.buckets.forEach((b, i) => {
      if (v <= b) this.counts[i] += 1;
    });
  }
}

export async function startVllmSimulator(
  options: VllmSimulatorOptions = {},
): Promise<VllmSimulator> {
  const served = options.servedModelName ?? 'llm';
  const root = options.model ?? 'meta-llama/Llama-3.1-8B-Instruct';
  const created = Math.floor(Date.now() / 1000);
  const startedAt = Date.now() / 1000;
  let dead = false;
  const gauges = { running: 0, waiting: 0, kv: 0 };
  const counters = { stop: 0, length: 0, abort: 0, prompt: 0, generation: 0 };
  const e2e = new Histogram(LATENCY_BUCKETS);
  const ttft = new Histogram(TTFT_BUCKETS);
  const queue = new Histogram(LATENCY_BUCKETS);

  const error = (
    res: ServerResponse,
    status: number,
    type: string,
    message: string,
    param: string | null = null,
  ) => {
    if ((options.errorFormat ?? 'nested') === 'nested') {
      sendJson(res, status, { error: { message, type, param, code: status } });
    } else {
      sendJson(res, status, {
        object: 'error',
        message,
        type,
        param,
        code: status,
      });
    }
  };

  const base: Labels = [
    ['model_name', served],
    ['engine', '0'],
  ];
  const metrics = (): string => {
    const families: PromFamily[] = [];
    const gauge = (name: string, help: string, v: number) =>
      families.push({
        name,
        help,
        type: 'gauge',
        samples: [{ name, labels: base, value: pyFloat(v) }],
      });
    // prometheus_client writes `_created` samples as a separate gauge with the same help
    const createdFamily = (name: string, help: string, samples: PromSample[]) =>
      families.push({ name, help, type: 'gauge', samples });
    gauge(
      'vllm:num_requests_running',
      'Number of requests in model execution batches.',
      gauges.running,
    );
    gauge(
      'vllm:num_requests_waiting',
      'Number of requests waiting to be processed.',
      gauges.waiting,
    );
    const kv = options.kvCacheMetric ?? 'new';
    if (kv !== 'new')
      gauge(
        'vllm:gpu_cache_usage_perc',
        'GPU KV-cache usage. 1 means 100 percent usage.',
        gauges.kv,
      );
    if (kv !== 'old')
      gauge(
        'vllm:kv_cache_usage_perc',
        'KV-cache usage. 1 means 100 percent usage.',
        gauges.kv,
      );
    const counter = (
      name: string,
      help: string,
      rows: Array<[Labels, number]>,
    ) => {
      families.push({
        name: `${name}_total`,
        help,
        type: 'counter',
        samples: rows.map(([labels, v]) => ({
          name: `${name}_total`,
          labels,
          value: pyFloat(v),
        })),
      });
      createdFamily(
        `${name}_created`,
        help,
        rows.map(([labels]) => ({
          name: `${name}_created`,
          labels,
          value: pyFloat(startedAt),
        })),
      );
    };
    counter(
      'vllm:request_success',
      'Count of successfully processed requests.',
      (['stop', 'length', 'abort'] as const).map(r => [
        [...base, ['finished_reason', r]],
        counters[r],
      ]),
    );
    counter('vllm:prompt_tokens', 'Number of prefill tokens processed.', [
      [base, counters.prompt],
    ]);
    counter(
      'vllm:generation_tokens',
      'Number of generation tokens processed.',
      [[base, counters.generation]],
    );
    const histogram = (name: string, help: string, h: Histogram) => {
      const samples: PromSample[] = h.buckets.map((b, i) => ({
        name: `${name}_bucket`,
        labels: [...base, ['le', pyFloat(b)]],
        value: pyFloat(h.counts[i]),
      }));
      samples.push(
        {
          name: `${name}_bucket`,
          labels: [...base, ['le', '+Inf']],
          value: pyFloat(h.count),
        },
        { name: `${name}_count`, labels: base, value: pyFloat(h.count) },
        { name: `${name}_sum`, labels: base, value: pyFloat(h.sum) },
      );
      families.push({ name, help, type: 'histogram', samples });
      createdFamily(`${name}_created`, help, [
        { name: `${name}_created`, labels: base, value: pyFloat(startedAt) },
      ]);
    };
    histogram(
      'vllm:e2e_request_latency_seconds',
      'Histogram of e2e request latency in seconds.',
      e2e,
    );
    histogram(
      'vllm:time_to_first_token_seconds',
      'Histogram of time to first token in seconds.',
      ttft,
    );
    histogram(
      'vllm:request_queue_time_seconds',
      'Histogram of time spent in WAITING phase for request.',
      queue,
    );
    return renderProm(families);
  };

  const modelCard = () => ({
    id: served,
    object: 'model',
    created,
    owned_by: 'vllm',
    root,
    parent: null,
    max_model_len: options.maxModelLen ?? 8192,
    permission: [
      {
        id: `modelperm-simulated`,
        object: 'model_permission',
        created,
        allow_create_engine: false,
        allow_sampling: true,
        allow_logprobs: true,
        allow_search_indices: false,
        allow_view: true,
        allow_fine_tuning: false,
        organization: '*',
        group: null,
        is_blocking: false,
      },
    ],
  });

  const handler = (req: SimRequest, res: ServerResponse) => {
    const path = req.rawPath;
    if (
      options.apiKey &&
      /^\/(v1|v2|inference|cohere)(\/|$)/.test(path) &&
      req.header('authorization') !== `Bearer ${options.apiKey}`
    ) {
      sendJson(res, 401, { error: 'Unauthorized' });
      return;
    }
    if (req.method === 'GET' && path === '/health') {
      sendEmpty(res, dead ? 503 : 200);
      return;
    }
    if (req.method === 'GET' && path === '/version') {
      sendJson(res, 200, { version: options.version ?? '0.11.0' });
      return;
    }
    if (req.method === 'GET' && path === '/metrics') {
      sendText(
        res,
        200,
        metrics(),
        undefined,
        'text/plain; version=0.0.4; charset=utf-8',
      );
      return;
    }
    if (req.method === 'GET' && path === '/v1/models') {
      sendJson(res, 200, { object: 'list', data: [modelCard()] });
      return;
    }
    if (req.method === 'POST' && path === '/v1/chat/completions') {
      let body: unknown;
      try {
        body = JSON.parse(req.body.toString('utf8'));
      } catch {
        error(
          res,
          400,
          'BadRequestError',
          'Expecting value: line 1 column 1 (char 0)',
        );
        return;
      }
      if (!isRecord(body) || !Array.isArray(body.messages)) {
        error(
          res,
          400,
          'BadRequestError',
          "[{'type': 'missing', 'loc': ('body', 'messages'), 'msg': 'Field required'}]",
        );
        return;
      }
      if (body.model !== undefined && body.model !== served) {
        error(
          res,
          404,
          'NotFoundError',
          `The model \`${String(body.model)}\` does not exist.`,
          'model',
        );
        return;
      }
      const promptTokens = 12;
      const completionTokens = 8;
      counters.prompt += promptTokens;
      counters.generation += completionTokens;
      counters.stop += 1;
      e2e.observe(0.42);
      ttft.observe(0.05);
      queue.observe(0.001);
      sendJson(res, 200, {
        id: `chatcmpl-simulated-${counters.stop}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: served,
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: 'This answer comes from the vLLM simulator.',
              tool_calls: [],
            },
            logprobs: null,
            finish_reason: 'stop',
            stop_reason: null,
          },
        ],
        usage: {
          prompt_tokens: promptTokens,
          total_tokens: promptTokens + completionTokens,
          completion_tokens: completionTokens,
        },
      });
      return;
    }
    sendJson(res, 404, { detail: 'Not Found' });
  };

  const loadDelay = options.loadDelayMs ?? 0;
  const server = await startSimServer({
    name: 'vllm',
    handler,
    errorResponse: (_req, res, status) =>
      error(
        res,
        status,
        'InternalServerError',
        `simulated fault: HTTP ${status}`,
      ),
    fault: loadDelay > 0 ? { mode: 'down' } : undefined,
  });
  const loaded =
    loadDelay > 0
      ? new Promise<void>(resolve =>
          server.timers.after(
            loadDelay,
            () => void server.setFault({ mode: 'none' }).then(resolve),
          ),
        )
      : Promise.resolve();
  return {
    url: server.url,
    stop: () => server.stop(),
    setFault: f => server.setFault(f),
    requests: () => server.requests(),
    loaded,
    setEngineDead: d => {
      dead = d;
    },
    setLoad: l => {
      gauges.running = l.running ?? gauges.running;
      gauges.waiting = l.waiting ?? gauges.waiting;
      gauges.kv = l.kvCacheUsage ?? gauges.kv;
    },
  };
}

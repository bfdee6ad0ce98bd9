import { SignalHealth } from './health';

/**
 * How the backend talks to a model server (annotation
 * `mlops.io/inference-protocol`):
 * - `torchserve`: `GET /ping`, plus the management API `GET /models/{m}` when its URL is known
 * - `kserve-v2`, `triton`: Open Inference Protocol `GET /v2/health/live|ready`, `/v2/models/{m}/ready`
 * - `openai`: vLLM's OpenAI-compatible server, `GET /health` and `GET /v1/models`
 * - `http`: `GET` the endpoint URL itself (its path is the service's readiness check); 2xx = ready
 * @public
 */
export type InferenceProtocol =
  | 'torchserve'
  | 'kserve-v2'
  | 'triton'
  | 'openai'
  | 'http';

/** @public */
export const INFERENCE_PROTOCOLS: readonly InferenceProtocol[] = [
  'torchserve',
  'kserve-v2',
  'triton',
  'openai',
  'http',
];

/**
 * Base URL of TorchServe's management API (port 8081 by default), when it is
 * reachable: lets the backend check that the model has READY workers, which
 * `/ping` alone does not prove.
 * @public
 */
export const ANNOTATION_INFERENCE_MANAGEMENT_ENDPOINT =
  'mlops.io/inference-management-endpoint';

/** One HTTP call of a probe, as the card can list it. @public */
export interface InferenceCheck {
  /** What the call asks: `live`, `ready`, `model-ready` or `models` (the served model list). */
  kind: 'live' | 'ready' | 'model-ready' | 'models';
  /** Path and query that were requested, e.g. `/v2/health/ready`. */
  path: string;
  /** HTTP status, when the server answered. */
  httpStatus?: number;
  /** Round trip in milliseconds, when the server answered. */
  ms?: number;
  /** The verdict of this call; absent when it could not be judged. */
  ok?: boolean;
  /** What the answer said, in words. */
  detail: string;
}

/** The inference signal of one endpoint. @public */
export interface InferenceReport {
  endpoint: string;
  protocol: InferenceProtocol;
  /** The model the server should serve (`mlops.io/model-name`), when known. */
  model?: string;
  /** The server process answers. `undefined` = unknown. */
  live?: boolean;
  /** The server says it is ready to take requests. `undefined` = unknown. */
  ready?: boolean;
  /** The model is loaded and can serve. `undefined` = unknown (never shown as healthy). */
  modelReady?: boolean;
  /** Round trip of the readiness call, in milliseconds. */
  latencyMs?: number;
  /** ISO time of the probe. */
  checkedAt: string;
  checks: InferenceCheck[];
  /** `ok` only when live, ready and modelReady are all known and true. */
  health: SignalHealth;
}

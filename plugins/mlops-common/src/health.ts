/** Status of one health signal. `unknown` is never rendered as healthy. @public */
export type SignalStatus = 'ok' | 'warning' | 'error' | 'unknown';

/** The signals we judge for a model service. @public */
export type SignalKind =
  | 'build'
  | 'image'
  | 'sync'
  | 'workload'
  | 'inference'
  | 'gpu';

/** A link to the upstream's own UI. @public */
export interface UpstreamLink {
  title: string;
  url: string;
}

/**
 * What went wrong talking to an upstream, in a form a card can state exactly.
 * @public
 */
export type UpstreamFault =
  | 'not-configured'
  | 'bad-annotation'
  | 'not-allowed'
  | 'unreachable'
  | 'timeout'
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  | 'server-error'
  | 'malformed'
  | 'too-large'
  | 'rate-limited';

/** @public */
export interface UpstreamProblem {
  /** Which upstream, as the user knows it: e.g. `registry harbor (harbor.ml.internal)`. */
  upstream: string;
  fault: UpstreamFault;
  /** One sentence a person can act on. Never contains credentials. */
  message: string;
  /** HTTP status the upstream answered with, when it answered. */
  httpStatus?: number;
}

/** The judgement of one signal. @public */
export interface SignalHealth {
  signal: SignalKind;
  status: SignalStatus;
  /** Human reason, e.g. "newest tag a1b2c3 is 2 days old". */
  reason: string;
  /** ISO time the upstream was read. */
  checkedAt: string;
  links?: UpstreamLink[];
  problem?: UpstreamProblem;
}

/** Human labels for faults, used in card titles. @public */
export const FAULT_LABELS: Record<UpstreamFault, string> = {
  'not-configured': 'not configured',
  'bad-annotation': 'invalid annotation',
  'not-allowed': 'host not allowed',
  unreachable: 'unreachable',
  timeout: 'timed out',
  unauthorized: 'unauthorized (401)',
  forbidden: 'forbidden (403)',
  'not-found': 'not found (404)',
  'server-error': 'server error',
  malformed: 'malformed response',
  'too-large': 'response too large',
  'rate-limited': 'rate limited (429)',
};

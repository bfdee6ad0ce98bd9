/**
 * Fault switches shared by every simulator.
 *
 * - `down`: the listener is closed and every open connection destroyed, so
 *   clients see ECONNREFUSED / ECONNRESET. Switching back re-listens on the
 *   same port.
 * - `slow`: every request waits `delayMs` (default 30 s) before it is handled,
 *   long enough to trip any sane client timeout.
 * - `status`: every request answers `status` (default 500) in the upstream's
 *   own error format (Argo CD gRPC envelope, Harbor `errors[]`, Jenkins HTML…).
 * - `malformed`: 200 with `Content-Type: application/json` and a truncated,
 *   invalid JSON body.
 * - `oversized`: 200 with a syntactically valid JSON body of `bytes` bytes
 *   (default 16 MiB), streamed.
 *
 * `pathPrefix` limits the fault to request paths starting with it (e.g. keep
 * the login working and break only `/api/v1/applications`).
 */
export type FaultMode =
  | 'none'
  | 'down'
  | 'slow'
  | 'status'
  | 'malformed'
  | 'oversized';

export interface Fault {
  mode: FaultMode;
  /** For `status`: the HTTP status to answer (default 500). */
  status?: number;
  /** For `slow`: the delay before handling a request (default 30 000 ms). */
  delayMs?: number;
  /** For `oversized`: body size in bytes (default 16 MiB). */
  bytes?: number;
  /** Apply only to request paths starting with this prefix. */
  pathPrefix?: string;
}

export const NO_FAULT: Fault = { mode: 'none' };

export const DEFAULT_SLOW_DELAY_MS = 30_000;
export const DEFAULT_OVERSIZED_BYTES = 16 * 1024 * 1024;
export const DEFAULT_FAULT_STATUS = 500;

/** True when `fault` applies to a request for `path`. */
export function faultApplies(fault: Fault, path: string): boolean {
  if (fault.mode === 'none') return false;
  return !fault.pathPrefix || path.startsWith(fault.pathPrefix);
}

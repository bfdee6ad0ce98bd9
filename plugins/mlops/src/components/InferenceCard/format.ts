import { MISSING } from '../common';

const valid = (n: number | undefined): n is number =>
  typeof n === 'number' && Number.isFinite(n) && n >= 0;

/** 3.21 → "3.2 ms"; 128.4 → "128 ms"; 2310 → "2.31 s". */
export function latency(ms: number | undefined): string {
  if (!valid(ms)) return MISSING;
  if (ms < 10) return `${Number(ms.toFixed(1))} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${Number((ms / 1000).toPrecision(3))} s`;
}

/** 12.345 → "12.3 req/s"; 0.0123 → "0.0123 req/s"; 0 → "0 req/s". */
export function requestRate(rps: number | undefined): string {
  if (!valid(rps)) return MISSING;
  return `${Number(rps.toPrecision(3))} req/s`;
}

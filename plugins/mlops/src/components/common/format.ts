/** Shared text formatting of the cards. */

/** Placeholder for a value the upstream did not provide. */
export const MISSING = '—';

/** Units of a relative age, each with how many make the next. */
export const AGE_STEPS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['second', 60],
  ['minute', 60],
  ['hour', 24],
  ['day', 30],
  ['month', 12],
  ['year', Infinity],
];

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'always' });

/** ISO time → "3 minutes ago" (relative to `now`); undefined when missing or not a date. */
export function ago(
  iso: string | number | undefined,
  now: number = Date.now(),
): string | undefined {
  if (iso === undefined) return undefined;
  const t = typeof iso === 'number' ? iso : Date.parse(iso);
  if (!Number.isFinite(t)) return undefined;
  let value = Math.round((t - now) / 1000);
  for (const [unit, size] of AGE_STEPS) {
    if (Math.abs(value) < size) return relative.format(value, unit);
    value = Math.round(value / size);
  }
  return undefined;
}

/** 83_000 → "1m 23s"; 950 → "950 ms"; 7_260_000 → "2h 1m". */
export function duration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return MISSING;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

/** First 7 characters of a commit SHA, as git shows it. */
export function shortSha(sha: string | undefined): string {
  const t = sha?.trim();
  return t ? t.slice(0, 7) : MISSING;
}

/** 0.0123 → "1.23%". */
export function percent(ratio: number | undefined): string {
  if (ratio === undefined || !Number.isFinite(ratio)) return MISSING;
  return `${Number((ratio * 100).toPrecision(3))}%`;
}

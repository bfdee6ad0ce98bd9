import { TimePoint } from '@internal/plugin-mlops-common';

/** The numbers of a series a person reads next to (or instead of) its chart. */
export interface SeriesSummary {
  latest: number;
  min: number;
  max: number;
  /** How many usable points the series has. */
  count: number;
  /** Time of the first and last usable point (ms). */
  from: number;
  to: number;
}

/** Points with a finite time and value, oldest first (bad points from the wire are dropped). */
export function usablePoints(
  series: readonly TimePoint[] | undefined,
): TimePoint[] {
  if (!Array.isArray(series)) return [];
  return series
    .filter(
      (p): p is TimePoint =>
        Boolean(p) &&
        typeof p.t === 'number' &&
        typeof p.v === 'number' &&
        Number.isFinite(p.t) &&
        Number.isFinite(p.v),
    )
    .sort((a, b) => a.t - b.t);
}

/** Latest, min and max of a series; undefined when it has no usable point. */
export function summarizeSeries(
  series: readonly TimePoint[] | undefined,
): SeriesSummary | undefined {
  const points = usablePoints(series);
  if (points.length === 0) return undefined;
  let min = Infinity;
  let max = -Infinity;
  for (const p of points) {
    if (p.v < min) min = p.v;
    if (p.v > max) max = p.v;
  }
  const last = points[points.length - 1];
  return {
    latest: last.v,
    min,
    max,
    count: points.length,
    from: points[0].t,
    to: last.t,
  };
}

/** "latest 120 ms, min 38 ms, max 180 ms (60 samples)". */
export function summaryText(
  summary: SeriesSummary,
  format: (v: number) => string,
): string {
  return `latest ${format(summary.latest)}, min ${format(
    summary.min,
  )}, max ${format(summary.max)} (${summary.count} ${
    summary.count === 1 ? 'sample' : 'samples'
  })`;
}

/** 1_700_000_000_000 → "14:13" in the viewer's time zone. */
export function clockTime(t: number): string {
  return new Date(t).toLocaleTimeString(undefined, {
    hour: '2-digit',
    minute: '2-digit',
  });
}

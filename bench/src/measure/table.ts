/**
 * The results table: one row per metric with ours, the baseline measured in
 * the same run, the ratio ours/baseline, the target and whether the run met
 * it. Rendered as Markdown (printed, and pasted into bench/README.md).
 */
import { ratio } from './stats';

export type Target =
  /** ours / baseline ≤ value */
  | { kind: 'ratio-at-most'; value: number }
  /** ours ≤ value */
  | { kind: 'at-most'; value: number }
  /** ours < value */
  | { kind: 'below'; value: number };

export interface ResultRow {
  metric: string;
  unit: 'ms' | 's' | 'MB' | 'req' | '';
  ours: number;
  baseline?: number;
  target?: Target;
}

/** true/false when the row has a target, undefined otherwise (or when it cannot be judged). */
export function judge(row: ResultRow): boolean | undefined {
  const t = row.target;
  if (!t || !Number.isFinite(row.ours)) return undefined;
  if (t.kind === 'ratio-at-most') {
    if (row.baseline === undefined || !Number.isFinite(row.baseline))
      return undefined;
    // 0 upstream requests against any positive baseline meets a ratio target.
    if (row.baseline === 0) return row.ours === 0 ? undefined : false;
    return row.ours / row.baseline <= t.value;
  }
  if (t.kind === 'at-most') return row.ours <= t.value;
  return row.ours < t.value;
}

function fractionDigits(x: number, unit: ResultRow['unit']): number {
  if (unit === 's') return x < 10 ? 2 : 1;
  const a = Math.abs(x);
  if (a >= 100 || x === 0) return 0;
  return a >= 10 ? 1 : 2;
}

function verdictText(verdict: boolean | undefined): string {
  if (verdict === undefined) return '—';
  return verdict ? 'yes' : '**no**';
}

export function formatValue(
  x: number | undefined,
  unit: ResultRow['unit'],
): string {
  if (x === undefined) return '—';
  if (!Number.isFinite(x)) return 'n/a';
  const digits = fractionDigits(x, unit);
  const text = x.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
  return unit ? `${text} ${unit}` : text;
}

export function formatRatio(
  ours: number,
  baseline: number | undefined,
): string {
  if (baseline === undefined) return '—';
  const r = ratio(ours, baseline);
  if (!Number.isFinite(r)) return 'n/a';
  if (r === 0) return '0';
  if (r < 0.001) return r.toExponential(1);
  if (r < 0.1) return r.toFixed(4);
  return r.toFixed(2);
}

export function formatTarget(
  t: Target | undefined,
  unit: ResultRow['unit'],
): string {
  if (!t) return '—';
  if (t.kind === 'ratio-at-most') {
    const inv = 1 / t.value;
    return Number.isInteger(inv) ? `ratio ≤ 1/${inv}` : `ratio ≤ ${t.value}`;
  }
  return `${t.kind === 'at-most' ? '≤' : '<'} ${formatValue(t.value, unit)}`;
}

/** A Markdown table of the rows. */
export function formatTable(rows: ResultRow[]): string {
  const head = ['metric', 'ours', 'baseline', 'ours/baseline', 'target', 'met'];
  const body = rows.map(r => {
    const verdict = judge(r);
    return [
      r.metric,
      formatValue(r.ours, r.unit),
      formatValue(r.baseline, r.unit),
      formatRatio(r.ours, r.baseline),
      formatTarget(r.target, r.unit),
      verdictText(verdict),
    ];
  });
  const widths = head.map((h, i) =>
    Math.max(h.length, ...body.map(row => row[i].length)),
  );
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [
    line(head),
    `|${widths.map(w => '-'.repeat(w + 2)).join('|')}|`,
    ...body.map(line),
  ].join('\n');
}

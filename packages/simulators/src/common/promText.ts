/**
 * Prometheus text exposition (0.0.4), written by hand so each simulator can
 * reproduce its upstream's client library exactly: Java simpleclient
 * (TorchServe: `3.0`, trailing comma after the last label), Python
 * prometheus_client (vLLM/KServe: `1.0`, `_created` as separate gauges),
 * Go/C++ exporters (DCGM, Triton: `%d`/`%f`-style values).
 */

export type Labels = Array<[string, string]>;

export interface PromSample {
  name: string;
  labels: Labels;
  /** Already formatted the way the upstream writes numbers. */
  value: string;
}

export interface PromFamily {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  samples: PromSample[];
}

export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

export function renderProm(
  families: PromFamily[],
  opts: { trailingComma?: boolean } = {},
): string {
  let out = '';
  for (const f of families) {
    out += `# HELP ${f.name} ${escapeHelp(f.help)}\n# TYPE ${f.name} ${
      f.type
    }\n`;
    for (const s of f.samples) {
      let labels = '';
      if (s.labels.length) {
        const parts = s.labels.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`);
        labels = opts.trailingComma
          ? `{${parts.map(p => `${p},`).join('')}}`
          : `{${parts.join(',')}}`;
      }
      out += `${s.name}${labels} ${s.value}\n`;
    }
  }
  return out;
}

/** Java `Double.toString` (simpleclient's `doubleToGoString`). */
export function javaDouble(d: number): string {
  if (d === Number.POSITIVE_INFINITY) return '+Inf';
  if (d === Number.NEGATIVE_INFINITY) return '-Inf';
  if (Number.isNaN(d)) return 'NaN';
  const abs = Math.abs(d);
  if (abs === 0) return '0.0';
  if (abs >= 1e-3 && abs < 1e7) {
    const s = String(d);
    return s.includes('.') ? s : `${s}.0`;
  }
  const [mantissa, exp] = d.toExponential().split('e');
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${Number(
    exp,
  )}`;
}

/** Python prometheus_client `floatToGoString`. */
export function pyFloat(d: number): string {
  if (d === Number.POSITIVE_INFINITY) return '+Inf';
  if (d === Number.NEGATIVE_INFINITY) return '-Inf';
  if (Number.isNaN(d)) return 'NaN';
  let s = Number.isInteger(d) ? `${d}.0` : String(d);
  if (s.includes('e')) return s;
  const dot = s.indexOf('.');
  if (d > 0 && dot > 6) {
    const mantissa = `${s[0]}.${s.slice(1, dot)}${s.slice(dot + 1)}`.replace(
      /\.?0+$/,
      '',
    );
    s = `${mantissa}e+0${dot - 1}`;
  }
  return s;
}

/** Go `%f`. */
export const goFixed = (d: number) => d.toFixed(6);

/**
 * Command-line options of the benchmark (node:util parseArgs): fleet size,
 * views per level, levels, the quick size for iterating, and soak mode.
 */
import { parseArgs } from 'node:util';
import { FULL_SIZE, FleetSize, QUICK_SIZE } from './fleet/plan';

export interface BenchArgs {
  size: FleetSize;
  views: number;
  levels: number[];
  fleetRepeats: number;
  soak: boolean;
  minutes: number;
  /** Write the results (JSON and Markdown) here; default the run's work dir. */
  out?: string;
  /** Keep the work dir (logs, configs) after the run. */
  keep: boolean;
  quick: boolean;
  /** V8 CPU profiles of the backends into the work dir. */
  profile: boolean;
  /** Run one backend only (profiling); default both. */
  only?: 'ours' | 'baseline';
}

export const USAGE = `usage: node -r sucrase/register/ts bench/src/cli.ts [options]
  --quick               small fleet (60 services, 900 pods, 12 GPU nodes), few views
  --services N          model services (default 500)
  --pods N              pods over all clusters (default 10000)
  --clusters N          clusters = kube-apiservers (default 3)
  --gpu-nodes N         GPU nodes over all clusters (default 60)
  --shadows N           extra catalog entities for the fleet route (default = services)
  --views N             measured views per level and backend (default 600; quick 120)
  --levels 1,10,50      concurrent viewers per level
  --fleet-repeats N     timed fleet-health requests (default 10)
  --soak                load and soak mode (our backend only, objects changing)
  --minutes N           soak duration (default 5; quick 1)
  --out FILE            write results JSON to FILE (and FILE.md)
  --keep                keep the audit logs in the work dir
  --profile             write V8 CPU profiles of the backends into the work dir
  --only ours|baseline  run one backend only (for profiling; no ratios)`;

function parseOnly(v: string): 'ours' | 'baseline' {
  if (v === 'ours' || v === 'baseline') return v;
  throw new Error(`--only must be ours or baseline, got "${v}"\n${USAGE}`);
}

export function parseBenchArgs(argv: string[]): BenchArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      services: { type: 'string' },
      pods: { type: 'string' },
      clusters: { type: 'string' },
      'gpu-nodes': { type: 'string' },
      shadows: { type: 'string' },
      views: { type: 'string' },
      levels: { type: 'string' },
      'fleet-repeats': { type: 'string' },
      soak: { type: 'boolean', default: false },
      minutes: { type: 'string' },
      out: { type: 'string' },
      keep: { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      only: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) throw new Error(USAGE);
  const int = (name: string, v: string | undefined, fallback: number) => {
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0)
      throw new Error(`--${name} must be a whole number, got "${v}"\n${USAGE}`);
    return n;
  };
  const base = values.quick ? QUICK_SIZE : FULL_SIZE;
  const services = int('services', values.services, base.services);
  const size: FleetSize = {
    services,
    pods: int('pods', values.pods, base.pods),
    clusters: int('clusters', values.clusters, base.clusters),
    gpuNodes: int('gpu-nodes', values['gpu-nodes'], base.gpuNodes),
    shadowEntities: int('shadows', values.shadows, services),
  };
  if (size.clusters < 1) throw new Error('--clusters must be at least 1');
  const levels = (values.levels ?? '1,10,50')
    .split(',')
    .map(x => int('levels', x.trim(), 1))
    .filter(x => x > 0);
  if (!levels.length)
    throw new Error(`--levels needs at least one level\n${USAGE}`);
  return {
    size,
    views: int('views', values.views, values.quick ? 120 : 600),
    levels,
    fleetRepeats: int('fleet-repeats', values['fleet-repeats'], 10),
    soak: values.soak ?? false,
    minutes: Number(values.minutes ?? (values.quick ? 1 : 5)),
    out: values.out,
    keep: values.keep ?? false,
    quick: values.quick ?? false,
    profile: values.profile ?? false,
    ...(values.only ? { only: parseOnly(values.only) } : {}),
  };
}

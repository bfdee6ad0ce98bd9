/**
 * Entry point of the benchmarks (see bench/README.md):
 *
 *   node -r sucrase/register/ts bench/src/cli.ts [--quick] [--services 500 --pods 10000 --clusters 3 --views N]
 *   node -r sucrase/register/ts bench/src/cli.ts --soak [--minutes 5]
 *
 * Seeds the environment, runs the side-by-side comparison (or the soak),
 * prints the results table and writes it (JSON + Markdown) next to `--out`.
 * Everything started is stopped before exit, also on Ctrl-C.
 */
import './fetchGlobal';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BenchArgs, parseBenchArgs } from './args';
import { compareBackends, resultRows } from './compare';
import { BenchEnvironment, startBenchEnvironment } from './environment';
import { formatTable } from './measure/table';
import { runSoak, soakRows } from './soak';

/** The repository root: the nearest folder up from the working directory that holds bench/. */
function repoRoot(): string {
  let dir = process.cwd();
  while (!fs.existsSync(path.join(dir, 'bench', 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('cannot find the repository root');
    dir = up;
  }
  return dir;
}

/** The commit the run measured, and whether the tree had local changes. */
function revision(root: string): { commit?: string; dirty?: boolean } {
  try {
    const git = (...a: string[]) =>
      execFileSync('git', a, { cwd: root, encoding: 'utf8' }).trim();
    return {
      commit: git('rev-parse', 'HEAD'),
      dirty:
        git('status', '--porcelain', '--', 'plugins', 'packages', 'bench')
          .length > 0,
    };
  } catch {
    return {};
  }
}

function machine(): Record<string, unknown> {
  return {
    date: new Date().toISOString(),
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    loadAverageAtStart: os.loadavg().map(x => Number(x.toFixed(2))),
    node: process.version,
  };
}

async function main(args: BenchArgs) {
  const started = Date.now();
  const root = repoRoot();
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-bench-'));
  const log = (line: string) =>
    process.stdout.write(
      `${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s ${line}\n`,
    );
  const host = { ...machine(), ...revision(root) };
  log(`[bench] work dir ${workDir}; ${JSON.stringify(host)}`);
  let env: BenchEnvironment | undefined;
  const onSignal = () => {
    log('[bench] interrupted: stopping everything');
    (env ? env.stop() : Promise.resolve()).finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let report: Record<string, unknown>;
  let table: string;
  try {
    env = await startBenchEnvironment({ size: args.size, workDir, log });
    if (args.soak) {
      const soak = await runSoak(env, {
        minutes: args.minutes,
        viewers: 50,
        repoRoot: root,
        log,
      });
      table = formatTable(soakRows(soak));
      report = { mode: 'soak', args, host, timings: env.timings, soak };
    } else {
      const result = await compareBackends(env, {
        levels: args.levels,
        views: args.views,
        fleetRepeats: args.fleetRepeats,
        profile: args.profile,
        ...(args.only ? { only: args.only } : {}),
        repoRoot: root,
        log,
      });
      table = formatTable(resultRows(result, args.levels));
      report = { mode: 'compare', args, host, timings: env.timings, result };
    }
  } finally {
    await env?.stop();
    if (!args.keep) {
      for (const entry of fs.readdirSync(workDir)) {
        if (entry.startsWith('audit-'))
          fs.rmSync(path.join(workDir, entry), {
            recursive: true,
            force: true,
          });
      }
    }
  }
  const minutes = ((Date.now() - started) / 60_000).toFixed(1);
  (report as Record<string, unknown>).runtimeMinutes = Number(minutes);
  (report as Record<string, unknown>).loadAverageAtEnd = os
    .loadavg()
    .map(x => Number(x.toFixed(2)));
  const out = args.out
    ? path.resolve(args.out)
    : path.join(workDir, 'results.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  fs.writeFileSync(`${out.replace(/\.json$/, '')}.md`, `${table}\n`);
  process.stdout.write(`\n${table}\n\n`);
  log(`[bench] done in ${minutes} min; results in ${out}`);
}

let args: BenchArgs;
try {
  args = parseBenchArgs(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`${(e as Error).message}\n`);
  process.exit(2);
}
main(args).then(
  () => process.exit(0),
  e => {
    process.stderr.write(`bench failed: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  },
);

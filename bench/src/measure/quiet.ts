/**
 * Waiting for a quiet machine between measured blocks. The two backends take
 * a level in turns on one machine with the apiservers; the work one block
 * leaves behind (the baseline's backend and the apiservers collecting the
 * garbage of 10,000-pod LISTs) would otherwise run into the next block and
 * be charged to whoever goes next. Before each block the benchmark waits
 * until the CPUs were mostly idle over a short window, or gives up after a
 * limit and says so.
 */
import os from 'node:os';

/** Busy and total CPU time summed over all CPUs (ms). */
export interface CpuTimes {
  busy: number;
  total: number;
}

export function cpuTimes(): CpuTimes {
  let busy = 0;
  let total = 0;
  for (const cpu of os.cpus()) {
    const t = cpu.times;
    const all = t.user + t.nice + t.sys + t.idle + t.irq;
    total += all;
    busy += all - t.idle;
  }
  return { busy, total };
}

/** Share of CPU time that was idle between two readings (0…1; 1 when no time passed). */
export function idleShare(before: CpuTimes, after: CpuTimes): number {
  const total = after.total - before.total;
  if (total <= 0) return 1;
  const busy = Math.max(0, after.busy - before.busy);
  return Math.min(1, Math.max(0, 1 - busy / total));
}

export interface QuietOptions {
  /** Idle share a window must reach (default 0.7). */
  idleAtLeast?: number;
  /** Window length (default 500 ms). */
  windowMs?: number;
  /** Give up after this long (default 20 s). */
  maxMs?: number;
  /** CPU time source (tests give a recorded sequence). */
  sample?: () => CpuTimes;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export interface QuietResult {
  /** How long it waited (ms). */
  waitedMs: number;
  /** Idle share of the last window. */
  idle: number;
  /** False when it gave up at `maxMs`. */
  quiet: boolean;
}

/** Waits until one window of `windowMs` had at least `idleAtLeast` of the CPUs idle. */
export async function waitForQuiet(
  options: QuietOptions = {},
): Promise<QuietResult> {
  const idleAtLeast = options.idleAtLeast ?? 0.7;
  const windowMs = options.windowMs ?? 500;
  const maxMs = options.maxMs ?? 20_000;
  const sample = options.sample ?? cpuTimes;
  const sleep =
    options.sleep ??
    ((ms: number) => new Promise<void>(r => setTimeout(r, ms)));
  const now = options.now ?? Date.now;
  const start = now();
  for (;;) {
    const before = sample();
    await sleep(windowMs);
    const idle = idleShare(before, sample());
    const waitedMs = now() - start;
    if (idle >= idleAtLeast) return { waitedMs, idle, quiet: true };
    if (waitedMs >= maxMs) return { waitedMs, idle, quiet: false };
  }
}

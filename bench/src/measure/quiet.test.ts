import { CpuTimes, cpuTimes, idleShare, waitForQuiet } from './quiet';

/** A clock and CPU counters that advance only when the waiter sleeps. */
function recordedMachine(busySharePerWindow: number[]) {
  let clock = 0;
  let times: CpuTimes = { busy: 0, total: 0 };
  let window = 0;
  return {
    now: () => clock,
    sample: () => times,
    sleep: async (ms: number) => {
      const share =
        busySharePerWindow[Math.min(window, busySharePerWindow.length - 1)];
      window++;
      clock += ms;
      // two CPUs
      times = {
        busy: times.busy + 2 * ms * share,
        total: times.total + 2 * ms,
      };
    },
    windows: () => window,
  };
}

describe('idleShare', () => {
  it('is the idle part of the CPU time between two readings', () => {
    expect(
      idleShare({ busy: 100, total: 1000 }, { busy: 400, total: 2000 }),
    ).toBeCloseTo(0.7);
    expect(idleShare({ busy: 0, total: 0 }, { busy: 1000, total: 1000 })).toBe(
      0,
    );
  });

  it('counts no elapsed time as idle and never leaves 0…1', () => {
    expect(idleShare({ busy: 5, total: 10 }, { busy: 5, total: 10 })).toBe(1);
    expect(idleShare({ busy: 50, total: 100 }, { busy: 40, total: 200 })).toBe(
      1,
    );
  });
});

describe('waitForQuiet', () => {
  it('waits through busy windows and returns at the first quiet one', async () => {
    const machine = recordedMachine([0.95, 0.8, 0.5, 0.1]);
    const r = await waitForQuiet({ ...machine, windowMs: 500, maxMs: 10_000 });
    expect(r.quiet).toBe(true);
    expect(r.waitedMs).toBe(2000);
    expect(r.idle).toBeCloseTo(0.9);
    expect(machine.windows()).toBe(4);
  });

  it('gives up at the limit and says the machine was not quiet', async () => {
    const machine = recordedMachine([0.9]);
    const r = await waitForQuiet({ ...machine, windowMs: 500, maxMs: 2_000 });
    expect(r.quiet).toBe(false);
    expect(r.waitedMs).toBe(2_000);
    expect(r.idle).toBeCloseTo(0.1);
  });

  it('returns after one window on an idle machine', async () => {
    const machine = recordedMachine([0]);
    const r = await waitForQuiet({ ...machine, idleAtLeast: 0.7 });
    expect(r).toEqual({ waitedMs: 500, idle: 1, quiet: true });
  });
});

describe('cpuTimes', () => {
  it('reads this machine: busy within total, both growing', async () => {
    const a = cpuTimes();
    let x = 0;
    const until = Date.now() + 50;
    while (Date.now() < until) x++;
    await new Promise(r => setTimeout(r, 20));
    const b = cpuTimes();
    expect(x).toBeGreaterThan(0);
    expect(a.busy).toBeLessThanOrEqual(a.total);
    expect(b.total).toBeGreaterThan(a.total);
    expect(b.busy).toBeGreaterThan(a.busy);
  });
});

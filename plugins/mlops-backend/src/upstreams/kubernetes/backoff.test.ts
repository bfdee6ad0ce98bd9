import { backoffDelay, sleep } from './backoff';

describe('backoffDelay', () => {
  it('doubles from the initial delay up to the maximum, with half of it random', () => {
    expect(
      [1, 2, 3, 4, 5, 6, 7].map(n => backoffDelay(n, 1000, 30_000, () => 1)),
    ).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    expect([1, 2, 3].map(n => backoffDelay(n, 1000, 30_000, () => 0))).toEqual([
      500, 1000, 2000,
    ]);
  });
});

describe('sleep', () => {
  it('ends early when the signal aborts', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const done = sleep(10_000, controller.signal);
    controller.abort();
    await done;
    expect(Date.now() - started).toBeLessThan(100);
  });
});

import { percentile, ratio, summarize } from './stats';

describe('percentile (nearest rank)', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);

  it('answers the value below which p % of the samples lie', () => {
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 95)).toBe(95);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 100)).toBe(100);
  });

  it('never interpolates between samples', () => {
    expect(percentile([10, 20, 30], 50)).toBe(20);
    expect(percentile([10, 20, 30, 40], 50)).toBe(20);
    expect(percentile([10, 20, 30, 40], 99)).toBe(40);
  });

  it('gives NaN without samples and the minimum at p = 0', () => {
    expect(percentile([], 50)).toBeNaN();
    expect(percentile([3, 7], 0)).toBe(3);
  });
});

describe('summarize', () => {
  it('sorts the samples itself and reports count, mean and max', () => {
    const s = summarize([30, 10, 20, 40]);
    expect(s).toEqual({
      count: 4,
      p50: 20,
      p95: 40,
      p99: 40,
      mean: 25,
      max: 40,
    });
  });

  it('a single slow view is the p99 of 100 views only when it is the slowest of two', () => {
    const samples = [...Array.from({ length: 98 }, () => 5), 500, 900];
    expect(summarize(samples).p99).toBe(500);
    expect(summarize(samples).p50).toBe(5);
  });
});

describe('ratio', () => {
  it('divides ours by the baseline', () => {
    expect(ratio(10, 100)).toBeCloseTo(0.1);
  });
  it('is NaN when the baseline is zero or missing', () => {
    expect(ratio(1, 0)).toBeNaN();
    expect(ratio(1, NaN)).toBeNaN();
  });
});

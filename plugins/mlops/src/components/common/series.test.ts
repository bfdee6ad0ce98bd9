import { summarizeSeries, summaryText, usablePoints } from './series';
import { latency, requestRate } from '../InferenceCard/format';

describe('series', () => {
  it('summarizes latest, min and max, oldest first, dropping bad points', () => {
    const s = summarizeSeries([
      { t: 3, v: 5 },
      { t: 1, v: 9 },
      { t: 2, v: Number.NaN },
      { t: Number.POSITIVE_INFINITY, v: 1 },
      null as never,
      { t: 4, v: '7' as never },
      { t: 2, v: 2 },
    ]);
    expect(s).toEqual({ latest: 5, min: 2, max: 9, count: 3, from: 1, to: 3 });
    expect(summaryText(s!, v => `${v} ms`)).toBe(
      'latest 5 ms, min 2 ms, max 9 ms (3 samples)',
    );
  });

  it('has no summary without a usable point', () => {
    expect(summarizeSeries([])).toBeUndefined();
    expect(summarizeSeries(undefined)).toBeUndefined();
    expect(usablePoints('garbage' as never)).toEqual([]);
  });
});

describe('format', () => {
  it('writes latencies as people read them', () => {
    expect(latency(3.21)).toBe('3.2 ms');
    expect(latency(128.4)).toBe('128 ms');
    expect(latency(2310)).toBe('2.31 s');
    expect(latency(undefined)).toBe('—');
    expect(latency(-1)).toBe('—');
  });

  it('writes request rates with three significant digits', () => {
    expect(requestRate(12.345)).toBe('12.3 req/s');
    expect(requestRate(0)).toBe('0 req/s');
    expect(requestRate(Number.NaN)).toBe('—');
  });
});

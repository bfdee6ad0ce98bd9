import {
  ResultRow,
  formatRatio,
  formatTable,
  formatValue,
  judge,
} from './table';

describe('judge', () => {
  it('checks a ratio target against the baseline of the same run', () => {
    const row: ResultRow = {
      metric: 'p99',
      unit: 'ms',
      ours: 30,
      baseline: 400,
      target: { kind: 'ratio-at-most', value: 0.1 },
    };
    expect(judge(row)).toBe(true);
    expect(judge({ ...row, ours: 41 })).toBe(false);
  });

  it('meets a ratio target with zero requests against a busy baseline, and cannot judge 0 vs 0', () => {
    const row: ResultRow = {
      metric: 'requests',
      unit: 'req',
      ours: 0,
      baseline: 39_000,
      target: { kind: 'ratio-at-most', value: 0.01 },
    };
    expect(judge(row)).toBe(true);
    expect(judge({ ...row, baseline: 0 })).toBeUndefined();
    expect(judge({ ...row, ours: 5, baseline: 0 })).toBe(false);
  });

  it('checks absolute targets on ours alone', () => {
    expect(
      judge({
        metric: 'rss',
        unit: 'MB',
        ours: 400,
        target: { kind: 'at-most', value: 400 },
      }),
    ).toBe(true);
    expect(
      judge({
        metric: 'rss',
        unit: 'MB',
        ours: 401,
        target: { kind: 'at-most', value: 400 },
      }),
    ).toBe(false);
    expect(
      judge({
        metric: 'fleet',
        unit: 'ms',
        ours: 300,
        target: { kind: 'below', value: 300 },
      }),
    ).toBe(false);
    expect(
      judge({
        metric: 'fleet',
        unit: 'ms',
        ours: 299.9,
        target: { kind: 'below', value: 300 },
      }),
    ).toBe(true);
  });

  it('does not judge a row without a target or without a number', () => {
    expect(judge({ metric: 'x', unit: '', ours: 1 })).toBeUndefined();
    expect(
      judge({
        metric: 'x',
        unit: 'ms',
        ours: NaN,
        target: { kind: 'below', value: 1 },
      }),
    ).toBeUndefined();
  });
});

describe('formatting', () => {
  it('formats values with their unit and sensible digits', () => {
    expect(formatValue(1234.567, 'ms')).toBe('1,235 ms');
    expect(formatValue(12.345, 'ms')).toBe('12.3 ms');
    expect(formatValue(1.2345, 'ms')).toBe('1.23 ms');
    expect(formatValue(7.5, 's')).toBe('7.50 s');
    expect(formatValue(0, 'req')).toBe('0 req');
    expect(formatValue(undefined, 'ms')).toBe('—');
    expect(formatValue(Infinity, 'ms')).toBe('n/a');
  });

  it('formats ratios small and large', () => {
    expect(formatRatio(0, 39_000)).toBe('0');
    expect(formatRatio(12, 60)).toBe('0.20');
    expect(formatRatio(3, 100)).toBe('0.0300');
    expect(formatRatio(1, 39_000)).toBe('2.6e-5');
    expect(formatRatio(1, undefined)).toBe('—');
    expect(formatRatio(1, 0)).toBe('n/a');
  });

  it('renders an aligned Markdown table with a verdict per row', () => {
    const table = formatTable([
      {
        metric: 'p99 entity health @50 viewers',
        unit: 'ms',
        ours: 20,
        baseline: 400,
        target: { kind: 'ratio-at-most', value: 0.1 },
      },
      {
        metric: 'RSS',
        unit: 'MB',
        ours: 512,
        baseline: 700,
        target: { kind: 'at-most', value: 400 },
      },
      { metric: 'first complete health', unit: 's', ours: 7.3 },
    ]);
    const lines = table.split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(
      /^\| metric +\| ours +\| baseline +\| ours\/baseline +\| target +\| met +\|$/,
    );
    expect(lines[1]).toMatch(/^\|-+\|-+\|-+\|-+\|-+\|-+\|$/);
    expect(lines[2]).toContain('| 20.0 ms');
    expect(lines[2]).toContain('| 0.0500');
    expect(lines[2]).toContain('ratio ≤ 1/10');
    expect(lines[2]).toMatch(/\| yes +\|$/);
    expect(lines[3]).toContain('≤ 400 MB');
    expect(lines[3]).toMatch(/\| \*\*no\*\* +\|$/);
    expect(lines[4]).toMatch(/\| — +\|$/);
    // every row has the same width
    expect(new Set(lines.map(l => l.length)).size).toBe(1);
  });
});

import { parseBenchArgs } from './args';

describe('parseBenchArgs', () => {
  it('defaults to the issue-6 fleet, 600 views per level and 1, 10, 50 viewers', () => {
    const a = parseBenchArgs([]);
    expect(a.size).toEqual({
      services: 500,
      pods: 10_000,
      clusters: 3,
      gpuNodes: 60,
      shadowEntities: 500,
    });
    expect(a.views).toBe(600);
    expect(a.levels).toEqual([1, 10, 50]);
    expect(a.soak).toBe(false);
  });

  it('has a quick size and takes explicit sizes', () => {
    const q = parseBenchArgs(['--quick']);
    expect(q.size.services).toBe(60);
    expect(q.views).toBe(120);
    const a = parseBenchArgs([
      '--services',
      '200',
      '--pods',
      '4000',
      '--clusters',
      '2',
      '--views',
      '50',
      '--levels',
      '1,5',
    ]);
    expect(a.size).toMatchObject({
      services: 200,
      pods: 4000,
      clusters: 2,
      shadowEntities: 200,
    });
    expect(a.views).toBe(50);
    expect(a.levels).toEqual([1, 5]);
  });

  it('reads soak mode and its duration', () => {
    expect(parseBenchArgs(['--soak', '--minutes', '5'])).toMatchObject({
      soak: true,
      minutes: 5,
    });
    expect(parseBenchArgs(['--soak', '--quick']).minutes).toBe(1);
  });

  it('refuses bad values with the usage', () => {
    expect(() => parseBenchArgs(['--pods', 'many'])).toThrow(
      /--pods must be a whole number/,
    );
    expect(() => parseBenchArgs(['--clusters', '0'])).toThrow(/at least 1/);
    expect(() => parseBenchArgs(['--only', 'both'])).toThrow(
      /--only must be ours or baseline/,
    );
    expect(() => parseBenchArgs(['--nope'])).toThrow();
  });
});

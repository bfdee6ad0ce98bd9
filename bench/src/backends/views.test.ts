import {
  baselineComplete,
  checkBaseline,
  checkOurs,
  oursComplete,
} from './views';

const signals = (unknown: string[] = []) => ({
  signals: Object.fromEntries(
    ['build', 'image', 'sync', 'workload', 'inference', 'gpu'].map(s => [
      s,
      { status: unknown.includes(s) ? 'unknown' : 'ok', reason: `${s} reason` },
    ]),
  ),
  delivery: {},
});

describe('judging answers', () => {
  it('ours is complete when no signal is unknown', () => {
    expect(oursComplete(JSON.stringify(signals()))).toEqual({
      ok: true,
      missing: [],
    });
    expect(oursComplete(JSON.stringify(signals(['gpu'])))).toEqual({
      ok: false,
      missing: ['gpu: gpu reason'],
    });
    expect(oursComplete('<html>').ok).toBe(false);
  });

  it('the baseline is complete when every cluster running the entity answered with its pods and no error', () => {
    const item = (name: string, pods: number, errors: unknown[] = []) => ({
      cluster: { name },
      errors,
      resources: [
        { type: 'pods', resources: Array.from({ length: pods }, () => ({})) },
        { type: 'services', resources: [{}] },
      ],
    });
    expect(
      baselineComplete(
        JSON.stringify({ items: [item('a', 2), item('b', 1)] }),
        2,
        3,
      ).ok,
    ).toBe(true);
    expect(
      baselineComplete(JSON.stringify({ items: [item('a', 2)] }), 2, 2).missing,
    ).toEqual(['1/2 clusters answered']);
    expect(
      baselineComplete(JSON.stringify({ items: [item('a', 1)] }), 1, 3).missing,
    ).toEqual(['1/3 pods']);
    const failed = baselineComplete(
      JSON.stringify({
        items: [item('a', 3, [{ errorType: 'FETCH_ERROR', statusCode: 500 }])],
      }),
      1,
      3,
    );
    expect(failed.ok).toBe(false);
    expect(failed.missing[0]).toContain('FETCH_ERROR');
  });

  it('per-view checks refuse other documents and cluster errors', () => {
    expect(checkOurs(JSON.stringify(signals()))).toBeUndefined();
    expect(checkOurs('{"error":{}}')).toMatch(/not an entity health document/);
    expect(checkBaseline('{"items":[{"errors":[]}]}')).toBeUndefined();
    expect(
      checkBaseline(
        '{"items":[{"errors":[{"errorType":"UNAUTHORIZED_ERROR"}]}]}',
      ),
    ).toMatch(/UNAUTHORIZED_ERROR/);
    expect(checkBaseline('{"error":{}}')).toMatch(/not an objects response/);
  });
});

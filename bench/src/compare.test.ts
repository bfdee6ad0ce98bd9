import { viewSequence } from './compare';

describe('viewSequence', () => {
  it('gives both backends the same entities in the same order', () => {
    expect(viewSequence(500, 50, 1010)).toEqual(viewSequence(500, 50, 1010));
    expect(viewSequence(500, 50, 1010)).not.toEqual(
      viewSequence(500, 50, 1050),
    );
  });
  it('stays within the services and spreads over them', () => {
    const seq = viewSequence(500, 5000, 7);
    expect(Math.min(...seq)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...seq)).toBeLessThan(500);
    expect(new Set(seq).size).toBeGreaterThan(450);
  });
});

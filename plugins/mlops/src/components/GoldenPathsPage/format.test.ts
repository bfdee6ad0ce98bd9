import { driftHeadline, entityCount, shortOwner } from './format';

describe('golden paths format', () => {
  it('shortens owner refs the way people say them', () => {
    expect(shortOwner('group:default/ml-platform')).toBe('ml-platform');
    expect(shortOwner('group:ml/ops')).toBe('ml/ops');
    expect(shortOwner('user:default/jane')).toBe('user:jane');
    expect(shortOwner('not a : ref / at all /')).toBe('not a : ref / at all /');
  });

  it('says how far behind an entity is', () => {
    expect(
      driftHeadline({
        status: 'behind',
        from: '1.0.0',
        to: '1.2.0',
        changes: [],
        reason: 'x',
      }),
    ).toBe('1.0.0 → 1.2.0');
    expect(
      driftHeadline({
        status: 'current',
        from: '1.2.0',
        to: '1.2.0',
        changes: [],
        reason: 'x',
      }),
    ).toBe('current');
    expect(
      driftHeadline({
        status: 'unknown',
        to: '1.2.0',
        changes: [],
        reason: 'unknown version: no annotation',
      }),
    ).toBe('unknown version: no annotation');
  });

  it('counts entities', () => {
    expect(entityCount(1)).toBe('1 entity');
    expect(entityCount(0)).toBe('0 entities');
  });
});

import { parseLabelSelector } from './labelSelector';

describe('parseLabelSelector', () => {
  const labels = {
    'app.kubernetes.io/part-of': 'fraud',
    tier: 'model',
    team: 'ml',
  };

  it.each([
    ['', true],
    ['tier=model', true],
    ['tier==model', true],
    ['tier = model', true],
    ['tier!=model', false],
    ['tier!=api', true],
    ['app.kubernetes.io/part-of=fraud,tier=model', true],
    ['app.kubernetes.io/part-of=fraud,tier=api', false],
    ['tier in (api, model)', true],
    ['tier in (api)', false],
    ['tier notin (api)', true],
    ['tier notin (model,api)', false],
    ['team', true],
    ['owner', false],
    ['!owner', true],
    ['!team', false],
    ['missing in (x)', false],
    ['missing notin (x)', true],
    ['missing!=x', true],
  ])('%s → %s', (selector, expected) => {
    expect(parseLabelSelector(selector)(labels)).toBe(expected);
  });

  it('treats absent labels as an empty set', () => {
    expect(parseLabelSelector('!tier')(undefined)).toBe(true);
    expect(parseLabelSelector('tier=model')(undefined)).toBe(false);
  });

  it.each([
    ['tier in (a', 'unbalanced "(" in "tier in (a"'],
    ['tier=model)', 'unbalanced ")" in "tier=model)"'],
    ['tier=model,,team', 'empty requirement'],
    ['tier=bad value', '"bad value" is not a valid label value'],
    ['-bad=x', '"-bad" is not a valid label key'],
  ])('refuses %s', (selector, message) => {
    expect(() => parseLabelSelector(selector)).toThrow(message);
  });
});

import {
  LabelSelectorError,
  matchesSelector,
  parseLabelSelector,
  selectorFromObject,
} from './labelSelector';

const labels = {
  app: 'fraud',
  tier: 'serving',
  'backstage.io/kubernetes-id': 'fraud-detector',
  gen: '3',
};

describe('parseLabelSelector', () => {
  it.each([
    ['app=fraud', true],
    ['app==fraud', true],
    ['app = fraud', true],
    ['app=churn', false],
    ['app!=churn', true],
    ['app!=fraud', false],
    ['missing!=x', true], // != matches objects without the label
    ['tier in (serving, batch)', true],
    ['tier in (batch)', false],
    ['tier notin (batch,training)', true],
    ['tier notin (serving)', false],
    ['missing notin (x)', true],
    ['app', true],
    ['missing', false],
    ['!missing', true],
    ['!app', false],
    ['gen>2', true],
    ['gen<3', false],
    [
      'backstage.io/kubernetes-id=fraud-detector,tier in (serving),!canary',
      true,
    ],
    ['backstage.io/kubernetes-id=fraud-detector,tier=batch', false],
    ['', true],
  ])('%s → %s', (selector, expected) => {
    expect(matchesSelector(parseLabelSelector(selector), labels)).toBe(
      expected,
    );
  });

  it('normalises the text', () => {
    expect(parseLabelSelector(' app == fraud , tier in (a, b), !x ').text).toBe(
      'app=fraud,tier in (a,b),!x',
    );
  });

  it.each([
    'app=fraud,',
    'tier in (a',
    'tier in a)',
    'bad key=1',
    'app=has space',
    `app=${'x'.repeat(64)}`,
    'Bad_Prefix.io/x=1',
    'gen>two',
    'tier in ()',
  ])('rejects %s', selector => {
    expect(() => parseLabelSelector(selector)).toThrow(LabelSelectorError);
  });

  it('treats an object without labels as having none', () => {
    expect(matchesSelector(parseLabelSelector('!app'), undefined)).toBe(true);
    expect(matchesSelector(parseLabelSelector('app'), undefined)).toBe(false);
  });
});

describe('selectorFromObject', () => {
  it('converts matchLabels and matchExpressions', () => {
    const s = selectorFromObject({
      matchLabels: { app: 'fraud' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['serving'] },
        { key: 'canary', operator: 'DoesNotExist' },
      ],
    });
    expect(s.text).toBe('app=fraud,tier=serving,!canary');
    expect(matchesSelector(s, labels)).toBe(true);
    expect(matchesSelector(s, { ...labels, canary: 'true' })).toBe(false);
  });

  it('refuses unknown operators', () => {
    expect(() =>
      selectorFromObject({ matchExpressions: [{ key: 'a', operator: 'Gt' }] }),
    ).toThrow(LabelSelectorError);
  });
});

import { compareSemVer, parseSemVer } from './semver';

function cmp(a: string, b: string): number {
  const pa = parseSemVer(a);
  const pb = parseSemVer(b);
  if (!pa || !pb) throw new Error(`not semver: ${a} / ${b}`);
  return compareSemVer(pa, pb);
}

describe('semver', () => {
  it('parses full versions, with an optional v, pre-release and build metadata', () => {
    expect(parseSemVer('1.2.3')).toEqual({
      major: 1,
      minor: 2,
      patch: 3,
      prerelease: [],
    });
    expect(parseSemVer(' v10.0.1-rc.2+sha.abc ')).toEqual({
      major: 10,
      minor: 0,
      patch: 1,
      prerelease: ['rc', '2'],
    });
  });

  it('refuses what is not a semantic version', () => {
    for (const bad of [
      undefined,
      '',
      '1.2',
      '1',
      'latest',
      '01.0.0',
      '1.0.0-',
      '1.0.0-01',
      '1.0.0.0',
      'x1.0.0',
    ]) {
      expect(parseSemVer(bad)).toBeUndefined();
    }
  });

  it('orders by major, minor, patch numerically', () => {
    expect(cmp('1.0.0', '1.2.0')).toBeLessThan(0);
    expect(cmp('1.10.0', '1.9.9')).toBeGreaterThan(0);
    expect(cmp('2.0.0', '10.0.0')).toBeLessThan(0);
    expect(cmp('v1.2.0', '1.2.0+build.7')).toBe(0);
  });

  it('puts pre-releases before their release, in semver.org order', () => {
    const ordered = [
      '1.0.0-alpha',
      '1.0.0-alpha.1',
      '1.0.0-alpha.beta',
      '1.0.0-beta',
      '1.0.0-beta.2',
      '1.0.0-beta.11',
      '1.0.0-rc.1',
      '1.0.0',
    ];
    for (let i = 0; i + 1 < ordered.length; i++) {
      expect(cmp(ordered[i], ordered[i + 1])).toBeLessThan(0);
      expect(cmp(ordered[i + 1], ordered[i])).toBeGreaterThan(0);
    }
  });
});

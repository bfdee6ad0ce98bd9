import { TokenCache, nextLink, parseChallenge } from './auth';

describe('parseChallenge', () => {
  it('reads a Bearer challenge with quoted values containing commas and spaces', () => {
    const c = parseChallenge(
      'Bearer realm="https://auth.test/token",service="reg.test",scope="repository:team/app:pull,push repository:b:pull"',
    );
    expect(c).toEqual({
      scheme: 'bearer',
      params: {
        realm: 'https://auth.test/token',
        service: 'reg.test',
        scope: 'repository:team/app:pull,push repository:b:pull',
      },
    });
  });

  it('reads error="insufficient_scope" and unquoted tokens', () => {
    expect(
      parseChallenge('Bearer realm=x,error="insufficient_scope"')?.params,
    ).toEqual({
      realm: 'x',
      error: 'insufficient_scope',
    });
  });

  it('reads Basic challenges and rejects garbage', () => {
    expect(parseChallenge('Basic realm="Registry Realm"')).toEqual({
      scheme: 'basic',
      params: { realm: 'Registry Realm' },
    });
    expect(parseChallenge(undefined)).toBeUndefined();
    expect(parseChallenge('  ')).toBeUndefined();
  });
});

describe('nextLink', () => {
  const base = 'http://127.0.0.1:5000/v2/_catalog?n=2';
  it('resolves a relative Link against the request URL', () => {
    expect(nextLink('</v2/_catalog?last=b&n=2>; rel="next"', base)).toBe(
      'http://127.0.0.1:5000/v2/_catalog?last=b&n=2',
    );
  });
  it('picks next out of Harbor-style " , " joined links', () => {
    expect(
      nextLink(
        '</api/v2.0/x?page=1&page_size=10>; rel="prev" , </api/v2.0/x?page=3&page_size=10>; rel="next"',
        base,
      ),
    ).toBe('http://127.0.0.1:5000/api/v2.0/x?page=3&page_size=10');
  });
  it('returns undefined without a next relation', () => {
    expect(nextLink(undefined, base)).toBeUndefined();
    expect(nextLink('</a>; rel="prev"', base)).toBeUndefined();
  });
});

describe('TokenCache', () => {
  it('expires tokens before their lifetime ends', () => {
    let now = 1_000_000;
    const cache = new TokenCache(() => now);
    cache.set('s', 't', 300);
    expect(cache.get('s')).toBe('t');
    now += 289_000;
    expect(cache.get('s')).toBe('t');
    now += 2_000; // within the 10 s renewal margin
    expect(cache.get('s')).toBeUndefined();
  });
});

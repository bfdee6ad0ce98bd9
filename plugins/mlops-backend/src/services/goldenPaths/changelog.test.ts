import { changesBetween, parseChangelog } from './changelog';
import { parseSemVer } from './semver';

const v = (s: string) => parseSemVer(s)!;

describe('template changelog annotation', () => {
  const annotation = JSON.stringify([
    { version: '1.2.0', changes: ['vLLM: /dev/shm as a memory emptyDir'] },
    { version: '1.0.0', changes: ['first release'] },
    { version: '1.1.0', changes: ['Ingress gets TLS', 'probes on /ping'] },
    { version: '2.0.0-rc.1', changes: 'InferenceService v1beta1' },
  ]);

  it('reads the entries oldest first', () => {
    const { entries, problems } = parseChangelog(annotation);
    expect(problems).toEqual([]);
    expect(entries.map(e => e.version)).toEqual([
      '1.0.0',
      '1.1.0',
      '1.2.0',
      '2.0.0-rc.1',
    ]);
    expect(entries[3].changes).toEqual(['InferenceService v1beta1']);
  });

  it('lists the changes after the old version up to the current one', () => {
    const { entries } = parseChangelog(annotation);
    expect(changesBetween(entries, v('1.0.0'), v('1.2.0'))).toEqual([
      { version: '1.1.0', changes: ['Ingress gets TLS', 'probes on /ping'] },
      { version: '1.2.0', changes: ['vLLM: /dev/shm as a memory emptyDir'] },
    ]);
    expect(
      changesBetween(entries, v('1.1.5'), v('1.2.0')).map(e => e.version),
    ).toEqual(['1.2.0']);
    expect(changesBetween(entries, v('1.2.0'), v('1.2.0'))).toEqual([]);
  });

  it('says what is wrong with an unreadable annotation instead of throwing', () => {
    expect(parseChangelog(undefined)).toEqual({ entries: [], problems: [] });
    expect(parseChangelog('- version: 1.0.0').problems[0]).toMatch(
      /^not valid JSON/,
    );
    expect(parseChangelog('{"version":"1.0.0"}').problems).toEqual([
      'not a JSON array of {"version", "changes"} objects',
    ]);
  });

  it('skips the entries that do not fit and keeps the rest', () => {
    const { entries, problems } = parseChangelog(
      JSON.stringify([
        'text',
        { version: 'next', changes: ['x'] },
        { changes: ['no version'] },
        { version: '1.1.0', changes: { a: 1 } },
        { version: '1.3.0', changes: ['ok', 42] },
        { version: '1.3.0', changes: ['again'] },
      ]),
    );
    expect(entries).toEqual([
      expect.objectContaining({ version: '1.3.0', changes: ['ok'] }),
    ]);
    expect(problems).toEqual([
      'entry 1: not an object',
      'entry 2: version "next" is not a semantic version',
      'entry 3: has no version',
      'entry 4: "changes" of 1.1.0 is not a list of strings',
      'entry 5: 1 change(s) of 1.3.0 are not text and were skipped',
      '… and 1 more',
    ]);
  });
});

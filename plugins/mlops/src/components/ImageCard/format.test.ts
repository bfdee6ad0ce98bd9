import { humanBytes, relativeAge, shortDigest, shortRevision } from './format';

describe('format', () => {
  it('shortens digests to the algorithm and 12 hex characters', () => {
    expect(
      shortDigest(
        'sha256:abcdef1234567890abcdef1234567890abcdef1234567890abcdef1234567890',
      ),
    ).toBe('sha256:abcdef123456');
  });

  it('shortens revisions and marks missing ones', () => {
    expect(shortRevision('0123456789abcdef')).toBe('0123456789ab');
    expect(shortRevision(undefined)).toBe('—');
    expect(shortRevision('  ')).toBe('—');
  });

  it('formats sizes in decimal units', () => {
    expect(humanBytes(512)).toBe('512 B');
    expect(humanBytes(12_345_678)).toBe('12.3 MB');
    expect(humanBytes(1_500_000_000)).toBe('1.5 GB');
    expect(humanBytes(undefined)).toBe('—');
  });

  it('formats ages relative to now', () => {
    const now = Date.parse('2026-01-10T12:00:00Z');
    expect(relativeAge('2026-01-07T11:00:00Z', now)).toBe('3 days ago');
    expect(relativeAge('2026-01-10T11:58:00Z', now)).toBe('2 minutes ago');
    expect(relativeAge('2025-01-01T00:00:00Z', now)).toBe('1 year ago');
    expect(relativeAge(undefined, now)).toBeUndefined();
    expect(relativeAge('not a date', now)).toBeUndefined();
  });
});

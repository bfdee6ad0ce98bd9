import { AGE_STEPS, MISSING } from '../common/format';

const HEX_CHARS_SHOWN = 12;

/** `sha256:0123…` → `sha256:0123456789ab` (algorithm kept, 12 hex characters). */
export function shortDigest(digest: string): string {
  const colon = digest.indexOf(':');
  if (colon < 0) {
    return digest.slice(0, HEX_CHARS_SHOWN);
  }
  return `${digest.slice(0, colon)}:${digest.slice(
    colon + 1,
    colon + 1 + HEX_CHARS_SHOWN,
  )}`;
}

/** First 12 characters of a VCS revision, `—` when there is none. */
export function shortRevision(revision: string | undefined): string {
  const trimmed = revision?.trim();
  return trimmed ? trimmed.slice(0, HEX_CHARS_SHOWN) : MISSING;
}

const BYTE_UNITS = ['kB', 'MB', 'GB', 'TB', 'PB'];

/** Decimal (SI) units, as registries and `docker images` report sizes: `12.3 MB`. */
export function humanBytes(bytes: number | undefined): string {
  if (bytes === undefined || !Number.isFinite(bytes) || bytes < 0) {
    return MISSING;
  }
  if (bytes < 1000) {
    return `${bytes} B`;
  }
  let value = bytes;
  let unit = -1;
  while (value >= 1000 && unit < BYTE_UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value.toFixed(1)} ${BYTE_UNITS[unit]}`;
}

const relativeTime = new Intl.RelativeTimeFormat('en', { numeric: 'always' });

/**
 * `2024-05-01T10:00:00Z` → `3 days ago` (relative to `now`); `undefined` when
 * the value is missing or not a date.
 */
export function relativeAge(
  iso: string | undefined,
  now: number = Date.now(),
): string | undefined {
  if (!iso) {
    return undefined;
  }
  const time = Date.parse(iso);
  if (Number.isNaN(time)) {
    return undefined;
  }
  let value = (time - now) / 1000;
  for (const [unit, size] of AGE_STEPS) {
    if (Math.abs(value) < size) {
      return relativeTime.format(Math.trunc(value), unit);
    }
    value /= size;
  }
  return undefined;
}

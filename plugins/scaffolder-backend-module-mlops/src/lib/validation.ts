import { InputError } from '@backstage/errors';

const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Throws an InputError unless `value` is a DNS-1123 label of at most `max` characters. */
export function assertDns1123Label(
  field: string,
  value: string,
  max = 63,
): void {
  if (!DNS_1123_LABEL.test(value) || value.length > max) {
    throw new InputError(
      `${field} "${value}" must be a DNS-1123 label (lower-case letters, digits and '-', at most ${max} characters)`,
    );
  }
}

/**
 * Normalises a repository-relative folder path (`apps`, `./apps-of-apps/`)
 * and throws an InputError for absolute paths or `..` segments.
 */
export function relativeRepoPath(field: string, value: string): string {
  const segments = value
    .replace(/\\/g, '/')
    .split('/')
    .filter(s => s !== '' && s !== '.');
  if (
    value.startsWith('/') ||
    segments.some(s => s === '..') ||
    segments.length === 0
  ) {
    throw new InputError(
      `${field} "${value}" must be a relative folder inside the repository`,
    );
  }
  return segments.join('/');
}

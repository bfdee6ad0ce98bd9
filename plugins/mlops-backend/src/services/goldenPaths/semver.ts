/** A parsed semantic version (https://semver.org), build metadata dropped. */
export interface SemVer {
  major: number;
  minor: number;
  patch: number;
  /** Pre-release identifiers, e.g. `['rc', '1']` for `1.0.0-rc.1`. */
  prerelease: string[];
}

const SEMVER =
  /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+[0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*)?$/;

/**
 * Parses `MAJOR.MINOR.PATCH[-pre][+build]` (a leading `v` is accepted).
 * Returns `undefined` for anything else, e.g. `1.2`, `latest` or `01.0.0`.
 */
export function parseSemVer(value: string | undefined): SemVer | undefined {
  const match = SEMVER.exec(value?.trim() ?? '');
  if (!match) {
    return undefined;
  }
  const [, major, minor, patch, pre] = match;
  const numbers = [major, minor, patch].map(Number);
  if (!numbers.every(Number.isSafeInteger)) {
    return undefined;
  }
  return {
    major: numbers[0],
    minor: numbers[1],
    patch: numbers[2],
    prerelease: pre ? pre.split('.') : [],
  };
}

const NUMERIC = /^\d+$/;

function compareIdentifiers(a: string, b: string): number {
  const aNum = NUMERIC.test(a);
  const bNum = NUMERIC.test(b);
  if (aNum && bNum) return Math.sign(Number(a) - Number(b));
  if (aNum) return -1; // numeric identifiers sort before alphanumeric ones
  if (bNum) return 1;
  if (a === b) return 0;
  return a < b ? -1 : 1; // ASCII order, as semver.org says
}

/** Semver precedence: negative when `a` < `b`, 0 when equal, positive when `a` > `b`. */
export function compareSemVer(a: SemVer, b: SemVer): number {
  const core =
    Math.sign(a.major - b.major) ||
    Math.sign(a.minor - b.minor) ||
    Math.sign(a.patch - b.patch);
  if (core !== 0) return core;
  // a release is newer than any of its pre-releases
  if (!a.prerelease.length || !b.prerelease.length) {
    return Math.sign(b.prerelease.length - a.prerelease.length);
  }
  const length = Math.min(a.prerelease.length, b.prerelease.length);
  for (let i = 0; i < length; i++) {
    const diff = compareIdentifiers(a.prerelease[i], b.prerelease[i]);
    if (diff !== 0) return diff;
  }
  return Math.sign(a.prerelease.length - b.prerelease.length);
}

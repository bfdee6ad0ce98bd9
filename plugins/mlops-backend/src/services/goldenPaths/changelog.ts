import { TemplateChangelogEntry } from '@internal/plugin-mlops-common';
import { SemVer, compareSemVer, parseSemVer } from './semver';

/** A changelog entry whose version parsed. */
export interface ParsedChangelogEntry extends TemplateChangelogEntry {
  parsed: SemVer;
}

export interface ParsedChangelog {
  /** Oldest first. */
  entries: ParsedChangelogEntry[];
  /** What was skipped, and why; empty when the whole annotation was read. */
  problems: string[];
}

const MAX_PROBLEMS = 5;

/**
 * Reads the `mlops.io/template-changelog` annotation: a JSON array of
 * `{ version, changes }`. Never throws; whatever does not fit is skipped and
 * explained in `problems`.
 */
export function parseChangelog(
  annotation: string | undefined,
): ParsedChangelog {
  if (annotation === undefined || !annotation.trim()) {
    return { entries: [], problems: [] };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(annotation);
  } catch (e) {
    return {
      entries: [],
      problems: [`not valid JSON (${(e as Error).message})`],
    };
  }
  if (!Array.isArray(raw)) {
    return {
      entries: [],
      problems: ['not a JSON array of {"version", "changes"} objects'],
    };
  }
  const entries: ParsedChangelogEntry[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  raw.forEach((item: unknown, index) => {
    const problem = (text: string) =>
      problems.push(`entry ${index + 1}: ${text}`);
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      problem('not an object');
      return;
    }
    const { version, changes } = item as {
      version?: unknown;
      changes?: unknown;
    };
    const parsed =
      typeof version === 'string' ? parseSemVer(version) : undefined;
    if (!parsed || typeof version !== 'string') {
      problem(
        version === undefined
          ? 'has no version'
          : `version ${JSON.stringify(version)} is not a semantic version`,
      );
      return;
    }
    const list = typeof changes === 'string' ? [changes] : changes;
    if (!Array.isArray(list)) {
      problem(`"changes" of ${version} is not a list of strings`);
      return;
    }
    const texts = list
      .filter((c): c is string => typeof c === 'string' && c.trim() !== '')
      .map(c => c.trim());
    if (texts.length !== list.length) {
      problem(
        `${
          list.length - texts.length
        } change(s) of ${version} are not text and were skipped`,
      );
    }
    const key = `${parsed.major}.${parsed.minor}.${
      parsed.patch
    }-${parsed.prerelease.join('.')}`;
    if (seen.has(key)) {
      problem(`version ${version} appears twice; the later entry was skipped`);
      return;
    }
    seen.add(key);
    entries.push({ version: version.trim(), changes: texts, parsed });
  });
  entries.sort((a, b) => compareSemVer(a.parsed, b.parsed));
  if (problems.length > MAX_PROBLEMS) {
    const more = problems.length - MAX_PROBLEMS;
    problems.splice(MAX_PROBLEMS, more, `… and ${more} more`);
  }
  return { entries, problems };
}

/** Entries newer than `from` up to and including `to`, oldest first. */
export function changesBetween(
  entries: ParsedChangelogEntry[],
  from: SemVer,
  to: SemVer,
): TemplateChangelogEntry[] {
  return entries
    .filter(
      e =>
        compareSemVer(e.parsed, from) > 0 && compareSemVer(e.parsed, to) <= 0,
    )
    .map(e => ({ version: e.version, changes: e.changes }));
}

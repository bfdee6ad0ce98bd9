import { ANNOTATION_JENKINS_JOB_FULL_NAME } from '@internal/plugin-mlops-common';
import { DEFAULT_JENKINS_INSTANCE, JenkinsInstanceConfig } from './config';

/** One job an entity names: which configured instance, and its path of item names. */
export interface JobRef {
  instance: string;
  /** `folder/job`, as written (item names joined by `/`). */
  fullName: string;
  /** Item names: `['mb', 'feature%2Fx']`. */
  segments: string[];
}

export type JobRefResult =
  | { ok: true; jobs: JobRef[] }
  | { ok: false; fault: 'bad-annotation' | 'not-configured'; message: string };

/**
 * Characters Jenkins refuses in item names (`Jenkins.checkGoodName`), minus
 * `%`: multibranch children are named with `NameEncoder`, so `feature/x` is the
 * item `feature%2Fx`, and `%` followed by two hex digits is allowed.
 */
const FORBIDDEN = /[?*\\!@#$^&|<>[\]:;]/;
const hasControl = (text: string) =>
  [...text].some(c => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
const BAD_PERCENT = /%(?![0-9A-Fa-f]{2})/;

/** Checks one item name; returns why it is invalid, or undefined. */
export function invalidItemName(segment: string): string | undefined {
  if (segment === '')
    return 'has an empty path element (// or a leading/trailing /)';
  if (segment === '.' || segment === '..')
    return `has a "${segment}" path element`;
  if (segment.trim() !== segment)
    return `path element "${segment}" starts or ends with a space`;
  if (FORBIDDEN.test(segment) || hasControl(segment))
    return `path element "${segment}" contains a character Jenkins does not allow in names`;
  if (BAD_PERCENT.test(segment))
    return `path element "${segment}" has a % that is not an escape like %2F`;
  return undefined;
}

/**
 * Parses `jenkins.io/job-full-name`: `[instance:]folder/job`, several separated
 * by commas. Without an instance the job is on `default` (or the only
 * configured instance). An instance that is not configured is refused, so
 * only configured Jenkins servers are ever contacted.
 */
export function parseJobAnnotation(
  value: string | undefined,
  instances: JenkinsInstanceConfig[],
): JobRefResult {
  const annotation = ANNOTATION_JENKINS_JOB_FULL_NAME;
  if (!value || !value.trim())
    return {
      ok: false,
      fault: 'bad-annotation',
      message: `entity has no ${annotation} annotation`,
    };
  if (instances.length === 0) {
    return {
      ok: false,
      fault: 'not-configured',
      message: 'no Jenkins instance is configured (jenkins.instances is empty)',
    };
  }
  const known = instances.map(i => i.name);
  const jobs: JobRef[] = [];
  for (const rawEntry of value.split(',')) {
    const entry = rawEntry.trim();
    if (!entry) continue;
    const colon = entry.indexOf(':');
    let instance: string | undefined;
    let path = entry;
    if (colon >= 0) {
      instance = entry.slice(0, colon).trim();
      path = entry.slice(colon + 1).trim();
      if (!instance)
        return {
          ok: false,
          fault: 'bad-annotation',
          message: `${annotation} "${entry}" has an empty instance name before ":"`,
        };
    }
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(entry)) {
      return {
        ok: false,
        fault: 'bad-annotation',
        message: `${annotation} "${entry}" must be [instance:]folder/job, not a URL`,
      };
    }
    if (instance === undefined) {
      if (known.includes(DEFAULT_JENKINS_INSTANCE))
        instance = DEFAULT_JENKINS_INSTANCE;
      else if (known.length === 1) instance = known[0];
      else {
        return {
          ok: false,
          fault: 'bad-annotation',
          message: `${annotation} "${entry}" names no instance and none is called "${DEFAULT_JENKINS_INSTANCE}"; write instance:${path} (configured: ${known.join(
            ', ',
          )})`,
        };
      }
    } else if (!known.includes(instance)) {
      return {
        ok: false,
        fault: 'bad-annotation',
        message: `${annotation} "${entry}" names Jenkins instance "${instance}", which is not configured (configured: ${known.join(
          ', ',
        )})`,
      };
    }
    const segments = path.split('/');
    for (const s of segments) {
      const why = invalidItemName(s);
      if (why)
        return {
          ok: false,
          fault: 'bad-annotation',
          message: `${annotation} "${entry}" ${why}`,
        };
    }
    if (!jobs.some(j => j.instance === instance && j.fullName === path))
      jobs.push({ instance, fullName: path, segments });
  }
  if (jobs.length === 0)
    return {
      ok: false,
      fault: 'bad-annotation',
      message: `${annotation} "${value}" names no job`,
    };
  return { ok: true, jobs };
}

/** `/job/a/job/b` for item names `a`, `b` (each URL-encoded once, so `feature%2Fx` → `feature%252Fx`). */
export function jobPath(segments: string[]): string {
  return segments.map(s => `/job/${encodeURIComponent(s)}`).join('');
}

/** `feature%2Fx` → `feature/x` (NameEncoder's escapes undone); unchanged if not decodable. */
export function decodeItemName(itemName: string): string {
  try {
    return decodeURIComponent(itemName);
  } catch {
    return itemName;
  }
}

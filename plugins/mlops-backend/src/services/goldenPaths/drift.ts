import {
  ANNOTATION_TEMPLATE_VERSION,
  TemplateDrift,
  TemplateDriftStatus,
  UNVERSIONED,
} from '@internal/plugin-mlops-common';
import { ParsedChangelogEntry, changesBetween } from './changelog';
import { SemVer, compareSemVer, parseSemVer } from './semver';

/** What drift is judged against: the template's current version and changelog. */
export interface TemplateVersion {
  /** As shown: the annotation's value, or `unversioned`. */
  version: string;
  parsed?: SemVer;
  changelog: ParsedChangelogEntry[];
}

export function templateVersion(
  annotation: string | undefined,
  changelog: ParsedChangelogEntry[],
): TemplateVersion {
  const version = annotation?.trim() || UNVERSIONED;
  return { version, parsed: parseSemVer(annotation), changelog };
}

/**
 * Compares an entity's `mlops.io/template-version` with its template's. A
 * missing or unparsable version on either side is `unknown`, never current.
 */
export function judgeDrift(
  entityVersion: string | undefined,
  template: TemplateVersion,
): TemplateDrift {
  const from = entityVersion?.trim() || undefined;
  const to = template.version;
  const result = (
    status: TemplateDriftStatus,
    reason: string,
    changes: TemplateDrift['changes'] = [],
  ) => ({
    status,
    ...(from !== undefined ? { from } : {}),
    to,
    changes,
    reason,
  });

  if (!template.parsed) {
    return result(
      'unknown',
      to === UNVERSIONED
        ? `the template has no ${ANNOTATION_TEMPLATE_VERSION}, so drift cannot be judged`
        : `the template's version "${to}" is not a semantic version, so drift cannot be judged`,
    );
  }
  if (from === undefined) {
    return result(
      'unknown',
      `unknown version: no ${ANNOTATION_TEMPLATE_VERSION} annotation (template is at ${to})`,
    );
  }
  const parsed = parseSemVer(from);
  if (!parsed) {
    return result(
      'unknown',
      `unknown version: "${from}" is not a semantic version (template is at ${to})`,
    );
  }
  const order = compareSemVer(parsed, template.parsed);
  if (order === 0) {
    return result('current', `${from}, the template's current version`);
  }
  if (order > 0) {
    return result('ahead', `${from} is newer than the template's ${to}`);
  }
  const changes = changesBetween(template.changelog, parsed, template.parsed);
  return result(
    'behind',
    changes.length
      ? `${from} → ${to}`
      : `${from} → ${to} (the template's changelog lists no changes in between)`,
    changes,
  );
}

/**
 * The template's version annotations as the portal's golden-paths page reads
 * them: `mlops.io/template-version` (a semantic version) and
 * `mlops.io/template-changelog` (a JSON array of `{ version, changes }`),
 * which must describe the current version.
 */
import { TemplateEntity } from './templateFiles';

export const TEMPLATE_VERSION_ANNOTATION = 'mlops.io/template-version';
export const TEMPLATE_CHANGELOG_ANNOTATION = 'mlops.io/template-changelog';

const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

function compareVersions(a: string, b: string): number {
  const core = (v: string) => v.split(/[-+]/)[0].split('.').map(Number);
  const [x, y] = [core(a), core(b)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return 0;
}

/** Every problem with the version and changelog annotations ([] when fine). */
export function checkTemplateMetadata(template: TemplateEntity): string[] {
  const annotations = template.metadata.annotations ?? {};
  const version = annotations[TEMPLATE_VERSION_ANNOTATION];
  const problems: string[] = [];
  if (typeof version !== 'string' || !SEMVER.test(version)) {
    return [
      `${TEMPLATE_VERSION_ANNOTATION} ${JSON.stringify(
        version,
      )} is not a semantic version`,
    ];
  }
  const raw = annotations[TEMPLATE_CHANGELOG_ANNOTATION];
  if (raw === undefined) {
    return [`no ${TEMPLATE_CHANGELOG_ANNOTATION} annotation`];
  }
  let entries: unknown;
  try {
    entries = JSON.parse(raw);
  } catch (e) {
    return [
      `${TEMPLATE_CHANGELOG_ANNOTATION} is not JSON: ${(e as Error).message}`,
    ];
  }
  if (!Array.isArray(entries)) {
    return [`${TEMPLATE_CHANGELOG_ANNOTATION} is not a JSON array`];
  }
  const versions: string[] = [];
  entries.forEach((entry: unknown, i) => {
    const e = (entry ?? {}) as { version?: unknown; changes?: unknown };
    if (typeof e.version !== 'string' || !SEMVER.test(e.version)) {
      problems.push(`changelog entry ${i + 1} has no semantic version`);
      return;
    }
    versions.push(e.version);
    if (
      !Array.isArray(e.changes) ||
      e.changes.length === 0 ||
      e.changes.some(c => typeof c !== 'string' || !c.trim())
    ) {
      problems.push(
        `changelog entry ${e.version}: "changes" is not a non-empty list of texts`,
      );
    }
    if (compareVersions(e.version, version) > 0) {
      problems.push(
        `changelog entry ${e.version} is newer than the template (${version})`,
      );
    }
  });
  if (new Set(versions).size !== versions.length) {
    problems.push('the changelog lists a version twice');
  }
  if (!versions.includes(version)) {
    problems.push(
      `the changelog has no entry for the template's version ${version}`,
    );
  }
  return problems;
}

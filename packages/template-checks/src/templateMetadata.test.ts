import {
  checkTemplateMetadata,
  TEMPLATE_CHANGELOG_ANNOTATION,
  TEMPLATE_VERSION_ANNOTATION,
} from './templateMetadata';
import { readTemplate, TemplateEntity, templateDir } from './templateFiles';

const template = readTemplate(templateDir('model-service'));

function withAnnotations(annotations: Record<string, string>): TemplateEntity {
  return {
    ...template,
    metadata: {
      ...template.metadata,
      annotations: { ...template.metadata.annotations, ...annotations },
    },
  };
}

it('model-service has a semantic version and a changelog entry for it', () => {
  expect(checkTemplateMetadata(template)).toEqual([]);
});

it.each([
  [
    'a version without changelog entry',
    { [TEMPLATE_VERSION_ANNOTATION]: '9.0.0' },
    /no entry for the template's version 9\.0\.0/,
  ],
  [
    'a version that is not semver',
    { [TEMPLATE_VERSION_ANNOTATION]: 'v1' },
    /"v1" is not a semantic version/,
  ],
  [
    'a changelog that is not JSON',
    { [TEMPLATE_CHANGELOG_ANNOTATION]: '- 1.1.0: jenkins' },
    /is not JSON/,
  ],
  [
    'an entry newer than the template',
    {
      [TEMPLATE_VERSION_ANNOTATION]: '1.0.0',
      [TEMPLATE_CHANGELOG_ANNOTATION]:
        '[{"version":"1.0.0","changes":["a"]},{"version":"1.1.0","changes":["b"]}]',
    },
    /1\.1\.0 is newer than the template \(1\.0\.0\)/,
  ],
  [
    'an entry without changes',
    {
      [TEMPLATE_VERSION_ANNOTATION]: '1.0.0',
      [TEMPLATE_CHANGELOG_ANNOTATION]: '[{"version":"1.0.0","changes":[]}]',
    },
    /"changes" is not a non-empty list/,
  ],
])('reports %s', (_what, annotations, problem) => {
  expect(
    checkTemplateMetadata(withAnnotations(annotations)).join('\n'),
  ).toMatch(problem);
});

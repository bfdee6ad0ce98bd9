import { Entity } from '@backstage/catalog-model';
import {
  ANNOTATION_ARGOCD_APP_NAME,
  ANNOTATION_ARGOCD_APP_SELECTOR,
  ANNOTATION_CI,
  ANNOTATION_HARBOR_REPOSITORY_SLUG,
  ANNOTATION_IMAGE_REPOSITORY,
  ANNOTATION_JENKINS_JOB_FULL_NAME,
  GoldenPathCheck,
} from '@internal/plugin-mlops-common';
import { ObjectSource } from '../../upstreams/kubernetes';
import { workloadChecks } from './workloadChecks';

const GITHUB_PROJECT_SLUG = 'github.com/project-slug';
const GITLAB_PROJECT_SLUG = 'gitlab.com/project-slug';

type Annotations = Record<string, string | undefined>;

function value(annotations: Annotations, key: string): string | undefined {
  const v = annotations[key];
  return typeof v === 'string' && v.trim() ? v.trim() : undefined;
}

function ciCheck(a: Annotations): GoldenPathCheck {
  const base = { id: 'ci', label: 'CI' } as const;
  const jenkins = value(a, ANNOTATION_JENKINS_JOB_FULL_NAME);
  const gitlab = value(a, GITLAB_PROJECT_SLUG);
  const github = value(a, GITHUB_PROJECT_SLUG);
  const declared = value(a, ANNOTATION_CI)?.toLocaleLowerCase('en-US');
  if (jenkins) {
    return { ...base, status: 'ok', reason: `Jenkins job ${jenkins}` };
  }
  if (gitlab) {
    return { ...base, status: 'ok', reason: `GitLab CI of ${gitlab}` };
  }
  if (github && (declared === 'github' || declared === 'github-actions')) {
    return { ...base, status: 'ok', reason: `GitHub Actions of ${github}` };
  }
  if (github) {
    return {
      ...base,
      status: 'warning',
      reason: `${GITHUB_PROJECT_SLUG} is ${github}, but nothing says what builds it: add ${ANNOTATION_CI}: github or ${ANNOTATION_JENKINS_JOB_FULL_NAME}`,
    };
  }
  return {
    ...base,
    status: 'error',
    reason: `no CI annotation (${ANNOTATION_JENKINS_JOB_FULL_NAME}, ${GITLAB_PROJECT_SLUG}, or ${GITHUB_PROJECT_SLUG} with ${ANNOTATION_CI}: github)`,
  };
}

function argocdCheck(a: Annotations): GoldenPathCheck {
  const base = { id: 'argocd', label: 'Argo CD application' } as const;
  const app = value(a, ANNOTATION_ARGOCD_APP_NAME);
  const selector = value(a, ANNOTATION_ARGOCD_APP_SELECTOR);
  if (app) return { ...base, status: 'ok', reason: `application ${app}` };
  if (selector)
    return {
      ...base,
      status: 'ok',
      reason: `applications selected by ${selector}`,
    };
  return {
    ...base,
    status: 'error',
    reason: `no ${ANNOTATION_ARGOCD_APP_NAME} or ${ANNOTATION_ARGOCD_APP_SELECTOR} annotation`,
  };
}

function imageCheck(a: Annotations): GoldenPathCheck {
  const base = { id: 'image', label: 'Image repository' } as const;
  const repository = value(a, ANNOTATION_IMAGE_REPOSITORY);
  const harbor = value(a, ANNOTATION_HARBOR_REPOSITORY_SLUG);
  if (repository) return { ...base, status: 'ok', reason: repository };
  if (harbor) return { ...base, status: 'ok', reason: `Harbor ${harbor}` };
  return {
    ...base,
    status: 'error',
    reason: `no ${ANNOTATION_IMAGE_REPOSITORY} or ${ANNOTATION_HARBOR_REPOSITORY_SLUG} annotation`,
  };
}

/**
 * The golden-path checks of one entity: CI, Argo CD and image from its
 * annotations; resource limits and GPU product from the cluster's watch
 * cache (unknown, never ok, when no cluster data is available).
 */
export function checkEntity(
  entity: Entity,
  source?: ObjectSource,
): GoldenPathCheck[] {
  const annotations: Annotations = entity.metadata.annotations ?? {};
  return [
    ciCheck(annotations),
    argocdCheck(annotations),
    imageCheck(annotations),
    ...workloadChecks(entity, source),
  ];
}

import { Entity } from '@backstage/catalog-model';
import {
  ANNOTATION_HARBOR_REPOSITORY_SLUG,
  ANNOTATION_IMAGE_REPOSITORY,
  isImageRepositoryAvailable,
} from '@internal/plugin-mlops-common';
import { ImageService } from '../ImageService';
import { SignalProvider, SignalReading } from './HealthService';

/** The image signal, from the registry reports of {@link ImageService}. */
export function imageSignalProvider(images: ImageService): SignalProvider {
  return {
    signal: 'image',
    notApplicableReason: () =>
      `add the ${ANNOTATION_IMAGE_REPOSITORY} (or ${ANNOTATION_HARBOR_REPOSITORY_SLUG}) annotation`,
    async read(entity: Entity): Promise<SignalReading | undefined> {
      if (!isImageRepositoryAvailable(entity)) return undefined;
      const report = await images.getReport(entity);
      const link = report.registry?.uiUrl
        ? {
            title: `registry ${report.registry.name}`,
            url: report.registry.uiUrl,
          }
        : undefined;
      return {
        health: { ...report.health, ...(link ? { links: [link] } : {}) },
        facts: {
          image: report.health.problem
            ? { problem: report.health.problem }
            : {
                tags: report.tags
                  .filter(t => !t.error)
                  .map(t => ({
                    tag: t.tag,
                    digest: t.digest,
                    revision: t.revision,
                    created: t.created,
                  })),
                ...(link ? { link } : {}),
              },
        },
      };
    },
  };
}

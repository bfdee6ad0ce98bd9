import { createHash } from 'node:crypto';
import { PushImageSpec, RunningRegistry, pushImage } from '../registry';

/** The host name demo entities use in their image annotations (mapped to the real port by config). */
export const DEMO_REGISTRY_HOST = 'registry.demo.local';

interface DemoRepo {
  repository: string;
  format: PushImageSpec['format'];
  /** Ages of the tags, in hours before now, newest first. */
  agesHours: number[];
  layerSizes: number[];
}

/** Image repositories of the demo model services (see demo/catalog/model-services.yaml). */
export const DEMO_REPOSITORIES: DemoRepo[] = [
  {
    repository: 'ml/fraud-detector',
    format: 'docker',
    agesHours: [5, 30, 75, 170, 340],
    layerSizes: [180_000, 64_000, 9_000],
  },
  {
    repository: 'genai/llm-chat',
    format: 'oci-index',
    agesHours: [2, 50, 200],
    layerSizes: [420_000, 120_000],
  },
  {
    repository: 'vision/image-classifier',
    format: 'oci',
    agesHours: [26, 98],
    layerSizes: [250_000, 30_000],
  },
  // ml/churn-scoring is deliberately never pushed: its card shows what a missing repository looks like.
  // genai/support-chat gets its images from real builds of the delivery loop (see deliveryLoop.ts).
];

/** A stable fake git SHA per repository and tag, so revisions look like commits. */
export function demoRevision(repository: string, index: number): string {
  return createHash('sha1').update(`${repository}#${index}`).digest('hex');
}

/** One image the demo pushed. */
export interface DemoImage {
  repository: string;
  /** Short revision (7 characters), the tag CI gives an image. */
  tag: string;
  /** Full git SHA the image was built from (`org.opencontainers.image.revision`). */
  revision: string;
  /** Digest of what the tag points to (the index for multi-platform images). */
  digest: string;
  /** RFC 3339, from the image config. */
  created: string;
  /** Position in {@link DemoRepo.agesHours}: 0 is the newest. */
  index: number;
}

/** Pushes the demo images (real blobs and manifests) and says what was pushed, newest first per repository. */
export async function seedDemoImages(
  reg: RunningRegistry,
  now = Date.now(),
): Promise<DemoImage[]> {
  const target = {
    url: reg.url,
    username: reg.username,
    password: reg.password,
  };
  const pushes = DEMO_REPOSITORIES.map(async repo => {
    const out: DemoImage[] = [];
    // One repository after the other would be slower; tags of one repository go in order.
    for (const [index, age] of repo.agesHours.entries()) {
      const revision = demoRevision(repo.repository, index);
      const created = new Date(now - age * 3_600_000)
        .toISOString()
        .replace(/\.\d+Z$/, 'Z');
      const tag = revision.slice(0, 7);
      const pushed = await pushImage(target, {
        repository: repo.repository,
        tag,
        format: repo.format,
        created,
        revision,
        labels: {
          'org.opencontainers.image.source': `https://git.demo.local/${repo.repository}`,
        },
        layerSizes: repo.layerSizes.map(s => s + index * 977),
      });
      out.push({
        repository: repo.repository,
        tag,
        revision,
        digest: pushed.digest,
        created,
        index,
      });
    }
    return out;
  });
  return (await Promise.all(pushes)).flat();
}

/** Pushes the demo images (real blobs and manifests) into a running registry; returns how many. */
export async function seedDemoRegistry(
  reg: RunningRegistry,
  now = Date.now(),
): Promise<number> {
  return (await seedDemoImages(reg, now)).length;
}

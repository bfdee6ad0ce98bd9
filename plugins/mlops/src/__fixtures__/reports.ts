import { Entity } from '@backstage/catalog-model';
import { ImageReport, MlopsApi } from '@internal/plugin-mlops-common';
import { answersInTurn } from './responses';

const DAY_MS = 24 * 60 * 60 * 1000;

export const entityWithImage: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'fraud-detector',
    namespace: 'default',
    annotations: {
      'mlops.io/image-repository': '127.0.0.1:5000/ml/fraud-detector',
    },
  },
  spec: { type: 'model-service', owner: 'team-ml', lifecycle: 'production' },
};

export const entityWithoutImage: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'website', namespace: 'default' },
  spec: { type: 'website', owner: 'team-web', lifecycle: 'production' },
};

export const FULL_DIGEST =
  'sha256:4f2a9c81d3b7e6a05c1d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b';
export const FULL_REVISION = '9b1e2d3c4a5f67890abcdef1234567890abcdef1';

export function okReport(now = Date.now()): ImageReport {
  return {
    entityRef: 'component:default/fraud-detector',
    registry: {
      name: 'demo',
      host: '127.0.0.1:5000',
      uiUrl: 'http://127.0.0.1:5000/harbor/projects/ml',
    },
    repository: 'ml/fraud-detector',
    tags: [
      {
        tag: '1.4.2',
        digest: FULL_DIGEST,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        created: new Date(now - 3 * DAY_MS - 60_000).toISOString(),
        size: 12_345_678,
        revision: FULL_REVISION,
        source: 'https://git.example.com/ml/fraud-detector',
        platforms: ['linux/amd64', 'linux/arm64'],
      },
      {
        tag: 'legacy',
        digest:
          'sha256:00aa11bb22cc33dd44ee55ff66778899aabbccddeeff00112233445566778899',
        mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
        size: 987_654_321,
        platforms: ['linux/amd64'],
      },
    ],
    totalTags: 5,
    health: {
      signal: 'image',
      status: 'ok',
      reason: 'newest tag 1.4.2 is 3 days old',
      checkedAt: new Date(now).toISOString(),
    },
  };
}

export function problemReport(
  problem: NonNullable<ImageReport['health']['problem']>,
): ImageReport {
  return {
    entityRef: 'component:default/fraud-detector',
    registry: { name: 'demo', host: '127.0.0.1:5000' },
    repository: 'ml/fraud-detector',
    tags: [],
    totalTags: 0,
    health: {
      signal: 'image',
      status: 'error',
      reason: problem.message,
      checkedAt: new Date().toISOString(),
      problem,
    },
  };
}

/** A fake backend client: the boundary the card talks to. */
export function fakeMlopsApi(
  ...answers: Array<ImageReport | Error>
): MlopsApi & { getImageReport: jest.Mock } {
  // the image card never asks for golden paths
  return { getImageReport: answersInTurn(answers), getGoldenPaths: jest.fn() };
}

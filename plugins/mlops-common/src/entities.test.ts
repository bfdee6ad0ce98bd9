import {
  isBuildAvailable,
  isDeliveryAvailable,
  isInferenceAvailable,
  isKubernetesAvailable,
  isSyncAvailable,
} from './entities';
import { Entity } from '@backstage/catalog-model';
import {
  isImageRepositoryAvailable,
  isModelArtifact,
  isModelService,
} from './entities';

const entity = (kind: string, type: string | number, annotations = {}): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind,
  metadata: { name: 'x', annotations },
  spec: { type },
});

describe('entity conventions', () => {
  it('recognizes model services, including RHDH model-server', () => {
    expect(isModelService(entity('Component', 'model-service'))).toBe(true);
    expect(isModelService(entity('component', 'Model-Server'))).toBe(true);
    expect(isModelService(entity('Component', 'website'))).toBe(false);
    expect(isModelService(entity('Resource', 'model-service'))).toBe(false);
    expect(isModelService(entity('Component', 42))).toBe(false);
  });

  it('recognizes model artifacts', () => {
    expect(isModelArtifact(entity('Resource', 'ai-model'))).toBe(true);
    expect(isModelArtifact(entity('Component', 'ai-model'))).toBe(false);
  });

  it('knows when the image card has an annotation to read', () => {
    expect(isImageRepositoryAvailable(entity('Component', 'x'))).toBe(false);
    expect(
      isImageRepositoryAvailable(
        entity('Component', 'x', { 'mlops.io/image-repository': '  ' }),
      ),
    ).toBe(false);
    expect(
      isImageRepositoryAvailable(
        entity('Component', 'x', { 'goharbor.io/repository-slug': 'ml/app' }),
      ),
    ).toBe(true);
  });
});

describe('card availability', () => {
  const annotated = (annotations: Record<string, string>) => ({
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'x', annotations },
    spec: { type: 'model-service' },
  });

  it('needs the annotation each card reads', () => {
    const none = annotated({});
    for (const f of [
      isBuildAvailable,
      isSyncAvailable,
      isKubernetesAvailable,
      isInferenceAvailable,
      isDeliveryAvailable,
    ])
      expect(f(none)).toBe(false);
    expect(isBuildAvailable(annotated({ 'jenkins.io/job-full-name': 'ml/x' }))).toBe(true);
    expect(isBuildAvailable(annotated({ 'jenkins.io/job-full-name': '  ' }))).toBe(false);
    expect(isSyncAvailable(annotated({ 'argocd/app-selector': 'app=x' }))).toBe(true);
    expect(isKubernetesAvailable(annotated({ 'backstage.io/kubernetes-id': 'x' }))).toBe(true);
    // a protocol alone cannot be probed: the endpoint comes from the workload
    expect(isInferenceAvailable(annotated({ 'mlops.io/inference-protocol': 'openai' }))).toBe(false);
    expect(
      isInferenceAvailable(
        annotated({
          'mlops.io/inference-protocol': 'openai',
          'backstage.io/kubernetes-id': 'x',
        }),
      ),
    ).toBe(true);
    expect(isDeliveryAvailable(annotated({ 'mlops.io/image-repository': 'r/x' }))).toBe(true);
  });
});

import { parseAllDocuments } from 'yaml';
import { catalogEntities, catalogYaml } from './catalog';
import { QUICK_SIZE, planFleet } from './plan';

describe('the benchmark catalog', () => {
  const plan = planFleet(QUICK_SIZE);
  const entities = catalogEntities(
    plan,
    i => `http://127.0.0.1:${9000 + (i % 3)}`,
  );

  it('has one model-service Component per service plus the shadow entries', () => {
    expect(entities).toHaveLength(
      QUICK_SIZE.services + QUICK_SIZE.shadowEntities,
    );
    expect(new Set(entities.map(e => e.metadata.name)).size).toBe(
      entities.length,
    );
    expect(entities.every(e => e.spec.type === 'model-service')).toBe(true);
    expect(entities[QUICK_SIZE.services].metadata.name).toBe(
      `${plan.services[0].name}-shadow`,
    );
  });

  it('annotates for both plugins: kubernetes-id, and image, Jenkins, Argo CD and inference for ours', () => {
    const s = plan.services[4];
    const a = entities[4].metadata.annotations;
    expect(a).toEqual({
      'backstage.io/kubernetes-id': s.name,
      'mlops.io/image-repository': `registry.bench.local/${s.repository}`,
      'jenkins.io/job-full-name': s.jenkinsJob,
      'argocd/app-name': s.name,
      'mlops.io/inference-protocol': 'kserve-v2',
      'mlops.io/inference-endpoint': 'http://127.0.0.1:9001',
      'mlops.io/model-name': s.name,
    });
    // A shadow entry points at the same objects.
    const shadow = entities.find(e => e.metadata.name === `${s.name}-shadow`)!;
    expect(shadow.metadata.annotations).toEqual(a);
  });

  it('writes a multi-document YAML file that parses back to the same entities', () => {
    const docs = parseAllDocuments(catalogYaml(entities)).map(d => d.toJS());
    expect(docs).toEqual(entities);
  });
});

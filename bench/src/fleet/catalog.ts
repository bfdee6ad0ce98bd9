/**
 * The catalog both benchmarked backends read (one generated YAML file): a
 * model-service Component per planned service with the annotations both
 * plugins use (`backstage.io/kubernetes-id` for Backstage's Kubernetes
 * plugin and ours; image, Jenkins, Argo CD and inference annotations for
 * ours), plus `<name>-shadow` Components with the same annotations so the
 * fleet route has 1,000 entities to judge.
 */
import { stringify } from 'yaml';
import {
  BENCH_REGISTRY_HOST,
  FleetPlan,
  KUBERNETES_ID,
  ServicePlan,
} from './plan';

export interface CatalogEntity {
  apiVersion: 'backstage.io/v1alpha1';
  kind: 'Component';
  metadata: {
    name: string;
    namespace: 'default';
    title: string;
    annotations: Record<string, string>;
    tags: string[];
  };
  spec: {
    type: 'model-service';
    lifecycle: 'production';
    owner: string;
  };
}

export function entityOf(
  s: ServicePlan,
  endpoint: string,
  name = s.name,
): CatalogEntity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name,
      namespace: 'default',
      title: name === s.name ? s.name : `${s.name} (shadow entry)`,
      annotations: {
        [KUBERNETES_ID]: s.name,
        'mlops.io/image-repository': `${BENCH_REGISTRY_HOST}/${s.repository}`,
        'jenkins.io/job-full-name': s.jenkinsJob,
        'argocd/app-name': s.name,
        'mlops.io/inference-protocol': 'kserve-v2',
        'mlops.io/inference-endpoint': endpoint,
        'mlops.io/model-name': s.name,
      },
      tags: s.gpu ? ['kserve', 'gpu'] : ['kserve', 'cpu'],
    },
    spec: {
      type: 'model-service',
      lifecycle: 'production',
      owner: `group:default/${s.namespace}`,
    },
  };
}

/** Entities in file order: every service, then `shadows` shadow entries. */
export function catalogEntities(
  plan: FleetPlan,
  endpointOf: (serviceIndex: number) => string,
  shadows = plan.size.shadowEntities,
): CatalogEntity[] {
  const out = plan.services.map(s => entityOf(s, endpointOf(s.index)));
  for (let k = 0; k < shadows; k++) {
    const s = plan.services[k % plan.services.length];
    const round = Math.floor(k / plan.services.length);
    out.push(
      entityOf(
        s,
        endpointOf(s.index),
        `${s.name}-shadow${round ? `-${round + 1}` : ''}`,
      ),
    );
  }
  return out;
}

/** Multi-document YAML of the entities. */
export function catalogYaml(entities: CatalogEntity[]): string {
  return entities.map(e => `---\n${stringify(e)}`).join('');
}

import { Entity } from '@backstage/catalog-model';
import { GoldenPathCheck } from '@internal/plugin-mlops-common';
import {
  EntityClusterObjects,
  ObjectSource,
  entityKubernetesTarget,
  findEntityObjects,
  isGpuResource,
  parseQuantity,
} from '../../upstreams/kubernetes';
import { PodTemplate } from '../../upstreams/kubernetes/types';

const RESOURCES = { id: 'resources', label: 'Resource limits' } as const;
const GPU = { id: 'gpu', label: 'GPU request matches product' } as const;
const PRODUCT_LABEL = 'nvidia.com/gpu.product';

/** Pod templates of an entity's workloads (Deployments, StatefulSets, CronJobs, Jobs). */
function templatesOf(
  found: EntityClusterObjects,
): Array<{ where: string; template: PodTemplate }> {
  return [
    ...found.deployments.map(d => ({
      where: `${found.cluster}: Deployment ${d.metadata.name}`,
      template: d.spec?.template ?? {},
    })),
    ...found.statefulsets.map(s => ({
      where: `${found.cluster}: StatefulSet ${s.metadata.name}`,
      template: s.spec?.template ?? {},
    })),
    ...found.cronjobs.map(c => ({
      where: `${found.cluster}: CronJob ${c.metadata.name}`,
      template:
        (c.spec?.jobTemplate?.spec as { template?: PodTemplate } | undefined)
          ?.template ?? {},
    })),
  ];
}

/**
 * The checks that need the cluster, from the watch cache: every container
 * sets a memory limit and a CPU request; a workload that requests GPUs
 * selects a GPU product that some node in the cluster has.
 */
export function workloadChecks(
  entity: Entity,
  source: ObjectSource | undefined,
): GoldenPathCheck[] {
  if (!source || source.clusterNames().length === 0) {
    const reason = 'needs workload data: no Kubernetes cluster is configured';
    return [
      { ...RESOURCES, status: 'unknown', reason },
      { ...GPU, status: 'unknown', reason },
    ];
  }
  const target = entityKubernetesTarget(entity);
  if (!target.ok) {
    return [
      { ...RESOURCES, status: 'unknown', reason: target.message },
      { ...GPU, status: 'unknown', reason: target.message },
    ];
  }
  const found = findEntityObjects(source, target);
  const templates = found.flatMap(templatesOf);
  if (templates.length === 0) {
    const reason = 'no workload of this service is in the clusters (yet)';
    return [
      { ...RESOURCES, status: 'unknown', reason },
      { ...GPU, status: 'unknown', reason },
    ];
  }

  const missing: string[] = [];
  const gpuProblems: string[] = [];
  const gpuNotes: string[] = [];
  for (const { where, template } of templates) {
    const containers = template.spec?.containers ?? [];
    for (const c of containers) {
      const lacks = [
        !c.resources?.limits?.memory && 'memory limit',
        !c.resources?.requests?.cpu &&
          !c.resources?.limits?.cpu &&
          'CPU request',
      ].filter(Boolean);
      if (lacks.length)
        missing.push(
          `${where} container ${c.name} has no ${lacks.join(' or ')}`,
        );
    }
    const gpus = containers.reduce((n, c) => {
      const limits = c.resources?.limits ?? {};
      return (
        n +
        Object.entries(limits)
          .filter(([k]) => isGpuResource(k))
          .reduce((m, [, v]) => m + (parseQuantity(v) ?? 0), 0)
      );
    }, 0);
    const product = template.spec?.nodeSelector?.[PRODUCT_LABEL];
    if (gpus > 0 && !product) {
      gpuProblems.push(
        `${where} requests ${gpus} GPU(s) but selects no ${PRODUCT_LABEL}`,
      );
    } else if (gpus === 0 && product) {
      gpuProblems.push(`${where} selects ${product} nodes but requests no GPU`);
    } else if (gpus > 0 && product) {
      const cluster = where.split(':')[0];
      const nodes = source.list(cluster, 'nodes');
      if (!nodes.some(n => n.metadata.labels?.[PRODUCT_LABEL] === product)) {
        gpuProblems.push(
          `${where} selects ${product}, which no node in ${cluster} has`,
        );
      } else {
        gpuNotes.push(`${where}: ${gpus} × ${product}`);
      }
    }
  }
  return [
    missing.length
      ? { ...RESOURCES, status: 'error', reason: missing.join('; ') }
      : {
          ...RESOURCES,
          status: 'ok',
          reason: `every container of ${templates.length} workload(s) sets a memory limit and a CPU request`,
        },
    gpuProblems.length
      ? { ...GPU, status: 'error', reason: gpuProblems.join('; ') }
      : {
          ...GPU,
          status: 'ok',
          reason: gpuNotes.length
            ? gpuNotes.join('; ')
            : 'requests no GPU and selects no GPU product',
        },
  ];
}

import { Entity } from '@backstage/catalog-model';

/** A Template entity as the catalog stores it. */
export function templateEntity(options: {
  name: string;
  namespace?: string;
  title?: string;
  description?: string;
  owner?: string;
  type?: string;
  tags?: string[];
  annotations?: Record<string, string>;
}): Entity {
  return {
    apiVersion: 'scaffolder.backstage.io/v1beta3',
    kind: 'Template',
    metadata: {
      name: options.name,
      namespace: options.namespace ?? 'default',
      ...(options.title ? { title: options.title } : {}),
      ...(options.description ? { description: options.description } : {}),
      tags: options.tags ?? [],
      annotations: options.annotations ?? {},
    },
    spec: {
      type: options.type ?? 'service',
      owner: options.owner ?? 'ml-platform',
      steps: [],
      parameters: [],
    },
  };
}

/** A Component entity with the given annotations. */
export function componentEntity(
  name: string,
  annotations: Record<string, string>,
  options: { namespace?: string; owner?: string; kind?: string } = {},
): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: options.kind ?? 'Component',
    metadata: { name, namespace: options.namespace ?? 'default', annotations },
    spec: {
      type: 'model-service',
      lifecycle: 'production',
      owner: options.owner ?? 'team-ml',
    },
  };
}

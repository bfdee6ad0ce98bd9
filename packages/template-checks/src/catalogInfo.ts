/**
 * catalog-info.yaml checks: the real catalog backend's validation
 * (`POST /api/catalog/validate-entity` of `@backstage/plugin-catalog-backend`,
 * which runs the catalog's entity policies and kind processors), plus the
 * annotations the model-service contract promises.
 */
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import YAML from 'yaml';

export interface CatalogValidator {
  /** [] when the catalog accepts the entity, else the catalog's error messages */
  validate(entity: unknown, location: string): Promise<string[]>;
  stop(): Promise<void>;
}

export async function startCatalogValidator(): Promise<CatalogValidator> {
  const backend = await startTestBackend({
    features: [
      catalogPlugin,
      mockServices.rootLogger.factory({ level: 'warn' }),
    ],
  });
  const url = `http://127.0.0.1:${backend.server.port()}/api/catalog/validate-entity`;
  return {
    async validate(entity, location) {
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          Authorization: mockCredentials.user.header(),
          'Content-Type': 'application/json',
        },
        body: JSON.stringify({ entity, location }),
      });
      if (res.status === 200) return [];
      const text = await res.text();
      try {
        const body = JSON.parse(text) as {
          errors?: { name?: string; message?: string }[];
        };
        return (body.errors ?? []).map(e => `${e.name}: ${e.message}`);
      } catch {
        return [`HTTP ${res.status}: ${text.slice(0, 500)}`];
      }
    },
    stop: () => backend.stop(),
  };
}

export function parseEntities(text: string): Entity[] {
  return YAML.parseAllDocuments(text)
    .map(d => d.toJS() as Entity | null)
    .filter((e): e is Entity => Boolean(e));
}

export interface CatalogExpectations {
  /** the template's own `mlops.io/template-version` */
  templateVersion: string;
  name: string;
  runtime: string;
  ci: string;
  namespace: string;
  registryHost: string;
  registryOrg: string;
  modelName: string;
  owner: string;
  system?: string;
  repoUrl: string;
}

const PROTOCOL: Record<string, string> = {
  torchserve: 'torchserve',
  fastapi: 'http',
  'kserve-triton': 'kserve-v2',
  vllm: 'openai',
  'batch-job': 'none',
};

/** The annotations the contract promises, with their values. */
export function expectedAnnotations(
  exp: CatalogExpectations,
): Record<string, string> {
  const [host, query = ''] = exp.repoUrl.split('?');
  const params = new URLSearchParams(query);
  const slug = `${params.get('owner')}/${params.get('repo')}`;
  return {
    'backstage.io/source-template': 'template:default/model-service',
    'mlops.io/template-version': exp.templateVersion,
    'mlops.io/image-repository': `${exp.registryHost.toLowerCase()}/${
      exp.registryOrg
    }/${exp.name}`,
    'mlops.io/inference-protocol': PROTOCOL[exp.runtime],
    'mlops.io/model-name': exp.modelName,
    'backstage.io/kubernetes-id': exp.name,
    'backstage.io/kubernetes-namespace': exp.namespace,
    'argocd/app-name': exp.name,
    'backstage.io/techdocs-ref': 'dir:.',
    ...(exp.ci === 'jenkins'
      ? { 'jenkins.io/job-full-name': `${exp.registryOrg}/${exp.name}` }
      : {}),
    ...(host === 'github.com' ? { 'github.com/project-slug': slug } : {}),
    ...(host === 'gitlab.com' ? { 'gitlab.com/project-slug': slug } : {}),
  };
}

/** Checks the Component against the contract; returns every deviation. */
export function checkComponent(
  entity: Entity,
  exp: CatalogExpectations,
): string[] {
  const problems: string[] = [];
  const annotations = entity.metadata.annotations ?? {};
  for (const [key, value] of Object.entries(expectedAnnotations(exp))) {
    if (annotations[key] !== value) {
      problems.push(
        `annotation ${key} is ${JSON.stringify(
          annotations[key],
        )}, expected ${JSON.stringify(value)}`,
      );
    }
  }
  if (
    exp.ci !== 'jenkins' &&
    annotations['jenkins.io/job-full-name'] !== undefined
  ) {
    problems.push(
      `annotation jenkins.io/job-full-name is set although ci is ${exp.ci}`,
    );
  }
  const spec = (entity.spec ?? {}) as Record<string, unknown>;
  const expectField = (field: string, actual: unknown, expected: unknown) => {
    if (actual !== expected)
      problems.push(
        `${field} is ${JSON.stringify(actual)}, expected ${JSON.stringify(
          expected,
        )}`,
      );
  };
  expectField('kind', entity.kind, 'Component');
  expectField('metadata.name', entity.metadata.name, exp.name);
  expectField('spec.type', spec.type, 'model-service');
  expectField('spec.lifecycle', spec.lifecycle, 'experimental');
  expectField('spec.owner', spec.owner, exp.owner);
  expectField('spec.system', spec.system, exp.system);
  return problems;
}

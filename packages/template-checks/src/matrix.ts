/**
 * The model-service template's main option combinations. Every runtime × ci
 * pair runs once (15 runs); syncPolicy, imageUpdater, createRegistryProject,
 * the GPU shape and the fastapi extras rotate over those runs so that every value appears at least
 * once, and with more than one runtime. Options that only change a value
 * copied verbatim (description, cpu, memory, cluster, ...) keep one value.
 */
import { parameterPages, TemplateEntity } from './templateFiles';

export const RUNTIMES = [
  'torchserve',
  'fastapi',
  'kserve-triton',
  'vllm',
  'batch-job',
] as const;
export type Runtime = (typeof RUNTIMES)[number];
export const CIS = ['jenkins', 'gitlab', 'github'] as const;
export type Ci = (typeof CIS)[number];

export const REGISTRY_HOST = 'harbor.ml.internal';
export const GPU_PRODUCT = 'NVIDIA-A100-SXM4-40GB';
export const GITOPS_REPO_URL = 'https://git.ml.internal/platform/gitops.git';

export interface Combination {
  /** unique, also the service name */
  name: string;
  runtime: Runtime;
  ci: Ci;
  syncPolicy: 'automated' | 'manual';
  imageUpdater: boolean;
  /** runs the Harbor step (ensure-registry-project) */
  createRegistryProject: boolean;
  gpuCount: number;
  gpuProduct?: string;
  enableRedis?: boolean;
  enableChroma?: boolean;
  system?: string;
}

const SHORT: Record<Runtime, string> = {
  torchserve: 'ts',
  fastapi: 'fa',
  'kserve-triton': 'kt',
  vllm: 'vl',
  'batch-job': 'bj',
};

const MODEL_SOURCE: Record<Runtime, string> = {
  torchserve: 's3://models/fraud/v3/',
  fastapi: 'pvc://models/llm/mistral-7b-instruct/',
  'kserve-triton': 's3://models/triton/fraud/',
  vllm: 'hf://mistralai/Mistral-7B-Instruct-v0.3',
  'batch-job': 's3://models/scoring/churn/',
};

/** GPU shape by ci slot: [jenkins, gitlab, github]. vllm never runs without a GPU. */
function gpuShape(
  runtime: Runtime,
  slot: number,
): { gpuCount: number; gpuProduct?: string } {
  if (slot === 1) return { gpuCount: 1, gpuProduct: GPU_PRODUCT };
  if (runtime === 'vllm') return slot === 0 ? { gpuCount: 1 } : { gpuCount: 2 };
  if (runtime === 'fastapi')
    return slot === 0 ? { gpuCount: 1 } : { gpuCount: 0 };
  return { gpuCount: 0 };
}

export function combinations(): Combination[] {
  const result: Combination[] = [];
  RUNTIMES.forEach((runtime, r) => {
    CIS.forEach((ci, c) => {
      const i = r * CIS.length + c;
      result.push({
        name: `${SHORT[runtime]}-${ci}-svc`,
        runtime,
        ci,
        syncPolicy: i % 2 === 0 ? 'automated' : 'manual',
        imageUpdater: Math.floor(i / 2) % 2 === 1,
        createRegistryProject: (r + c) % 2 === 1,
        ...gpuShape(runtime, c),
        ...(runtime === 'fastapi'
          ? { enableRedis: c >= 1, enableChroma: c === 2 }
          : {}),
        ...(c === 2 ? { system: 'system:default/ml-serving' } : {}),
      });
    });
  });
  return result;
}

type Branch = {
  properties?: Record<string, { default?: unknown; enum?: unknown[] }>;
};

/**
 * Defaults the form would fill in once the user picked `choices` (e.g.
 * runtime and ci): top-level `default`s plus those of the matching branch of
 * every `dependencies.<field>.oneOf` (the branch whose `<field>.enum` holds
 * the chosen value, or the field's default when it was not chosen).
 */
export function formDefaults(
  template: TemplateEntity,
  choices: Record<string, unknown>,
): Record<string, unknown> {
  const defaults: Record<string, unknown> = {};
  const take = (
    properties: Record<string, { default?: unknown }> | undefined,
  ) => {
    for (const [name, schema] of Object.entries(properties ?? {})) {
      if (schema && schema.default !== undefined)
        defaults[name] = schema.default;
    }
  };
  for (const page of parameterPages(template)) {
    take(page.properties);
    for (const [field, dependency] of Object.entries(page.dependencies ?? {})) {
      const branches = (dependency as { oneOf?: Branch[] } | undefined)?.oneOf;
      const chosen = choices[field] ?? defaults[field];
      const branch = branches?.find(b =>
        b.properties?.[field]?.enum?.includes(chosen),
      );
      if (branch) {
        const { [field]: _field, ...rest } = branch.properties ?? {};
        take(rest);
      }
    }
  }
  return defaults;
}

/** The values a user would submit for `combo` (form defaults + the combination + realistic fields). */
export function valuesFor(
  template: TemplateEntity,
  combo: Combination,
): Record<string, unknown> {
  const values: Record<string, unknown> = {
    ...formDefaults(template, { runtime: combo.runtime, ci: combo.ci }),
    name: combo.name,
    description: `${combo.runtime} model service (${combo.ci})`,
    owner: 'group:default/ml-platform',
    runtime: combo.runtime,
    modelName: 'fraud',
    modelSource: MODEL_SOURCE[combo.runtime],
    registryHost: REGISTRY_HOST,
    registryOrg: 'ml',
    repoUrl: `github.com?owner=ml-platform&repo=${combo.name}`,
    ci: combo.ci,
    syncPolicy: combo.syncPolicy,
    imageUpdater: combo.imageUpdater,
    gitopsRepoUrl: GITOPS_REPO_URL,
    gpuCount: combo.gpuCount,
    createRegistryProject: combo.createRegistryProject,
  };
  if (combo.gpuProduct) values.gpuProduct = combo.gpuProduct;
  if (combo.system) values.system = combo.system;
  if (combo.enableRedis !== undefined) values.enableRedis = combo.enableRedis;
  if (combo.enableChroma !== undefined)
    values.enableChroma = combo.enableChroma;
  return values;
}

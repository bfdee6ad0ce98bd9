/** Input rules of a model service, shared by the validate action and its tests. */

export const RUNTIMES = ['torchserve', 'fastapi', 'kserve-triton', 'vllm', 'batch-job'] as const;
export type Runtime = (typeof RUNTIMES)[number];

/** Runtimes that cannot run without a GPU. */
export const GPU_REQUIRED: readonly Runtime[] = ['vllm'];

export const MAX_GPUS = 8;

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Kubernetes resource quantity (e.g. `500m`, `2`, `8Gi`, `1.5`). */
const QUANTITY = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;

export interface ModelServiceInput {
  name: string;
  runtime: string;
  namespace: string;
  gpuCount: number;
  gpuProduct?: string;
  cpu: string;
  memory: string;
  registryHost: string;
  registryOrg: string;
}

/** Returns every problem with the inputs, each naming the field; empty when valid. */
export function validateModelService(input: ModelServiceInput, configuredRegistryHosts: string[]): string[] {
  const problems: string[] = [];
  const label = (field: string, value: string, max: number) => {
    if (!value) problems.push(`${field} is required`);
    else if (value.length > max) problems.push(`${field} "${value}" is longer than ${max} characters`);
    else if (!DNS1123_LABEL.test(value)) {
      problems.push(
        `${field} "${value}" is not a DNS-1123 label: use lower-case letters, digits and '-', starting and ending with a letter or digit`,
      );
    }
  };
  // Service names become Deployment, Service and Argo CD Application names.
  label('name', input.name, 53);
  label('namespace', input.namespace, 63);
  if (!RUNTIMES.includes(input.runtime as Runtime)) {
    problems.push(`runtime "${input.runtime}" is unknown; choose one of ${RUNTIMES.join(', ')}`);
  }
  if (!Number.isInteger(input.gpuCount) || input.gpuCount < 0 || input.gpuCount > MAX_GPUS) {
    problems.push(`gpuCount ${input.gpuCount} is out of range: a whole number from 0 to ${MAX_GPUS}`);
  } else if (input.gpuCount === 0 && GPU_REQUIRED.includes(input.runtime as Runtime)) {
    problems.push(`gpuCount 0 is not possible for runtime ${input.runtime}: it needs at least one GPU`);
  }
  if (input.gpuCount === 0 && input.gpuProduct) {
    problems.push(`gpuProduct "${input.gpuProduct}" is set but gpuCount is 0`);
  }
  if (input.gpuProduct && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(input.gpuProduct)) {
    problems.push(`gpuProduct "${input.gpuProduct}" is not a valid label value (as in nvidia.com/gpu.product, e.g. NVIDIA-A100-SXM4-40GB)`);
  }
  for (const [field, value] of [
    ['cpu', input.cpu],
    ['memory', input.memory],
  ] as const) {
    if (!QUANTITY.test(value) || !/[0-9]/.test(value)) {
      problems.push(`${field} "${value}" is not a Kubernetes quantity (e.g. ${field === 'cpu' ? '500m or 2' : '4Gi'})`);
    }
  }
  if (!input.registryHost) {
    problems.push('registryHost is required');
  } else if (!configuredRegistryHosts.includes(input.registryHost.toLowerCase())) {
    problems.push(
      configuredRegistryHosts.length
        ? `registryHost "${input.registryHost}" is not a configured registry; choose one of ${configuredRegistryHosts.join(', ')}`
        : `registryHost "${input.registryHost}" cannot be checked: no registry is configured in mlops.registries`,
    );
  }
  if (!input.registryOrg || !/^[a-z0-9]+(?:[._-][a-z0-9]+)*$/.test(input.registryOrg)) {
    problems.push(`registryOrg "${input.registryOrg}" is not a valid registry project/namespace (lower-case letters, digits, . _ -)`);
  }
  return problems;
}

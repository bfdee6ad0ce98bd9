import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { examples } from './validateModelService.examples';
import { validateModelService } from './modelServiceRules';

/** `host[:port]` of each configured registry (`mlops.registries[].host` or the host of `url`). */
export function configuredRegistryHosts(config: Config): string[] {
  return (config.getOptionalConfigArray('mlops.registries') ?? []).map(r => {
    const host = r.getOptionalString('host');
    return (host ?? new URL(r.getString('url')).host).toLowerCase();
  });
}

/**
 * `mlops:model-service:validate` — first step of every model-service
 * template: checks every input and fails the run, with one message listing
 * every problem, before any repository is created or published.
 */
export function createValidateModelServiceAction(options: { config: Config }) {
  return createTemplateAction({
    id: 'mlops:model-service:validate',
    description:
      'Validates the inputs of a new model service (name, runtime, GPUs, resources, registry) before anything is published.',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        name: z => z.string().describe('Service name (DNS-1123 label, at most 53 characters)'),
        runtime: z => z.string().describe('Model server runtime'),
        namespace: z => z.string().describe('Target Kubernetes namespace'),
        gpuCount: z => z.number().describe('nvidia.com/gpu requested per replica (0-8)'),
        gpuProduct: z => z.string().optional().describe('nvidia.com/gpu.product to select nodes by'),
        cpu: z => z.string().describe('CPU request, a Kubernetes quantity'),
        memory: z => z.string().describe('Memory request, a Kubernetes quantity'),
        registryHost: z => z.string().describe('Registry host[:port], must be configured in mlops.registries'),
        registryOrg: z => z.string().describe('Registry project / namespace'),
      },
      output: {
        imageRepository: z => z.string().describe('<registryHost>/<registryOrg>/<name>'),
      },
    },
    async handler(ctx) {
      const problems = validateModelService(ctx.input, configuredRegistryHosts(options.config));
      if (problems.length) {
        throw new InputError(`Invalid model service inputs:\n- ${problems.join('\n- ')}`);
      }
      const imageRepository = `${ctx.input.registryHost.toLowerCase()}/${ctx.input.registryOrg}/${ctx.input.name}`;
      ctx.logger.info(`Inputs are valid; image repository will be ${imageRepository}`);
      ctx.output('imageRepository', imageRepository);
    },
  });
}

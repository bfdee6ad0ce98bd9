import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description: 'Validate a GPU vLLM service before publishing anything',
    example: yaml.stringify({
      steps: [
        {
          id: 'validate',
          action: 'mlops:model-service:validate',
          name: 'Validate inputs',
          input: {
            name: 'chat-llm',
            runtime: 'vllm',
            namespace: 'ml-serving',
            gpuCount: 1,
            gpuProduct: 'NVIDIA-A100-SXM4-40GB',
            cpu: '4',
            memory: '32Gi',
            registryHost: 'harbor.ml.internal',
            registryOrg: 'ml',
          },
        },
      ],
    }),
  },
];

import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Make sure the private project "ml" exists on the Harbor instance named harbor',
    example: yaml.stringify({
      steps: [
        {
          id: 'harbor-project',
          action: 'mlops:harbor:ensure-project',
          name: 'Ensure the Harbor project',
          input: { projectName: 'ml', instance: 'harbor' },
        },
      ],
    }),
  },
  {
    description:
      'Pick the instance by the registry host the template asked for',
    example: yaml.stringify({
      steps: [
        {
          id: 'harbor-project',
          action: 'mlops:harbor:ensure-project',
          name: 'Ensure the Harbor project',
          input: {
            projectName: 'ml-models',
            instance: 'harbor.ml.internal',
            public: false,
          },
        },
      ],
    }),
  },
];

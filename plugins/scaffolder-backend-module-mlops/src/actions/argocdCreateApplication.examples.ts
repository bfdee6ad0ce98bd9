import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Create an auto-syncing Application for the prod overlay of a model service',
    example: yaml.stringify({
      steps: [
        {
          id: 'create-argocd-app',
          action: 'mlops:argocd:create-application',
          name: 'Create the Argo CD Application',
          input: {
            appName: 'fraud-detector',
            argoInstance: 'main',
            namespace: 'ml-serving',
            repoUrl: 'https://git.ml.internal/platform/gitops.git',
            path: 'apps/fraud-detector/overlays/prod',
            labelValue: 'fraud-detector',
            projectName: 'default',
            cluster: 'in-cluster',
            syncPolicy: 'automated',
          },
        },
      ],
    }),
  },
  {
    description:
      'Roadie/community-compatible call through the argocd:create-resources alias (label instead of labelValue, manual sync)',
    example: yaml.stringify({
      steps: [
        {
          id: 'create-argocd-resources',
          action: 'argocd:create-resources',
          name: 'Create Argo CD resources',
          input: {
            appName: 'chat-llm',
            argoInstance: 'main',
            namespace: 'ml-serving',
            repoUrl: 'https://git.ml.internal/platform/gitops.git',
            path: 'apps/chat-llm/overlays/dev',
            label: 'chat-llm',
            syncPolicy: 'manual',
          },
        },
      ],
    }),
  },
];

import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Commit a rendered app (./gitops/apps/fraud-detector) to the default branch of the app-of-apps repository, addressed in RepoUrlPicker form',
    example: yaml.stringify({
      steps: [
        {
          id: 'register-gitops',
          action: 'mlops:gitops:register',
          name: 'Register in GitOps',
          input: {
            repoUrl: 'git.ml.internal?owner=platform&repo=gitops',
            sourcePath: './gitops',
            appName: 'fraud-detector',
            appsPath: 'apps',
            parentAppPath: 'apps-of-apps',
            mode: 'commit',
          },
        },
      ],
    }),
  },
  {
    description:
      'Push a pull-request branch backstage/chat-llm based on main, with a clone URL and an explicit author',
    example: yaml.stringify({
      steps: [
        {
          id: 'register-gitops',
          action: 'mlops:gitops:register',
          name: 'Propose the app to the GitOps repository',
          input: {
            repoUrl: 'https://git.ml.internal/platform/gitops.git',
            sourcePath: './gitops',
            appName: 'chat-llm',
            mode: 'pull-request',
            branch: 'main',
            commitMessage: 'Add chat-llm (vLLM) to the ml-serving apps',
            authorName: 'ML Platform Bot',
            authorEmail: 'ml-platform@example.com',
          },
        },
      ],
    }),
  },
];

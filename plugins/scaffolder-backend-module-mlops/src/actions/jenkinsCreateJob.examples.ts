import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Create the multibranch job ml/fraud-detector on the default Jenkins instance',
    example: yaml.stringify({
      steps: [
        {
          id: 'create-jenkins-job',
          action: 'mlops:jenkins:create-job',
          name: 'Create the Jenkins job',
          input: {
            jobFullName: 'ml/fraud-detector',
            repoUrl: 'https://git.ml.internal/ml/fraud-detector.git',
            credentialsId: 'git-ml-internal',
          },
        },
      ],
    }),
  },
  {
    description:
      'Create a job on the instance named ci (prefix), with a custom Jenkinsfile path, and tolerate an existing job',
    example: yaml.stringify({
      steps: [
        {
          id: 'create-jenkins-job',
          action: 'mlops:jenkins:create-job',
          name: 'Create the Jenkins job',
          input: {
            jobFullName: 'ci:ml-platform/serving/chat-llm',
            repoUrl: 'https://git.ml.internal/ml/chat-llm.git',
            credentialsId: 'git-ml-internal',
            scriptPath: 'ci/Jenkinsfile',
            description: 'Builds the chat-llm image with Kaniko',
            ifExists: 'skip',
          },
        },
      ],
    }),
  },
];

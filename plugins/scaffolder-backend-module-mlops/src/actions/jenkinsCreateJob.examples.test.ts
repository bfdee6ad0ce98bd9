import { ConfigReader } from '@backstage/config';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { JenkinsSimulator, startJenkinsSimulator } from '@internal/simulators';
import yaml from 'yaml';
import {
  parseJobFullName,
  createJenkinsCreateJobAction,
} from './jenkinsCreateJob';
import { examples } from './jenkinsCreateJob.examples';

/** Runs every example (dry run, then for real) with the instances "default" and "ci" on the Jenkins simulator. */
describe('mlops:jenkins:create-job examples', () => {
  let sim: JenkinsSimulator;
  beforeEach(async () => {
    sim = await startJenkinsSimulator({
      users: [
        { username: 'backstage', password: 'pw', apiToken: '11backstagetoken' },
      ],
    });
  });
  afterEach(() => sim.stop());

  it.each(examples.map(e => [e.description, e] as const))(
    '%s',
    async (_description, example) => {
      const action = createJenkinsCreateJobAction({
        config: new ConfigReader({
          jenkins: {
            instances: [
              {
                name: 'default',
                baseUrl: sim.url,
                username: 'backstage',
                apiKey: '11backstagetoken',
              },
              {
                name: 'ci',
                baseUrl: sim.url,
                username: 'backstage',
                password: 'pw',
              },
            ],
          },
        }),
      });
      const { input } = yaml.parse(example.example).steps[0];
      const { folders, job } = parseJobFullName(input.jobFullName);
      const fullName = [...folders, job].join('/');

      const dry = createMockActionContext({ input });
      await action.handler({ ...dry, isDryRun: true });
      expect(sim.job(fullName)).toBeUndefined();

      const ctx = createMockActionContext({ input });
      await action.handler(ctx);
      expect(sim.job(fullName)?.type).toBe('multibranch');
      expect(sim.job(fullName)?.scmRemote).toBe(input.repoUrl);
      expect(sim.job(fullName)?.configXml).toContain(
        `<scriptPath>${input.scriptPath ?? 'Jenkinsfile'}</scriptPath>`,
      );
      expect(ctx.output).toHaveBeenCalledWith(
        'jobUrl',
        `${sim.url}${[...folders, job].map(s => `/job/${s}`).join('')}/`,
      );
    },
  );
});

import { ConfigReader } from '@backstage/config';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { HarborSimulator, startHarborSimulator } from '@internal/simulators';
import yaml from 'yaml';
import { createHarborEnsureProjectAction } from './harborEnsureProject';
import { examples } from './harborEnsureProject.examples';

/**
 * Runs every example (dry run, for real, then again to show it is
 * idempotent) against the Harbor simulator, configured as the instance
 * "harbor". The host harbor.ml.internal that an example names the instance
 * by is replaced with the simulator's 127.0.0.1 host.
 */
describe('mlops:harbor:ensure-project examples', () => {
  let sim: HarborSimulator;
  beforeEach(async () => {
    sim = await startHarborSimulator({
      accounts: [{ username: 'backstage', password: 'pw', admin: true }],
    });
  });
  afterEach(() => sim.stop());

  it.each(examples.map(e => [e.description, e] as const))(
    '%s',
    async (_description, example) => {
      const action = createHarborEnsureProjectAction({
        config: new ConfigReader({
          mlops: {
            harbor: {
              instances: [
                {
                  name: 'harbor',
                  url: sim.url,
                  username: 'backstage',
                  password: 'pw',
                },
              ],
            },
          },
        }),
      });
      const step = yaml.parse(example.example).steps[0];
      const hosts: Record<string, string> = {
        'harbor.ml.internal': new URL(sim.url).host,
      };
      const input = {
        ...step.input,
        instance: hosts[step.input.instance] ?? step.input.instance,
      };

      const dry = createMockActionContext({ input });
      await action.handler({ ...dry, isDryRun: true });
      expect(dry.output).toHaveBeenCalledWith('created', true);
      expect(sim.projects()).toHaveLength(0);

      const ctx = createMockActionContext({ input });
      await action.handler(ctx);
      const project = sim.projects().find(p => p.name === input.projectName);
      expect(project?.public).toBe(input.public ?? false);
      expect(ctx.output).toHaveBeenCalledWith('created', true);
      expect(ctx.output).toHaveBeenCalledWith(
        'projectUrl',
        `${sim.url}/harbor/projects/${project?.id}/repositories`,
      );

      const again = createMockActionContext({ input });
      await action.handler(again);
      expect(again.output).toHaveBeenCalledWith('created', false);
    },
  );
});

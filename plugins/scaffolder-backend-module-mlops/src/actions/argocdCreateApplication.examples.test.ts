import { ConfigReader } from '@backstage/config';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { ArgoCdSimulator, startArgoCdSimulator } from '@internal/simulators';
import yaml from 'yaml';
import { createArgocdCreateApplicationAction } from './argocdCreateApplication';
import { examples } from './argocdCreateApplication.examples';

/** Runs every example (dry run, then for real) with instance "main" pointing at the Argo CD simulator. */
describe('mlops:argocd:create-application examples', () => {
  let sim: ArgoCdSimulator;
  beforeEach(async () => {
    sim = await startArgoCdSimulator();
  });
  afterEach(() => sim.stop());

  it.each(examples.map(e => [e.description, e] as const))(
    '%s',
    async (_description, example) => {
      const config = new ConfigReader({
        argocd: {
          appLocatorMethods: [
            {
              type: 'config',
              instances: [
                {
                  name: 'main',
                  url: sim.url,
                  username: 'admin',
                  password: 'password',
                },
              ],
            },
          ],
        },
      });
      const actions = [
        createArgocdCreateApplicationAction({ config }),
        createArgocdCreateApplicationAction({
          config,
          id: 'argocd:create-resources',
        }),
      ];
      const step = yaml.parse(example.example).steps[0];
      const action = actions.find(a => a.id === step.action);
      expect(action).toBeDefined();

      const dry = createMockActionContext({ input: step.input });
      await action!.handler({ ...dry, isDryRun: true });
      expect(sim.applications()).toHaveLength(0);

      const ctx = createMockActionContext({ input: step.input });
      await action!.handler(ctx);
      const app = sim.getApplication(step.input.appName);
      expect(app?.spec.source?.path).toBe(step.input.path);
      expect(app?.spec.destination?.namespace).toBe(step.input.namespace);
      expect(app?.metadata.labels?.['backstage-name']).toBe(
        step.input.labelValue ?? step.input.label,
      );
      expect(ctx.output).toHaveBeenCalledWith(
        'applicationUrl',
        `${sim.url}/applications/argocd/${step.input.appName}?view=tree&resource=`,
      );
    },
  );
});

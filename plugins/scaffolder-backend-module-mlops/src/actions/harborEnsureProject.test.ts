import { ConfigReader } from '@backstage/config';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { HarborSimulator, startHarborSimulator } from '@internal/simulators';
import { captureLogger } from '../__testUtils__/captureLogger';
import { createHarborEnsureProjectAction } from './harborEnsureProject';

function context(
  values: Record<string, unknown>,
  options: { dryRun?: boolean } = {},
) {
  const log = captureLogger();
  const ctx = createMockActionContext({
    input: values as any,
    logger: log.logger,
  });
  return { ctx: { ...ctx, isDryRun: options.dryRun ?? false }, log };
}

function outputs(ctx: { output: unknown }): Record<string, unknown> {
  return Object.fromEntries((ctx.output as jest.Mock).mock.calls);
}

describe('mlops:harbor:ensure-project (against the Harbor simulator)', () => {
  let sim: HarborSimulator;
  beforeEach(async () => {
    sim = await startHarborSimulator({
      accounts: [
        { username: 'backstage', password: 'bs-pass', admin: true },
        { username: 'robot$ml+ci', password: 'robot-secret' },
      ],
    });
  });
  afterEach(() => sim.stop());

  const action = (
    account: { username: string; password: string } = {
      username: 'backstage',
      password: 'bs-pass',
    },
  ) =>
    createHarborEnsureProjectAction({
      config: new ConfigReader({
        mlops: {
          harbor: {
            instances: [
              {
                name: 'other',
                url: 'http://127.0.0.1:9',
                username: 'x',
                password: 'y',
              },
              { name: 'harbor', url: `${sim.url}/`, ...account },
            ],
          },
        },
      }),
    });
  const idOf = (name: string) => sim.projects().find(p => p.name === name)?.id;

  it('creates a missing project as private, without cookies', async () => {
    const { ctx } = context({ projectName: 'ml-models', instance: 'harbor' });
    await action().handler(ctx);

    expect(sim.projects().find(p => p.name === 'ml-models')).toMatchObject({
      public: false,
    });
    expect(outputs(ctx)).toEqual({
      projectUrl: `${sim.url}/harbor/projects/${idOf(
        'ml-models',
      )}/repositories`,
      created: true,
    });
    const calls = sim.requests();
    expect(calls.map(r => `${r.method} ${r.path}`)).toEqual([
      'GET /api/v2.0/projects/ml-models',
      'POST /api/v2.0/projects',
    ]);
    for (const call of calls) {
      expect(call.headers.cookie).toBeUndefined();
      expect(call.headers.authorization).toBe(
        `Basic ${Buffer.from('backstage:bs-pass').toString('base64')}`,
      );
    }
    expect(calls[1].headers['content-type']).toBe('application/json');
  });

  it('creates a public project when asked', async () => {
    await action().handler(
      context({ projectName: 'shared', instance: 'harbor', public: true }).ctx,
    );
    expect(sim.projects().find(p => p.name === 'shared')).toMatchObject({
      public: true,
    });
  });

  it('leaves an existing project alone (a project robot may read it)', async () => {
    sim.addProject({ name: 'ml' });
    const { ctx } = context({ projectName: 'ml', instance: 'harbor' });
    await action({ username: 'robot$ml+ci', password: 'robot-secret' }).handler(
      ctx,
    );
    expect(outputs(ctx)).toEqual({
      projectUrl: `${sim.url}/harbor/projects/${idOf('ml')}/repositories`,
      created: false,
    });
    expect(sim.requests().some(r => r.method === 'POST')).toBe(false);
  });

  it('looks numeric names up as names, not ids (X-Is-Resource-Name)', async () => {
    sim.addProject({ name: 'ml' });
    const name = String(idOf('ml'));
    const { ctx } = context({ projectName: name, instance: 'harbor' });
    await action().handler(ctx);
    expect(outputs(ctx).created).toBe(true);
    expect(
      sim
        .projects()
        .map(p => p.name)
        .sort(),
    ).toEqual([name, 'ml'].sort());
  });

  it('finds the instance by its host and lists instances for an unknown one', async () => {
    const { ctx } = context({
      projectName: 'ml-models',
      instance: new URL(sim.url).host,
    });
    await action().handler(ctx);
    expect(outputs(ctx).created).toBe(true);

    await expect(
      action().handler(
        context({ projectName: 'x', instance: 'harbor.ml.internal' }).ctx,
      ),
    ).rejects.toThrow(
      /Unknown Harbor instance "harbor.ml.internal"; configured instances: other \(127.0.0.1:9\), harbor \(127.0.0.1:\d+\)/,
    );
  });

  it('uses the first instance when none is named', async () => {
    const first = createHarborEnsureProjectAction({
      config: new ConfigReader({
        mlops: {
          harbor: {
            instances: [
              {
                name: 'harbor',
                url: sim.url,
                username: 'backstage',
                password: 'bs-pass',
              },
            ],
          },
        },
      }),
    });
    await first.handler(context({ projectName: 'ml-models' }).ctx);
    expect(idOf('ml-models')).toBeDefined();
  });

  it('explains rejected credentials (401) and a robot that may not create projects (403)', async () => {
    await expect(
      action({ username: 'backstage', password: 'wrong' }).handler(
        context({ projectName: 'ml-models', instance: 'harbor' }).ctx,
      ),
    ).rejects.toThrow(
      /Harbor instance "harbor" \(http:\/\/127\.0\.0\.1:\d+\) rejected the configured robot account backstage/,
    );
    await expect(
      action({ username: 'robot$ml+ci', password: 'robot-secret' }).handler(
        context({ projectName: 'ml-models', instance: 'harbor' }).ctx,
      ),
    ).rejects.toThrow(
      /permission denied for robot\$ml\+ci on project ml-models/,
    );
    expect(idOf('ml-models')).toBeUndefined();
  });

  it.each(['ML', 'ml--x', '-ml', 'ml/x', ''])(
    'rejects the project name %p before calling Harbor',
    async projectName => {
      await expect(
        action().handler(context({ projectName, instance: 'harbor' }).ctx),
      ).rejects.toThrow(/is not a valid Harbor project name/);
      expect(sim.requests()).toHaveLength(0);
    },
  );

  describe('dry run', () => {
    it('reports what it would create and creates nothing', async () => {
      const { ctx, log } = context(
        { projectName: 'ml-models', instance: 'harbor' },
        { dryRun: true },
      );
      await action().handler(ctx);
      expect(sim.projects()).toHaveLength(0);
      expect(outputs(ctx)).toEqual({
        projectUrl: `${sim.url}/harbor/projects`,
        created: true,
      });
      expect(log.text()).toMatch(
        /Dry run: would create the private Harbor project ml-models on harbor/,
      );
    });

    it('reports an existing project as not created', async () => {
      sim.addProject({ name: 'ml' });
      const { ctx } = context(
        { projectName: 'ml', instance: 'harbor' },
        { dryRun: true },
      );
      await action().handler(ctx);
      expect(outputs(ctx)).toEqual({
        projectUrl: `${sim.url}/harbor/projects/${idOf('ml')}/repositories`,
        created: false,
      });
    });

    it('warns when Harbor is down; a real run fails', async () => {
      await sim.setFault({ mode: 'down' });
      const { ctx, log } = context(
        { projectName: 'ml', instance: 'harbor' },
        { dryRun: true },
      );
      await action().handler(ctx);
      expect(outputs(ctx).created).toBe(true);
      expect(log.text()).toMatch(
        /warn Dry run: Harbor instance "harbor" .* could not be reached/,
      );
      await expect(
        action().handler(
          context({ projectName: 'ml', instance: 'harbor' }).ctx,
        ),
      ).rejects.toThrow(/could not be reached/);
    });
  });
});

import { ConfigReader } from '@backstage/config';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { ArgoCdSimulator, startArgoCdSimulator } from '@internal/simulators';
import { captureLogger } from '../__testUtils__/captureLogger';
import { ArgocdSessionCache } from '../lib/argocd/ArgocdClient';
import { createArgocdCreateApplicationAction } from './argocdCreateApplication';

const baseInput = {
  appName: 'fraud-detector',
  argoInstance: 'main',
  namespace: 'ml-serving',
  repoUrl: 'https://git.ml.internal/platform/gitops.git',
  path: 'apps/fraud-detector/overlays/prod',
};

function context(
  input: Record<string, unknown>,
  options: { dryRun?: boolean } = {},
) {
  const log = captureLogger();
  const ctx = createMockActionContext({
    input: input as any,
    logger: log.logger,
  });
  return { ctx: { ...ctx, isDryRun: options.dryRun ?? false }, log };
}

type Settings = Record<string, string | undefined>;

function configFor(instance: Settings, extra: Settings = {}) {
  return new ConfigReader({
    argocd: {
      ...extra,
      appLocatorMethods: [
        {
          type: 'config',
          instances: [{ name: 'other', url: 'http://127.0.0.1:9' }, instance],
        },
      ],
    },
  });
}

describe('mlops:argocd:create-application (against the Argo CD simulator)', () => {
  let sim: ArgoCdSimulator;
  beforeEach(async () => {
    sim = await startArgoCdSimulator({
      users: { admin: 'password', viewer: 'viewer-pass' },
      projects: ['ml'],
      policy: check => check.username !== 'viewer' || check.action === 'get',
    });
  });
  afterEach(() => sim.stop());

  function action(instance: Settings = {}, extra: Settings = {}) {
    return createArgocdCreateApplicationAction({
      config: configFor(
        {
          name: 'main',
          url: `${sim.url}/`,
          username: 'admin',
          password: 'password',
          ...instance,
        },
        extra,
      ),
    });
  }

  it('creates the Application with label, finalizer, destination and automated sync', async () => {
    const { ctx } = context({
      ...baseInput,
      labelValue: 'fraud',
      projectName: 'ml',
      cluster: 'in-cluster',
    });
    await action().handler(ctx);

    const app = sim.getApplication('fraud-detector');
    expect(app?.metadata.labels).toEqual({ 'backstage-name': 'fraud' });
    expect(app?.metadata.finalizers).toEqual([
      'resources-finalizer.argocd.argoproj.io',
    ]);
    expect(app?.spec.project).toBe('ml');
    expect(app?.spec.source).toEqual({
      repoURL: 'https://git.ml.internal/platform/gitops.git',
      path: 'apps/fraud-detector/overlays/prod',
      targetRevision: 'HEAD',
    });
    expect(app?.spec.destination).toEqual({
      name: 'in-cluster',
      namespace: 'ml-serving',
    });
    expect(app?.spec.syncPolicy).toEqual({
      automated: { prune: true, selfHeal: true },
      syncOptions: ['CreateNamespace=true'],
    });
    expect(ctx.output).toHaveBeenCalledWith(
      'applicationUrl',
      `${sim.url}/applications/argocd/fraud-detector?view=tree&resource=`,
    );
    const post = sim
      .requests()
      .find(r => r.method === 'POST' && r.path === '/api/v1/applications');
    expect(post?.headers['content-type']).toBe('application/json');
    expect(post?.headers.authorization).toMatch(/^Bearer ey/);
  });

  it('accepts the community input name label, a server URL and manual sync', async () => {
    const { ctx } = context({
      ...baseInput,
      label: 'from-label',
      cluster: 'https://kubernetes.default.svc',
      syncPolicy: 'manual',
    });
    await action().handler(ctx);
    const app = sim.getApplication('fraud-detector');
    expect(app?.metadata.labels).toEqual({ 'backstage-name': 'from-label' });
    expect(app?.spec.project).toBe('default');
    expect(app?.spec.destination).toEqual({
      server: 'https://kubernetes.default.svc',
      namespace: 'ml-serving',
    });
    expect(app?.spec.syncPolicy).toEqual({
      syncOptions: ['CreateNamespace=true'],
    });
  });

  it('logs in once and reuses the session for later runs', async () => {
    const create = action();
    await create.handler(context(baseInput).ctx);
    await create.handler(
      context({
        ...baseInput,
        appName: 'chat-llm',
        path: 'apps/chat-llm/overlays/prod',
      }).ctx,
    );
    expect(
      sim.requests().filter(r => r.path === '/api/v1/session'),
    ).toHaveLength(1);
    expect(
      sim
        .applications()
        .map(a => a.metadata.name)
        .sort(),
    ).toEqual(['chat-llm', 'fraud-detector']);
  });

  it('logs in again once when the cached session has expired', async () => {
    const sessions = new ArgocdSessionCache();
    sessions.set(`${sim.url}|admin`, sim.issueToken({ expiresInSec: -60 }));
    const create = createArgocdCreateApplicationAction({
      config: configFor({
        name: 'main',
        url: sim.url,
        username: 'admin',
        password: 'password',
      }),
      sessions,
    });
    await create.handler(context(baseInput).ctx);
    expect(sim.getApplication('fraud-detector')).toBeDefined();
    expect(
      sim.requests().filter(r => r.path === '/api/v1/session'),
    ).toHaveLength(1);
  });

  it('uses a configured token without logging in', async () => {
    const token = sim.issueToken({ subject: 'admin:apiKey' });
    const { ctx } = context(baseInput);
    await action({ token, username: undefined, password: undefined }).handler(
      ctx,
    );
    expect(sim.getApplication('fraud-detector')).toBeDefined();
    expect(sim.requests().some(r => r.path === '/api/v1/session')).toBe(false);
  });

  it('takes fallback credentials from argocd.username/password', async () => {
    const { ctx } = context(baseInput);
    await action(
      { username: undefined, password: undefined },
      { username: 'admin', password: 'password' },
    ).handler(ctx);
    expect(sim.getApplication('fraud-detector')).toBeDefined();
  });

  it('refuses an existing Application and leaves it as it was', async () => {
    sim.putApplication({
      metadata: { name: 'fraud-detector', namespace: 'argocd' },
      spec: {
        project: 'ml',
        source: {
          repoURL: 'https://elsewhere/x.git',
          path: 'x',
          targetRevision: 'main',
        },
        destination: {
          server: 'https://kubernetes.default.svc',
          namespace: 'other',
        },
      },
    });
    const { ctx } = context(baseInput);
    const run = action().handler(ctx);
    await expect(run).rejects.toThrow(
      /Argo CD Application fraud-detector already exists on main \(project ml\)/,
    );
    await expect(run).rejects.toHaveProperty('name', 'InputError');
    expect(sim.getApplication('fraud-detector')?.spec.source?.repoURL).toBe(
      'https://elsewhere/x.git',
    );
    expect(ctx.output).not.toHaveBeenCalled();
  });

  it('names the configured instances when argoInstance is unknown', async () => {
    const { ctx } = context({ ...baseInput, argoInstance: 'staging' });
    await expect(action().handler(ctx)).rejects.toThrow(
      'Unknown Argo CD instance "staging"; configured instances: other, main',
    );
  });

  it('explains a bad password (401)', async () => {
    const { ctx } = context(baseInput);
    await expect(action({ password: 'wrong' }).handler(ctx)).rejects.toThrow(
      /Argo CD instance "main" \(http:\/\/127\.0\.0\.1:\d+\) rejected the configured username\/password: Invalid username or password/,
    );
  });

  it('explains an RBAC denial (403)', async () => {
    const { ctx } = context({ ...baseInput, projectName: 'ml' });
    await expect(
      action({ username: 'viewer', password: 'viewer-pass' }).handler(ctx),
    ).rejects.toThrow(
      /permission denied .* may not create applications in project "ml" \(RBAC applications, create, ml\/fraud-detector\)/,
    );
    expect(sim.getApplication('fraud-detector')).toBeUndefined();
  });

  it('turns Argo CD validation errors into InputErrors (unknown project, cluster)', async () => {
    const project = action().handler(
      context({ ...baseInput, projectName: 'nope' }).ctx,
    );
    await expect(project).rejects.toThrow(
      /refused the Application fraud-detector: .*project nope which does not exist/,
    );
    await expect(project).rejects.toHaveProperty('name', 'InputError');
    await expect(
      action().handler(context({ ...baseInput, cluster: 'prod-eu' }).ctx),
    ).rejects.toThrow(/there are no clusters with this name: prod-eu/);
  });

  it.each([
    [{ appName: 'Fraud' }, /appName "Fraud" must be a DNS-1123 label/],
    [{ namespace: 'ML' }, /namespace "ML" must be a DNS-1123 label/],
    [{ labelValue: 'a', label: 'b' }, /labelValue "a" and label "b" differ/],
    [
      { labelValue: 'not valid!' },
      /label value "not valid!" is not a valid Kubernetes label value/,
    ],
    [
      { syncPolicy: 'sometimes' },
      /syncPolicy "sometimes" must be automated or manual/,
    ],
    [{ path: '../secrets' }, /path "..\/secrets" must be relative/],
  ])('rejects %o before calling Argo CD', async (patch, message) => {
    await expect(
      action().handler(context({ ...baseInput, ...patch }).ctx),
    ).rejects.toThrow(message);
    expect(sim.requests()).toHaveLength(0);
  });

  describe('dry run', () => {
    it('checks and logs the Application but creates nothing', async () => {
      const { ctx, log } = context(baseInput, { dryRun: true });
      await action().handler(ctx);
      expect(sim.applications()).toHaveLength(0);
      expect(
        sim
          .requests()
          .some(r => r.method === 'POST' && r.path === '/api/v1/applications'),
      ).toBe(false);
      expect(ctx.output).toHaveBeenCalledWith(
        'applicationUrl',
        `${sim.url}/applications/argocd/fraud-detector?view=tree&resource=`,
      );
      expect(log.text()).toMatch(/Dry run: would POST \/api\/v1\/applications/);
    });

    it('still refuses an existing Application', async () => {
      sim.putApplication({
        metadata: { name: 'fraud-detector', namespace: 'argocd' },
        spec: {
          project: 'default',
          source: { repoURL: 'https://elsewhere/x.git', path: 'x' },
          destination: {
            server: 'https://kubernetes.default.svc',
            namespace: 'x',
          },
        },
      });
      await expect(
        action().handler(context(baseInput, { dryRun: true }).ctx),
      ).rejects.toThrow(/already exists/);
    });

    it('warns and still outputs the URL when Argo CD is down; a real run fails', async () => {
      await sim.setFault({ mode: 'down' });
      const { ctx, log } = context(baseInput, { dryRun: true });
      await action().handler(ctx);
      expect(ctx.output).toHaveBeenCalledWith(
        'applicationUrl',
        expect.stringContaining('/applications/argocd/fraud-detector'),
      );
      expect(log.text()).toMatch(
        /warn Dry run: Argo CD instance "main" .* could not be reached/,
      );
      await expect(action().handler(context(baseInput).ctx)).rejects.toThrow(
        /could not be reached/,
      );
    });
  });

  it('is also available under the Roadie id argocd:create-resources', async () => {
    const alias = createArgocdCreateApplicationAction({
      config: configFor({
        name: 'main',
        url: sim.url,
        username: 'admin',
        password: 'password',
      }),
      id: 'argocd:create-resources',
    });
    expect(alias.id).toBe('argocd:create-resources');
    await alias.handler(
      context({ ...baseInput, labelValue: 'fraud-detector' }).ctx,
    );
    expect(sim.getApplication('fraud-detector')?.metadata.labels).toEqual({
      'backstage-name': 'fraud-detector',
    });
  });
});

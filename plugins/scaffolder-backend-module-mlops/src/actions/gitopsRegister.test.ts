import fs from 'node:fs';
import path from 'node:path';
import { createMockDirectory } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { captureLogger } from '../__testUtils__/captureLogger';
import {
  startGitHttpServer,
  GitHttpServer,
} from '../__testUtils__/gitHttpServer';
import {
  childApplicationYaml,
  createGitopsRepo,
  GitopsRepo,
  renderedApp,
} from '../__testUtils__/gitRepos';
import {
  createGitopsRegisterAction,
  DRY_RUN_COMMIT_SHA,
} from './gitopsRegister';

jest.setTimeout(60_000);

const config = new ConfigReader({
  mlops: { scaffolder: { allowFileRepoUrls: true } },
});
const action = createGitopsRegisterAction({ config });
const workspace = createMockDirectory();

function writeWorkspace(files: Record<string, string>, under = 'gitops') {
  fs.rmSync(workspace.path, { recursive: true, force: true });
  for (const [file, content] of Object.entries(files)) {
    const target = path.join(workspace.path, under, file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, content);
  }
}

function context(
  input: Record<string, unknown>,
  options: { dryRun?: boolean } = {},
) {
  const log = captureLogger();
  const ctx = createMockActionContext({
    input: input as any,
    workspacePath: workspace.path,
    logger: log.logger,
  });
  return { ctx: { ...ctx, isDryRun: options.dryRun ?? false }, log };
}

function outputs(ctx: { output: unknown }): Record<string, unknown> {
  return Object.fromEntries((ctx.output as jest.Mock).mock.calls);
}

describe('mlops:gitops:register', () => {
  let repo: GitopsRepo;
  beforeEach(() => {
    repo = createGitopsRepo();
  });
  afterEach(() => repo.remove());

  it('commits apps/<name> and the child Application to the default branch', async () => {
    writeWorkspace(renderedApp('fraud-detector'));
    const { ctx } = context({
      repoUrl: repo.url,
      sourcePath: './gitops',
      appName: 'fraud-detector',
      commitMessage: 'Register fraud-detector',
      authorName: 'Tester',
      authorEmail: 'tester@example.com',
    });
    await action.handler(ctx);

    expect(repo.commitCount('main')).toBe(2);
    expect(repo.files('main')).toEqual([
      'apps-of-apps.yaml',
      'apps-of-apps/.keep',
      'apps-of-apps/fraud-detector.yaml',
      'apps/fraud-detector/application.yaml',
      'apps/fraud-detector/base/deployment.yaml',
      'apps/fraud-detector/base/kustomization.yaml',
      'apps/fraud-detector/overlays/prod/kustomization.yaml',
    ]);
    expect(repo.show('main', 'apps-of-apps/fraud-detector.yaml')).toBe(
      childApplicationYaml('fraud-detector'),
    );
    expect(repo.log('main', '%s|%an|%ae')).toBe(
      'Register fraud-detector|Tester|tester@example.com',
    );
    expect(outputs(ctx)).toEqual({
      commitSha: repo.log('main', '%H'),
      branch: 'main',
      applicationPath: 'apps-of-apps/fraud-detector.yaml',
    });
  });

  it('pull-request mode pushes backstage/<name> and leaves main untouched', async () => {
    writeWorkspace(renderedApp('chat-llm'));
    const mainBefore = repo.log('main', '%H');
    const { ctx } = context({
      repoUrl: repo.url,
      sourcePath: 'gitops',
      appName: 'chat-llm',
      mode: 'pull-request',
    });
    await action.handler(ctx);

    expect(repo.branches().sort()).toEqual(['backstage/chat-llm', 'main']);
    expect(repo.log('main', '%H')).toBe(mainBefore);
    expect(repo.files('main')).toEqual([
      'apps-of-apps.yaml',
      'apps-of-apps/.keep',
    ]);
    expect(repo.files('backstage/chat-llm')).toContain(
      'apps-of-apps/chat-llm.yaml',
    );
    expect(repo.files('backstage/chat-llm')).toContain(
      'apps/chat-llm/base/deployment.yaml',
    );
    expect(repo.log('backstage/chat-llm', '%P')).toBe(mainBefore);
    expect(repo.log('backstage/chat-llm', '%s')).toBe(
      'Register chat-llm in apps-of-apps',
    );
    expect(outputs(ctx)).toMatchObject({
      commitSha: repo.log('backstage/chat-llm', '%H'),
      branch: 'backstage/chat-llm',
    });
  });

  it('refuses a second run for the same app and makes no commit', async () => {
    writeWorkspace(renderedApp('fraud-detector'));
    await action.handler(
      context({
        repoUrl: repo.url,
        sourcePath: 'gitops',
        appName: 'fraud-detector',
      }).ctx,
    );
    const after = repo.commitCount('main');

    const second = context({
      repoUrl: repo.url,
      sourcePath: 'gitops',
      appName: 'fraud-detector',
    });
    await expect(action.handler(second.ctx)).rejects.toThrow(
      /apps\/fraud-detector already exists in the GitOps repository; refusing to overwrite/,
    );
    expect(repo.commitCount('main')).toBe(after);
    expect(second.ctx.output).not.toHaveBeenCalled();
  });

  it('refuses when only the child manifest exists already', async () => {
    writeWorkspace(renderedApp('fraud-detector'));
    await action.handler(
      context({
        repoUrl: repo.url,
        sourcePath: 'gitops',
        appName: 'fraud-detector',
        appsPath: 'apps',
      }).ctx,
    );
    // same parent manifest name, different apps folder
    writeWorkspace(renderedApp('fraud-detector'), 'gitops2');
    fs.renameSync(
      path.join(workspace.path, 'gitops2', 'apps'),
      path.join(workspace.path, 'gitops2', 'services'),
    );
    const again = context({
      repoUrl: repo.url,
      sourcePath: 'gitops2',
      appName: 'fraud-detector',
      appsPath: 'services',
    });
    await expect(action.handler(again.ctx)).rejects.toThrow(
      /apps-of-apps\/fraud-detector.yaml already exists/,
    );
  });

  it('replaces the app with allowUpdate, dropping files that are gone', async () => {
    writeWorkspace(renderedApp('fraud-detector'));
    await action.handler(
      context({
        repoUrl: repo.url,
        sourcePath: 'gitops',
        appName: 'fraud-detector',
      }).ctx,
    );
    const files = renderedApp('fraud-detector');
    delete files['apps/fraud-detector/overlays/prod/kustomization.yaml'];
    files['apps/fraud-detector/base/deployment.yaml'] +=
      'spec:\n  replicas: 2\n';
    writeWorkspace(files);

    const { ctx } = context({
      repoUrl: repo.url,
      sourcePath: 'gitops',
      appName: 'fraud-detector',
      allowUpdate: true,
    });
    await action.handler(ctx);
    expect(repo.commitCount('main')).toBe(3);
    expect(repo.files('main')).not.toContain(
      'apps/fraud-detector/overlays/prod/kustomization.yaml',
    );
    expect(
      repo.show('main', 'apps/fraud-detector/base/deployment.yaml'),
    ).toContain('replicas: 2');
  });

  it('makes no commit when allowUpdate finds identical content', async () => {
    writeWorkspace(renderedApp('fraud-detector'));
    await action.handler(
      context({
        repoUrl: repo.url,
        sourcePath: 'gitops',
        appName: 'fraud-detector',
      }).ctx,
    );
    const { ctx, log } = context({
      repoUrl: repo.url,
      sourcePath: 'gitops',
      appName: 'fraud-detector',
      allowUpdate: true,
    });
    await action.handler(ctx);
    expect(repo.commitCount('main')).toBe(2);
    expect(outputs(ctx).commitSha).toBe(repo.log('main', '%H'));
    expect(log.text()).toMatch(/nothing to commit/);
  });

  it('refuses to replace an existing pull-request branch', async () => {
    writeWorkspace(renderedApp('chat-llm'));
    const input = {
      repoUrl: repo.url,
      sourcePath: 'gitops',
      appName: 'chat-llm',
      mode: 'pull-request',
    };
    await action.handler(context(input).ctx);
    const branchHead = repo.log('backstage/chat-llm', '%H');
    await expect(action.handler(context(input).ctx)).rejects.toThrow(
      /Branch backstage\/chat-llm already exists/,
    );
    expect(repo.log('backstage/chat-llm', '%H')).toBe(branchHead);
  });

  it('dry-run checks everything, computes a local commit and pushes nothing', async () => {
    writeWorkspace(renderedApp('fraud-detector'));
    const { ctx, log } = context(
      { repoUrl: repo.url, sourcePath: 'gitops', appName: 'fraud-detector' },
      { dryRun: true },
    );
    await action.handler(ctx);
    expect(repo.commitCount('main')).toBe(1);
    expect(repo.branches()).toEqual(['main']);
    const out = outputs(ctx);
    expect(out.commitSha).toMatch(/^[0-9a-f]{40}$/);
    expect(out.commitSha).not.toBe(DRY_RUN_COMMIT_SHA);
    expect(out).toMatchObject({
      branch: 'main',
      applicationPath: 'apps-of-apps/fraud-detector.yaml',
    });
    expect(log.text()).toMatch(
      /Dry run: would push commit [0-9a-f]{40} .* to main; nothing was pushed/,
    );
  });

  it('dry-run still refuses an app that is already registered', async () => {
    writeWorkspace(renderedApp('fraud-detector'));
    await action.handler(
      context({
        repoUrl: repo.url,
        sourcePath: 'gitops',
        appName: 'fraud-detector',
      }).ctx,
    );
    const { ctx } = context(
      { repoUrl: repo.url, sourcePath: 'gitops', appName: 'fraud-detector' },
      { dryRun: true },
    );
    await expect(action.handler(ctx)).rejects.toThrow(/already exists/);
  });

  it('dry-run warns and outputs placeholders when the repository cannot be reached', async () => {
    writeWorkspace(renderedApp('fraud-detector'));
    const { ctx, log } = context(
      {
        repoUrl: 'http://127.0.0.1:9/platform/gitops.git',
        sourcePath: 'gitops',
        appName: 'fraud-detector',
        mode: 'pull-request',
      },
      { dryRun: true },
    );
    await action.handler(ctx);
    expect(outputs(ctx)).toEqual({
      commitSha: DRY_RUN_COMMIT_SHA,
      branch: 'backstage/fraud-detector',
      applicationPath: 'apps-of-apps/fraud-detector.yaml',
    });
    expect(log.text()).toMatch(
      /could not be reached, so the repository checks were skipped/,
    );
  });

  it('the same unreachable repository fails a real run', async () => {
    writeWorkspace(renderedApp('fraud-detector'));
    const { ctx } = context({
      repoUrl: 'http://127.0.0.1:9/platform/gitops.git',
      sourcePath: 'gitops',
      appName: 'fraud-detector',
    });
    await expect(action.handler(ctx)).rejects.toThrow(
      /Failed to connect|Could not connect|Couldn't connect/i,
    );
  });

  it.each([
    [
      { appName: 'Fraud_Detector' },
      /appName "Fraud_Detector" must be a DNS-1123 label/,
    ],
    [
      { parentAppPath: '../outside' },
      /parentAppPath "..\/outside" must be a relative folder/,
    ],
    [{ mode: 'merge' }, /mode "merge" must be commit or pull-request/],
    [{ appName: 'other-app' }, /no apps\/other-app\/application.yaml/],
    [
      { sourcePath: '../../etc' },
      /sourcePath "..\/..\/etc" must be a folder inside the workspace/,
    ],
    [
      { repoUrl: 'git@git.ml.internal:platform/gitops.git' },
      /neither a clone URL/,
    ],
    [
      { repoUrl: 'https://user:secret@git.ml.internal/platform/gitops.git' },
      /must not contain credentials/,
    ],
    [{ parentAppPath: 'children' }, /has no folder children\//],
    [{ branch: 'release' }, /Branch release does not exist/],
  ])('rejects %o with a clear InputError', async (patch, message) => {
    writeWorkspace(renderedApp('fraud-detector'));
    const before = repo.commitCount('main');
    const { ctx } = context({
      repoUrl: repo.url,
      sourcePath: 'gitops',
      appName: 'fraud-detector',
      ...patch,
    });
    const run = action.handler(ctx);
    await expect(run).rejects.toThrow(message);
    await expect(run).rejects.toHaveProperty('name', 'InputError');
    expect(repo.commitCount('main')).toBe(before);
  });

  it('refuses an application.yaml that is not the named Argo CD Application', async () => {
    const files = renderedApp('fraud-detector');
    files['apps/fraud-detector/application.yaml'] =
      childApplicationYaml('something-else');
    writeWorkspace(files);
    const { ctx } = context({
      repoUrl: repo.url,
      sourcePath: 'gitops',
      appName: 'fraud-detector',
    });
    await expect(action.handler(ctx)).rejects.toThrow(
      /names the Application "something-else", expected "fraud-detector"/,
    );

    files['apps/fraud-detector/application.yaml'] =
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fraud-detector\n';
    writeWorkspace(files);
    await expect(
      action.handler(
        context({
          repoUrl: repo.url,
          sourcePath: 'gitops',
          appName: 'fraud-detector',
        }).ctx,
      ),
    ).rejects.toThrow(/is not an Argo CD Application/);
  });

  it('refuses file:// URLs unless mlops.scaffolder.allowFileRepoUrls is set', async () => {
    writeWorkspace(renderedApp('fraud-detector'));
    const strict = createGitopsRegisterAction({ config: new ConfigReader({}) });
    const { ctx } = context({
      repoUrl: repo.url,
      sourcePath: 'gitops',
      appName: 'fraud-detector',
    });
    await expect(strict.handler(ctx)).rejects.toThrow(
      /file:\/\/ URLs are disabled/,
    );
    expect(repo.commitCount('main')).toBe(1);
  });

  describe('over smart HTTP with integration credentials', () => {
    let server: GitHttpServer;
    beforeEach(async () => {
      server = await startGitHttpServer({
        projectRoot: repo.root,
        username: 'scaffolder',
        password: 's3cr3t-gitea-token',
      });
    });
    afterEach(() => server.close());

    function giteaAction(password = 's3cr3t-gitea-token') {
      return createGitopsRegisterAction({
        config: new ConfigReader({
          integrations: {
            gitea: [
              {
                host: 'git.ml.internal',
                baseUrl: `${server.baseUrl}/`,
                username: 'scaffolder',
                password,
              },
            ],
          },
        }),
      });
    }

    it('maps the RepoUrlPicker form to a clone URL and sends the token only as a header', async () => {
      writeWorkspace(renderedApp('fraud-detector'));
      const { ctx, log } = context({
        repoUrl: 'git.ml.internal?owner=platform&repo=gitops',
        sourcePath: 'gitops',
        appName: 'fraud-detector',
      });
      await giteaAction().handler(ctx);

      expect(repo.files('main')).toContain('apps-of-apps/fraud-detector.yaml');
      expect(server.requests.length).toBeGreaterThan(0);
      const basic = `Basic ${Buffer.from(
        'scaffolder:s3cr3t-gitea-token',
      ).toString('base64')}`;
      expect(
        server.requests.filter(r => r.authorization === basic).length,
      ).toBeGreaterThan(0);
      expect(server.requests.some(r => /receive-pack/.test(r.url))).toBe(true);
      for (const r of server.requests)
        expect(r.url).not.toMatch(/s3cr3t|scaffolder/);
      expect(log.text()).toMatch(
        /credentials from the gitea git.ml.internal integration/,
      );
      expect(log.text()).not.toMatch(/s3cr3t|c2NhZmZvbGRlcjpzM2NyM3Q/);
    });

    it('explains rejected credentials without leaking them', async () => {
      writeWorkspace(renderedApp('fraud-detector'));
      const { ctx, log } = context({
        repoUrl: `${server.baseUrl}/platform/gitops.git`,
        sourcePath: 'gitops',
        appName: 'fraud-detector',
      });
      const wrong = createGitopsRegisterAction({
        config: new ConfigReader({
          integrations: {
            gitea: [
              {
                host: server.baseUrl.replace('http://', ''),
                baseUrl: server.baseUrl,
                username: 'scaffolder',
                password: 'wr0ng-pass',
              },
            ],
          },
        }),
      });
      const run = wrong.handler(ctx);
      await expect(run).rejects.toThrow(
        /refused the credentials of the gitea 127.0.0.1:\d+ integration/,
      );
      await expect(run).rejects.not.toThrow(/wr0ng-pass/);
      expect(log.text()).not.toMatch(/wr0ng-pass/);
      expect(repo.commitCount('main')).toBe(1);
    });
  });
});

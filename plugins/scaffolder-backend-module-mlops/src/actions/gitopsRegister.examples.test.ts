import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createMockDirectory } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import yaml from 'yaml';
import {
  startGitHttpServer,
  GitHttpServer,
} from '../__testUtils__/gitHttpServer';
import {
  createGitopsRepo,
  GitopsRepo,
  renderedApp,
} from '../__testUtils__/gitRepos';
import { createGitopsRegisterAction } from './gitopsRegister';
import { examples } from './gitopsRegister.examples';

jest.setTimeout(60_000);

/**
 * Runs every example against a real repository: git.ml.internal is a Gitea
 * integration whose baseUrl is a local git http-backend (Basic auth), and
 * https://git.ml.internal/ is rewritten to it by a url.insteadOf in a
 * throw-away global git config.
 */
describe('mlops:gitops:register examples', () => {
  let repo: GitopsRepo;
  let server: GitHttpServer;
  let gitConfigDir: string;
  const savedGlobal = process.env.GIT_CONFIG_GLOBAL;
  const workspace = createMockDirectory();

  beforeEach(async () => {
    repo = createGitopsRepo();
    server = await startGitHttpServer({
      projectRoot: repo.root,
      username: 'scaffolder',
      password: 'gitea-pass',
    });
    gitConfigDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-gitconfig-'));
    const gitConfig = path.join(gitConfigDir, 'gitconfig');
    fs.writeFileSync(
      gitConfig,
      `[url "${server.baseUrl}/"]\n\tinsteadOf = https://git.ml.internal/\n`,
    );
    process.env.GIT_CONFIG_GLOBAL = gitConfig;
  });
  afterEach(async () => {
    if (savedGlobal === undefined) delete process.env.GIT_CONFIG_GLOBAL;
    else process.env.GIT_CONFIG_GLOBAL = savedGlobal;
    await server.close();
    repo.remove();
    fs.rmSync(gitConfigDir, { recursive: true, force: true });
  });

  const action = () =>
    createGitopsRegisterAction({
      config: new ConfigReader({
        integrations: {
          gitea: [
            {
              host: 'git.ml.internal',
              username: 'scaffolder',
              password: 'gitea-pass',
            },
          ],
        },
      }),
    });

  it.each(examples.map(e => [e.description, e] as const))(
    '%s',
    async (_description, example) => {
      const step = yaml.parse(example.example).steps[0];
      const input = step.input;
      fs.rmSync(workspace.path, { recursive: true, force: true });
      for (const [file, content] of Object.entries(
        renderedApp(input.appName),
      )) {
        const target = path.join(workspace.path, input.sourcePath, file);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, content);
      }

      // dry run first: checks against the real repository, pushes nothing
      const dry = createMockActionContext({
        input,
        workspacePath: workspace.path,
      });
      await action().handler({ ...dry, isDryRun: true });
      expect(repo.commitCount('main')).toBe(1);
      expect(repo.branches()).toEqual(['main']);

      const ctx = createMockActionContext({
        input,
        workspacePath: workspace.path,
      });
      await action().handler(ctx);
      const outputs = Object.fromEntries((ctx.output as jest.Mock).mock.calls);
      const branch =
        input.mode === 'pull-request' ? `backstage/${input.appName}` : 'main';
      expect(outputs).toEqual({
        commitSha: repo.log(branch, '%H'),
        branch,
        applicationPath: `apps-of-apps/${input.appName}.yaml`,
      });
      expect(repo.files(branch)).toContain(
        `apps-of-apps/${input.appName}.yaml`,
      );
      expect(repo.log(branch, '%s')).toBe(
        input.commitMessage ?? `Register ${input.appName} in apps-of-apps`,
      );
      expect(repo.log(branch, '%an <%ae>')).toBe(
        `${input.authorName ?? 'Backstage Scaffolder'} <${
          input.authorEmail ?? 'scaffolder@backstage.io'
        }>`,
      );
      expect(
        server.requests.some(r => r.url.includes('git-receive-pack')),
      ).toBe(true);
    },
  );
});

import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  LoggerService,
  resolveSafeChildPath,
} from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import {
  ScmIntegrationRegistry,
  ScmIntegrations,
} from '@backstage/integration';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  createGit,
  Git,
  GitCommandError,
  isGitUnreachable,
} from '../lib/git/runGit';
import { GitRemote, resolveGitRemote } from '../lib/git/resolveGitRemote';
import {
  AppSource,
  checkCheckout,
  readAppSource,
  writeApp,
} from '../lib/gitops/appOfApps';
import { assertDns1123Label, relativeRepoPath } from '../lib/validation';
import { examples } from './gitopsRegister.examples';

/** Reported as `commitSha` by a dry run that could not reach the repository. */
export const DRY_RUN_COMMIT_SHA = '0000000000000000000000000000000000000000';

interface Registration {
  appName: string;
  source: AppSource;
  parentAppPath: string;
  applicationPath: string;
  mode: 'commit' | 'pull-request';
  branch?: string;
  allowUpdate: boolean;
  commitMessage: string;
  author: { name: string; email: string };
}

interface RegistrationResult {
  commitSha: string;
  branch: string;
  [key: string]: string;
}

/**
 * `mlops:gitops:register` — commits a generated app (`apps/<name>/…`) and
 * its child Argo CD Application manifest into an existing app-of-apps GitOps
 * repository, on the default branch or on a `backstage/<name>` branch for a
 * pull request. Never overwrites an existing app unless `allowUpdate`.
 */
export function createGitopsRegisterAction(options: {
  config: Config;
  integrations?: ScmIntegrationRegistry;
}) {
  const { config } = options;
  const integrations =
    options.integrations ?? ScmIntegrations.fromConfig(config);
  const allowFileUrls =
    config.getOptionalBoolean('mlops.scaffolder.allowFileRepoUrls') ?? false;
  const defaultAuthor = {
    name:
      config.getOptionalString('scaffolder.defaultAuthor.name') ??
      'Backstage Scaffolder',
    email:
      config.getOptionalString('scaffolder.defaultAuthor.email') ??
      'scaffolder@backstage.io',
  };

  return createTemplateAction({
    id: 'mlops:gitops:register',
    description:
      'Registers a generated app in an app-of-apps GitOps repository: copies apps/<appName>/ and writes the child Application into the folder the parent Application watches, by a commit or on a pull-request branch.',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        repoUrl: z =>
          z
            .string()
            .describe(
              'GitOps repository: a clone URL (https://, http://, file:// when allowed) or the RepoUrlPicker form host?owner=o&repo=r. Credentials come from the integrations config.',
            ),
        sourcePath: z =>
          z
            .string()
            .optional()
            .describe(
              'Workspace folder holding apps/<appName>/…; its contents are copied into the repository root (default: the workspace)',
            ),
        appName: z => z.string().describe('Application name (DNS-1123 label)'),
        appsPath: z =>
          z
            .string()
            .optional()
            .describe(
              'Folder of the apps inside sourcePath and the repository (default apps)',
            ),
        parentAppPath: z =>
          z
            .string()
            .optional()
            .describe(
              'Folder watched by the parent Application; receives <appName>.yaml (default apps-of-apps)',
            ),
        mode: z =>
          z
            .enum(['commit', 'pull-request'])
            .optional()
            .describe(
              'commit (default): push to the branch; pull-request: push the branch backstage/<appName> instead',
            ),
        branch: z =>
          z
            .string()
            .optional()
            .describe(
              'Branch to commit to or to base the pull request on (default: the remote HEAD)',
            ),
        commitMessage: z => z.string().optional().describe('Commit message'),
        authorName: z =>
          z
            .string()
            .optional()
            .describe(
              'Commit author name (default scaffolder.defaultAuthor.name)',
            ),
        authorEmail: z =>
          z
            .string()
            .optional()
            .describe(
              'Commit author email (default scaffolder.defaultAuthor.email)',
            ),
        allowUpdate: z =>
          z
            .boolean()
            .optional()
            .describe(
              'Replace the app if it is already registered (default false: refuse)',
            ),
      },
      output: {
        commitSha: z =>
          z.string().describe('The commit that registers the app'),
        branch: z =>
          z
            .string()
            .describe(
              'The branch that was pushed (the pull-request branch in pull-request mode)',
            ),
        applicationPath: z =>
          z
            .string()
            .describe(
              'Repository path of the child Application manifest (<parentAppPath>/<appName>.yaml)',
            ),
      },
    },
    async handler(ctx) {
      const input = ctx.input;
      assertDns1123Label('appName', input.appName, 53);
      const appsPath = relativeRepoPath('appsPath', input.appsPath ?? 'apps');
      const parentAppPath = relativeRepoPath(
        'parentAppPath',
        input.parentAppPath ?? 'apps-of-apps',
      );
      const mode = input.mode ?? 'commit';
      if (mode !== 'commit' && mode !== 'pull-request') {
        throw new InputError(
          `mode "${String(mode)}" must be commit or pull-request`,
        );
      }
      let sourceDir: string;
      try {
        sourceDir = resolveSafeChildPath(
          ctx.workspacePath,
          input.sourcePath ?? '.',
        );
      } catch {
        throw new InputError(
          `sourcePath "${input.sourcePath}" must be a folder inside the workspace`,
        );
      }
      const source = await readAppSource(sourceDir, appsPath, input.appName);
      const remote = await resolveGitRemote(input.repoUrl, integrations, {
        allowFileUrls,
      });
      const applicationPath = `${parentAppPath}/${input.appName}.yaml`;
      const registration: Registration = {
        appName: input.appName,
        source,
        parentAppPath,
        applicationPath,
        mode,
        branch: input.branch,
        allowUpdate: input.allowUpdate ?? false,
        commitMessage:
          input.commitMessage ??
          `Register ${input.appName} in ${parentAppPath}`,
        author: {
          name: input.authorName ?? defaultAuthor.name,
          email: input.authorEmail ?? defaultAuthor.email,
        },
      };
      ctx.logger.info(
        `Registering ${input.appName} in ${remote.cloneUrl} by ${
          mode === 'commit'
            ? 'a commit'
            : `a pull-request branch backstage/${input.appName}`
        }${
          remote.authHeader
            ? ` (credentials from the ${remote.integration} integration)`
            : ''
        }`,
      );

      let result: RegistrationResult;
      if (ctx.isDryRun) {
        result = await registerDryRun(
          registration,
          remote,
          ctx.logger,
          ctx.signal,
        );
      } else {
        result = await ctx.checkpoint({
          key: `mlops.gitops.register.${remote.cloneUrl}.${input.appName}.${mode}`,
          fn: () =>
            register(registration, remote, ctx.logger, ctx.signal, false),
        });
      }
      ctx.output('commitSha', result.commitSha);
      ctx.output('branch', result.branch);
      ctx.output('applicationPath', applicationPath);
    },
  });
}

async function registerDryRun(
  registration: Registration,
  remote: GitRemote,
  logger: LoggerService,
  signal: AbortSignal | undefined,
): Promise<RegistrationResult> {
  try {
    return await register(registration, remote, logger, signal, true);
  } catch (error) {
    if (!isGitUnreachable(error)) throw error;
    logger.warn(
      `Dry run: ${
        remote.cloneUrl
      } could not be reached, so the repository checks were skipped (${
        (error as Error).message
      })`,
    );
    const branch =
      registration.mode === 'pull-request'
        ? `backstage/${registration.appName}`
        : registration.branch ?? 'HEAD';
    return { commitSha: DRY_RUN_COMMIT_SHA, branch };
  }
}

/**
 * Clones, checks, writes and commits; pushes unless `dryRun` (a dry run
 * commits in the throw-away clone only, so `commitSha` is a real, local sha).
 */
async function register(
  registration: Registration,
  remote: GitRemote,
  logger: LoggerService,
  signal: AbortSignal | undefined,
  dryRun: boolean,
): Promise<RegistrationResult> {
  const git = createGit({ authHeader: remote.authHeader, logger, signal });
  const repoDir = await fs.mkdtemp(path.join(os.tmpdir(), 'mlops-gitops-'));
  try {
    const base =
      registration.branch ?? (await remoteHead(git, remote.cloneUrl));
    await clone(git, remote.cloneUrl, base, repoDir);
    const target =
      registration.mode === 'pull-request'
        ? `backstage/${registration.appName}`
        : base;

    let targetExists = false;
    if (registration.mode === 'pull-request') {
      const { stdout } = await git(
        ['ls-remote', '--heads', 'origin', `refs/heads/${target}`],
        {
          cwd: repoDir,
        },
      );
      targetExists = stdout.trim() !== '';
      if (targetExists && !registration.allowUpdate) {
        throw new InputError(
          `Branch ${target} already exists in the GitOps repository (an open pull request?); refusing to overwrite it (set allowUpdate: true to replace it)`,
        );
      }
    }

    const { updating } = await checkCheckout({
      repoDir,
      source: registration.source,
      parentAppPath: registration.parentAppPath,
      applicationPath: registration.applicationPath,
      allowUpdate: registration.allowUpdate,
    });
    await writeApp({
      repoDir,
      source: registration.source,
      applicationPath: registration.applicationPath,
    });
    await git(['add', '--all'], { cwd: repoDir });
    const { stdout: status } = await git(['status', '--porcelain'], {
      cwd: repoDir,
    });
    if (status.trim() === '') {
      const { stdout: head } = await git(['rev-parse', 'HEAD'], {
        cwd: repoDir,
      });
      logger.info(
        `${registration.appName} is already registered with identical content on ${base}; nothing to commit`,
      );
      return { commitSha: head.trim(), branch: base };
    }
    logger.info(
      `${updating ? 'Updating' : 'Adding'} ${registration.source.appDir}/ and ${
        registration.applicationPath
      }:\n${status.trimEnd()}`,
    );

    const { name, email } = registration.author;
    await git(['commit', '--quiet', '-m', registration.commitMessage], {
      cwd: repoDir,
      env: {
        GIT_AUTHOR_NAME: name,
        GIT_AUTHOR_EMAIL: email,
        GIT_COMMITTER_NAME: name,
        GIT_COMMITTER_EMAIL: email,
      },
    });
    const commitSha = (
      await git(['rev-parse', 'HEAD'], { cwd: repoDir })
    ).stdout.trim();

    if (dryRun) {
      logger.info(
        `Dry run: would push commit ${commitSha} ("${
          registration.commitMessage
        }") to ${target}${
          targetExists ? ' (replacing the existing branch)' : ''
        }; nothing was pushed`,
      );
      return { commitSha, branch: target };
    }

    const pushArgs = [
      'push',
      '--porcelain',
      'origin',
      `HEAD:refs/heads/${target}`,
    ];
    if (targetExists) pushArgs.splice(1, 0, '--force');
    try {
      await git(pushArgs, { cwd: repoDir });
    } catch (error) {
      if (
        error instanceof GitCommandError &&
        /rejected|non-fast-forward|fetch first/i.test(error.stderr)
      ) {
        throw new Error(
          `The push to ${target} was rejected because the branch moved while ${registration.appName} was being registered; run the task again (${error.message})`,
        );
      }
      throw error;
    }
    logger.info(`Pushed ${commitSha} to ${target}`);
    return { commitSha, branch: target };
  } catch (error) {
    throw explainGitError(error, remote);
  } finally {
    await fs.rm(repoDir, { recursive: true, force: true });
  }
}

/** The branch the remote HEAD points to. */
async function remoteHead(git: Git, cloneUrl: string): Promise<string> {
  const { stdout } = await git([
    'ls-remote',
    '--symref',
    '--',
    cloneUrl,
    'HEAD',
  ]);
  const match = /^ref: refs\/heads\/(\S+)\s+HEAD$/m.exec(stdout);
  if (!match) {
    throw new InputError(
      `The GitOps repository ${cloneUrl} has no default branch (is it empty?); pass branch explicitly`,
    );
  }
  return match[1];
}

async function clone(
  git: Git,
  cloneUrl: string,
  branch: string,
  dir: string,
): Promise<void> {
  try {
    await git([
      'clone',
      '--quiet',
      '--single-branch',
      '--branch',
      branch,
      '--',
      cloneUrl,
      dir,
    ]);
  } catch (error) {
    if (
      error instanceof GitCommandError &&
      /Remote branch .* not found/i.test(error.stderr)
    ) {
      throw new InputError(
        `Branch ${branch} does not exist in the GitOps repository ${cloneUrl}`,
      );
    }
    throw error;
  }
}

function explainGitError(error: unknown, remote: GitRemote): unknown {
  if (!(error instanceof GitCommandError)) return error;
  if (
    /Authentication failed|could not read Username|returned error: 40[13]|403 Forbidden|401 Unauthorized/i.test(
      error.stderr,
    )
  ) {
    return new Error(
      `The GitOps repository ${remote.cloneUrl} refused ${
        remote.authHeader
          ? `the credentials of the ${remote.integration} integration`
          : 'anonymous access (no integration credentials are configured for its host)'
      }: ${error.message}`,
    );
  }
  if (
    /not found|does not appear to be a git repository|does not exist/i.test(
      error.stderr,
    )
  ) {
    return new InputError(
      `The GitOps repository ${remote.cloneUrl} was not found: ${error.message}`,
    );
  }
  return error;
}

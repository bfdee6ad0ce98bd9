/**
 * A stand-in for `publish:github` in real (non-dry) runs: pushes the
 * workspace's source folder to a local bare repository and answers with the
 * outputs `publish:github` has, so the template's later steps
 * (`create-jenkins-job`, `register-gitops`, `catalog:register`) run
 * unchanged. `remoteUrl` is the clone URL of the repository that really
 * received the push (its `file://` URL), so whatever is pointed at it can be
 * followed; `repoContentsUrl` is GitHub-style, as the catalog's GitHub
 * integration resolves it.
 */
import { createBackendModule } from '@backstage/backend-plugin-api';
import {
  createTemplateAction,
  scaffolderActionsExtensionPoint,
} from '@backstage/plugin-scaffolder-node';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { git } from './gitRepo';

export const LOCAL_PUBLISH_ACTION = 'template-checks:publish:bare-repo';

function createLocalPublishAction(bareRepoDir: string) {
  return createTemplateAction({
    id: LOCAL_PUBLISH_ACTION,
    description: 'Pushes sourcePath to a local bare repository (tests only).',
    schema: {
      input: {
        repoUrl: z => z.string(),
        sourcePath: z => z.string().optional(),
        defaultBranch: z => z.string().optional(),
        description: z => z.string().optional(),
        repoVisibility: z => z.string().optional(),
      },
      output: {
        remoteUrl: z => z.string(),
        repoContentsUrl: z => z.string(),
      },
    },
    async handler(ctx) {
      const [host, query = ''] = ctx.input.repoUrl.split('?');
      const params = new URLSearchParams(query);
      const branch = ctx.input.defaultBranch ?? 'main';
      const dir = path.resolve(ctx.workspacePath, ctx.input.sourcePath ?? '.');
      if (!fs.existsSync(dir))
        throw new Error(
          `${ctx.input.sourcePath} does not exist in the workspace`,
        );
      git(['init', '--quiet', `--initial-branch=${branch}`], dir);
      git(['add', '--all'], dir);
      git(
        [
          '-c',
          'commit.gpgsign=false',
          'commit',
          '--quiet',
          '-m',
          'Initial commit',
        ],
        dir,
      );
      git(['push', '--quiet', bareRepoDir, branch], dir);
      const htmlUrl = `https://${host}/${params.get('owner')}/${params.get(
        'repo',
      )}`;
      ctx.output('remoteUrl', pathToFileURL(bareRepoDir).href);
      ctx.output('repoContentsUrl', `${htmlUrl}/blob/${branch}`);
    },
  });
}

/** A scaffolder module registering the local publish action for `bareRepoDir`. */
export function localPublishModule(bareRepoDir: string) {
  return createBackendModule({
    pluginId: 'scaffolder',
    moduleId: 'template-checks-local-publish',
    register({ registerInit }) {
      registerInit({
        deps: { scaffolder: scaffolderActionsExtensionPoint },
        async init({ scaffolder }) {
          scaffolder.addActions(createLocalPublishAction(bareRepoDir));
        },
      });
    },
  });
}

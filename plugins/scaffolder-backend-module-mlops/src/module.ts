import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { ScmIntegrations } from '@backstage/integration';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { createArgocdCreateApplicationAction } from './actions/argocdCreateApplication';
import { createGitopsRegisterAction } from './actions/gitopsRegister';
import { createHarborEnsureProjectAction } from './actions/harborEnsureProject';
import { createJenkinsCreateJobAction } from './actions/jenkinsCreateJob';
import { createValidateModelServiceAction } from './actions/validateModelService';
import { ArgocdSessionCache } from './lib/argocd/ArgocdClient';

/**
 * Registers the mlops scaffolder actions. `argocd:create-resources` is
 * registered as an alias of `mlops:argocd:create-application` unless
 * `mlops.scaffolder.registerArgocdAlias` is false (turn it off when Roadie's
 * or the community Argo CD module is installed: action ids must be unique).
 *
 * @public
 */
export const scaffolderModuleMlops = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'mlops',
  register({ registerInit }) {
    registerInit({
      deps: {
        scaffolder: scaffolderActionsExtensionPoint,
        config: coreServices.rootConfig,
      },
      async init({ scaffolder, config }) {
        const integrations = ScmIntegrations.fromConfig(config);
        const sessions = new ArgocdSessionCache();
        scaffolder.addActions(
          createValidateModelServiceAction({ config }),
          createGitopsRegisterAction({ config, integrations }),
          createArgocdCreateApplicationAction({ config, sessions }),
          createJenkinsCreateJobAction({ config }),
          createHarborEnsureProjectAction({ config }),
        );
        if (
          config.getOptionalBoolean('mlops.scaffolder.registerArgocdAlias') ??
          true
        ) {
          scaffolder.addActions(
            createArgocdCreateApplicationAction({
              config,
              sessions,
              id: 'argocd:create-resources',
            }),
          );
        }
      },
    });
  },
});

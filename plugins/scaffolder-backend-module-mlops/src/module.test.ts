import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import {
  scaffolderActionsExtensionPoint,
  TemplateAction,
} from '@backstage/plugin-scaffolder-node';
import { scaffolderModuleMlops } from './module';

type ConfigData = NonNullable<
  Parameters<typeof mockServices.rootConfig.factory>[0]
>['data'];

async function registeredIds(data: ConfigData): Promise<string[]> {
  const actions: TemplateAction<any, any, any>[] = [];
  const backend = await startTestBackend({
    extensionPoints: [
      [
        scaffolderActionsExtensionPoint,
        {
          addActions: (...a: TemplateAction<any, any, any>[]) =>
            actions.push(...a),
        },
      ],
    ],
    features: [
      scaffolderModuleMlops,
      mockServices.rootConfig.factory({ data }),
    ],
  });
  await backend.stop();
  return actions.map(a => a.id).sort();
}

describe('scaffolderModuleMlops', () => {
  it('registers every action, plus the argocd:create-resources alias by default', async () => {
    expect(await registeredIds({})).toEqual([
      'argocd:create-resources',
      'mlops:argocd:create-application',
      'mlops:gitops:register',
      'mlops:harbor:ensure-project',
      'mlops:jenkins:create-job',
      'mlops:model-service:validate',
    ]);
  });

  it('leaves the alias out when mlops.scaffolder.registerArgocdAlias is false', async () => {
    const ids = await registeredIds({
      mlops: { scaffolder: { registerArgocdAlias: false } },
    });
    expect(ids).not.toContain('argocd:create-resources');
    expect(ids).toContain('mlops:argocd:create-application');
  });

  it('every action supports dry-run and has examples', async () => {
    const actions: TemplateAction<any, any, any>[] = [];
    const backend = await startTestBackend({
      extensionPoints: [
        [
          scaffolderActionsExtensionPoint,
          {
            addActions: (...a: TemplateAction<any, any, any>[]) =>
              actions.push(...a),
          },
        ],
      ],
      features: [
        scaffolderModuleMlops,
        mockServices.rootConfig.factory({ data: {} }),
      ],
    });
    await backend.stop();
    for (const action of actions) {
      expect({ id: action.id, dryRun: action.supportsDryRun }).toEqual({
        id: action.id,
        dryRun: true,
      });
      expect(action.examples?.length).toBeGreaterThan(0);
    }
  });
});

import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  ArgocdApiError,
  ArgocdApplicationBody,
  ArgocdClient,
  ArgocdSessionCache,
} from '../lib/argocd/ArgocdClient';
import {
  ArgocdInstance,
  findArgocdInstance,
  readArgocdInstances,
} from '../lib/argocd/argocdInstances';
import { isUnreachable } from '../lib/http';
import { assertDns1123Label } from '../lib/validation';
import { examples } from './argocdCreateApplication.examples';

/** Label put on the Application (the key Roadie's action uses). */
export const ARGOCD_BACKSTAGE_LABEL = 'backstage-name';
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const IN_CLUSTER = 'https://kubernetes.default.svc';

/**
 * `mlops:argocd:create-application` (and, under the id
 * `argocd:create-resources`, a drop-in for Roadie's and the community
 * action): creates an Argo CD Application through the REST API.
 */
export function createArgocdCreateApplicationAction(options: {
  config: Config;
  /** Action id; `argocd:create-resources` for the alias. */
  id?: string;
  /** Share sessions between the actions of one module. */
  sessions?: ArgocdSessionCache;
}) {
  const instances = readArgocdInstances(options.config);
  const sessions = options.sessions ?? new ArgocdSessionCache();

  return createTemplateAction({
    id: options.id ?? 'mlops:argocd:create-application',
    description:
      'Creates an Argo CD Application (source repo/path, destination cluster/namespace, sync policy) through the Argo CD REST API.',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        appName: z => z.string().describe('Application name'),
        argoInstance: z =>
          z
            .string()
            .describe(
              'Instance name from argocd.appLocatorMethods[].instances[]',
            ),
        namespace: z => z.string().describe('Destination namespace'),
        repoUrl: z =>
          z.string().describe('Git repository Argo CD syncs from (clone URL)'),
        path: z => z.string().describe('Path inside the repository'),
        labelValue: z =>
          z
            .string()
            .optional()
            .describe(
              `Value of the ${ARGOCD_BACKSTAGE_LABEL} label (default appName; Roadie's input name)`,
            ),
        label: z =>
          z
            .string()
            .optional()
            .describe("Same as labelValue (the community action's input name)"),
        projectName: z =>
          z
            .string()
            .optional()
            .describe(
              'Argo CD project (default "default"; the project must exist)',
            ),
        cluster: z =>
          z
            .string()
            .optional()
            .describe(
              `Destination cluster: a name (e.g. in-cluster) or an API server URL (default ${IN_CLUSTER})`,
            ),
        syncPolicy: z =>
          z
            .enum(['automated', 'manual'])
            .optional()
            .describe('automated (default: prune + selfHeal) or manual'),
        targetRevision: z =>
          z.string().optional().describe('Revision to track (default HEAD)'),
      },
      output: {
        applicationUrl: z =>
          z
            .string()
            .describe(
              '<instance url>/applications/argocd/<appName>?view=tree&resource=',
            ),
      },
    },
    async handler(ctx) {
      const input = ctx.input;
      const instance = findArgocdInstance(instances, input.argoInstance);
      const body = applicationBody(input);
      const applicationUrl = `${
        instance.url
      }/applications/argocd/${encodeURIComponent(
        input.appName,
      )}?view=tree&resource=`;
      const client = new ArgocdClient(instance, sessions, {
        signal: ctx.signal,
      });

      ctx.logger.info(
        `Creating Argo CD Application ${input.appName} on ${
          instance.name
        } (project ${body.spec.project}, ${body.spec.source.repoURL} ${
          body.spec.source.path
        } -> ${body.spec.destination.name ?? body.spec.destination.server}/${
          body.spec.destination.namespace
        }, sync ${input.syncPolicy ?? 'automated'})`,
      );

      if (ctx.isDryRun) {
        try {
          await ensureAbsent(client, instance, input.appName);
        } catch (error) {
          if (!isUnreachable(error)) throw mapError(error, instance, body);
          ctx.logger.warn(
            `Dry run: ${(error as Error).message}; skipped the existence check`,
          );
        }
        ctx.logger.info(
          `Dry run: would POST /api/v1/applications:\n${JSON.stringify(
            body,
            null,
            2,
          )}`,
        );
        ctx.output('applicationUrl', applicationUrl);
        return;
      }

      await ctx.checkpoint({
        key: `mlops.argocd.create.${instance.name}.${input.appName}`,
        fn: async () => {
          try {
            await ensureAbsent(client, instance, input.appName);
            await client.createApplication(body);
          } catch (error) {
            throw mapError(error, instance, body);
          }
        },
      });
      ctx.logger.info(
        `Created Argo CD Application ${input.appName}: ${applicationUrl}`,
      );
      ctx.output('applicationUrl', applicationUrl);
    },
  });
}

interface CreateInput {
  appName: string;
  namespace: string;
  repoUrl: string;
  path: string;
  labelValue?: string;
  label?: string;
  projectName?: string;
  cluster?: string;
  syncPolicy?: 'automated' | 'manual';
  targetRevision?: string;
}

/** Validates the inputs and builds the Application. */
export function applicationBody(input: CreateInput): ArgocdApplicationBody {
  assertDns1123Label('appName', input.appName);
  assertDns1123Label('namespace', input.namespace);
  if (input.labelValue && input.label && input.labelValue !== input.label) {
    throw new InputError(
      `labelValue "${input.labelValue}" and label "${input.label}" differ; pass one of them`,
    );
  }
  const labelValue = input.labelValue ?? input.label ?? input.appName;
  if (!LABEL_VALUE.test(labelValue) || labelValue.length > 63) {
    throw new InputError(
      `label value "${labelValue}" is not a valid Kubernetes label value`,
    );
  }
  const syncPolicy = input.syncPolicy ?? 'automated';
  if (syncPolicy !== 'automated' && syncPolicy !== 'manual') {
    throw new InputError(
      `syncPolicy "${String(syncPolicy)}" must be automated or manual`,
    );
  }
  if (!input.repoUrl.trim()) throw new InputError('repoUrl must not be empty');
  if (input.path.startsWith('/') || input.path.split('/').includes('..')) {
    throw new InputError(
      `path "${input.path}" must be relative to the repository root`,
    );
  }
  const cluster = input.cluster?.trim() || IN_CLUSTER;
  const destination = /^https?:\/\//.test(cluster)
    ? { server: cluster, namespace: input.namespace }
    : { name: cluster, namespace: input.namespace };
  return {
    metadata: {
      name: input.appName,
      labels: { [ARGOCD_BACKSTAGE_LABEL]: labelValue },
      finalizers: ['resources-finalizer.argocd.argoproj.io'],
    },
    spec: {
      project: input.projectName?.trim() || 'default',
      source: {
        repoURL: input.repoUrl.trim(),
        path: input.path.replace(/^\.\//, '') || '.',
        targetRevision: input.targetRevision?.trim() || 'HEAD',
      },
      destination,
      syncPolicy:
        syncPolicy === 'automated'
          ? {
              automated: { prune: true, selfHeal: true },
              syncOptions: ['CreateNamespace=true'],
            }
          : { syncOptions: ['CreateNamespace=true'] },
    },
  };
}

async function ensureAbsent(
  client: ArgocdClient,
  instance: ArgocdInstance,
  appName: string,
) {
  const existing = await client.findApplication(appName);
  if (existing) {
    throw new InputError(
      `Argo CD Application ${appName} already exists on ${
        instance.name
      } (project ${
        existing.spec?.project ?? 'default'
      }); choose another name or delete it first`,
    );
  }
}

function mapError(
  error: unknown,
  instance: ArgocdInstance,
  body: ArgocdApplicationBody,
): unknown {
  if (!(error instanceof ArgocdApiError)) return error;
  const on = `Argo CD instance "${instance.name}" (${instance.url})`;
  const name = body.metadata.name;
  switch (error.status) {
    case 401:
      return new Error(
        `${on} rejected the configured ${
          instance.token ? 'token' : 'username/password'
        }: ${error.serverMessage}`,
      );
    case 403:
      return new Error(
        `${on}: permission denied — the configured account may not create applications in project "${body.spec.project}" (RBAC applications, create, ${body.spec.project}/${name})`,
      );
    case 409:
      return new InputError(
        `Argo CD Application ${name} already exists on ${instance.name}: ${error.serverMessage}`,
      );
    case 400:
    case 422:
      if (
        /existing application spec is different|already exists/i.test(
          error.serverMessage,
        )
      ) {
        return new InputError(
          `Argo CD Application ${name} already exists on ${instance.name}: ${error.serverMessage}`,
        );
      }
      return new InputError(
        `${on} refused the Application ${name}: ${error.serverMessage}`,
      );
    default:
      return new Error(`${on} failed: ${error.message}`);
  }
}

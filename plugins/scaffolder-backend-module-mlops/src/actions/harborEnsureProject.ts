import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { HarborApiError, HarborClient } from '../lib/harbor/HarborClient';
import {
  findHarborInstance,
  HarborInstance,
  readHarborInstances,
} from '../lib/harbor/harborInstances';
import { isUnreachable } from '../lib/http';
import { examples } from './harborEnsureProject.examples';

const PROJECT_NAME = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

/**
 * `mlops:harbor:ensure-project` — makes sure a Harbor project exists
 * (private unless `public`), creating it when missing.
 */
export function createHarborEnsureProjectAction(options: { config: Config }) {
  const instances = readHarborInstances(options.config);

  return createTemplateAction({
    id: 'mlops:harbor:ensure-project',
    description:
      'Ensures a Harbor project exists, creating it (private by default) when it is missing.',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        projectName: z =>
          z
            .string()
            .describe('Harbor project name (lower case, digits, . _ -)'),
        instance: z =>
          z
            .string()
            .optional()
            .describe(
              'Name or host of an instance in mlops.harbor.instances (default: the first)',
            ),
        public: z =>
          z
            .boolean()
            .optional()
            .describe('Create the project as public (default false)'),
      },
      output: {
        projectUrl: z => z.string().describe('Harbor UI URL of the project'),
        created: z =>
          z
            .boolean()
            .describe(
              'True when this run created the project (in a dry run: would create)',
            ),
      },
    },
    async handler(ctx) {
      const { projectName } = ctx.input;
      if (!PROJECT_NAME.test(projectName) || projectName.length > 255) {
        throw new InputError(
          `projectName "${projectName}" is not a valid Harbor project name (lower-case letters and digits, separated by single . _ or -)`,
        );
      }
      const instance = findHarborInstance(instances, ctx.input.instance);
      const client = new HarborClient(instance, { signal: ctx.signal });
      const isPublic = ctx.input.public ?? false;

      if (ctx.isDryRun) {
        let result: { projectUrl: string; created: boolean };
        try {
          const existing = await client.getProject(projectName);
          result = existing
            ? {
                projectUrl: projectUrl(instance, existing.project_id),
                created: false,
              }
            : { projectUrl: projectUrl(instance), created: true };
          ctx.logger.info(
            existing
              ? `Dry run: Harbor project ${projectName} exists on ${instance.name}; nothing to do`
              : `Dry run: would create the ${
                  isPublic ? 'public' : 'private'
                } Harbor project ${projectName} on ${instance.name}`,
          );
        } catch (error) {
          if (!isUnreachable(error))
            throw mapError(error, instance, projectName);
          ctx.logger.warn(
            `Dry run: ${(error as Error).message}; skipped the project check`,
          );
          result = { projectUrl: projectUrl(instance), created: true };
        }
        ctx.output('projectUrl', result.projectUrl);
        ctx.output('created', result.created);
        return;
      }

      const result = await ctx.checkpoint({
        key: `mlops.harbor.ensure-project.${instance.name}.${projectName}`,
        fn: async () => {
          try {
            const existing = await client.getProject(projectName);
            if (existing) {
              ctx.logger.info(
                `Harbor project ${projectName} already exists on ${instance.name}`,
              );
              return {
                projectUrl: projectUrl(instance, existing.project_id),
                created: false,
              };
            }
            const created = await client.createProject(projectName, isPublic);
            if (created === 'exists') {
              // created concurrently between our GET and POST
              const project = await client.getProject(projectName);
              ctx.logger.info(
                `Harbor project ${projectName} was created concurrently on ${instance.name}`,
              );
              return {
                projectUrl: projectUrl(instance, project?.project_id),
                created: false,
              };
            }
            const id =
              created.id ?? (await client.getProject(projectName))?.project_id;
            ctx.logger.info(
              `Created the ${
                isPublic ? 'public' : 'private'
              } Harbor project ${projectName} on ${instance.name}`,
            );
            return { projectUrl: projectUrl(instance, id), created: true };
          } catch (error) {
            throw mapError(error, instance, projectName);
          }
        },
      });
      ctx.output('projectUrl', result.projectUrl);
      ctx.output('created', result.created);
    },
  });
}

/** `<url>/harbor/projects/<id>/repositories`, or the project list when the id is unknown. */
function projectUrl(instance: HarborInstance, id?: number): string {
  return id === undefined
    ? `${instance.url}/harbor/projects`
    : `${instance.url}/harbor/projects/${id}/repositories`;
}

function mapError(
  error: unknown,
  instance: HarborInstance,
  projectName: string,
): unknown {
  if (!(error instanceof HarborApiError)) return error;
  const on = `Harbor instance "${instance.name}" (${instance.url})`;
  switch (error.status) {
    case 401:
      return new Error(
        `${on} rejected the configured robot account ${instance.username}`,
      );
    case 403:
      return new Error(
        `${on}: permission denied for ${instance.username} on project ${projectName} (the robot account needs the project create permission): ${error.serverMessage}`,
      );
    case 400:
      return new InputError(
        `${on} refused project ${projectName}: ${error.serverMessage}`,
      );
    default:
      return new Error(
        `${on} failed for project ${projectName}: ${error.message}`,
      );
  }
}

import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { LoggerService } from '@backstage/backend-plugin-api';
import { isUnreachable } from '../lib/http';
import { JenkinsApiError, JenkinsClient } from '../lib/jenkins/JenkinsClient';
import {
  findJenkinsInstance,
  JenkinsInstance,
  readJenkinsInstances,
} from '../lib/jenkins/jenkinsInstances';
import { folderXml, multibranchJobXml } from '../lib/jenkins/jobXml';
import { examples } from './jenkinsCreateJob.examples';

const FOLDER_CLASS = /\.Folder$/;
const FORBIDDEN_NAME_CHARS = /[?*/\\%!@#$^&|<>[\]:;]/;

/** `instance:folder/sub/job` → instance name (optional), folders and job name. */
export function parseJobFullName(value: string): {
  instance?: string;
  folders: string[];
  job: string;
} {
  const colon = value.indexOf(':');
  const instance = colon >= 0 ? value.slice(0, colon).trim() : undefined;
  const segments = (colon >= 0 ? value.slice(colon + 1) : value)
    .split('/')
    .map(s => s.trim());
  if (colon >= 0 && !instance)
    throw new InputError(`jobFullName "${value}" has an empty instance prefix`);
  for (const segment of segments) {
    if (
      !segment ||
      segment === '.' ||
      segment === '..' ||
      FORBIDDEN_NAME_CHARS.test(segment)
    ) {
      throw new InputError(
        `jobFullName "${value}": "${segment}" is not a valid Jenkins item name (no empty names, "." or "..", nor any of ?*/\\%!@#$^&|<>[]:;)`,
      );
    }
  }
  return {
    instance,
    folders: segments.slice(0, -1),
    job: segments[segments.length - 1],
  };
}

/**
 * `mlops:jenkins:create-job` — creates a multibranch Pipeline job (git branch
 * source + Jenkinsfile) for a new repository, creating missing folders first.
 */
export function createJenkinsCreateJobAction(options: { config: Config }) {
  const instances = readJenkinsInstances(options.config);

  return createTemplateAction({
    id: 'mlops:jenkins:create-job',
    description:
      'Creates a Jenkins multibranch Pipeline job (git branch source, Jenkinsfile) for a repository, creating missing folders first.',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        jobFullName: z =>
          z
            .string()
            .describe(
              'folder/sub/job, optionally prefixed by a configured instance name: ci:ml/fraud-detector',
            ),
        repoUrl: z =>
          z.string().describe('Git clone URL the branch source scans'),
        credentialsId: z =>
          z
            .string()
            .optional()
            .describe(
              'Jenkins credentials id for the clone (omit for public repositories)',
            ),
        scriptPath: z =>
          z
            .string()
            .optional()
            .describe('Path of the Jenkinsfile (default Jenkinsfile)'),
        description: z => z.string().optional().describe('Job description'),
        ifExists: z =>
          z
            .enum(['fail', 'skip'])
            .optional()
            .describe(
              'What to do when the job already exists: fail (default) or skip',
            ),
      },
      output: {
        jobUrl: z =>
          z
            .string()
            .describe(
              'URL of the job, e.g. https://jenkins/job/ml/job/fraud-detector/',
            ),
      },
    },
    async handler(ctx) {
      const input = ctx.input;
      const {
        instance: instanceName,
        folders,
        job,
      } = parseJobFullName(input.jobFullName);
      const instance = findJenkinsInstance(instances, instanceName);
      const ifExists = input.ifExists ?? 'fail';
      if (ifExists !== 'fail' && ifExists !== 'skip') {
        throw new InputError(
          `ifExists "${String(ifExists)}" must be fail or skip`,
        );
      }
      if (
        !/^(https?|ssh|git|file):\/\/|^[\w.-]+@[\w.-]+:/.test(
          input.repoUrl.trim(),
        )
      ) {
        throw new InputError(
          `repoUrl "${input.repoUrl}" is not a git clone URL`,
        );
      }
      const fullName = [...folders, job].join('/');
      const xml = multibranchJobXml({
        jobFullName: fullName,
        repoUrl: input.repoUrl.trim(),
        credentialsId: input.credentialsId?.trim() || undefined,
        scriptPath: input.scriptPath?.trim() || 'Jenkinsfile',
        description: input.description,
      });
      const client = new JenkinsClient(instance, { signal: ctx.signal });
      const jobUrl = client.itemUrl([...folders, job]);
      ctx.logger.info(
        `Creating multibranch job ${fullName} on Jenkins ${instance.name} for ${input.repoUrl}`,
      );

      if (ctx.isDryRun) {
        try {
          await plan(client, folders, job, ifExists, ctx.logger, true);
        } catch (error) {
          if (!isUnreachable(error)) throw mapError(error, instance, fullName);
          ctx.logger.warn(
            `Dry run: ${(error as Error).message}; skipped the Jenkins checks`,
          );
        }
        ctx.logger.info(
          `Dry run: would POST config.xml for ${fullName}:\n${xml}`,
        );
        ctx.output('jobUrl', jobUrl);
        return;
      }

      await ctx.checkpoint({
        key: `mlops.jenkins.create-job.${instance.name}.${fullName}`,
        fn: async () => {
          try {
            const exists = await plan(
              client,
              folders,
              job,
              ifExists,
              ctx.logger,
              false,
            );
            if (exists) return;
            const result = await client.createItem(folders, job, xml);
            if (result === 'exists') {
              if (ifExists === 'skip') {
                ctx.logger.info(
                  `Job ${fullName} already exists; skipped (ifExists: skip)`,
                );
                return;
              }
              throw alreadyExists(fullName, instance);
            }
            ctx.logger.info(`Created ${jobUrl}`);
          } catch (error) {
            throw mapError(error, instance, fullName);
          }
        },
      });
      ctx.output('jobUrl', jobUrl);
    },
  });
}

/**
 * Walks the folders (creating missing ones unless `dryRun`) and checks the
 * job; returns true when the job exists and `ifExists` is `skip`.
 */
async function plan(
  client: JenkinsClient,
  folders: string[],
  job: string,
  ifExists: 'fail' | 'skip',
  logger: LoggerService,
  dryRun: boolean,
): Promise<boolean> {
  for (let i = 0; i < folders.length; i++) {
    const path = folders.slice(0, i + 1);
    const itemClass = await client.itemClass(path);
    if (itemClass === undefined) {
      if (dryRun) {
        logger.info(
          `Dry run: would create folders ${folders
            .slice(i)
            .join(', ')} under ${client.itemUrl(folders.slice(0, i))}`,
        );
        return false;
      }
      const result = await client.createItem(
        folders.slice(0, i),
        folders[i],
        folderXml(),
      );
      logger.info(
        `${result === 'created' ? 'Created' : 'Found'} folder ${path.join(
          '/',
        )}`,
      );
    } else if (
      !FOLDER_CLASS.test(itemClass) ||
      /OrganizationFolder$/.test(itemClass)
    ) {
      throw new InputError(
        `Jenkins item ${path.join(
          '/',
        )} exists but is a ${itemClass}, not a folder; choose another jobFullName`,
      );
    }
  }
  const jobClass = await client.itemClass([...folders, job]);
  if (jobClass === undefined) return false;
  const fullName = [...folders, job].join('/');
  if (ifExists === 'skip') {
    logger.info(
      `Job ${fullName} already exists (${jobClass}); skipped (ifExists: skip)`,
    );
    return true;
  }
  throw alreadyExists(fullName, client.instance);
}

function alreadyExists(
  fullName: string,
  instance: JenkinsInstance,
): InputError {
  return new InputError(
    `Jenkins job ${fullName} already exists on ${instance.name}; choose another name or set ifExists: skip`,
  );
}

function mapError(
  error: unknown,
  instance: JenkinsInstance,
  fullName: string,
): unknown {
  if (!(error instanceof JenkinsApiError)) return error;
  const on = `Jenkins instance "${instance.name}" (${instance.baseUrl})`;
  switch (error.status) {
    case 401:
      return new Error(
        `${on} rejected the configured ${
          instance.apiKey ? 'username/apiKey' : 'username/password'
        }`,
      );
    case 403:
      if (/crumb/i.test(error.body)) {
        return new Error(
          `${on} refused the request's CSRF crumb: ${
            error.body.split('\n')[0]
          }`,
        );
      }
      return new Error(
        `${on}: permission denied creating ${fullName}${
          error.requiredPermission
            ? ` (the account lacks ${error.requiredPermission})`
            : ''
        }`,
      );
    case 400:
      return new InputError(
        `${on} refused ${fullName}: ${
          error.xError ?? error.body.split('\n')[0]
        }`,
      );
    default:
      return new Error(`${on} failed for ${fullName}: ${error.message}`);
  }
}

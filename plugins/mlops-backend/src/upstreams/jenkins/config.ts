import { Config } from '@backstage/config';
import { z } from 'zod';
import { baseUrl } from '../configSchemas';

/**
 * Jenkins instances are read from the keys of the community Jenkins plugin
 * (`jenkins.instances[]`, or the legacy single `jenkins.baseUrl/username/apiKey`
 * which becomes the instance `default`), so an app that already shows Jenkins
 * builds needs no new config. mlops' own knobs live under `mlops.jenkins`.
 */

export const DEFAULT_JENKINS_INSTANCE = 'default';

/** One validated Jenkins instance. */
export interface JenkinsInstanceConfig {
  name: string;
  /** Base URL without trailing slash, e.g. `https://ci.example/jenkins`. */
  baseUrl: string;
  /** `host[:port]` of `baseUrl`, shown in problems. */
  host: string;
  username: string;
  /** API token (or password). Secret. */
  apiKey: string;
  /**
   * Community plugin flag. An API token is exempt from CSRF crumbs, so a crumb
   * is only fetched when the key is a password (or Jenkins asks for one).
   * `false` never fetches one.
   */
  crumbIssuer?: boolean;
}

export interface JenkinsConfig {
  instances: JenkinsInstanceConfig[];
  /** Job reports are served from cache this long (seconds). */
  refreshSeconds: number;
  /** Per-request timeout (ms). */
  timeoutMs: number;
  /** Concurrent requests per instance. */
  concurrency: number;
  /** Builds read per job (at most 100, Jenkins' own cap). */
  maxBuilds: number;
  /** Branches read per multibranch project. */
  maxBranches: number;
}

const urlSchema = baseUrl('username and apiKey');

const instanceSchema = z.object({
  name: z
    .string()
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9_.-]*$/,
      'letters, digits, - _ . only (it is the prefix in jenkins.io/job-full-name)',
    ),
  baseUrl: urlSchema,
  username: z.string().min(1, 'must not be empty'),
  apiKey: z.string().min(1, 'must not be empty'),
  crumbIssuer: z.boolean().optional(),
});

const legacySchema = z.object({
  baseUrl: urlSchema.optional(),
  username: z.string().min(1, 'must not be empty').optional(),
  apiKey: z.string().min(1, 'must not be empty').optional(),
  crumbIssuer: z.boolean().optional(),
  instances: z.array(z.unknown()).optional(),
});

const mlopsJenkinsSchema = z
  .object({
    refreshSeconds: z.number().int().min(1).max(86_400).default(30),
    timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
    concurrency: z.number().int().min(1).max(64).default(4),
    maxBuilds: z.number().int().min(1).max(100).default(20),
    maxBranches: z.number().int().min(1).max(500).default(50),
  })
  .default({
    refreshSeconds: 30,
    timeoutMs: 10_000,
    concurrency: 4,
    maxBuilds: 20,
    maxBranches: 50,
  });

/**
 * Reads and validates the Jenkins config at startup. Throws one Error listing
 * every problem with its config path. No `jenkins` key is valid (no instances).
 */
export function readJenkinsConfig(config: Config): JenkinsConfig {
  const problems: string[] = [];
  const mlops = mlopsJenkinsSchema.safeParse(
    config.getOptional('mlops.jenkins') ?? undefined,
  );
  if (!mlops.success) {
    for (const issue of mlops.error.issues)
      problems.push(`mlops.jenkins.${issue.path.join('.')}: ${issue.message}`);
  }

  const raw = config.getOptional('jenkins');
  const instances: JenkinsInstanceConfig[] = [];
  if (raw !== undefined) {
    const top = legacySchema.safeParse(raw);
    if (!top.success) {
      for (const issue of top.error.issues)
        problems.push(`jenkins.${issue.path.join('.')}: ${issue.message}`);
    } else {
      const legacy = top.data;
      const legacyKeys = (['baseUrl', 'username', 'apiKey'] as const).filter(
        k => legacy[k] !== undefined,
      );
      if (legacyKeys.length > 0 && legacyKeys.length < 3) {
        const missing = (['baseUrl', 'username', 'apiKey'] as const).filter(
          k => legacy[k] === undefined,
        );
        problems.push(
          `jenkins: ${missing
            .map(k => `jenkins.${k}`)
            .join(' and ')} must be set next to jenkins.${legacyKeys[0]}`,
        );
      }
      (legacy.instances ?? []).forEach((rawInstance, i) => {
        const parsed = instanceSchema.safeParse(rawInstance);
        if (!parsed.success) {
          for (const issue of parsed.error.issues) {
            problems.push(
              `jenkins.instances[${i}]${
                issue.path.length ? `.${issue.path.join('.')}` : ''
              }: ${issue.message}`,
            );
          }
          return;
        }
        instances.push(normalize(parsed.data));
      });
      if (legacyKeys.length === 3) {
        if (instances.some(i => i.name === DEFAULT_JENKINS_INSTANCE)) {
          problems.push(
            `jenkins: both jenkins.baseUrl and an instance named "${DEFAULT_JENKINS_INSTANCE}" are set; keep one of them`,
          );
        }
        instances.unshift(
          normalize({
            name: DEFAULT_JENKINS_INSTANCE,
            baseUrl: legacy.baseUrl!,
            username: legacy.username!,
            apiKey: legacy.apiKey!,
            crumbIssuer: legacy.crumbIssuer,
          }),
        );
      }
    }
  }
  const seen = new Set<string>();
  for (const i of instances) {
    if (seen.has(i.name))
      problems.push(`jenkins.instances: duplicate name "${i.name}"`);
    seen.add(i.name);
  }
  if (problems.length) {
    throw new Error(
      `Invalid Jenkins configuration:\n${problems
        .map(p => `  ${p}`)
        .join('\n')}`,
    );
  }
  const m = mlops.success ? mlops.data : mlopsJenkinsSchema.parse(undefined);
  return { instances, ...m };
}

function normalize(i: z.infer<typeof instanceSchema>): JenkinsInstanceConfig {
  const trimmed = i.baseUrl.replace(/\/+$/, '');
  return { ...i, baseUrl: trimmed, host: new URL(trimmed).host };
}

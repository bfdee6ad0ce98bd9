import { Config } from '@backstage/config';
import { z } from 'zod';
import { baseUrl } from '../configSchemas';

/**
 * Argo CD instances are read from Roadie's keys
 * (`argocd.appLocatorMethods[type: config].instances[]`, with Roadie's
 * top-level `argocd.username/password` as the default login), so an app that
 * already uses Roadie's Argo CD plugin needs no new config. mlops' own knobs
 * live under `mlops.argocd`.
 */

export type ArgoCdAuth =
  | { kind: 'token'; token: string }
  | { kind: 'login'; username: string; password: string };

/** One validated Argo CD instance. */
export interface ArgoCdInstanceConfig {
  name: string;
  /** Base URL without trailing slash, e.g. `https://argocd.example`. */
  url: string;
  /** `host[:port]` of `url`, shown in problems. */
  host: string;
  auth: ArgoCdAuth;
}

export interface ArgoCdConfig {
  instances: ArgoCdInstanceConfig[];
  /** The application list of each instance is re-read this often (seconds). */
  refreshSeconds: number;
  timeoutMs: number;
  /** Concurrent requests per instance. */
  concurrency: number;
  /** A session token is renewed this long before its `exp` (seconds). */
  sessionMarginSeconds: number;
  /** Locator types other than `config` (mlops ignores them; log them). */
  ignoredLocatorTypes: string[];
}

const instanceSchema = z.object({
  name: z
    .string()
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9_.-]*$/,
      'letters, digits, - _ . only (argocd/instance-name refers to it)',
    ),
  url: baseUrl('token or username/password'),
  username: z.string().min(1, 'must not be empty').optional(),
  password: z.string().min(1, 'must not be empty').optional(),
  token: z.string().min(1, 'must not be empty').optional(),
});

const rootSchema = z.object({
  username: z.string().min(1, 'must not be empty').optional(),
  password: z.string().min(1, 'must not be empty').optional(),
  appLocatorMethods: z
    .array(
      z.object({
        type: z.string(),
        instances: z.array(z.unknown()).optional(),
      }),
    )
    .optional(),
});

const MLOPS_DEFAULTS = {
  refreshSeconds: 15,
  timeoutMs: 10_000,
  concurrency: 4,
  sessionMarginSeconds: 300,
};
const mlopsSchema = z
  .object({
    refreshSeconds: z
      .number()
      .int()
      .min(1)
      .max(86_400)
      .default(MLOPS_DEFAULTS.refreshSeconds),
    timeoutMs: z
      .number()
      .int()
      .min(100)
      .max(120_000)
      .default(MLOPS_DEFAULTS.timeoutMs),
    concurrency: z
      .number()
      .int()
      .min(1)
      .max(64)
      .default(MLOPS_DEFAULTS.concurrency),
    sessionMarginSeconds: z
      .number()
      .int()
      .min(0)
      .max(3_600)
      .default(MLOPS_DEFAULTS.sessionMarginSeconds),
  })
  .default(MLOPS_DEFAULTS);

/**
 * Reads and validates the Argo CD config at startup. Throws one Error listing
 * every problem with its config path. No `argocd` key is valid (no instances).
 */
export function readArgoCdConfig(config: Config): ArgoCdConfig {
  const problems: string[] = [];
  const mlops = mlopsSchema.safeParse(
    config.getOptional('mlops.argocd') ?? undefined,
  );
  if (!mlops.success) {
    for (const issue of mlops.error.issues)
      problems.push(`mlops.argocd.${issue.path.join('.')}: ${issue.message}`);
  }
  const instances: ArgoCdInstanceConfig[] = [];
  const ignored = new Set<string>();
  const raw = config.getOptional('argocd');
  if (raw !== undefined) {
    const root = rootSchema.safeParse(raw);
    if (!root.success) {
      for (const issue of root.error.issues)
        problems.push(`argocd.${issue.path.join('.')}: ${issue.message}`);
    } else {
      (root.data.appLocatorMethods ?? []).forEach((locator, i) => {
        if (locator.type !== 'config') {
          ignored.add(locator.type);
          return;
        }
        (locator.instances ?? []).forEach((rawInstance, j) => {
          const where = `argocd.appLocatorMethods[${i}].instances[${j}]`;
          const parsed = instanceSchema.safeParse(rawInstance);
          if (!parsed.success) {
            for (const issue of parsed.error.issues) {
              problems.push(
                `${where}${
                  issue.path.length ? `.${issue.path.join('.')}` : ''
                }: ${issue.message}`,
              );
            }
            return;
          }
          const inst = parsed.data;
          const label = `${where} (instance "${inst.name}")`;
          let auth: ArgoCdAuth;
          if (inst.token) {
            auth = { kind: 'token', token: inst.token };
          } else {
            const username = inst.username ?? root.data.username;
            const password = inst.password ?? root.data.password;
            if (!username || !password) {
              problems.push(
                `${label}: set token, or username and password (here or as argocd.username/argocd.password)`,
              );
              return;
            }
            auth = { kind: 'login', username, password };
          }
          const url = inst.url.replace(/\/+$/, '');
          instances.push({
            name: inst.name,
            url,
            host: new URL(url).host,
            auth,
          });
        });
      });
    }
  }
  const seen = new Set<string>();
  for (const i of instances) {
    if (seen.has(i.name))
      problems.push(
        `argocd.appLocatorMethods: duplicate instance name "${i.name}"`,
      );
    seen.add(i.name);
  }
  if (problems.length) {
    throw new Error(
      `Invalid Argo CD configuration:\n${problems
        .map(p => `  ${p}`)
        .join('\n')}`,
    );
  }
  const m = mlops.success ? mlops.data : MLOPS_DEFAULTS;
  return { instances, ...m, ignoredLocatorTypes: [...ignored] };
}

/** The configured secrets of an instance (never shown anywhere). */
export function secretsOf(instance: ArgoCdInstanceConfig): string[] {
  return instance.auth.kind === 'token'
    ? [instance.auth.token]
    : [instance.auth.password];
}

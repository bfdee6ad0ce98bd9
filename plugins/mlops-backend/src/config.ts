import { Config } from '@backstage/config';
import { z } from 'zod';

const hostPattern =
  /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?$|^\[[0-9a-f:.]+\](:\d{1,5})?$/i;

function safeUrl(u: string): URL | undefined {
  try {
    return new URL(u);
  } catch {
    return undefined;
  }
}

const registrySchema = z.object({
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-_.]*$/i, 'letters, digits, - _ . only'),
  url: z
    .string()
    .url()
    .refine(
      u => /^https?:$/.test(safeUrl(u)?.protocol ?? 'https:'),
      'must be http:// or https://',
    )
    .refine(
      u => !safeUrl(u)?.username && !safeUrl(u)?.password,
      'must not contain credentials; use username/password',
    ),
  host: z.string().regex(hostPattern, 'must be host[:port]').optional(),
  type: z.enum(['distribution', 'harbor']).default('distribution'),
  uiUrl: z.string().url().optional(),
  username: z.string().min(1).optional(),
  password: z.string().min(1).optional(),
  authHosts: z
    .array(z.string().regex(hostPattern, 'must be host[:port]'))
    .default([]),
  redirectHosts: z
    .array(z.string().regex(hostPattern, 'must be host[:port]'))
    .default([]),
  timeoutMs: z.number().int().min(100).max(120_000).default(5000),
  concurrency: z.number().int().min(1).max(64).default(4),
  refreshSeconds: z.number().int().min(1).max(86_400).default(60),
  maxTagsInspected: z.number().int().min(1).max(1000).default(100),
});

/** One validated `mlops.registries[]` entry. */
export type RegistryConfig = z.infer<typeof registrySchema> & {
  /** `host[:port]` used to match image references (lower-case). */
  referenceHost: string;
};

export interface MlopsConfig {
  registries: RegistryConfig[];
  images: { maxTagsShown: number };
}

const rootSchema = z.object({
  registries: z.array(registrySchema).default([]),
  images: z
    .object({ maxTagsShown: z.number().int().min(1).max(100).default(10) })
    .default({ maxTagsShown: 10 }),
});

/**
 * Reads and validates `mlops.*` at startup. Throws one Error that lists every
 * problem with its config path, so a bad config fails the backend start with
 * a message a person can fix.
 */
export function readMlopsConfig(config: Config): MlopsConfig {
  const raw = config.getOptional('mlops') ?? {};
  const parsed = rootSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map(
      issue => `  mlops.${issue.path.join('.')}: ${issue.message}`,
    );
    throw new Error(`Invalid mlops configuration:\n${lines.join('\n')}`);
  }
  const registries = parsed.data.registries.map(r => ({
    ...r,
    url: r.url.replace(/\/+$/, ''),
    referenceHost: (r.host ?? new URL(r.url).host).toLowerCase(),
  }));
  const seen = new Map<string, string>();
  const problems: string[] = [];
  for (const r of registries) {
    if (seen.has(`name:${r.name}`))
      problems.push(`  mlops.registries: duplicate name "${r.name}"`);
    if (seen.has(`host:${r.referenceHost}`)) {
      problems.push(
        `  mlops.registries: host "${
          r.referenceHost
        }" is used by both "${seen.get(`host:${r.referenceHost}`)}" and "${
          r.name
        }"`,
      );
    }
    seen.set(`name:${r.name}`, r.name);
    seen.set(`host:${r.referenceHost}`, r.name);
    if (r.password && !r.username) {
      problems.push(
        `  mlops.registries[${r.name}]: password is set but username is not`,
      );
    }
  }
  if (problems.length) {
    throw new Error(`Invalid mlops configuration:\n${problems.join('\n')}`);
  }
  return { registries, images: parsed.data.images };
}

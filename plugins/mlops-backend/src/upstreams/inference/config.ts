import { Config } from '@backstage/config';
import { z } from 'zod';
import { EndpointPolicy } from '../endpointPolicy';

/**
 * `mlops.inference.*`: which model-server endpoints entities may name, and
 * the credentials the probes send. Read once at startup; a bad value stops
 * the backend with the key and what is wrong.
 */
export interface InferenceConfig {
  /** Endpoint rules (see {@link EndpointPolicy}): `host[:port]`, `*.domain[:port]`, IP or CIDR[:port]. */
  allowedEndpoints: string[];
  /** Per-request deadline in milliseconds (default 3000). */
  timeoutMs: number;
  /** How long one endpoint's report is served from cache, in seconds (default 15). */
  refreshSeconds: number;
  /** Requests in flight at once to one host (default 2). */
  perHostConcurrency: number;
  /** TorchServe inference key (`key_file.json` → `inference`), sent as Bearer on `/ping`. */
  torchserveToken?: string;
  /** TorchServe management key (`key_file.json` → `management`), sent on `/models/{m}`. */
  torchserveManagementToken?: string;
  /** vLLM `--api-key`, sent as Bearer on `/v1/models` (vLLM leaves `/health` open). */
  openaiApiKey?: string;
}

const secret = z.string().trim().min(1, 'must not be empty').optional();

const inferenceSchema = z
  .object({
    allowedEndpoints: z.array(z.string()).default([]),
    timeoutMs: z.number().int().min(100).max(60_000).default(3000),
    refreshSeconds: z.number().int().min(1).max(3600).default(15),
    perHostConcurrency: z.number().int().min(1).max(32).default(2),
    torchserveToken: secret,
    torchserveManagementToken: secret,
    openaiApiKey: secret,
  })
  .superRefine((value, ctx) => {
    value.allowedEndpoints.forEach((rule, i) => {
      try {
        EndpointPolicy.create([rule]);
      } catch (e) {
        ctx.addIssue({
          code: 'custom',
          path: ['allowedEndpoints', i],
          message: (e as Error).message,
        });
      }
    });
  });

/** Reads and validates `mlops.inference` (absent = nothing allowed). */
export function readInferenceConfig(config: Config): InferenceConfig {
  const parsed = inferenceSchema.safeParse(
    config.getOptional('mlops.inference') ?? {},
  );
  if (!parsed.success) {
    const lines = parsed.error.issues.map(
      issue => `  mlops.inference.${issue.path.join('.')}: ${issue.message}`,
    );
    throw new Error(`Invalid mlops configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

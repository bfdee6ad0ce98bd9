import { Config } from '@backstage/config';
import { z } from 'zod';

/**
 * `mlops.prometheus`: the one Prometheus (or compatible API: Thanos,
 * Mimir, VictoriaMetrics) the backend queries. The URL comes from config
 * only, never from an entity.
 */
export interface PrometheusConfig {
  /** Base URL without trailing slash, e.g. `http://prometheus.monitoring:9090` (may include a path prefix). */
  url: string;
  /** Extra headers on every request, e.g. `Authorization` or `X-Scope-OrgID`. Values are treated as secrets. */
  headers: Record<string, string>;
  /** Deadline of one query in milliseconds (default 10000); also sent to Prometheus as `timeout`. */
  timeoutMs: number;
  /** Answers are shared between viewers this long (seconds, default 15). */
  refreshSeconds: number;
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

const prometheusSchema = z.object({
  url: z
    .string()
    .url()
    .refine(u => /^https?:\/\//i.test(u), 'must be http:// or https://')
    .refine(
      u => !/^https?:\/\/[^/]*@/i.test(u),
      'must not contain credentials; use headers',
    ),
  headers: z
    .record(
      z.string().regex(HEADER_NAME, 'is not a valid header name'),
      z.string().regex(/^[^\r\n]*$/, 'must be one line'),
    )
    .default({}),
  timeoutMs: z.number().int().min(100).max(300_000).default(10_000),
  /** Answers are shared between viewers this long (seconds). */
  refreshSeconds: z.number().int().min(1).max(3600).default(15),
});

/** Reads and validates `mlops.prometheus`; `undefined` when it is not configured. */
export function readPrometheusConfig(
  config: Config,
): PrometheusConfig | undefined {
  const raw = config.getOptional('mlops.prometheus');
  if (raw === undefined) return undefined;
  const parsed = prometheusSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map(
      issue => `  mlops.prometheus.${issue.path.join('.')}: ${issue.message}`,
    );
    throw new Error(`Invalid mlops configuration:\n${lines.join('\n')}`);
  }
  return { ...parsed.data, url: parsed.data.url.replace(/\/+$/, '') };
}

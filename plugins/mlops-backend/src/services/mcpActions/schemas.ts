import type { z as zod } from 'zod/v3';

/** The zod the actions registry hands to schema callbacks (zod v3 API). */
export type Zod = typeof zod;

const statusOf = (z: Zod) =>
  z
    .enum(['ok', 'warning', 'error', 'unknown'])
    .describe('ok, warning, error, or unknown (could not be judged)');

const linkOf = (z: Zod) => z.object({ title: z.string(), url: z.string() });

const problemOf = (z: Zod) =>
  z
    .object({
      upstream: z
        .string()
        .describe('Which upstream failed, e.g. "Jenkins ci (ci.example:8080)"'),
      fault: z
        .string()
        .describe(
          'unreachable, timeout, unauthorized, forbidden, not-found, server-error, malformed, too-large, …',
        ),
      message: z.string(),
      httpStatus: z.number().optional(),
    })
    .describe('Why an upstream could not be read');

/** `EntityHealth` of @internal/plugin-mlops-common, described for an assistant. */
export const entityHealthSchema = (z: Zod) =>
  z.object({
    entityRef: z.string(),
    signals: z
      .record(
        z.string(),
        z.object({
          signal: z.string(),
          status: statusOf(z),
          reason: z.string().describe('Why, in one sentence'),
          checkedAt: z.string(),
          links: z.array(linkOf(z)).optional(),
          problem: problemOf(z).optional(),
        }),
      )
      .describe(
        'One entry per signal: build, image, sync, workload, inference, gpu',
      ),
    delivery: z
      .object({
        steps: z.array(
          z.object({
            id: z.string(),
            title: z.string(),
            status: statusOf(z),
            summary: z.string(),
            at: z.string().optional(),
            link: linkOf(z).optional(),
          }),
        ),
        firstBroken: z
          .string()
          .optional()
          .describe('The first step in error or warning'),
        verdict: z
          .string()
          .describe('Where the chain breaks, or that it delivers end to end'),
        status: statusOf(z),
      })
      .describe(
        'The delivery chain commit → build → image → desired → synced → running → serving',
      ),
    checkedAt: z.string(),
  });

export const serviceSummarySchema = (z: Zod) =>
  z.object({
    entityRef: z.string(),
    name: z.string(),
    title: z.string().optional(),
    owners: z.array(z.string()),
    status: statusOf(z).describe('Overall: the status of the delivery chain'),
    verdict: z.string(),
    signals: z
      .record(z.string(), statusOf(z))
      .describe('Status of each signal'),
  });

export const gpuNodeSchema = (z: Zod) =>
  z.object({
    node: z.string(),
    ready: z.boolean().optional(),
    unschedulable: z.boolean(),
    product: z.string().optional().describe('nvidia.com/gpu.product'),
    memoryMiB: z.number().optional().describe('Memory per GPU'),
    shared: z.boolean().describe('Time-sliced or MPS-shared GPUs'),
    capacity: z.record(z.string(), z.number()),
    allocatable: z.record(z.string(), z.number()),
    requested: z
      .record(z.string(), z.number())
      .describe('Held by pods on the node that have not finished'),
    free: z.record(z.string(), z.number()),
    gpuTaints: z.array(
      z.object({
        key: z.string(),
        value: z.string().optional(),
        effect: z.string().optional(),
      }),
    ),
    pods: z.array(
      z.object({
        namespace: z.string().optional(),
        name: z.string(),
        resources: z.record(z.string(), z.number()),
      }),
    ),
  });

export { problemOf };

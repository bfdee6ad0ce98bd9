import { z } from 'zod';

/**
 * The parts of Argo CD REST objects the client reads (grpc-gateway JSON:
 * camelCase, empty fields omitted, no `apiVersion`/`kind`). Everything below
 * `metadata.name` is optional: apps that were never reconciled have no status.
 */

const str = z.string().nullable().optional();
const strings = z.array(z.string()).nullable().optional();

export const wireSource = z.object({
  repoURL: z.string().optional(),
  path: str,
  chart: str,
  ref: str,
  targetRevision: str,
  kustomize: z.object({ images: strings }).nullable().optional(),
  helm: z
    .object({
      parameters: z
        .array(
          z.object({
            name: z.string().optional(),
            value: z.unknown().optional(),
          }),
        )
        .nullable()
        .optional(),
    })
    .nullable()
    .optional(),
});

const initiatedBy = z
  .object({ username: str, automated: z.boolean().nullable().optional() })
  .nullable()
  .optional();

export const wireApplication = z.object({
  metadata: z.object({
    name: z.string(),
    namespace: str,
    labels: z.record(z.string(), z.string()).nullable().optional(),
    annotations: z.record(z.string(), z.string()).nullable().optional(),
  }),
  spec: z
    .object({
      project: str,
      source: wireSource.nullable().optional(),
      sources: z.array(wireSource).nullable().optional(),
      destination: z
        .object({ server: str, name: str, namespace: str })
        .nullable()
        .optional(),
      syncPolicy: z
        .object({
          automated: z
            .object({
              enabled: z.boolean().nullable().optional(),
              prune: z.boolean().nullable().optional(),
            })
            .nullable()
            .optional(),
        })
        .nullable()
        .optional(),
    })
    .nullable()
    .optional(),
  status: z
    .object({
      sync: z
        .object({ status: str, revision: str, revisions: strings })
        .nullable()
        .optional(),
      health: z.object({ status: str, message: str }).nullable().optional(),
      operationState: z
        .object({
          phase: str,
          message: str,
          startedAt: str,
          finishedAt: str,
          operation: z
            .object({
              sync: z
                .object({ revision: str, revisions: strings })
                .nullable()
                .optional(),
              initiatedBy,
            })
            .nullable()
            .optional(),
          syncResult: z
            .object({ revision: str, revisions: strings })
            .nullable()
            .optional(),
        })
        .nullable()
        .optional(),
      history: z
        .array(
          z.object({
            id: z.number().int(),
            revision: str,
            revisions: strings,
            deployedAt: str,
            deployStartedAt: str,
            initiatedBy,
          }),
        )
        .nullable()
        .optional(),
      summary: z
        .object({ images: strings, externalURLs: strings })
        .nullable()
        .optional(),
      conditions: z
        .array(z.object({ type: z.string(), message: str }))
        .nullable()
        .optional(),
      reconciledAt: str,
    })
    .nullable()
    .optional(),
  /** The pending operation; null once the controller finished it. */
  operation: z.unknown().nullable().optional(),
});

export const wireApplicationList = z.object({
  metadata: z.object({ resourceVersion: str }).nullable().optional(),
  /** `null` when there are none. */
  items: z.array(z.unknown()).nullable().optional(),
});

const resourceRef = z.object({
  group: str,
  version: str,
  kind: z.string(),
  namespace: str,
  name: z.string(),
  uid: str,
});

export const wireResourceTree = z.object({
  nodes: z
    .array(
      resourceRef.extend({
        parentRefs: z.array(resourceRef).nullable().optional(),
        info: z
          .array(z.object({ name: str, value: str }))
          .nullable()
          .optional(),
        images: strings,
        health: z.object({ status: str, message: str }).nullable().optional(),
        createdAt: str,
      }),
    )
    .nullable()
    .optional(),
  orphanedNodes: z.array(resourceRef).nullable().optional(),
});

export const wireRevisionMetadata = z.object({
  author: str,
  date: str,
  tags: strings,
  message: str,
});

/** gRPC-gateway error body. */
export const wireError = z.object({
  error: str,
  code: z.number().optional(),
  message: str,
});

export const wireSession = z.object({ token: z.string().min(1) });

export type ArgoApplication = z.infer<typeof wireApplication>;
export type ArgoSource = z.infer<typeof wireSource>;
export type ArgoResourceTree = z.infer<typeof wireResourceTree>;
export type ArgoRevisionMetadata = z.infer<typeof wireRevisionMetadata>;

import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';
import { MODEL_SERVICE_COMPONENT_TYPES } from '@internal/plugin-mlops-common';
import { ownerRefsOf } from '../notifications/deliveryNotice';
import { serviceSummarySchema } from './schemas';
import { MlopsActionsOptions } from './types';

const DEFAULT_LIMIT = 50;

/** `mlops:list-model-services`: model services (optionally of one owner) with their overall status. */
export function registerListModelServicesAction(
  options: Omit<MlopsActionsOptions, 'cache'>,
): void {
  const { actionsRegistry, catalog, health } = options;
  actionsRegistry.register({
    name: 'list-model-services',
    title: 'List model services',
    description:
      "Lists the ML model services in the catalog (Components of type model-service or model-server) that the caller may see, sorted by name, each with its owners, the overall status of its delivery chain (ok, warning, error, or unknown), the one-sentence verdict, and the status of each signal. Filter by owner to see one team's services. Use mlops:get-model-service-health for the details of one.",
    attributes: { readOnly: true, destructive: false, idempotent: true },
    schema: {
      input: z =>
        z.object({
          owner: z
            .string()
            .min(1)
            .optional()
            .describe(
              'Only services owned by this entity: "group:default/ml-platform", or a group name such as "ml-platform"',
            ),
          limit: z
            .number()
            .int()
            .min(1)
            .max(200)
            .optional()
            .describe(`At most this many services (default ${DEFAULT_LIMIT})`),
        }),
      output: z =>
        z.object({
          items: z.array(serviceSummarySchema(z)),
          total: z.number().describe('Matching services, before the limit'),
        }),
    },
    action: async ({ input, credentials }) => {
      let owner: string | undefined;
      if (input.owner) {
        try {
          owner = stringifyEntityRef(
            parseEntityRef(input.owner.trim(), {
              defaultKind: 'group',
              defaultNamespace: 'default',
            }),
          );
        } catch (e) {
          throw new InputError(
            `owner "${input.owner}" is not an entity ref: ${
              (e as Error).message
            }`,
          );
        }
      }
      const { items } = await catalog.getEntities(
        {
          filter: {
            kind: 'Component',
            'spec.type': [...MODEL_SERVICE_COMPONENT_TYPES],
          },
        },
        { credentials },
      );
      const matching = items
        .filter(e => !owner || ownerRefsOf(e).includes(owner))
        .sort((a, b) =>
          stringifyEntityRef(a).localeCompare(stringifyEntityRef(b)),
        );
      const shown = matching.slice(0, input.limit ?? DEFAULT_LIMIT);
      const healths = await health.getFleetHealth(shown);
      const summaries = shown.map((entity, i) => {
        const h = healths[i];
        return {
          entityRef: h.entityRef,
          name: entity.metadata.name,
          ...(entity.metadata.title ? { title: entity.metadata.title } : {}),
          owners: ownerRefsOf(entity),
          status: h.delivery.status,
          verdict: h.delivery.verdict,
          signals: Object.fromEntries(
            Object.entries(h.signals).map(([k, s]) => [k, s.status]),
          ),
        };
      });
      return { output: { items: summaries, total: matching.length } };
    },
  });
}

import { parseEntityRef } from '@backstage/catalog-model';
import { InputError, NotFoundError } from '@backstage/errors';
import { entityHealthSchema } from './schemas';
import { MlopsActionsOptions } from './types';

/** `mlops:get-model-service-health`: every signal of one model service plus its delivery chain. */
export function registerGetModelServiceHealthAction(
  options: Omit<MlopsActionsOptions, 'cache'>,
): void {
  const { actionsRegistry, catalog, health } = options;
  actionsRegistry.register({
    name: 'get-model-service-health',
    title: 'Get model service health',
    description:
      'Health of one ML model service as the portal judges it: the build (Jenkins), image (registry), sync (Argo CD), workload and GPU (Kubernetes) and inference (model server) signals, each with a status and a reason, and the delivery chain commit → build → image → desired → synced → running → serving with the first broken step and a one-sentence verdict. A signal whose upstream could not be read is "error" with the upstream and fault named; "unknown" means it could not be judged.',
    attributes: { readOnly: true, destructive: false, idempotent: true },
    schema: {
      input: z =>
        z.object({
          entityRef: z
            .string()
            .min(1)
            .describe(
              'The model service: an entity ref such as "component:default/fraud-detector", or just its name ("fraud-detector") in the default namespace',
            ),
        }),
      output: z => entityHealthSchema(z),
    },
    action: async ({ input, credentials }) => {
      let ref;
      try {
        ref = parseEntityRef(input.entityRef.trim(), {
          defaultKind: 'component',
          defaultNamespace: 'default',
        });
      } catch (e) {
        throw new InputError(
          `"${input.entityRef}" is not an entity ref: ${(e as Error).message}`,
        );
      }
      const entity = await catalog.getEntityByRef(ref, { credentials });
      if (!entity) {
        throw new NotFoundError(
          `No entity ${ref.kind}:${ref.namespace}/${ref.name} in the catalog`,
        );
      }
      return { output: await health.getEntityHealth(entity) };
    },
  });
}

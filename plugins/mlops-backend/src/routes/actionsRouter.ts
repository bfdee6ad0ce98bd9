import {
  BackstageCredentials,
  BackstageUserPrincipal,
  HttpAuthService,
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { InputError, NotAllowedError, NotFoundError } from '@backstage/errors';
import {
  AuthorizeResult,
  BasicPermission,
} from '@backstage/plugin-permission-common';
import { CatalogService } from '@backstage/plugin-catalog-node';
import {
  mlopsBuildTriggerPermission,
  mlopsRestartPermission,
  mlopsSyncPermission,
} from '@internal/plugin-mlops-common';
import express, { Request, Response } from 'express';
import Router from 'express-promise-router';
import { z } from 'zod';
import {
  ActionOutcome,
  ActionsService,
} from '../services/actions/ActionsService';
import { ActionName, auditAction } from '../services/actions/audit';

export interface ActionsRouterOptions {
  logger: LoggerService;
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  catalog: CatalogService;
  actions: ActionsService;
}

const entityParams = z.object({
  kind: z.string().min(1).max(63),
  namespace: z.string().min(1).max(63),
  name: z.string().min(1).max(253),
});

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const CONFIG_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

const rebuildBody = z.strictObject({
  job: z.string().trim().min(1).max(1024).optional(),
  parameters: z
    .record(
      z
        .string()
        .regex(
          /^[A-Za-z0-9_.-]{1,128}$/,
          'parameter names: letters, digits, _ . - (1–128)',
        ),
      z.string().max(4096),
    )
    .refine(p => Object.keys(p).length <= 100, 'at most 100 parameters')
    .optional(),
});

const appFields = {
  app: z
    .string()
    .regex(DNS_SUBDOMAIN, 'an Argo CD application name')
    .optional(),
  instance: z
    .string()
    .regex(CONFIG_NAME, 'an Argo CD instance name from config')
    .optional(),
};

const syncBody = z.strictObject({
  ...appFields,
  revision: z
    .string()
    .min(1)
    .max(255)
    .refine(
      r =>
        [...r].every(c => c.charCodeAt(0) > 0x20 && c.charCodeAt(0) !== 0x7f),
      'a revision without spaces or control characters',
    )
    .optional(),
  prune: z.boolean().optional(),
});

const rollbackBody = z.strictObject({
  ...appFields,
  id: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
});

const restartBody = z.strictObject({
  cluster: z.string().min(1).max(253).optional(),
  namespace: z.string().regex(DNS_LABEL, 'a Kubernetes namespace name'),
  name: z.string().regex(DNS_SUBDOMAIN, 'a Kubernetes object name'),
  kind: z.enum(['Deployment', 'StatefulSet']).optional(),
});

function issues(error: z.ZodError): string {
  return error.issues
    .map(i => `${i.path.map(String).join('.') || '(body)'}: ${i.message}`)
    .join('; ');
}

/**
 * Write actions on an entity's upstreams (documented in ../../openapi.yaml):
 * user credentials only; the entity is read with the user's credentials (404
 * when they may not see it); the action's permission is decided (DENY → 403)
 * before any upstream is contacted; every attempt leaves one audit line.
 */
export async function createActionsRouter(
  options: ActionsRouterOptions,
): Promise<express.Router> {
  const { logger, httpAuth, permissions, catalog, actions } = options;
  const router = Router();
  router.use(express.json());

  function route<S extends z.ZodType, T>(
    action: ActionName,
    schema: S,
    permission: BasicPermission,
    run: (entity: Entity, body: z.infer<S>) => Promise<ActionOutcome<T>>,
  ) {
    router.post(
      `/entities/:kind/:namespace/:name/actions/${action}`,
      async (req: Request, res: Response) => {
        const credentials: BackstageCredentials<BackstageUserPrincipal> =
          await httpAuth.credentials(req, { allow: ['user'] });
        const params = entityParams.safeParse(req.params);
        if (!params.success)
          throw new InputError(
            `Invalid entity reference: ${issues(params.error)}`,
          );
        const body = schema.safeParse(req.body ?? {});
        if (!body.success)
          throw new InputError(
            `Invalid ${action} request: ${issues(body.error)}`,
          );

        const entity = await catalog.getEntityByRef(params.data, {
          credentials,
        });
        if (!entity) {
          throw new NotFoundError(
            `No entity ${params.data.kind}:${params.data.namespace}/${params.data.name} in the catalog`,
          );
        }
        const record = {
          action,
          user: credentials.principal.userEntityRef,
          entity: stringifyEntityRef(entity),
        };
        const [decision] = await permissions.authorize([{ permission }], {
          credentials,
        });
        if (decision.result !== AuthorizeResult.ALLOW) {
          auditAction(logger, { ...record, outcome: 'denied' });
          throw new NotAllowedError(
            `${record.user} may not ${action} ${record.entity} (permission ${permission.name})`,
          );
        }
        let outcome: ActionOutcome<T>;
        try {
          outcome = await run(entity, body.data);
        } catch (e) {
          const err = e as Error;
          auditAction(logger, {
            ...record,
            outcome: 'failed',
            error: `${err?.name ?? 'Error'}: ${err?.message ?? String(e)}`,
          });
          throw e;
        }
        auditAction(logger, {
          ...record,
          outcome: 'succeeded',
          target: outcome.target,
        });
        res.status(202).json(outcome.result);
      },
    );
  }

  route('rebuild', rebuildBody, mlopsBuildTriggerPermission, (entity, body) =>
    actions.rebuild(entity, body),
  );
  route('sync', syncBody, mlopsSyncPermission, (entity, body) =>
    actions.sync(entity, body),
  );
  route('rollback', rollbackBody, mlopsSyncPermission, (entity, body) =>
    actions.rollback(entity, body),
  );
  route('restart', restartBody, mlopsRestartPermission, (entity, body) =>
    actions.restart(entity, body),
  );

  return router;
}

import { LoggerService } from '@backstage/backend-plugin-api';
import { mockErrorHandler, mockServices } from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import express from 'express';
import { ActionsService } from '../../services/actions/ActionsService';
import { createActionsRouter } from '../actionsRouter';

/** One line a logger received. */
export interface LoggedLine {
  level: 'error' | 'warn' | 'info' | 'debug';
  message: string;
  meta?: unknown;
}

/** A LoggerService that keeps every line (to read the audit lines back). */
export function recordingLogger(): LoggerService & { lines: LoggedLine[] } {
  const lines: LoggedLine[] = [];
  const logger = {
    lines,
    error: (message: string, meta?: unknown) =>
      void lines.push({ level: 'error', message, meta }),
    warn: (message: string, meta?: unknown) =>
      void lines.push({ level: 'warn', message, meta }),
    info: (message: string, meta?: unknown) =>
      void lines.push({ level: 'info', message, meta }),
    debug: (message: string, meta?: unknown) =>
      void lines.push({ level: 'debug', message, meta }),
    child: () => logger,
  };
  return logger;
}

/**
 * The actions router as the backend mounts it, with Backstage's own mocks
 * for identity (mock user by default), permissions (a fixed decision) and
 * the catalog, and the framework's error handler.
 */
export async function actionsApp(options: {
  actions: ActionsService;
  entities: Entity[];
  decision: typeof AuthorizeResult.ALLOW | typeof AuthorizeResult.DENY;
  logger: LoggerService;
}): Promise<express.Express> {
  const router = await createActionsRouter({
    logger: options.logger,
    httpAuth: mockServices.httpAuth(),
    permissions: mockServices.permissions({ result: options.decision }),
    catalog: catalogServiceMock({ entities: options.entities }),
    actions: options.actions,
  });
  return express().use(router).use(mockErrorHandler());
}

import { LoggerService } from '@backstage/backend-plugin-api';

export type ActionName = 'rebuild' | 'sync' | 'rollback' | 'restart';

export interface AuditRecord {
  action: ActionName;
  /** `user:default/alice` */
  user: string;
  /** `component:default/fraud-detector` */
  entity: string;
  outcome: 'denied' | 'succeeded' | 'failed';
  /** What was acted on, e.g. `jenkins ci:ml/app`. */
  target?: string;
  /** Error class and message of a failure (already free of secrets). */
  error?: string;
}

/**
 * One audit line per action attempt: who, on which entity, what, and how it
 * ended. Request bodies are not logged (build parameters may be sensitive).
 */
export function auditAction(logger: LoggerService, record: AuditRecord): void {
  const message = `mlops action ${record.action} by ${record.user} on ${
    record.entity
  }: ${record.outcome}${record.target ? ` (${record.target})` : ''}${
    record.error ? `: ${record.error}` : ''
  }`;
  const meta = { audit: true, ...record };
  if (record.outcome === 'succeeded') logger.info(message, meta);
  else logger.warn(message, meta);
}

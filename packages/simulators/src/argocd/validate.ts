/** Rejects status values that are not real Argo CD enum values (seeding must be faithful). */
import {
  ApplicationStatus,
  HEALTH_STATUSES,
  OPERATION_PHASES,
  RESULT_CODES,
  SYNC_STATUSES,
} from './types';

function check(
  what: string,
  value: unknown,
  allowed: readonly string[],
  allowEmpty = false,
) {
  if (value === undefined) return;
  if (allowEmpty && value === '') return;
  if (typeof value !== 'string' || !allowed.includes(value)) {
    throw new Error(
      `argocd simulator: ${what} must be one of ${allowed.join(
        '|',
      )}, got ${JSON.stringify(value)}`,
    );
  }
}

export function assertStatusEnums(status: ApplicationStatus | undefined): void {
  if (!status) return;
  check('status.sync.status', status.sync?.status, SYNC_STATUSES, true);
  check('status.health.status', status.health?.status, HEALTH_STATUSES);
  for (const r of status.resources ?? []) {
    check(`resources[${r.kind}/${r.name}].status`, r.status, SYNC_STATUSES);
    check(
      `resources[${r.kind}/${r.name}].health.status`,
      r.health?.status,
      HEALTH_STATUSES,
    );
  }
  const op = status.operationState;
  if (op) {
    check('status.operationState.phase', op.phase, OPERATION_PHASES);
    for (const r of op.syncResult?.resources ?? []) {
      check(`syncResult ${r.kind}/${r.name} status`, r.status, RESULT_CODES);
    }
  }
  const ids = (status.history ?? []).map(h => h.id);
  for (let i = 1; i < ids.length; i++) {
    if (ids[i] <= ids[i - 1]) {
      throw new Error(
        'argocd simulator: status.history must be oldest first with increasing ids',
      );
    }
  }
}

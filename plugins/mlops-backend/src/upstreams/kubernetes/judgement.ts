import { SignalStatus } from '@internal/plugin-mlops-common';
import { Condition } from './types';

/** The `{status, reason}` part of a `SignalHealth`. */
export interface HealthJudgement {
  status: SignalStatus;
  reason: string;
}

const RANK: Record<SignalStatus, number> = {
  ok: 0,
  unknown: 1,
  warning: 2,
  error: 3,
};

/** error > warning > unknown > ok; nothing at all is unknown (never ok by default). */
export function worstStatus(statuses: SignalStatus[]): SignalStatus {
  if (statuses.length === 0) return 'unknown';
  return statuses.reduce(
    (worst, s) => (RANK[s] > RANK[worst] ? s : worst),
    'ok' as SignalStatus,
  );
}

export function findCondition(
  conditions: Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find(c => c.type === type);
}

/** `Reason: message` / `Reason` / `message`, whichever exist. */
export function conditionText(c: Condition | undefined): string {
  if (!c) return '';
  const parts = [c.reason, c.message?.trim()].filter(Boolean);
  return parts.join(': ');
}

export function plural(
  n: number,
  word: string,
  pluralWord = `${word}s`,
): string {
  return `${n} ${n === 1 ? word : pluralWord}`;
}

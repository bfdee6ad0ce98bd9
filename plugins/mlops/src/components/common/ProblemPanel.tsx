import { WarningPanel } from '@backstage/core-components';
import { FAULT_LABELS, UpstreamProblem } from '@internal/plugin-mlops-common';
import { RetryButton } from './RetryButton';

/** "Jenkins (ci.ml.internal): timed out" — which upstream, which fault. */
export function problemTitle(problem: UpstreamProblem): string {
  const label = FAULT_LABELS[problem.fault] ?? problem.fault;
  return `${problem.upstream}: ${label}`;
}

/**
 * An upstream that could not be read, said exactly: the title names the
 * upstream and the fault, the message what to do about it; with `onRetry`,
 * a Retry button follows.
 */
export function ProblemPanel(props: {
  problem: UpstreamProblem;
  severity?: 'error' | 'warning' | 'info';
  /** Append "(HTTP 401)" to the message when the upstream answered (default true). */
  showHttpStatus?: boolean;
  onRetry?: () => void;
}) {
  const { problem, showHttpStatus = true, onRetry } = props;
  const http =
    showHttpStatus && problem.httpStatus ? ` (HTTP ${problem.httpStatus})` : '';
  return (
    <>
      <WarningPanel
        severity={props.severity ?? 'error'}
        title={problemTitle(problem)}
        message={`${problem.message}${http}`}
        defaultExpanded
      />
      {onRetry && <RetryButton onRetry={onRetry} />}
    </>
  );
}

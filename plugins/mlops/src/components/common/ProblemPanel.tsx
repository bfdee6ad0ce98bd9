import { WarningPanel } from '@backstage/core-components';
import { FAULT_LABELS, UpstreamProblem } from '@internal/plugin-mlops-common';

/** "Jenkins (ci.ml.internal): timed out" — which upstream, which fault. */
export function problemTitle(problem: UpstreamProblem): string {
  const label = FAULT_LABELS[problem.fault] ?? problem.fault;
  return `${problem.upstream}: ${label}`;
}

/**
 * An upstream that could not be read, said exactly: the title names the
 * upstream and the fault, the message what to do about it.
 */
export function ProblemPanel(props: {
  problem: UpstreamProblem;
  severity?: 'error' | 'warning' | 'info';
}) {
  const { problem } = props;
  return (
    <WarningPanel
      severity={props.severity ?? 'error'}
      title={problemTitle(problem)}
      message={`${problem.message}${
        problem.httpStatus ? ` (HTTP ${problem.httpStatus})` : ''
      }`}
      defaultExpanded
    />
  );
}

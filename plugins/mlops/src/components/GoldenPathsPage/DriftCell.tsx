import { SignalStatus, TemplateDrift } from '@internal/plugin-mlops-common';
import { makeStyles } from '@material-ui/core/styles';
import { driftHeadline } from './format';
import { StatusText } from '../common/StatusText';

const DRIFT_STATUS: Record<TemplateDrift['status'], SignalStatus> = {
  current: 'ok',
  behind: 'warning',
  ahead: 'warning',
  unknown: 'unknown',
};

const useStyles = makeStyles(theme => ({
  changes: { margin: theme.spacing(0.5, 0, 0), paddingLeft: theme.spacing(3) },
  version: { fontFamily: 'monospace' },
}));

/** How far an entity is behind its template, and what changed since. */
export function DriftCell(props: { drift: TemplateDrift }) {
  const classes = useStyles();
  const { drift } = props;
  const behind = drift.status === 'behind';
  return (
    <>
      <StatusText status={DRIFT_STATUS[drift.status] ?? 'unknown'}>
        {behind && drift.changes.length > 0
          ? `${driftHeadline(drift)}:`
          : driftHeadline(drift)}
      </StatusText>
      {behind && drift.changes.length === 0 && (
        <div>the template's changelog lists no changes in between</div>
      )}
      {behind && drift.changes.length > 0 && (
        <ul
          className={classes.changes}
          aria-label={`Changes from ${drift.from} to ${drift.to}`}
        >
          {drift.changes.map(entry => (
            <li key={entry.version}>
              <span className={classes.version}>{entry.version}</span>:{' '}
              {entry.changes.join('; ')}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

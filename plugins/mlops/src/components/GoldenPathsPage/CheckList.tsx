import { GoldenPathCheck } from '@internal/plugin-mlops-common';
import { makeStyles } from '@material-ui/core/styles';
import { PathText, pathCell } from '../common/PathText';
import { StatusText } from '../common/StatusText';

const useStyles = makeStyles({
  list: { listStyle: 'none', margin: 0, padding: 0, ...pathCell },
  label: { fontWeight: 500 },
});

/** The golden-path checks of one entity: status, what was checked, and why. */
export function CheckList(props: { checks: GoldenPathCheck[] }) {
  const classes = useStyles();
  return (
    <ul className={classes.list}>
      {props.checks.map(check => (
        <li key={check.id}>
          <StatusText status={check.status}>
            <span className={classes.label}>{check.label}:</span>{' '}
            <span>
              <PathText>{check.reason}</PathText>
            </span>
          </StatusText>
        </li>
      ))}
    </ul>
  );
}

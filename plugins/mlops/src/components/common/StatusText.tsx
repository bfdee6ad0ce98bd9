import { ReactNode } from 'react';
import {
  StatusError,
  StatusOK,
  StatusPending,
  StatusWarning,
} from '@backstage/core-components';
import { SignalStatus } from '@internal/plugin-mlops-common';
import { makeStyles } from '@material-ui/core/styles';

const STATUS: Record<
  SignalStatus,
  { Icon: (props: { children?: ReactNode }) => JSX.Element; label: string }
> = {
  ok: { Icon: StatusOK, label: 'OK' },
  warning: { Icon: StatusWarning, label: 'Warning' },
  error: { Icon: StatusError, label: 'Error' },
  unknown: { Icon: StatusPending, label: 'Unknown' },
};

const useStyles = makeStyles({
  line: { display: 'flex', alignItems: 'baseline', gap: 4 },
  hidden: {
    position: 'absolute',
    width: 1,
    height: 1,
    padding: 0,
    margin: -1,
    overflow: 'hidden',
    clip: 'rect(0, 0, 0, 0)',
    whiteSpace: 'nowrap',
    border: 0,
  },
});

/** Text for screen readers only: read out, not shown. */
export function VisuallyHidden(props: { children: ReactNode }) {
  const classes = useStyles();
  return <span className={classes.hidden}>{props.children}</span>;
}

/** A status icon with its status spelled out for screen readers, then the text. */
export function StatusText(props: {
  status: SignalStatus;
  children: ReactNode;
}) {
  const classes = useStyles();
  // anything we do not recognise is shown as unknown, never as OK
  const { Icon, label } = STATUS[props.status] ?? STATUS.unknown;
  return (
    <span className={classes.line}>
      <Icon />
      <VisuallyHidden>Status: {label}. </VisuallyHidden>
      <span>{props.children}</span>
    </span>
  );
}

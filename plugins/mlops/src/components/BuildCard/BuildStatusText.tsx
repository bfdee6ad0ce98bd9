import { ReactNode } from 'react';
import {
  StatusAborted,
  StatusError,
  StatusOK,
  StatusPending,
  StatusRunning,
  StatusWarning,
} from '@backstage/core-components';
import { BuildStatus } from '@internal/plugin-mlops-common';
import { makeStyles } from '@material-ui/core/styles';

const useStyles = makeStyles({ status: { whiteSpace: 'nowrap' } });

const BUILD_STATUS: Record<
  BuildStatus,
  { Icon: (props: { children?: ReactNode }) => JSX.Element; label: string }
> = {
  running: { Icon: StatusRunning, label: 'Running' },
  success: { Icon: StatusOK, label: 'Success' },
  unstable: { Icon: StatusWarning, label: 'Unstable' },
  failure: { Icon: StatusError, label: 'Failed' },
  'not-built': { Icon: StatusPending, label: 'Not built' },
  aborted: { Icon: StatusAborted, label: 'Aborted' },
  unknown: { Icon: StatusPending, label: 'Unknown' },
};

/** A build's status: icon and the status in words (anything unrecognised is Unknown). */
export function BuildStatusText(props: { status: BuildStatus }) {
  const classes = useStyles();
  const { Icon, label } = BUILD_STATUS[props.status] ?? BUILD_STATUS.unknown;
  return (
    <span className={classes.status}>
      <Icon />
      {label}
    </span>
  );
}

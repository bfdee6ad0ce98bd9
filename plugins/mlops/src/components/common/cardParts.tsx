/**
 * Pieces the delivery, build and sync cards share: the loading / request
 * error / retry gate around `useEntityHealth`, the signal's one-line verdict,
 * the empty state that says why a signal has no details, and the wording of
 * an action's answer. (Candidates for components/common.)
 */
import { ReactNode } from 'react';
import { Link, Progress, ResponseErrorPanel } from '@backstage/core-components';
import { useEntity } from '@backstage/plugin-catalog-react';
import { ResponseError } from '@backstage/errors';
import {
  EntityHealth,
  SignalHealth,
  SignalStatus,
} from '@internal/plugin-mlops-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import { ago } from './format';
import { ProblemPanel } from './ProblemPanel';
import { StatusText } from './StatusText';
import { useEntityHealth } from './useEntityHealth';

const useStyles = makeStyles(theme => ({
  actions: { marginTop: theme.spacing(1) },
  line: { marginBottom: theme.spacing(1) },
  links: {
    display: 'flex',
    flexWrap: 'wrap',
    gap: theme.spacing(2),
    marginTop: theme.spacing(1),
  },
}));

/** "Retry": asks the backend again. */
export function RetryButton(props: { onRetry: () => void }) {
  const classes = useStyles();
  return (
    <Box className={classes.actions}>
      <Button variant="outlined" size="small" onClick={props.onRetry}>
        Retry
      </Button>
    </Box>
  );
}

/**
 * Reads the entity's health (one request shared by the page's cards) and
 * renders `children` with it; meanwhile a progress bar, on failure the
 * response error and a Retry button.
 */
export function EntityHealthGate(props: {
  children: (health: EntityHealth, retry: () => void) => ReactNode;
}) {
  const { entity } = useEntity();
  const { loading, error, value, retry } = useEntityHealth(entity);
  // a refresh keeps the previous answer on screen
  if (loading && !value) {
    return <Progress />;
  }
  if (error) {
    return (
      <>
        <ResponseErrorPanel error={error} />
        <RetryButton onRetry={retry} />
      </>
    );
  }
  if (!value) {
    return <Progress />;
  }
  return <>{props.children(value, retry)}</>;
}

/** Never green without data: `ok` without anything read to back it is unknown. */
export function shownStatus(
  status: SignalStatus | undefined,
  hasData: boolean,
): SignalStatus {
  if (status === 'ok' && !hasData) return 'unknown';
  return status ?? 'unknown';
}

/** The signal's verdict on one line: status icon, status spelled out, reason. */
export function SignalLine(props: { signal: SignalHealth; hasData: boolean }) {
  const classes = useStyles();
  const { signal, hasData } = props;
  return (
    <Typography variant="body2" component="div" className={classes.line}>
      <StatusText status={shownStatus(signal.status, hasData)}>
        {signal.reason}
      </StatusText>
    </Typography>
  );
}

/** Links to the upstream's own UI that came with the signal. */
export function SignalLinks(props: { signal?: SignalHealth }) {
  const classes = useStyles();
  const links = props.signal?.links ?? [];
  if (links.length === 0) return null;
  return (
    <Box className={classes.links}>
      {links.map(l => (
        <Link key={`${l.title} ${l.url}`} to={l.url}>
          {l.title}
        </Link>
      ))}
    </Box>
  );
}

/**
 * What a card shows when the backend sent no details for its signal: the
 * upstream's problem (with Retry), or the signal's reason — never OK.
 */
export function SignalEmptyState(props: {
  signal?: SignalHealth;
  /** "No builds to show", "No Argo CD application to show". */
  title: string;
  /** What was not reported, for a missing signal: "the build signal". */
  what: string;
  onRetry: () => void;
}) {
  const classes = useStyles();
  const { signal, title, what, onRetry } = props;
  if (signal?.problem) {
    return (
      <>
        <ProblemPanel problem={signal.problem} />
        <RetryButton onRetry={onRetry} />
      </>
    );
  }
  return (
    <>
      <Typography variant="subtitle2" component="p" className={classes.line}>
        {title}
      </Typography>
      <Typography variant="body2" component="div">
        <StatusText status={shownStatus(signal?.status, false)}>
          {signal?.reason || `The backend did not report ${what}.`}
        </StatusText>
      </Typography>
      <SignalLinks signal={signal} />
    </>
  );
}

/** "Checked 2 minutes ago". */
export function CheckedAt(props: { at?: string }) {
  const when = ago(props.at);
  if (!when) return null;
  return (
    <Typography variant="caption" component="p" color="textSecondary">
      <span title={props.at}>Checked {when}</span>
    </Typography>
  );
}

/** HTTP status of a failed action, when the backend answered. */
export function errorStatus(error: unknown): number | undefined {
  if (error instanceof ResponseError) return error.statusCode;
  const e = error as { name?: unknown; statusCode?: unknown } | undefined;
  if (typeof e?.statusCode === 'number') return e.statusCode;
  if (e?.name === 'NotAllowedError') return 403;
  return undefined;
}

/** The backend's own sentence for a failed action. */
function errorDetail(error: unknown): string {
  if (error instanceof ResponseError) {
    return error.cause?.message || error.message;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * A failed action in words: a 403 says the person is not allowed, anything
 * else what went wrong and the HTTP status.
 * `action` reads after "may not" / "Could not": "trigger a build of ci/job".
 */
export function actionErrorText(error: unknown, action: string): string {
  const status = errorStatus(error);
  const detail = errorDetail(error);
  if (status === 403) {
    return `Not allowed: you may not ${action}${detail ? ` (${detail})` : ''}.`;
  }
  return `Could not ${action}: ${detail}${status ? ` (HTTP ${status})` : ''}`;
}

/** An action's answer, read out by screen readers when it arrives. */
export function ActionMessage(props: {
  severity: 'success' | 'error';
  children: ReactNode;
}) {
  return (
    <Typography
      variant="body2"
      component="div"
      role={props.severity === 'error' ? 'alert' : 'status'}
      color={props.severity === 'error' ? 'error' : 'textPrimary'}
    >
      {props.children}
    </Typography>
  );
}

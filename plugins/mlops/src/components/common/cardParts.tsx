/**
 * Pieces the entity cards share: the card frame that asks for missing
 * annotations, the loading / request error / retry gate around
 * `useEntityHealth`, the signal's one-line verdict, the empty state that says
 * why a signal has no details, and the wording of an action's answer.
 */
import { ReactNode } from 'react';
import { InfoCard, Link, Progress } from '@backstage/core-components';
import { Entity } from '@backstage/catalog-model';
import {
  MissingAnnotationEmptyState,
  useEntity,
} from '@backstage/plugin-catalog-react';
import { ResponseError } from '@backstage/errors';
import {
  EntityHealth,
  SignalHealth,
  SignalStatus,
} from '@internal/plugin-mlops-common';
import Box from '@material-ui/core/Box';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import { ago } from './format';
import { ProblemPanel } from './ProblemPanel';
import { RequestError } from './RetryButton';
import { StatusText } from './StatusText';
import { useEntityHealth } from './useEntityHealth';

const useStyles = makeStyles(theme => ({
  item: {
    marginTop: theme.spacing(2),
    '&:first-of-type': { marginTop: theme.spacing(1) },
  },
  itemHeader: {
    display: 'flex',
    alignItems: 'center',
    flexWrap: 'wrap',
    gap: theme.spacing(1),
    marginBottom: theme.spacing(1),
  },
  grow: { flexGrow: 1 },
  line: { marginBottom: theme.spacing(1) },
  links: {
    display: 'flex',
    flexWrap: 'wrap',
    gap: theme.spacing(2),
    marginTop: theme.spacing(1),
  },
}));

/** What an entity card reads, and how it tells whether the entity has it. */
export interface CardAnnotations {
  /** Whether the entity has an annotation the card reads. */
  isAvailable: (entity: Entity) => boolean;
  /** The annotations to ask for when it has none. */
  annotation: string | string[];
}

/**
 * An entity card: when the entity has none of the annotations the card reads,
 * it asks for them (and `children` never render, so the backend is not
 * called); else `children`.
 */
export function AnnotatedCard(
  props: CardAnnotations & { title: string; children: ReactNode },
) {
  const { entity } = useEntity();
  return (
    <InfoCard title={props.title}>
      {props.isAvailable(entity) ? (
        props.children
      ) : (
        <MissingAnnotationEmptyState annotation={props.annotation} />
      )}
    </InfoCard>
  );
}

/**
 * Reads the entity's health (one request shared by the page's cards) and
 * renders `children` with it; meanwhile a progress bar, on failure the
 * response error and a Retry button. With `refreshMs` the answer is renewed
 * in the background.
 */
export function EntityHealthGate(props: {
  refreshMs?: number;
  children: (health: EntityHealth, retry: () => void) => ReactNode;
}) {
  const { entity } = useEntity();
  const { loading, error, value, retry } = useEntityHealth(entity, {
    refreshMs: props.refreshMs,
  });
  // a refresh keeps the previous answer on screen
  if (loading && !value) {
    return <Progress />;
  }
  if (error) {
    return <RequestError error={error} onRetry={retry} />;
  }
  if (!value) {
    return <Progress />;
  }
  return <>{props.children(value, retry)}</>;
}

/** An AnnotatedCard whose content is the entity's health, behind EntityHealthGate. */
export function EntityHealthCard(
  props: CardAnnotations & {
    title: string;
    refreshMs?: number;
    children: (health: EntityHealth, retry: () => void) => ReactNode;
  },
) {
  const { title, isAvailable, annotation, refreshMs, children } = props;
  return (
    <AnnotatedCard
      title={title}
      isAvailable={isAvailable}
      annotation={annotation}
    >
      <EntityHealthGate refreshMs={refreshMs}>{children}</EntityHealthGate>
    </AnnotatedCard>
  );
}

/** Never green without data: `ok` without anything read to back it is unknown. */
export function shownStatus(
  status: SignalStatus | undefined,
  hasData: boolean,
): SignalStatus {
  if (status === 'ok' && !hasData) return 'unknown';
  return status ?? 'unknown';
}

/**
 * The signal's verdict on one line: status icon, status spelled out, reason;
 * without a signal, unknown and `missing`.
 */
export function SignalLine(props: {
  signal?: SignalHealth;
  hasData: boolean;
  /** What to say when the backend sent no signal. */
  missing?: string;
}) {
  const classes = useStyles();
  const { signal, hasData, missing } = props;
  return (
    <Typography variant="body2" component="div" className={classes.line}>
      <StatusText status={shownStatus(signal?.status, hasData)}>
        {signal?.reason ?? missing}
      </StatusText>
    </Typography>
  );
}

/**
 * The top of a card: the upstream's problem with Retry when the signal could
 * not be read, else its verdict on one line.
 */
export function SignalVerdict(props: {
  signal?: SignalHealth;
  hasData: boolean;
  missing: string;
  onRetry: () => void;
}) {
  const { signal, onRetry } = props;
  if (signal?.problem) {
    return <ProblemPanel problem={signal.problem} onRetry={onRetry} />;
  }
  return (
    <SignalLine
      signal={signal}
      hasData={props.hasData}
      missing={props.missing}
    />
  );
}

/**
 * Whether the signal itself says why a card has no details: a problem, an
 * error or a warning (shown as the verdict rather than an empty state).
 */
export function signalExplains(signal?: SignalHealth): boolean {
  return Boolean(
    signal?.problem ||
      signal?.status === 'error' ||
      signal?.status === 'warning',
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
    return <ProblemPanel problem={signal.problem} onRetry={onRetry} />;
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

/**
 * One thing a card lists (a Jenkins job, an Argo CD application): a region
 * named `label` with a heading, a caption under it and actions to its right,
 * then `children`.
 */
export function ItemSection(props: {
  /** The region's accessible name: "Job ml/fraud-detector on ci". */
  label: string;
  title: ReactNode;
  caption?: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
}) {
  const classes = useStyles();
  return (
    <Box component="section" className={classes.item} aria-label={props.label}>
      <Box className={classes.itemHeader}>
        <Box className={classes.grow}>
          <Typography variant="subtitle1" component="h3">
            {props.title}
          </Typography>
          {props.caption && (
            <Typography variant="caption" color="textSecondary" component="p">
              {props.caption}
            </Typography>
          )}
        </Box>
        {props.actions}
      </Box>
      {props.children}
    </Box>
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

import { Link } from '@backstage/core-components';
import {
  ANNOTATION_ARGOCD_APP_NAME,
  ANNOTATION_ARGOCD_APP_SELECTOR,
  ANNOTATION_HARBOR_REPOSITORY_SLUG,
  ANNOTATION_IMAGE_REPOSITORY,
  ANNOTATION_INFERENCE_ENDPOINT,
  ANNOTATION_JENKINS_JOB_FULL_NAME,
  ANNOTATION_KUBERNETES_ID,
  ANNOTATION_KUBERNETES_LABEL_SELECTOR,
  DeliveryStep,
  DeliveryView,
  EntityHealth,
  SignalStatus,
  isDeliveryAvailable,
} from '@internal/plugin-mlops-common';
import Box from '@material-ui/core/Box';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import { StatusText, ago } from '../common';
import { CheckedAt, EntityHealthCard, shownStatus } from '../common/cardParts';

/** @public */
export interface DeliveryCardProps {
  /** Card title; defaults to "Delivery". */
  title?: string;
  /**
   * How often the card asks the backend again while it is on screen, so a
   * delivery can be watched moving (default 10 000 ms; 0 turns it off). The
   * backend serves from its own caches: this does not multiply upstream calls.
   */
  refreshMs?: number;
}

const DEFAULT_TITLE = 'Delivery';
const DEFAULT_REFRESH_MS = 10_000;

/** The annotations any of which lets the chain read at least one step. */
export const DELIVERY_ANNOTATIONS = [
  ANNOTATION_JENKINS_JOB_FULL_NAME,
  ANNOTATION_IMAGE_REPOSITORY,
  ANNOTATION_HARBOR_REPOSITORY_SLUG,
  ANNOTATION_ARGOCD_APP_NAME,
  ANNOTATION_ARGOCD_APP_SELECTOR,
  ANNOTATION_KUBERNETES_ID,
  ANNOTATION_KUBERNETES_LABEL_SELECTOR,
  ANNOTATION_INFERENCE_ENDPOINT,
];

const useStyles = makeStyles(theme => ({
  verdict: { marginBottom: theme.spacing(1) },
  broken: {
    borderLeft: `4px solid ${theme.palette.error.main}`,
    padding: theme.spacing(1, 2),
    marginBottom: theme.spacing(2),
    background: theme.palette.background.default,
  },
  held: {
    borderLeft: `4px solid ${theme.palette.warning.main}`,
    padding: theme.spacing(1, 2),
    marginBottom: theme.spacing(2),
    background: theme.palette.background.default,
  },
  steps: { listStyle: 'none', margin: 0, padding: 0 },
  step: {
    display: 'grid',
    gridTemplateColumns: 'minmax(10em, max-content) 1fr auto',
    columnGap: theme.spacing(2),
    alignItems: 'baseline',
    padding: theme.spacing(1, 0),
    borderBottom: `1px solid ${theme.palette.divider}`,
    '&:last-child': { borderBottom: 'none' },
  },
  title: { fontWeight: theme.typography.fontWeightMedium as number },
  meta: {
    display: 'flex',
    gap: theme.spacing(2),
    whiteSpace: 'nowrap',
    color: theme.palette.text.secondary,
  },
}));

/**
 * The product's headline card: the delivery chain commit → build → image →
 * desired in GitOps → synced → running → serving, step by step, and in one
 * sentence where it breaks.
 *
 * @public
 */
export function DeliveryCard(props: DeliveryCardProps) {
  return (
    <EntityHealthCard
      title={props.title ?? DEFAULT_TITLE}
      isAvailable={isDeliveryAvailable}
      annotation={DELIVERY_ANNOTATIONS}
      refreshMs={props.refreshMs ?? DEFAULT_REFRESH_MS}
    >
      {health => <DeliveryContent health={health} />}
    </EntityHealthCard>
  );
}

/** `ok` only when every step was read and is OK. */
function chainStatus(delivery: DeliveryView): SignalStatus {
  const allOk =
    delivery.steps.length > 0 && delivery.steps.every(s => s.status === 'ok');
  return shownStatus(delivery.status, allOk);
}

function sentence(text: string): string {
  const t = text.trim();
  return t ? t.charAt(0).toLocaleUpperCase('en-US') + t.slice(1) : t;
}

function DeliveryContent(props: { health: EntityHealth }) {
  const classes = useStyles();
  const { delivery, checkedAt } = props.health;
  if (!delivery || !Array.isArray(delivery.steps) || !delivery.steps.length) {
    return (
      <Typography variant="body2" component="div">
        <StatusText status="unknown">
          The backend did not report the delivery chain of this service.
        </StatusText>
      </Typography>
    );
  }
  const broken = delivery.firstBroken
    ? delivery.steps.find(s => s.id === delivery.firstBroken)
    : undefined;
  return (
    <>
      <Typography variant="body1" component="div" className={classes.verdict}>
        <StatusText status={chainStatus(delivery)}>
          {sentence(delivery.verdict)}
        </StatusText>
      </Typography>
      {broken && <BrokenStep step={broken} />}
      <ol className={classes.steps} aria-label="Delivery steps">
        {delivery.steps.map(step => (
          <StepRow key={step.id} step={step} />
        ))}
      </ol>
      <CheckedAt at={checkedAt} />
    </>
  );
}

function BrokenStep(props: { step: DeliveryStep }) {
  const classes = useStyles();
  const { step } = props;
  const isError = step.status !== 'warning';
  return (
    <Box
      className={isError ? classes.broken : classes.held}
      role="region"
      aria-label={isError ? 'Where the chain breaks' : 'Where the chain waits'}
    >
      <Typography variant="subtitle2" component="p">
        {isError ? 'Broken at' : 'Held up at'}: {step.title}
      </Typography>
      <Typography variant="body2" component="p">
        {step.summary}
      </Typography>
    </Box>
  );
}

function StepRow(props: { step: DeliveryStep }) {
  const classes = useStyles();
  const { step } = props;
  const when = ago(step.at);
  return (
    <li className={classes.step} aria-label={step.title}>
      <StatusText status={step.status}>
        <span className={classes.title}>{step.title}</span>
      </StatusText>
      <Typography variant="body2" component="span">
        {step.summary}
      </Typography>
      <span className={classes.meta}>
        {when && (
          <Typography variant="caption" component="span" title={step.at}>
            {when}
          </Typography>
        )}
        {step.link && (
          <Typography variant="caption" component="span">
            <Link to={step.link.url}>{step.link.title}</Link>
          </Typography>
        )}
      </span>
    </li>
  );
}

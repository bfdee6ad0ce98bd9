import { EmptyState, WarningPanel } from '@backstage/core-components';
import {
  ANNOTATION_INFERENCE_ENDPOINT,
  ANNOTATION_INFERENCE_PROTOCOL,
  InferenceCheck,
  InferenceDetail,
  InferenceReport,
  ServingMetricsDetail,
  SignalHealth,
  SignalStatus,
  isInferenceAvailable,
} from '@internal/plugin-mlops-common';
import Box from '@material-ui/core/Box';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import { MISSING, ProblemPanel, StatusText, ago, percent } from '../common';
import {
  EntityHealthCard,
  SignalVerdict,
  signalExplains,
} from '../common/cardParts';
import { latency, requestRate } from './format';
import { TimeSeriesChart } from '../common/TimeSeriesChart';

/** @public */
export interface InferenceCardProps {
  /** Card title; defaults to "Inference". */
  title?: string;
  /** Renew the answer in the background every so many milliseconds (off by default). */
  refreshMs?: number;
}

const DEFAULT_TITLE = 'Inference';

const PROTOCOL_NAMES: Record<string, string> = {
  torchserve: 'TorchServe',
  'kserve-v2': 'Open Inference Protocol (KServe V2)',
  triton: 'Triton (Open Inference Protocol)',
  openai: 'OpenAI-compatible (vLLM)',
  http: 'HTTP readiness check',
};

const CHECK_NAMES: Record<InferenceCheck['kind'], string> = {
  live: 'Live',
  ready: 'Ready',
  'model-ready': 'Model ready',
  models: 'Model list',
};

const useStyles = makeStyles(theme => ({
  section: { marginTop: theme.spacing(2) },
  line: { marginBottom: theme.spacing(0.5) },
  mono: { fontFamily: 'monospace', wordBreak: 'break-all' },
  scroll: { overflowX: 'auto' },
  table: { '& th, & td': { whiteSpace: 'nowrap' } },
  facts: {
    display: 'grid',
    gridTemplateColumns: 'max-content 1fr',
    columnGap: theme.spacing(2),
    rowGap: theme.spacing(0.5),
    margin: 0,
    '& dt': { fontWeight: theme.typography.fontWeightMedium },
    '& dd': { margin: 0 },
  },
}));

/**
 * Whether the model server answers and serves its model (live / ready /
 * model-ready probes) and, with Prometheus, how it serves: request and error
 * rate and latency now and over the last hour. Reads the
 * `mlops.io/inference-endpoint` and `mlops.io/inference-protocol` annotations.
 *
 * @public
 */
export function InferenceCard(props: InferenceCardProps) {
  return (
    <EntityHealthCard
      title={props.title ?? DEFAULT_TITLE}
      isAvailable={isInferenceAvailable}
      annotation={[
        ANNOTATION_INFERENCE_ENDPOINT,
        ANNOTATION_INFERENCE_PROTOCOL,
      ]}
      refreshMs={props.refreshMs}
    >
      {(health, retry) => (
        <InferenceView
          signal={health.signals?.inference}
          detail={health.details?.inference}
          onRetry={retry}
        />
      )}
    </EntityHealthCard>
  );
}

function InferenceView(props: {
  signal: SignalHealth | undefined;
  detail: InferenceDetail | undefined;
  onRetry: () => void;
}) {
  const { signal, detail, onRetry } = props;
  const report = detail?.report;
  const warnings = (detail?.warnings ?? []).filter(
    w => typeof w === 'string' && w.trim(),
  );

  const missing = 'The backend gave no inference signal.';
  // green only when there is a probe to back it
  const top = (
    <SignalVerdict
      signal={signal}
      hasData={Boolean(report)}
      missing={missing}
      onRetry={onRetry}
    />
  );

  if (!report && !detail?.metrics && !detail?.metricsProblem) {
    // nothing read: say why, without a status that could pass for healthy
    if (signalExplains(signal)) return top;
    return (
      <EmptyState
        missing="info"
        title="No inference probe"
        description={signal?.reason ?? missing}
      />
    );
  }

  return (
    <>
      {top}
      {warnings.length > 0 && <Warnings warnings={warnings} />}
      {report && <ProbeSection report={report} />}
      <MetricsSection detail={detail!} />
    </>
  );
}

function Warnings(props: { warnings: string[] }) {
  const { warnings } = props;
  if (warnings.length === 1) {
    return (
      <WarningPanel severity="warning" title={warnings[0]} defaultExpanded />
    );
  }
  return (
    <WarningPanel
      severity="warning"
      title={`${warnings.length} serving warnings: ${warnings.join('; ')}`}
      defaultExpanded
    />
  );
}

function checkStatus(check: InferenceCheck): SignalStatus {
  if (check.ok === true) return 'ok';
  if (check.ok === false) return 'error';
  return 'unknown';
}

function checkOf(report: InferenceReport, kind: InferenceCheck['kind']) {
  return (report.checks ?? []).find(c => c.kind === kind);
}

/** "Ready: no — Server is not ready." — a known true/false, or unknown (never OK). */
function ProbeLine(props: {
  label: string;
  value: boolean | undefined;
  yes: string;
  no: string;
  check?: InferenceCheck;
}) {
  const classes = useStyles();
  const { label, value, yes, no, check } = props;
  let status: SignalStatus = 'unknown';
  let text = `${label}: unknown`;
  if (value === true) {
    status = 'ok';
    text = `${label}: ${yes}`;
  } else if (value === false) {
    status = 'error';
    text = `${label}: ${no}`;
  }
  const why = check?.detail?.trim();
  if (why && value !== true) text += ` — ${why}`;
  else if (value === undefined && !check) text += ' — not checked';
  return (
    <Typography variant="body2" component="p" className={classes.line}>
      <StatusText status={status}>{text}</StatusText>
    </Typography>
  );
}

function ProbeSection(props: { report: InferenceReport }) {
  const classes = useStyles();
  const { report } = props;
  const protocol = PROTOCOL_NAMES[report.protocol] ?? report.protocol;
  const checked = ago(report.checkedAt);
  const model = report.model ?? 'the model';
  return (
    <Box className={classes.section}>
      <dl className={classes.facts}>
        <dt>Endpoint</dt>
        <dd className={classes.mono}>{report.endpoint || MISSING}</dd>
        <dt>Protocol</dt>
        <dd>{protocol || MISSING}</dd>
        <dt>Model</dt>
        <dd className={classes.mono}>{report.model ?? MISSING}</dd>
      </dl>
      <Box className={classes.section}>
        <ProbeLine
          label="Live"
          value={report.live}
          yes="the server answers"
          no="the server does not answer"
          check={checkOf(report, 'live')}
        />
        <ProbeLine
          label="Ready"
          value={report.ready}
          yes="the server takes requests"
          no="the server is not ready"
          check={checkOf(report, 'ready')}
        />
        <ProbeLine
          label="Model ready"
          value={report.modelReady}
          yes={`${model} is loaded`}
          no={`${model} is not loaded`}
          check={checkOf(report, 'model-ready') ?? checkOf(report, 'models')}
        />
        <Typography variant="body2" component="p" className={classes.line}>
          Probe latency: {latency(report.latencyMs)}
          {checked ? ` (checked ${checked})` : ''}
        </Typography>
      </Box>
      {(report.checks ?? []).length > 0 && <ChecksTable report={report} />}
    </Box>
  );
}

function ChecksTable(props: { report: InferenceReport }) {
  const classes = useStyles();
  return (
    <Box className={`${classes.scroll} ${classes.section}`}>
      <Table
        size="small"
        className={classes.table}
        aria-label={`Probe calls to ${props.report.endpoint}`}
      >
        <TableHead>
          <TableRow>
            <TableCell>Check</TableCell>
            <TableCell>Path</TableCell>
            <TableCell>HTTP</TableCell>
            <TableCell>Time</TableCell>
            <TableCell>Result</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {props.report.checks.map((check, i) => (
            <TableRow key={`${check.kind}-${check.path}-${i}`}>
              <TableCell component="th" scope="row">
                {CHECK_NAMES[check.kind] ?? check.kind}
              </TableCell>
              <TableCell className={classes.mono}>{check.path}</TableCell>
              <TableCell>{check.httpStatus ?? MISSING}</TableCell>
              <TableCell>{latency(check.ms)}</TableCell>
              <TableCell style={{ whiteSpace: 'normal' }}>
                <StatusText status={checkStatus(check)}>
                  {check.detail || MISSING}
                </StatusText>
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </Box>
  );
}

/** "p95 latency" for histogram runtimes, "mean latency" for counter-only ones. */
function latencyOf(metrics: ServingMetricsDetail): {
  label: string;
  now?: number;
} {
  if (metrics.p95LatencyMs !== undefined)
    return { label: 'p95 latency', now: metrics.p95LatencyMs };
  if (metrics.meanLatencyMs !== undefined)
    return { label: 'Mean latency', now: metrics.meanLatencyMs };
  return { label: 'Latency' };
}

function MetricsSection(props: { detail: InferenceDetail }) {
  const classes = useStyles();
  const { metrics, metricsProblem } = props.detail;
  if (metricsProblem) {
    return (
      <Box className={classes.section}>
        <ProblemPanel problem={metricsProblem} severity="warning" />
        {metrics && <MetricsView metrics={metrics} />}
      </Box>
    );
  }
  if (!metrics) {
    return (
      <Typography
        variant="body2"
        color="textSecondary"
        component="p"
        className={classes.section}
      >
        No request metrics: configure mlops.prometheus
      </Typography>
    );
  }
  return (
    <Box className={classes.section}>
      <MetricsView metrics={metrics} />
    </Box>
  );
}

function MetricsView(props: { metrics: ServingMetricsDetail }) {
  const classes = useStyles();
  const { metrics } = props;
  const lat = latencyOf(metrics);
  const latencyNow =
    lat.now === undefined
      ? MISSING
      : `${latency(lat.now)} now${
          metrics.lastHourLatencyMs !== undefined
            ? `, ${latency(metrics.lastHourLatencyMs)} last hour`
            : ''
        }`;
  return (
    <>
      <Typography variant="subtitle2" component="h3">
        Request metrics{metrics.source ? ` (Prometheus ${metrics.source})` : ''}
      </Typography>
      <Table size="small" aria-label="Request metrics">
        <TableBody>
          <TableRow>
            <TableCell component="th" scope="row">
              Request rate
            </TableCell>
            <TableCell>{requestRate(metrics.requestsPerSecond)}</TableCell>
          </TableRow>
          <TableRow>
            <TableCell component="th" scope="row">
              Error rate
            </TableCell>
            <TableCell>{percent(metrics.errorRate)}</TableCell>
          </TableRow>
          <TableRow>
            <TableCell component="th" scope="row">
              {lat.label}
            </TableCell>
            <TableCell>{latencyNow}</TableCell>
          </TableRow>
        </TableBody>
      </Table>
      <Box className={classes.section}>
        <TimeSeriesChart
          title={`${lat.label} over the last hour`}
          series={metrics.latencyMsSeries}
          format={latency}
          emptyText={`${lat.label}: no samples in the last hour`}
        />
        <TimeSeriesChart
          title="Error rate over the last hour"
          series={metrics.errorRateSeries}
          format={percent}
          emptyText="Error rate: no samples in the last hour"
        />
      </Box>
    </>
  );
}

import { EmptyState } from '@backstage/core-components';
import {
  ANNOTATION_KUBERNETES_ID,
  ANNOTATION_KUBERNETES_LABEL_SELECTOR,
  EntityGpuPod,
  GpuDetail,
  GpuNodeInfo,
  PodSummary,
  SignalHealth,
  SignalStatus,
  WorkloadDetail,
  isKubernetesAvailable,
} from '@internal/plugin-mlops-common';
import Box from '@material-ui/core/Box';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import { MISSING, ProblemPanel, StatusText } from '../common';
import {
  EntityHealthCard,
  SignalVerdict,
  signalExplains,
} from '../common/cardParts';
import { TimeSeriesChart } from '../common/TimeSeriesChart';
import { usablePoints } from '../common/series';
import {
  gpuProduct,
  labelNumber,
  mebibytes,
  resourcesText,
  sharingText,
} from './labels';

/** @public */
export interface GpuCardProps {
  /** Card title; defaults to "GPUs". */
  title?: string;
  /** Renew the answer in the background every so many milliseconds (off by default). */
  refreshMs?: number;
}

const DEFAULT_TITLE = 'GPUs';

/** The GPU signal's reason when no pod of the service asks for a GPU (backend wording). */
const ASKS_FOR_NO_GPUS = /asks for no GPUs/i;

const useStyles = makeStyles(theme => ({
  section: { marginTop: theme.spacing(2) },
  line: { marginBottom: theme.spacing(0.5) },
  mono: { fontFamily: 'monospace' },
  scroll: { overflowX: 'auto' },
  table: { '& th, & td': { whiteSpace: 'nowrap' } },
  secondary: { display: 'block', color: theme.palette.text.secondary },
}));

/**
 * The GPUs the entity's pods hold and wait for, on which nodes (product,
 * memory, MIG and time-slicing), and — with Prometheus and the DCGM exporter —
 * how busy they are. Reads the `backstage.io/kubernetes-id` or
 * `backstage.io/kubernetes-label-selector` annotation.
 *
 * @public
 */
export function GpuCard(props: GpuCardProps) {
  return (
    <EntityHealthCard
      title={props.title ?? DEFAULT_TITLE}
      isAvailable={isKubernetesAvailable}
      annotation={[
        ANNOTATION_KUBERNETES_ID,
        ANNOTATION_KUBERNETES_LABEL_SELECTOR,
      ]}
      refreshMs={props.refreshMs}
    >
      {(health, retry) => (
        <GpuView
          signal={health.signals?.gpu}
          detail={health.details?.gpu}
          workload={health.details?.workload}
          onRetry={retry}
        />
      )}
    </EntityHealthCard>
  );
}

const podKey = (p: { cluster: string; namespace?: string; name: string }) =>
  `${p.cluster}/${p.namespace ?? ''}/${p.name}`;

function findNode(
  detail: GpuDetail,
  pod: EntityGpuPod,
): (GpuNodeInfo & { cluster: string }) | undefined {
  if (!pod.node) return undefined;
  return (detail.nodes ?? []).find(
    n => n.node === pod.node && n.cluster === pod.cluster,
  );
}

function findPodSummary(
  workload: WorkloadDetail | undefined,
  pod: EntityGpuPod,
): PodSummary | undefined {
  const cluster = workload?.clusters?.find(c => c.cluster === pod.cluster);
  return cluster?.pods?.find(
    p =>
      p.name === pod.name &&
      (p.namespace === undefined ||
        pod.namespace === undefined ||
        p.namespace === pod.namespace),
  );
}

const shortResource = (resource: string) =>
  resource === 'nvidia.com/gpu' ? 'GPU' : resource;

/** Why GPUs of `resource` wait: what the scheduler said about the pods that ask for them. */
function waitingWhy(
  resource: string,
  detail: GpuDetail,
  workload: WorkloadDetail | undefined,
): string {
  const pods = detail.pods.filter(
    p => !p.scheduled && (p.resources?.[resource] ?? 0) > 0,
  );
  const summaries = pods.map(p => findPodSummary(workload, p));
  if (
    summaries.some(s =>
      (s?.insufficient ?? []).some(i => i.resource === resource),
    )
  ) {
    return `no node has a free ${shortResource(resource)}`;
  }
  const reason = summaries.find(s => s?.reason?.trim())?.reason;
  if (reason) return reason;
  return pods.length
    ? `${pods.map(p => p.name).join(', ')} not scheduled on any node yet`
    : 'not scheduled on any node yet';
}

function GpuView(props: {
  signal: SignalHealth | undefined;
  detail: GpuDetail | undefined;
  workload: WorkloadDetail | undefined;
  onRetry: () => void;
}) {
  const classes = useStyles();
  const { signal, detail, workload, onRetry } = props;
  const pods = Array.isArray(detail?.pods) ? detail!.pods : [];

  if (
    !signal?.problem &&
    pods.length === 0 &&
    signal &&
    ASKS_FOR_NO_GPUS.test(signal.reason)
  ) {
    return (
      <Typography variant="body2" component="p">
        No GPUs: {signal.reason}.
      </Typography>
    );
  }

  const missing = 'The backend gave no GPU signal.';
  // green only with pods to back it
  const top = (
    <SignalVerdict
      signal={signal}
      hasData={pods.length > 0}
      missing={missing}
      onRetry={onRetry}
    />
  );

  if (!detail || pods.length === 0) {
    // nothing read: say why, without a status that could pass for healthy
    if (signalExplains(signal)) return top;
    return (
      <EmptyState
        missing="info"
        title="No GPU pods"
        description={signal?.reason ?? missing}
      />
    );
  }

  const held = resourcesText(detail.held);
  const waiting = Object.entries(detail.waiting ?? {}).filter(
    ([, n]) => typeof n === 'number' && n > 0,
  );
  const waitingStatus: SignalStatus =
    signal?.status === 'error' ? 'error' : 'warning';
  const anyMetrics = pods.some(
    p =>
      p.utilizationPercent !== undefined ||
      p.framebufferUsedMiB !== undefined ||
      usablePoints(p.utilizationSeries).length > 0,
  );
  const charted = pods.filter(
    p => usablePoints(p.utilizationSeries).length > 0,
  );

  return (
    <>
      {top}
      <Box className={classes.section}>
        <Typography variant="body2" component="p" className={classes.line}>
          {held ? `Holds ${held}` : 'Holds no GPUs'}
        </Typography>
        {waiting.map(([resource, n]) => (
          <Typography
            key={resource}
            variant="body2"
            component="p"
            className={classes.line}
          >
            <StatusText status={waitingStatus}>
              {`${n} ${resource} waiting: ${waitingWhy(
                resource,
                detail,
                workload,
              )}`}
            </StatusText>
          </Typography>
        ))}
      </Box>
      {detail.metricsProblem && (
        <Box className={classes.section}>
          <ProblemPanel problem={detail.metricsProblem} severity="warning" />
        </Box>
      )}
      <PodTable detail={detail} pods={pods} workload={workload} />
      {!anyMetrics && !detail.metricsProblem && (
        <Typography
          variant="caption"
          component="p"
          color="textSecondary"
          className={classes.line}
        >
          No GPU utilization or memory use: these need mlops.prometheus and the
          NVIDIA DCGM exporter.
        </Typography>
      )}
      {charted.length > 0 && (
        <Box className={classes.section}>
          {charted.map(pod => (
            <TimeSeriesChart
              key={podKey(pod)}
              title={`GPU utilization of ${pod.name} over the last hour`}
              series={pod.utilizationSeries}
              format={v => `${Math.round(v)}%`}
              domain={[0, 100]}
            />
          ))}
        </Box>
      )}
    </>
  );
}

function PodTable(props: {
  detail: GpuDetail;
  pods: EntityGpuPod[];
  workload: WorkloadDetail | undefined;
}) {
  const classes = useStyles();
  const { detail, pods, workload } = props;
  return (
    <Box className={`${classes.scroll} ${classes.section}`}>
      <Table size="small" className={classes.table} aria-label="GPU pods">
        <TableHead>
          <TableRow>
            <TableCell>Pod</TableCell>
            <TableCell>Node</TableCell>
            <TableCell>Product</TableCell>
            <TableCell>GPU memory</TableCell>
            <TableCell>Resources</TableCell>
            <TableCell>Utilization</TableCell>
            <TableCell>Framebuffer used</TableCell>
            <TableCell>MIG / sharing</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {pods.map(pod => {
            const node = findNode(detail, pod);
            const labels = node?.labels;
            const memory = mebibytes(labelNumber(labels, 'memoryMiB'));
            const used = mebibytes(pod.framebufferUsedMiB);
            const total =
              pod.framebufferUsedMiB !== undefined &&
              pod.framebufferFreeMiB !== undefined
                ? mebibytes(pod.framebufferUsedMiB + pod.framebufferFreeMiB)
                : undefined;
            const summary = pod.scheduled
              ? undefined
              : findPodSummary(workload, pod);
            return (
              <TableRow key={podKey(pod)}>
                <TableCell component="th" scope="row">
                  <span className={classes.mono}>{pod.name}</span>
                  <Typography variant="caption" className={classes.secondary}>
                    {[pod.cluster, pod.namespace].filter(Boolean).join(' · ')}
                  </Typography>
                </TableCell>
                <TableCell>
                  {pod.scheduled ? (
                    pod.node ?? MISSING
                  ) : (
                    <StatusText status="warning">
                      {`not scheduled${
                        summary?.reason ? `: ${summary.reason}` : ''
                      }`}
                    </StatusText>
                  )}
                </TableCell>
                <TableCell>{gpuProduct(labels) ?? MISSING}</TableCell>
                <TableCell>{memory ?? MISSING}</TableCell>
                <TableCell>{resourcesText(pod.resources) || MISSING}</TableCell>
                <TableCell>
                  {pod.utilizationPercent !== undefined &&
                  Number.isFinite(pod.utilizationPercent)
                    ? `${Math.round(pod.utilizationPercent)}%`
                    : MISSING}
                </TableCell>
                <TableCell>
                  {used ? `${used}${total ? ` of ${total}` : ''}` : MISSING}
                </TableCell>
                <TableCell>{sharingText(labels) ?? MISSING}</TableCell>
              </TableRow>
            );
          })}
        </TableBody>
      </Table>
    </Box>
  );
}

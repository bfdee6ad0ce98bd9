import { useMemo } from 'react';
import { EmptyState, Progress, WarningPanel } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { GpuNodesReport, UpstreamProblem } from '@internal/plugin-mlops-common';
import Box from '@material-ui/core/Box';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { mlopsHealthApiRef } from '../../api';
import { ProblemPanel, RequestError, RetryButton } from '../common';
import { GpuNodesTable } from './GpuNodesTable';
import {
  NodeView,
  nodeView,
  timeSlicedGpuNodes,
  totalLine,
  totals,
} from './gpuNodes';

const useStyles = makeStyles(theme => ({
  summary: { marginBottom: theme.spacing(3) },
  section: { marginBottom: theme.spacing(4) },
  heading: { marginBottom: theme.spacing(1) },
  panel: { marginBottom: theme.spacing(1) },
  list: { margin: 0, paddingLeft: theme.spacing(2) },
}));

interface ClusterView {
  cluster: string;
  problem?: UpstreamProblem;
  nodes: NodeView[];
}

function nodeCount(n: number): string {
  return `${n} GPU ${n === 1 ? 'node' : 'nodes'}`;
}

/** The totals of some nodes, one line per resource, with the time-slicing caveat. */
function Totals(props: { nodes: NodeView[]; label: string }) {
  const classes = useStyles();
  const { nodes, label } = props;
  const lines = totals(nodes).map(totalLine);
  const sliced = timeSlicedGpuNodes(nodes);
  return (
    <Box aria-label={label} role="group">
      <Typography variant="body1" component="p">
        {nodeCount(nodes.length)}
        {lines.length === 0 ? ', no GPU resources' : ':'}
      </Typography>
      {lines.length > 0 && (
        <ul className={classes.list}>
          {lines.map(line => (
            <li key={line}>
              <Typography variant="body1" component="span">
                {line}
              </Typography>
            </li>
          ))}
        </ul>
      )}
      {sliced > 0 && (
        <Typography variant="body2" component="p">
          On {sliced} time-sliced {sliced === 1 ? 'node' : 'nodes'}, GPUs count
          replicas, not physical GPUs.
        </Typography>
      )}
    </Box>
  );
}

function ClusterSection(props: { cluster: ClusterView }) {
  const classes = useStyles();
  const { cluster, problem, nodes } = props.cluster;
  const headingId = `gpu-cluster-${cluster.replace(/[^a-z0-9-]/gi, '-')}`;
  return (
    <section aria-labelledby={headingId} className={classes.section}>
      <Typography
        id={headingId}
        variant="h5"
        component="h2"
        className={classes.heading}
      >
        {cluster}
      </Typography>
      {problem && (
        <Box className={classes.panel}>
          <ProblemPanel problem={problem} />
          {nodes.length > 0 && (
            <Typography variant="body2" component="p">
              The nodes below are as last read from {cluster}.
            </Typography>
          )}
        </Box>
      )}
      {nodes.length === 0 ? (
        !problem && (
          <Typography variant="body1" component="p">
            No GPU nodes: no node of {cluster} has nvidia.com GPU resources or
            labels.
          </Typography>
        )
      ) : (
        <>
          <Totals nodes={nodes} label={`Totals of ${cluster}`} />
          <GpuNodesTable cluster={cluster} nodes={nodes} />
        </>
      )}
    </section>
  );
}

/**
 * Body of the "GPU fleet" page: per cluster, every GPU node with product,
 * memory, GPUs (capacity, allocatable, requested, idle), readiness, MIG and
 * time-slicing, GPU taints, and the pods that hold its GPUs; totals per
 * cluster and overall. Utilization is not part of this report and not shown.
 */
export function GpuFleetContent() {
  const api = useApi(mlopsHealthApiRef);
  const { loading, error, value, retry } = useAsyncRetry(
    () => api.getGpuNodes(),
    [api],
  );

  if (loading) {
    return <Progress />;
  }
  if (error) {
    return <RequestError error={error} onRetry={retry} />;
  }
  if (!value || !Array.isArray(value.clusters)) {
    return (
      <>
        <WarningPanel
          severity="error"
          title="mlops backend: malformed response"
          message="The GPU nodes answer has no list of clusters."
        />
        <RetryButton onRetry={retry} />
      </>
    );
  }
  if (value.clusters.length === 0) {
    return (
      <EmptyState
        missing="data"
        title="No clusters to read GPU nodes from"
        description={
          value.reason ?? 'The backend reports no Kubernetes cluster.'
        }
      />
    );
  }
  return <GpuFleetView report={value} />;
}

function GpuFleetView(props: { report: GpuNodesReport }) {
  const classes = useStyles();
  const clusters = useMemo<ClusterView[]>(
    () =>
      props.report.clusters.map(c => ({
        cluster: String(c.cluster),
        problem: c.problem,
        nodes: (Array.isArray(c.nodes) ? c.nodes : []).map(nodeView),
      })),
    [props.report],
  );
  const all = clusters.flatMap(c => c.nodes);
  const unread = clusters.filter(c => c.problem);
  return (
    <>
      <Box className={classes.summary}>
        <Typography variant="body1" component="p">
          {clusters.length} {clusters.length === 1 ? 'cluster' : 'clusters'}
          {unread.length > 0 &&
            ` (${unread.length} could not be read: ${unread
              .map(c => c.cluster)
              .join(', ')}; totals count only the nodes that were read)`}
        </Typography>
        <Totals nodes={all} label="Totals of all clusters" />
      </Box>
      {clusters.map(c => (
        <ClusterSection key={c.cluster} cluster={c} />
      ))}
    </>
  );
}

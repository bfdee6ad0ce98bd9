import Box from '@material-ui/core/Box';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import { makeStyles } from '@material-ui/core/styles';
import { MISSING, StatusText, readableCells } from '../common';
import { GPU, NodeView, ResourceCount, resourceLabel } from './gpuNodes';

const useStyles = makeStyles({
  scroll: { overflowX: 'auto' },
  table: { '& td, & th': { verticalAlign: 'top' }, ...readableCells },
  list: { margin: 0, padding: 0, listStyle: 'none' },
  mono: { fontFamily: 'monospace', whiteSpace: 'nowrap' },
  nowrap: { whiteSpace: 'nowrap' },
  secondary: { opacity: 0.75 },
});

export const NODE_COLUMNS = [
  'Node',
  'Product',
  'GPU memory',
  'GPUs (capacity)',
  'Allocatable',
  'Requested',
  'Idle',
  'State',
  'MIG / sharing',
  'GPU taints',
  'Pods holding GPUs',
];

/** A lone `nvidia.com/gpu` count as a number; anything else as labelled lines. */
function Counts(props: { counts: ResourceCount[]; idle?: boolean }) {
  const classes = useStyles();
  const { counts, idle } = props;
  if (counts.length === 0) return <>none</>;
  const text = (r: ResourceCount) =>
    idle && r.count < 0 ? (
      <StatusText status="error">
        {r.count} (over-committed by {-r.count})
      </StatusText>
    ) : (
      r.count
    );
  if (counts.length === 1 && counts[0].resource === GPU) {
    return <>{text(counts[0])}</>;
  }
  return (
    <ul className={classes.list}>
      {counts.map(r => (
        <li key={r.resource} className={classes.nowrap}>
          {resourceLabel(r.resource)}: {text(r)}
        </li>
      ))}
    </ul>
  );
}

function mib(n: number): string {
  return `${n.toLocaleString('en-US')} MiB`;
}

function State(props: { node: NodeView }) {
  const classes = useStyles();
  const { ready, cordoned } = props.node;
  return (
    <ul className={classes.list}>
      <li className={classes.nowrap}>
        {ready === undefined ? (
          <StatusText status="unknown">Readiness not reported</StatusText>
        ) : (
          <StatusText status={ready ? 'ok' : 'error'}>
            {ready ? 'Ready' : 'Not ready'}
          </StatusText>
        )}
      </li>
      {cordoned && (
        <li className={classes.nowrap}>
          <StatusText status="warning">Cordoned</StatusText>
        </li>
      )}
    </ul>
  );
}

function Sharing(props: { node: NodeView }) {
  const classes = useStyles();
  const { mig, sharing, physical } = props.node;
  if (!mig && !sharing) return <>none</>;
  return (
    <ul className={classes.list}>
      {mig && (
        <li>
          MIG {mig.strategy ?? 'strategy not reported'}
          {mig.capable === false ? ' (not MIG-capable)' : ''}
          {mig.profiles.length > 0 && ': '}
          {mig.profiles
            .map(
              p =>
                `${p.profile} × ${p.count ?? '?'}${
                  p.memoryMB !== undefined ? ` (${p.memoryMB} MB)` : ''
                }`,
            )
            .join(', ')}
        </li>
      )}
      {sharing && (
        <li>
          {sharing.strategy && sharing.strategy !== 'none'
            ? sharing.strategy
            : 'shared'}
          {sharing.replicas !== undefined
            ? `: ${sharing.replicas} replicas per GPU`
            : ''}
          {physical !== undefined
            ? ` (${physical} physical ${physical === 1 ? 'GPU' : 'GPUs'})`
            : ''}
        </li>
      )}
    </ul>
  );
}

/** One row per GPU node of a cluster: what it has, what is held, by which pods. */
export function GpuNodesTable(props: { cluster: string; nodes: NodeView[] }) {
  const classes = useStyles();
  return (
    <Box className={classes.scroll}>
      <Table
        size="small"
        className={classes.table}
        aria-label={`GPU nodes of ${props.cluster}`}
      >
        <TableHead>
          <TableRow>
            {NODE_COLUMNS.map(c => (
              <TableCell key={c}>{c}</TableCell>
            ))}
          </TableRow>
        </TableHead>
        <TableBody>
          {props.nodes.map(node => (
            <TableRow key={node.node}>
              <TableCell
                component="th"
                scope="row"
                role="rowheader"
                className={classes.mono}
              >
                {node.node}
              </TableCell>
              <TableCell>
                {/* product names are identifiers: never broken */}
                <div className={classes.nowrap}>{node.product ?? MISSING}</div>
                {node.publishedProduct && (
                  <div className={classes.secondary}>
                    published as{' '}
                    <span className={classes.nowrap}>
                      {node.publishedProduct}
                    </span>
                  </div>
                )}
                {node.family && (
                  <div className={`${classes.secondary} ${classes.nowrap}`}>
                    {node.family}
                  </div>
                )}
              </TableCell>
              <TableCell className={classes.nowrap}>
                {node.memoryMiB !== undefined ? mib(node.memoryMiB) : MISSING}
              </TableCell>
              <TableCell>
                <Counts counts={node.capacity} />
              </TableCell>
              <TableCell>
                <Counts counts={node.allocatable} />
              </TableCell>
              <TableCell>
                <Counts counts={node.requested} />
              </TableCell>
              <TableCell>
                <Counts counts={node.free} idle />
              </TableCell>
              <TableCell>
                <State node={node} />
              </TableCell>
              <TableCell>
                <Sharing node={node} />
              </TableCell>
              <TableCell>
                {node.gpuTaints.length === 0 ? (
                  'none'
                ) : (
                  <ul className={classes.list}>
                    {node.gpuTaints.map(t => (
                      <li key={t} className={classes.mono}>
                        {t}
                      </li>
                    ))}
                  </ul>
                )}
              </TableCell>
              <TableCell>
                {node.pods.length === 0 ? (
                  'none'
                ) : (
                  <ul className={classes.list}>
                    {node.pods.map(p => (
                      <li key={p.ref}>
                        <span className={classes.mono}>{p.ref}</span>:{' '}
                        {p.resources
                          .map(r => `${resourceLabel(r.resource)} × ${r.count}`)
                          .join(', ') || 'no GPU resources'}
                      </li>
                    ))}
                  </ul>
                )}
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </Box>
  );
}

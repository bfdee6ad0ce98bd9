import { memo } from 'react';
import { Link } from '@backstage/core-components';
import { useRouteRef } from '@backstage/core-plugin-api';
import { entityRouteRef } from '@backstage/plugin-catalog-react';
import Box from '@material-ui/core/Box';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import TableSortLabel from '@material-ui/core/TableSortLabel';
import { makeStyles } from '@material-ui/core/styles';
import { SignalKind } from '@internal/plugin-mlops-common';
import {
  MISSING,
  StatusText,
  VisuallyHidden,
  readableCells,
  problemTitle,
} from '../common';
import {
  FleetRow,
  SIGNALS,
  STATUS_WORDS,
  SortDirection,
  SortKey,
} from './fleetRows';

// Headers stay on one line and names wrap only between words (the theme
// breaks words anywhere); a table wider than the page scrolls sideways.
// Every column up to the delivery verdict fits a 1280 px window with the
// sidebar open (e2e checks it in Chromium): tighter padding than the theme's
// 20 px / 16 px, and the verdict wraps in 200 px.
const useStyles = makeStyles({
  scroll: { overflowX: 'auto' },
  table: {
    '& td, & th': { verticalAlign: 'top', paddingLeft: 12, paddingRight: 8 },
    ...readableCells,
    // service names get more room than the shared 120 px; set here, as a
    // class on the cell would lose to the more specific `tbody th` rule
    '& tbody th': { ...readableCells['& tbody th'], minWidth: 140 },
    // icon-only columns, in this rule for the same reason: 6 px on either
    // side, the icon alone in the middle (StatusText is a flex line with a
    // gap before its empty text, and Backstage's status icon keeps 8 px on
    // its right for a label that is not shown here)
    '& $signal': {
      paddingLeft: 6,
      paddingRight: 6,
      '& > span': { justifyContent: 'center', gap: 0 },
      '& svg': { marginRight: 0 },
    },
  },
  nowrap: { whiteSpace: 'nowrap' },
  signal: {},
  verdict: { minWidth: 200 },
});

type Classes = ReturnType<typeof useStyles>;

function SignalCell(props: {
  row: FleetRow;
  kind: SignalKind;
  classes: Classes;
}) {
  const { row, kind, classes } = props;
  const signal = row.signals[kind];
  const reason = signal.reason || 'no reason given';
  const tip = signal.problem
    ? `${reason} (${problemTitle(signal.problem)})`
    : reason;
  return (
    <TableCell className={classes.signal} title={tip}>
      <StatusText status={signal.status}>
        <VisuallyHidden>{tip}</VisuallyHidden>
      </StatusText>
    </TableCell>
  );
}

const Row = memo(function FleetTableRow(props: {
  row: FleetRow;
  href?: string;
  ownerHref?: string;
  showCluster: boolean;
}) {
  const classes = useStyles();
  const { row, href, ownerHref, showCluster } = props;
  return (
    <TableRow>
      <TableCell component="th" scope="row" role="rowheader">
        {href ? <Link to={href}>{row.label}</Link> : row.label}
      </TableCell>
      <TableCell className={classes.nowrap}>
        {row.ownerLabel && ownerHref ? (
          <Link to={ownerHref}>{row.ownerLabel}</Link>
        ) : (
          row.ownerLabel ?? MISSING
        )}
      </TableCell>
      <TableCell className={classes.nowrap}>{row.runtime ?? MISSING}</TableCell>
      {showCluster && (
        <TableCell className={classes.nowrap}>
          {row.cluster ?? MISSING}
        </TableCell>
      )}
      <TableCell className={classes.nowrap}>
        <StatusText status={row.status}>{STATUS_WORDS[row.status]}</StatusText>
      </TableCell>
      {SIGNALS.map(({ kind }) => (
        <SignalCell key={kind} row={row} kind={kind} classes={classes} />
      ))}
      <TableCell className={classes.verdict}>
        <StatusText status={row.delivery.status}>
          {row.delivery.verdict}
        </StatusText>
      </TableCell>
    </TableRow>
  );
});

function SortableHeader(props: {
  sortKey: SortKey;
  label: string;
  sort: { key: SortKey; direction: SortDirection };
  onSort: (key: SortKey) => void;
}) {
  const { sortKey, label, sort, onSort } = props;
  const active = sort.key === sortKey;
  return (
    <TableCell sortDirection={active ? sort.direction : false}>
      <TableSortLabel
        active={active}
        direction={active ? sort.direction : 'asc'}
        onClick={() => onSort(sortKey)}
      >
        {label}
      </TableSortLabel>
    </TableCell>
  );
}

/** One page of model services: name, owner, runtime, status, six signals, delivery verdict. */
export function FleetTable(props: {
  rows: FleetRow[];
  showCluster: boolean;
  sort: { key: SortKey; direction: SortDirection };
  onSort: (key: SortKey) => void;
}) {
  const classes = useStyles();
  const { rows, showCluster, sort, onSort } = props;
  const entityRoute = useRouteRef(entityRouteRef);
  const hrefOf = (params: FleetRow['route']) => {
    if (!params) return undefined;
    try {
      return entityRoute({
        kind: encodeURIComponent(params.kind.toLocaleLowerCase('en-US')),
        namespace: encodeURIComponent(
          params.namespace.toLocaleLowerCase('en-US'),
        ),
        name: encodeURIComponent(params.name),
      });
    } catch {
      return undefined;
    }
  };
  return (
    <Box className={classes.scroll}>
      <Table size="small" className={classes.table} aria-label="Model services">
        <TableHead>
          <TableRow>
            <SortableHeader
              sortKey="name"
              label="Model service"
              sort={sort}
              onSort={onSort}
            />
            <SortableHeader
              sortKey="owner"
              label="Owner"
              sort={sort}
              onSort={onSort}
            />
            <TableCell>Runtime</TableCell>
            {showCluster && <TableCell>Cluster</TableCell>}
            <SortableHeader
              sortKey="status"
              label="Status"
              sort={sort}
              onSort={onSort}
            />
            {SIGNALS.map(({ kind, title }) => (
              <TableCell key={kind} className={classes.signal}>
                {title}
              </TableCell>
            ))}
            <TableCell>Delivery</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {rows.map(row => (
            <Row
              key={row.key}
              row={row}
              href={hrefOf(row.route)}
              ownerHref={hrefOf(row.ownerRoute)}
              showCluster={showCluster}
            />
          ))}
        </TableBody>
      </Table>
    </Box>
  );
}

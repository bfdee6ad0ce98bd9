import { ChangeEvent, useCallback, useMemo, useState } from 'react';
import { Entity } from '@backstage/catalog-model';
import { EmptyState, Progress, WarningPanel } from '@backstage/core-components';
import { EntityHealth } from '@internal/plugin-mlops-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import TablePagination from '@material-ui/core/TablePagination';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import { RequestError, RetryButton } from '../common';
import { FleetTable } from './FleetTable';
import {
  ALL,
  FleetFilters,
  NO_FILTERS,
  STATUS_ORDER,
  STATUS_WORDS,
  SortDirection,
  SortKey,
  buildRows,
  count,
  countByStatus,
  filterRows,
  optionsOf,
  ownerLabel,
  sortRows,
} from './fleetRows';
import { useFleet } from './useFleet';

const PAGE_SIZES = [25, 50, 100];

const useStyles = makeStyles(theme => ({
  counts: { marginBottom: theme.spacing(2) },
  toolbar: {
    display: 'flex',
    alignItems: 'flex-end',
    flexWrap: 'wrap',
    gap: theme.spacing(2),
    marginBottom: theme.spacing(2),
  },
  search: { minWidth: 260 },
  select: { minWidth: 160 },
  panel: { marginBottom: theme.spacing(2) },
  none: { padding: theme.spacing(2, 0) },
}));

const STATUS_NOUNS: Record<keyof typeof STATUS_WORDS, string> = {
  error: 'broken',
  warning: 'degraded',
  ok: 'healthy',
  unknown: 'unknown',
};

/**
 * Body of the "Model services" page: every model service in the catalog with
 * its six signals and delivery verdict; filter by owner, runtime, cluster,
 * status or text, sort by name, owner or status, one page at a time.
 */
export function FleetContent() {
  const { loading, error, catalogError, items, entities, retry } = useFleet();

  if (loading) {
    return <Progress />;
  }
  if (error) {
    return <RequestError error={error} onRetry={retry} />;
  }
  if (!Array.isArray(items)) {
    return (
      <>
        <WarningPanel
          severity="error"
          title="mlops backend: malformed response"
          message="The fleet health answer has no list of model services."
        />
        <RetryButton onRetry={retry} />
      </>
    );
  }
  if (items.length === 0) {
    return (
      <EmptyState
        missing="content"
        title="No model services in the catalog"
        description="Model services are components of type model-service or model-server. Create one from the model service template, or register a catalog-info.yaml with spec.type: model-service, and it appears here with its signals."
      />
    );
  }
  return (
    <FleetView
      items={items}
      entities={Array.isArray(entities) ? entities : undefined}
      catalogError={catalogError}
    />
  );
}

function FilterSelect(props: {
  id: string;
  label: string;
  allLabel: string;
  value: string;
  options: Array<{ value: string; label: string }>;
  onChange: (value: string) => void;
  className: string;
}) {
  return (
    <TextField
      select
      id={props.id}
      label={props.label}
      value={props.value}
      onChange={event => props.onChange(event.target.value)}
      SelectProps={{ native: true }}
      // the first option ("All owners", …) has the empty value, which MUI
      // takes for "no value" and would draw the label over it: keep the label
      // above the select at all times
      InputLabelProps={{ shrink: true }}
      className={props.className}
    >
      <option value={ALL}>{props.allLabel}</option>
      {props.options.map(o => (
        <option key={o.value} value={o.value}>
          {o.label}
        </option>
      ))}
    </TextField>
  );
}

function FleetView(props: {
  items: EntityHealth[];
  entities?: Entity[];
  catalogError?: Error;
}) {
  const classes = useStyles();
  const { items, entities, catalogError } = props;
  const [filters, setFilters] = useState<FleetFilters>(NO_FILTERS);
  const [sort, setSort] = useState<{ key: SortKey; direction: SortDirection }>({
    key: 'status',
    direction: 'asc',
  });
  const [page, setPage] = useState(0);
  const [pageSize, setPageSize] = useState(50);

  const rows = useMemo(() => buildRows(items, entities), [items, entities]);
  const counts = useMemo(() => countByStatus(rows), [rows]);
  const owners = useMemo(
    () => optionsOf(rows, r => r.owner, 'No owner', ownerLabel),
    [rows],
  );
  const runtimes = useMemo(
    () => optionsOf(rows, r => r.runtime, 'No runtime known'),
    [rows],
  );
  const clusters = useMemo(
    () => optionsOf(rows, r => r.cluster, 'No cluster annotation'),
    [rows],
  );
  const filtered = useMemo(() => filterRows(rows, filters), [rows, filters]);
  const sorted = useMemo(
    () => sortRows(filtered, sort.key, sort.direction),
    [filtered, sort],
  );

  const lastPage = Math.max(0, Math.ceil(sorted.length / pageSize) - 1);
  const shownPage = Math.min(page, lastPage);
  const pageRows = sorted.slice(
    shownPage * pageSize,
    (shownPage + 1) * pageSize,
  );

  const setFilter = useCallback(
    (key: keyof FleetFilters) => (value: string) => {
      setFilters(previous => ({ ...previous, [key]: value }));
      setPage(0);
    },
    [],
  );
  const onSort = useCallback((key: SortKey) => {
    setSort(previous =>
      previous.key === key
        ? { key, direction: previous.direction === 'asc' ? 'desc' : 'asc' }
        : { key, direction: 'asc' },
    );
    setPage(0);
  }, []);
  const filtering =
    filters.owner !== ALL ||
    filters.runtime !== ALL ||
    filters.cluster !== ALL ||
    filters.status !== ALL ||
    filters.search.trim() !== '';
  // owner, runtime and cluster come from the catalog: a filter shows only
  // when there is something to pick; the cluster only when some service
  // carries the backstage.io/kubernetes-cluster annotation
  const showCluster = clusters.length > 0;

  return (
    <>
      <Typography variant="body1" component="p" className={classes.counts}>
        {count(rows.length)} model {rows.length === 1 ? 'service' : 'services'}:{' '}
        {STATUS_ORDER.map(s => `${count(counts[s])} ${STATUS_NOUNS[s]}`).join(
          ' · ',
        )}
      </Typography>
      {catalogError && (
        <Box className={classes.panel}>
          <WarningPanel
            severity="warning"
            title="Catalog: owners, runtimes and clusters could not be read"
            message={catalogError.message}
          />
        </Box>
      )}
      <Box
        className={classes.toolbar}
        role="search"
        aria-label="Filter model services"
      >
        <TextField
          id="model-services-search"
          type="search"
          label="Search"
          placeholder="name, owner, runtime, reason…"
          value={filters.search}
          onChange={(event: ChangeEvent<HTMLInputElement>) =>
            setFilter('search')(event.target.value)
          }
          className={classes.search}
        />
        {owners.length > 0 && (
          <FilterSelect
            id="model-services-owner"
            label="Owner"
            allLabel="All owners"
            value={filters.owner}
            options={owners}
            onChange={setFilter('owner')}
            className={classes.select}
          />
        )}
        {runtimes.length > 0 && (
          <FilterSelect
            id="model-services-runtime"
            label="Runtime"
            allLabel="All runtimes"
            value={filters.runtime}
            options={runtimes}
            onChange={setFilter('runtime')}
            className={classes.select}
          />
        )}
        {showCluster && (
          <FilterSelect
            id="model-services-cluster"
            label="Cluster"
            allLabel="All clusters"
            value={filters.cluster}
            options={clusters}
            onChange={setFilter('cluster')}
            className={classes.select}
          />
        )}
        <FilterSelect
          id="model-services-status"
          label="Status"
          allLabel="All statuses"
          value={filters.status}
          options={STATUS_ORDER.map(s => ({
            value: s,
            label: `${STATUS_WORDS[s]} (${count(counts[s])})`,
          }))}
          onChange={setFilter('status')}
          className={classes.select}
        />
        {filtering && (
          <Button
            variant="outlined"
            size="small"
            onClick={() => {
              setFilters(NO_FILTERS);
              setPage(0);
            }}
          >
            Clear filters
          </Button>
        )}
      </Box>
      {sorted.length === 0 ? (
        <Typography variant="body1" component="p" className={classes.none}>
          No model services match these filters.
        </Typography>
      ) : (
        <>
          <FleetTable
            rows={pageRows}
            showCluster={showCluster}
            sort={sort}
            onSort={onSort}
          />
          <TablePagination
            component="div"
            count={sorted.length}
            page={shownPage}
            rowsPerPage={pageSize}
            rowsPerPageOptions={PAGE_SIZES}
            onPageChange={(_event, next) => setPage(next)}
            onRowsPerPageChange={event => {
              setPageSize(Number(event.target.value));
              setPage(0);
            }}
            labelRowsPerPage="Rows per page:"
            labelDisplayedRows={({ from, to, count: total }) =>
              `Showing ${count(from)}–${count(to)} of ${count(total)}`
            }
            SelectProps={{
              native: true,
              inputProps: { 'aria-label': 'Rows per page' },
            }}
          />
        </>
      )}
    </>
  );
}

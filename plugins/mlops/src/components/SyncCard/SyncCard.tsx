import { useId, useState } from 'react';
import { Link } from '@backstage/core-components';
import { getCompoundEntityRef } from '@backstage/catalog-model';
import { useApi } from '@backstage/core-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import { usePermission } from '@backstage/plugin-permission-react';
import {
  ANNOTATION_ARGOCD_APP_NAME,
  ANNOTATION_ARGOCD_APP_SELECTOR,
  ArgoHealthStatus,
  ArgoOperationPhase,
  ArgoSyncStatus,
  EntityHealth,
  SignalStatus,
  SyncActionResponse,
  SyncApp,
  SyncHistoryEntry,
  isSyncAvailable,
  mlopsSyncPermission,
} from '@internal/plugin-mlops-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogContentText from '@material-ui/core/DialogContentText';
import DialogTitle from '@material-ui/core/DialogTitle';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import useAsyncFn from 'react-use/esm/useAsyncFn';
import { mlopsActionsApiRef } from '../../api';
import {
  MISSING,
  ProblemPanel,
  RetryButton,
  StatusText,
  ago,
  shortSha,
} from '../common';
import {
  ActionMessage,
  EntityHealthCard,
  ItemSection,
  SignalEmptyState,
  SignalLine,
  actionErrorText,
} from '../common/cardParts';
import { imageDrift } from './images';

/** @public */
export interface SyncCardProps {
  /** Card title; defaults to "Argo CD sync". */
  title?: string;
}

const DEFAULT_TITLE = 'Argo CD sync';

const useStyles = makeStyles(theme => ({
  facts: {
    display: 'grid',
    gridTemplateColumns: 'max-content 1fr',
    columnGap: theme.spacing(2),
    rowGap: theme.spacing(0.5),
    margin: theme.spacing(0, 0, 1, 0),
    '& dt': { color: theme.palette.text.secondary },
    '& dd': { margin: 0, overflowWrap: 'anywhere' },
  },
  mono: { fontFamily: 'monospace' },
  callout: {
    borderLeft: `4px solid ${theme.palette.warning.main}`,
    padding: theme.spacing(0.5, 1.5),
    marginBottom: theme.spacing(1),
  },
  subheading: { marginTop: theme.spacing(1) },
  scroll: { overflowX: 'auto' },
  table: { '& th, & td': { whiteSpace: 'nowrap' } },
  list: { margin: 0, paddingLeft: theme.spacing(2.5) },
}));

/**
 * The entity's Argo CD applications on each instance: sync status, health,
 * revision, the image each runs against the image GitOps asks for, auto-sync,
 * the last operation, conditions and history; "Sync" and "Rollback" for
 * people the permission policy allows to sync.
 *
 * @public
 */
export function SyncCard(props: SyncCardProps) {
  return (
    <EntityHealthCard
      title={props.title ?? DEFAULT_TITLE}
      isAvailable={isSyncAvailable}
      annotation={[ANNOTATION_ARGOCD_APP_NAME, ANNOTATION_ARGOCD_APP_SELECTOR]}
    >
      {(health, retry) => <SyncContent health={health} retry={retry} />}
    </EntityHealthCard>
  );
}

function SyncContent(props: { health: EntityHealth; retry: () => void }) {
  const { health, retry } = props;
  const signal = health.signals?.sync;
  const report = health.details?.sync;
  // the backend decides again on each request; this only hides the buttons
  const { allowed } = usePermission({ permission: mlopsSyncPermission });

  if (!report) {
    return (
      <SignalEmptyState
        signal={signal}
        title="No Argo CD application to show"
        what="the sync signal"
        onRetry={retry}
      />
    );
  }
  const apps = Array.isArray(report.apps) ? report.apps : [];
  const problems = Array.isArray(report.problems) ? report.problems : [];
  return (
    <>
      {signal && <SignalLine signal={signal} hasData={apps.length > 0} />}
      {signal?.problem && <ProblemPanel problem={signal.problem} />}
      {problems.map(p => (
        <ProblemPanel
          key={`${p.instance} ${p.problem.upstream} ${p.problem.fault}`}
          problem={p.problem}
        />
      ))}
      {(signal?.problem || problems.length > 0) && (
        <RetryButton onRetry={retry} />
      )}
      {apps.length === 0 && problems.length === 0 && (
        <Typography variant="body2" component="div">
          <StatusText status="unknown">
            No Argo CD application matches this service's annotations.
          </StatusText>
        </Typography>
      )}
      {apps.map(app => (
        <AppSection
          key={`${app.instance}/${app.namespace ?? ''}/${app.name}`}
          app={app}
          canSync={allowed}
        />
      ))}
    </>
  );
}

const SYNC_STATUS: Record<ArgoSyncStatus, SignalStatus> = {
  Synced: 'ok',
  OutOfSync: 'warning',
  Unknown: 'unknown',
};

const HEALTH_STATUS: Record<ArgoHealthStatus, SignalStatus> = {
  Healthy: 'ok',
  Progressing: 'warning',
  Suspended: 'warning',
  Degraded: 'error',
  Missing: 'error',
  Unknown: 'unknown',
};

const PHASE_STATUS: Record<ArgoOperationPhase, SignalStatus> = {
  Succeeded: 'ok',
  Running: 'warning',
  Terminating: 'warning',
  Failed: 'error',
  Error: 'error',
};

function revisionText(revision?: string, revisions?: string[]) {
  const all = revisions?.length
    ? revisions
    : [revision].filter((r): r is string => Boolean(r));
  if (all.length === 0) return MISSING;
  // a commit SHA is shortened, a chart version is not
  return all.map(r => (/^[0-9a-f]{40}$/i.test(r) ? shortSha(r) : r)).join(', ');
}

function Revision(props: { revision?: string; revisions?: string[] }) {
  const classes = useStyles();
  const { revision, revisions } = props;
  const full = (revisions?.length ? revisions : [revision])
    .filter(Boolean)
    .join(', ');
  return (
    <span className={classes.mono} title={full || undefined}>
      {revisionText(revision, revisions)}
    </span>
  );
}

interface Op {
  kind: 'sync' | 'rollback';
  id?: number;
}

function opWords(app: SyncApp, op: Op): string {
  return op.kind === 'sync'
    ? `sync ${app.name}`
    : `roll ${app.name} back to history ${op.id}`;
}

function answerText(op: Op, answer: SyncActionResponse): string {
  const what =
    op.kind === 'sync'
      ? 'Sync requested'
      : `Rollback to history ${op.id} requested`;
  const phase = answer.phase ? `: Argo CD reports ${answer.phase}` : '';
  const rev = answer.revision
    ? ` (revision ${revisionText(answer.revision)})`
    : '';
  return `${what}${phase}${rev}.`;
}

function AppSection(props: { app: SyncApp; canSync: boolean }) {
  const classes = useStyles();
  const { app, canSync } = props;
  const { entity } = useEntity();
  const actions = useApi(mlopsActionsApiRef);
  const [confirm, setConfirm] = useState<SyncHistoryEntry | undefined>();
  const [op, setOp] = useState<Op | undefined>();
  const [state, run] = useAsyncFn(
    (next: Op) => {
      const ref = getCompoundEntityRef(entity);
      return next.kind === 'sync'
        ? actions.sync(ref, { app: app.name, instance: app.instance })
        : actions.rollback(ref, {
            app: app.name,
            instance: app.instance,
            id: next.id!,
          });
    },
    [actions, entity, app.name, app.instance],
  );
  const start = (next: Op) => {
    setOp(next);
    run(next);
  };

  const label = `${app.name} on ${app.instance}`;
  const baseId = useId();
  const syncReasonId = `${baseId}-sync-reason`;
  const rollbackReasonId = `${baseId}-rollback-reason`;
  const dialogTitleId = `${baseId}-rollback-title`;
  const busy = app.operationPending || state.loading;
  const drift = imageDrift(app.images ?? [], app.desiredImages ?? []);
  const history = [...(app.history ?? [])].sort((a, b) => b.id - a.id);
  const currentId = history[0]?.id;
  const rollbackBlocked = app.autoSync
    ? 'Rollback is not possible while auto-sync is on: Argo CD refuses it. Turn auto-sync off first.'
    : undefined;
  let rollbackDescribedBy: string | undefined;
  if (rollbackBlocked) rollbackDescribedBy = rollbackReasonId;
  else if (app.operationPending) rollbackDescribedBy = syncReasonId;

  return (
    <ItemSection
      label={`Application ${label}`}
      title={app.link ? <Link to={app.link.url}>{app.name}</Link> : app.name}
      caption={
        <>
          Argo CD {app.instance} · project {app.project}
          {app.destination?.namespace
            ? ` · namespace ${app.destination.namespace}`
            : ''}
        </>
      }
      actions={
        canSync && (
          <Box>
            <Button
              variant="outlined"
              size="small"
              color="primary"
              disabled={busy}
              aria-describedby={app.operationPending ? syncReasonId : undefined}
              onClick={() => start({ kind: 'sync' })}
            >
              Sync
            </Button>
            {app.operationPending && (
              <Typography
                id={syncReasonId}
                variant="caption"
                component="p"
                color="textSecondary"
              >
                Argo CD is already running an operation on this application.
              </Typography>
            )}
          </Box>
        )
      }
    >
      {op && !state.loading && state.value && (
        <ActionMessage severity="success">
          {answerText(op, state.value)}
        </ActionMessage>
      )}
      {op && !state.loading && state.error && (
        <ActionMessage severity="error">
          {actionErrorText(state.error, opWords(app, op))}
        </ActionMessage>
      )}

      <dl className={classes.facts} aria-label={`Facts of ${label}`}>
        <dt>Sync</dt>
        <dd>
          <StatusText status={SYNC_STATUS[app.sync] ?? 'unknown'}>
            {app.sync}
          </StatusText>
        </dd>
        <dt>Health</dt>
        <dd>
          <StatusText status={HEALTH_STATUS[app.health] ?? 'unknown'}>
            {app.health}
            {app.healthMessage ? `: ${app.healthMessage}` : ''}
          </StatusText>
        </dd>
        <dt>Revision</dt>
        <dd>
          <Revision revision={app.revision} revisions={app.revisions} />
        </dd>
        <dt>Auto-sync</dt>
        <dd>{app.autoSync ? 'on' : 'off'}</dd>
        <dt>Runs</dt>
        <dd className={classes.mono}>
          {app.images?.length ? app.images.join(', ') : MISSING}
        </dd>
        <dt>Desired</dt>
        <dd className={classes.mono}>
          {app.desiredImages?.length
            ? app.desiredImages.join(', ')
            : 'not set in the GitOps source'}
        </dd>
      </dl>

      {drift.map(d => (
        <Box key={d.desired} className={classes.callout}>
          <Typography variant="body2" component="div">
            <StatusText status="warning">
              {d.running.length
                ? `Runs ${d.running.join(', ')} but GitOps asks for ${
                    d.desired
                  }`
                : `GitOps asks for ${d.desired}, which no resource of the application runs`}
            </StatusText>
          </Typography>
        </Box>
      ))}

      <LastOperation app={app} />

      {(app.conditions ?? []).length > 0 && (
        <>
          <Typography
            variant="subtitle2"
            component="h4"
            className={classes.subheading}
          >
            Conditions
          </Typography>
          <ul className={classes.list} aria-label={`Conditions of ${label}`}>
            {app.conditions.map((c, i) => (
              <li key={`${c.type}-${i}`}>
                <Typography variant="body2" component="span">
                  <StatusText
                    status={/error/i.test(c.type) ? 'error' : 'warning'}
                  >
                    {c.type}: {c.message}
                  </StatusText>
                </Typography>
              </li>
            ))}
          </ul>
        </>
      )}

      {history.length > 0 && (
        <>
          <Typography
            variant="subtitle2"
            component="h4"
            className={classes.subheading}
          >
            History
          </Typography>
          {canSync && rollbackBlocked && history.length > 1 && (
            <Typography
              id={rollbackReasonId}
              variant="caption"
              component="p"
              color="textSecondary"
            >
              {rollbackBlocked}
            </Typography>
          )}
          <Box className={classes.scroll}>
            <Table
              size="small"
              className={classes.table}
              aria-label={`History of ${label}`}
            >
              <TableHead>
                <TableRow>
                  <TableCell>ID</TableCell>
                  <TableCell>Revision</TableCell>
                  <TableCell>Deployed</TableCell>
                  <TableCell>By</TableCell>
                  {canSync && <TableCell>Action</TableCell>}
                </TableRow>
              </TableHead>
              <TableBody>
                {history.map(h => (
                  <TableRow key={h.id}>
                    <TableCell component="th" scope="row" role="rowheader">
                      {h.id}
                      {h.id === currentId ? ' (current)' : ''}
                    </TableCell>
                    <TableCell>
                      <Revision revision={h.revision} revisions={h.revisions} />
                    </TableCell>
                    <TableCell>
                      {ago(h.deployedAt) ? (
                        <span title={h.deployedAt}>{ago(h.deployedAt)}</span>
                      ) : (
                        MISSING
                      )}
                    </TableCell>
                    <TableCell>{h.initiatedBy ?? MISSING}</TableCell>
                    {canSync && (
                      <TableCell>
                        {h.id !== currentId && (
                          <Button
                            size="small"
                            variant="outlined"
                            disabled={Boolean(rollbackBlocked) || busy}
                            aria-describedby={rollbackDescribedBy}
                            aria-label={`Rollback to history ${h.id}`}
                            onClick={() => setConfirm(h)}
                          >
                            Rollback
                          </Button>
                        )}
                      </TableCell>
                    )}
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </Box>
        </>
      )}

      <Dialog
        open={confirm !== undefined}
        onClose={() => setConfirm(undefined)}
        aria-labelledby={dialogTitleId}
      >
        {confirm && (
          <>
            <DialogTitle id={dialogTitleId}>
              Roll {app.name} back to history {confirm.id}?
            </DialogTitle>
            <DialogContent>
              <DialogContentText>
                Argo CD {app.instance} will deploy revision{' '}
                {revisionText(confirm.revision, confirm.revisions)}
                {ago(confirm.deployedAt)
                  ? ` (deployed ${ago(confirm.deployedAt)})`
                  : ''}{' '}
                again. The application stays on it until the next sync.
              </DialogContentText>
            </DialogContent>
            <DialogActions>
              <Button onClick={() => setConfirm(undefined)}>Cancel</Button>
              <Button
                color="primary"
                variant="contained"
                onClick={() => {
                  const id = confirm.id;
                  setConfirm(undefined);
                  start({ kind: 'rollback', id });
                }}
              >
                Roll back
              </Button>
            </DialogActions>
          </>
        )}
      </Dialog>
    </ItemSection>
  );
}

function LastOperation(props: { app: SyncApp }) {
  const classes = useStyles();
  const { operation } = props.app;
  if (!operation) return null;
  const started = ago(operation.startedAt);
  const finished = ago(operation.finishedAt);
  const parts = [
    started ? `started ${started}` : undefined,
    finished ? `finished ${finished}` : undefined,
    operation.initiatedBy ? `by ${operation.initiatedBy}` : undefined,
    operation.revision
      ? `revision ${revisionText(operation.revision)}`
      : undefined,
  ].filter(Boolean);
  return (
    <>
      <Typography
        variant="subtitle2"
        component="h4"
        className={classes.subheading}
      >
        Last operation
      </Typography>
      <Typography variant="body2" component="div">
        <StatusText status={PHASE_STATUS[operation.phase] ?? 'unknown'}>
          {operation.phase}
          {operation.message ? `: ${operation.message}` : ''}
        </StatusText>
      </Typography>
      {parts.length > 0 && (
        <Typography variant="caption" component="p" color="textSecondary">
          {parts.join(' · ')}
        </Typography>
      )}
    </>
  );
}

import { Fragment, useId } from 'react';
import { Link } from '@backstage/core-components';
import { getCompoundEntityRef } from '@backstage/catalog-model';
import { useApi } from '@backstage/core-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import { usePermission } from '@backstage/plugin-permission-react';
import {
  ANNOTATION_JENKINS_JOB_FULL_NAME,
  BuildBranch,
  BuildJob,
  BuildJobProblem,
  BuildRun,
  BuildStage,
  EntityHealth,
  isBuildAvailable,
  mlopsBuildTriggerPermission,
} from '@internal/plugin-mlops-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import LinearProgress from '@material-ui/core/LinearProgress';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import useAsyncFn from 'react-use/esm/useAsyncFn';
import { mlopsActionsApiRef } from '../../api';
import { MISSING, ProblemPanel, ago, duration, shortSha } from '../common';
import {
  ActionMessage,
  EntityHealthCard,
  ItemSection,
  SignalEmptyState,
  SignalLine,
  actionErrorText,
} from '../common/cardParts';
import { BuildStatusText } from './BuildStatusText';

/** @public */
export interface BuildCardProps {
  /** Card title; defaults to "Build". */
  title?: string;
  /** How many of each job's newest builds to list; defaults to 5. */
  maxBuilds?: number;
}

const DEFAULT_TITLE = 'Build';
const DEFAULT_MAX_BUILDS = 5;

const useStyles = makeStyles(theme => ({
  scroll: { overflowX: 'auto' },
  table: { '& th, & td': { whiteSpace: 'nowrap' } },
  mono: { fontFamily: 'monospace', whiteSpace: 'nowrap' },
  detail: {
    // beats the table's nowrap: stage errors are sentences
    '&&': { whiteSpace: 'normal' },
    paddingTop: 0,
    color: theme.palette.text.secondary,
  },
  progress: { maxWidth: 320, marginTop: theme.spacing(0.5) },
  footer: { marginTop: theme.spacing(1) },
}));

/**
 * The entity's Jenkins jobs: their newest builds (status, duration against
 * Jenkins' estimate, commit, branch), the running stage of a running build,
 * the failed stage and its error, multibranch branches; and "Rebuild" for
 * people the permission policy allows to trigger builds.
 *
 * @public
 */
export function BuildCard(props: BuildCardProps) {
  return (
    <EntityHealthCard
      title={props.title ?? DEFAULT_TITLE}
      isAvailable={isBuildAvailable}
      annotation={ANNOTATION_JENKINS_JOB_FULL_NAME}
    >
      {(health, retry) => (
        <BuildContent
          health={health}
          retry={retry}
          maxBuilds={props.maxBuilds ?? DEFAULT_MAX_BUILDS}
        />
      )}
    </EntityHealthCard>
  );
}

function isJobProblem(job: BuildJob | BuildJobProblem): job is BuildJobProblem {
  return Boolean((job as BuildJobProblem).problem);
}

function BuildContent(props: {
  health: EntityHealth;
  retry: () => void;
  maxBuilds: number;
}) {
  const { health, retry, maxBuilds } = props;
  const signal = health.signals?.build;
  const report = health.details?.build;
  // decided by the backend again on each request; this only hides the button
  const { allowed } = usePermission({
    permission: mlopsBuildTriggerPermission,
  });

  if (!report) {
    return (
      <SignalEmptyState
        signal={signal}
        title="No builds to show"
        what="the build signal"
        onRetry={retry}
      />
    );
  }
  const jobs = Array.isArray(report.jobs) ? report.jobs : [];
  const read = jobs.filter(j => !isJobProblem(j));
  return (
    <>
      {signal && <SignalLine signal={signal} hasData={read.length > 0} />}
      {signal?.problem && (
        <ProblemPanel problem={signal.problem} onRetry={retry} />
      )}
      {jobs.length === 0 && (
        <Typography variant="body2">
          No Jenkins job was read for this service.
        </Typography>
      )}
      {jobs.map(job =>
        isJobProblem(job) ? (
          <JobProblemSection
            key={`${job.instance ?? ''}:${job.fullName}`}
            job={job}
          />
        ) : (
          <JobSection
            key={`${job.instance}:${job.fullName}`}
            job={job}
            canRebuild={allowed}
            maxBuilds={maxBuilds}
          />
        ),
      )}
    </>
  );
}

function jobLabel(job: { instance?: string; fullName: string }): string {
  return job.instance ? `${job.fullName} on ${job.instance}` : job.fullName;
}

function JobProblemSection(props: { job: BuildJobProblem }) {
  const { job } = props;
  return (
    <ItemSection label={`Job ${jobLabel(job)}`} title={jobLabel(job)}>
      <ProblemPanel problem={job.problem} />
    </ItemSection>
  );
}

function JobSection(props: {
  job: BuildJob;
  canRebuild: boolean;
  maxBuilds: number;
}) {
  const classes = useStyles();
  const { job, canRebuild, maxBuilds } = props;
  const builds = Array.isArray(job.builds) ? job.builds : [];
  const shown = builds.slice(0, Math.max(1, maxBuilds));
  const folderLike = job.kind === 'multibranch' || job.kind === 'folder';
  return (
    <ItemSection
      label={`Job ${jobLabel(job)}`}
      title={<Link to={job.url}>{job.displayName || job.fullName}</Link>}
      caption={
        <>
          {job.fullName} on Jenkins {job.instance}
          {job.kind === 'multibranch' ? ' · multibranch project' : ''}
          {job.inQueue ? ' · a build is waiting in the queue' : ''}
          {job.buildable === false && !folderLike ? ' · disabled' : ''}
        </>
      }
      actions={canRebuild && !folderLike && <RebuildButton job={job} />}
    >
      {job.kind === 'multibranch' ? (
        <BranchTable job={job} />
      ) : (
        <>
          {shown.length > 0 ? (
            <BuildTable
              label={`Builds of ${job.fullName}`}
              rows={shown.map(run => ({ run }))}
            />
          ) : (
            <Typography variant="body2">
              {job.kind === 'folder'
                ? 'This is a folder: name one of its jobs in jenkins.io/job-full-name.'
                : 'This job has no builds yet.'}
            </Typography>
          )}
          {builds.length > shown.length && (
            <Typography
              variant="caption"
              component="p"
              color="textSecondary"
              className={classes.footer}
            >
              Showing {shown.length} of {builds.length} builds
            </Typography>
          )}
        </>
      )}
    </ItemSection>
  );
}

function RebuildButton(props: { job: BuildJob }) {
  const { job } = props;
  const { entity } = useEntity();
  const actions = useApi(mlopsActionsApiRef);
  const [state, rebuild] = useAsyncFn(
    () =>
      actions.rebuild(getCompoundEntityRef(entity), {
        job: `${job.instance}:${job.fullName}`,
      }),
    [actions, entity, job.instance, job.fullName],
  );
  const disabled = job.buildable === false;
  const reasonId = `${useId()}-rebuild-reason`;
  return (
    <Box>
      <Button
        variant="outlined"
        size="small"
        color="primary"
        disabled={disabled || state.loading}
        aria-describedby={disabled ? reasonId : undefined}
        onClick={() => rebuild()}
      >
        {state.loading ? 'Queueing…' : 'Rebuild'}
      </Button>
      {disabled && (
        <Typography
          id={reasonId}
          variant="caption"
          component="p"
          color="textSecondary"
        >
          Jenkins does not accept builds of this job (it is disabled).
        </Typography>
      )}
      {!state.loading && state.value && (
        <ActionMessage severity="success">
          Build queued.{' '}
          <Link to={state.value.queueUrl}>
            Queue item
            {state.value.queueId !== undefined ? ` ${state.value.queueId}` : ''}
          </Link>
        </ActionMessage>
      )}
      {!state.loading && state.error && (
        <ActionMessage severity="error">
          {actionErrorText(state.error, `trigger a build of ${job.fullName}`)}
        </ActionMessage>
      )}
    </Box>
  );
}

interface BuildRowData {
  branch?: BuildBranch;
  run?: BuildRun;
}

function BranchTable(props: { job: BuildJob }) {
  const { job } = props;
  const branches = Array.isArray(job.branches) ? job.branches : [];
  if (branches.length === 0) {
    return (
      <Typography variant="body2">
        This multibranch project has no branches yet.
      </Typography>
    );
  }
  return (
    <BuildTable
      label={`Branches of ${job.fullName}`}
      rows={branches.map(branch => ({ branch, run: branch.lastBuild }))}
      byBranch
    />
  );
}

function BuildTable(props: {
  label: string;
  rows: BuildRowData[];
  byBranch?: boolean;
}) {
  const classes = useStyles();
  const { label, rows, byBranch } = props;
  const now = Date.now();
  const columns = 7;
  return (
    <Box className={classes.scroll}>
      <Table className={classes.table} size="small" aria-label={label}>
        <TableHead>
          <TableRow>
            {byBranch && <TableCell>Branch</TableCell>}
            <TableCell>Build</TableCell>
            <TableCell>Status</TableCell>
            <TableCell>Result</TableCell>
            <TableCell>Duration</TableCell>
            <TableCell>Commit</TableCell>
            {!byBranch && <TableCell>Branch</TableCell>}
            <TableCell>Started</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {rows.map(({ branch, run }, i) => (
            <Fragment key={branch?.itemName ?? run?.number ?? i}>
              <TableRow>
                {byBranch && (
                  <TableCell>
                    {branch ? (
                      <Link to={branch.url}>{branch.name}</Link>
                    ) : (
                      MISSING
                    )}
                  </TableCell>
                )}
                {run ? (
                  <RunCells run={run} byBranch={byBranch} now={now} />
                ) : (
                  <TableCell colSpan={columns - 1}>Not built yet</TableCell>
                )}
              </TableRow>
              {run && <RunDetailRow run={run} columns={columns} />}
            </Fragment>
          ))}
        </TableBody>
      </Table>
    </Box>
  );
}

function durationText(run: BuildRun): string {
  if (run.durationMs === undefined) return MISSING;
  const est =
    run.estimatedDurationMs !== undefined
      ? ` (est. ${duration(run.estimatedDurationMs)})`
      : '';
  return `${duration(run.durationMs)}${run.building ? ' so far' : ''}${est}`;
}

function RunCells(props: { run: BuildRun; byBranch?: boolean; now: number }) {
  const classes = useStyles();
  const { run, byBranch, now } = props;
  const started = ago(run.startedAt, now);
  return (
    <>
      <TableCell>
        {run.url ? <Link to={run.url}>#{run.number}</Link> : `#${run.number}`}
      </TableCell>
      <TableCell>
        <BuildStatusText status={run.building ? 'running' : run.status} />
      </TableCell>
      <TableCell className={classes.mono}>
        {run.result ?? (run.building ? 'none yet' : MISSING)}
      </TableCell>
      <TableCell>{durationText(run)}</TableCell>
      <TableCell className={classes.mono}>
        {run.commit ? (
          <span title={run.commit}>{shortSha(run.commit)}</span>
        ) : (
          MISSING
        )}
      </TableCell>
      {!byBranch && <TableCell>{run.branch || MISSING}</TableCell>}
      <TableCell>
        {started ? <span title={run.startedAt}>{started}</span> : MISSING}
      </TableCell>
    </>
  );
}

const STAGE_PROBLEM: Partial<Record<BuildStage['status'], string>> = {
  FAILED: 'Failed at stage',
  UNSTABLE: 'Unstable at stage',
  ABORTED: 'Aborted at stage',
};

/** Under a running build its stage and progress; under a failed one the failed stage and its error. */
function RunDetailRow(props: { run: BuildRun; columns: number }) {
  const classes = useStyles();
  const { run, columns } = props;
  const stages = Array.isArray(run.stages) ? run.stages : [];
  const running = run.building || run.status === 'running';
  const lines: JSX.Element[] = [];

  if (running) {
    for (const s of stages) {
      if (s.status === 'IN_PROGRESS') {
        lines.push(
          <Typography key={`s${s.id}`} variant="body2" component="p">
            Running stage: {s.name}
            {s.durationMs !== undefined
              ? ` (${duration(s.durationMs)} so far)`
              : ''}
          </Typography>,
        );
      } else if (s.status === 'PAUSED_PENDING_INPUT') {
        lines.push(
          <Typography key={`s${s.id}`} variant="body2" component="p">
            Waiting for input at stage: {s.name}
          </Typography>,
        );
      }
    }
    if (run.progressPercent !== undefined) {
      const p = Math.max(0, run.progressPercent);
      lines.push(
        <Box key="progress">
          <Typography variant="body2" component="p">
            {p}% of the estimated time
            {p > 100 ? ': taking longer than usual' : ''}
          </Typography>
          <LinearProgress
            className={classes.progress}
            variant="determinate"
            value={Math.min(100, p)}
            aria-label={`Progress of build ${run.number}`}
          />
        </Box>,
      );
    }
  } else if (['failure', 'unstable', 'aborted'].includes(run.status)) {
    for (const s of stages) {
      const label = STAGE_PROBLEM[s.status];
      if (label) {
        lines.push(
          <Typography key={`s${s.id}`} variant="body2" component="p">
            {label} {s.name}
            {s.error ? `: ${s.error}` : ''}
          </Typography>,
        );
      }
    }
  }
  if (lines.length === 0) return null;
  return (
    <TableRow>
      <TableCell colSpan={columns} className={classes.detail}>
        {lines}
      </TableCell>
    </TableRow>
  );
}

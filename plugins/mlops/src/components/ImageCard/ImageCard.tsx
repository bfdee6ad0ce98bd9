import { Entity } from '@backstage/catalog-model';
import { useApiHolder } from '@backstage/core-plugin-api';
import { Link, Progress, StatusError } from '@backstage/core-components';
import { useEntity } from '@backstage/plugin-catalog-react';
import {
  ANNOTATION_HARBOR_REPOSITORY_SLUG,
  ANNOTATION_IMAGE_REPOSITORY,
  ImageReport,
  ImageTag,
  SignalHealth,
  WorkloadDetail,
  isImageRepositoryAvailable,
} from '@internal/plugin-mlops-common';
import Box from '@material-ui/core/Box';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import { mlopsHealthApiRef } from '../../api';
import {
  MISSING,
  ProblemPanel,
  RequestError,
  StatusText,
  useEntityHealth,
} from '../common';
import { AnnotatedCard } from '../common/cardParts';
import { humanBytes, relativeAge, shortDigest, shortRevision } from './format';
import { useImageReport } from './useImageReport';
import { RunningIndex, placeText, whereTagsRun } from './running';

/** @public */
export interface ImageCardProps {
  /** Card title; defaults to "Container image". */
  title?: string;
}

const DEFAULT_TITLE = 'Container image';

const useStyles = makeStyles(theme => ({
  line: {
    display: 'flex',
    alignItems: 'baseline',
    flexWrap: 'wrap',
    marginBottom: theme.spacing(1),
  },
  scroll: {
    overflowX: 'auto',
  },
  table: {
    '& th, & td': { whiteSpace: 'nowrap' },
  },
  mono: {
    fontFamily: 'monospace',
    whiteSpace: 'nowrap',
  },
  footer: {
    marginTop: theme.spacing(1),
  },
  place: {
    display: 'block',
  },
}));

/**
 * Tags of the entity's container image repository, newest first, with the
 * health of the image signal. Reads the `mlops.io/image-repository` or
 * `goharbor.io/repository-slug` annotation.
 *
 * @public
 */
export function ImageCard(props: ImageCardProps) {
  return (
    <AnnotatedCard
      title={props.title ?? DEFAULT_TITLE}
      isAvailable={isImageRepositoryAvailable}
      annotation={[
        ANNOTATION_IMAGE_REPOSITORY,
        ANNOTATION_HARBOR_REPOSITORY_SLUG,
      ]}
    >
      <ImageReportContent />
    </AnnotatedCard>
  );
}

function ImageReportContent() {
  const { entity } = useEntity();
  // an app without the health API still gets its tag table
  const healthApi = useApiHolder().get(mlopsHealthApiRef);
  return healthApi ? (
    <ImageReportWithWorkload entity={entity} />
  ) : (
    <ImageReportBody entity={entity} />
  );
}

/**
 * Which tag runs where: only when the health answer has workload details;
 * a failed or slow health request leaves the tag table as it is.
 */
function ImageReportWithWorkload(props: { entity: Entity }) {
  const health = useEntityHealth(props.entity);
  const workload = health.error ? undefined : health.value?.details?.workload;
  return <ImageReportBody entity={props.entity} workload={workload} />;
}

function ImageReportBody(props: { entity: Entity; workload?: WorkloadDetail }) {
  const { loading, error, value, retry } = useImageReport(props.entity);

  if (loading) {
    return <Progress />;
  }
  if (error) {
    return <RequestError error={error} onRetry={retry} />;
  }
  if (!value) {
    return null;
  }
  return (
    <ImageReportView
      report={value}
      onRetry={retry}
      running={whereTagsRun(value, props.workload)}
    />
  );
}

function ImageReportView(props: {
  report: ImageReport;
  onRetry: () => void;
  running?: RunningIndex;
}) {
  const { report, onRetry, running } = props;
  const { problem } = report.health;

  if (problem) {
    return (
      <>
        <ProblemPanel
          problem={problem}
          showHttpStatus={false}
          onRetry={onRetry}
        />
        {report.tags.length > 0 && (
          <TagTable report={report} running={running} />
        )}
      </>
    );
  }

  return (
    <>
      <RepositoryLine report={report} />
      <HealthLine health={report.health} />
      {report.tags.length > 0 ? (
        <TagTable report={report} running={running} />
      ) : (
        <Typography variant="body2">
          No tags in {report.repository ?? 'this repository'}
        </Typography>
      )}
    </>
  );
}

function RepositoryLine(props: { report: ImageReport }) {
  const classes = useStyles();
  const { registry, repository } = props.report;
  if (!registry && !repository) {
    return null;
  }
  const reference = [registry?.host, repository].filter(Boolean).join('/');
  return (
    <Typography variant="subtitle2" component="p" className={classes.line}>
      {registry?.uiUrl ? (
        <Link to={registry.uiUrl} className={classes.mono}>
          {reference}
        </Link>
      ) : (
        <span className={classes.mono}>{reference}</span>
      )}
    </Typography>
  );
}

function HealthLine(props: { health: SignalHealth }) {
  const classes = useStyles();
  const { status, reason } = props.health;
  return (
    <Typography variant="body2" component="p" className={classes.line}>
      <StatusText status={status}>{reason}</StatusText>
    </Typography>
  );
}

function TagTable(props: { report: ImageReport; running?: RunningIndex }) {
  const classes = useStyles();
  const { running } = props;
  const { tags, totalTags, repository } = props.report;
  const now = Date.now();
  return (
    <>
      <Box className={classes.scroll}>
        <Table
          className={classes.table}
          size="small"
          aria-label={`Tags of ${repository ?? 'the image'}`}
        >
          <TableHead>
            <TableRow>
              <TableCell>Tag</TableCell>
              <TableCell>Digest</TableCell>
              <TableCell>Created</TableCell>
              <TableCell>Size</TableCell>
              <TableCell>Revision</TableCell>
              <TableCell>Platforms</TableCell>
              {running && <TableCell>Running</TableCell>}
            </TableRow>
          </TableHead>
          <TableBody>
            {tags.map(tag => (
              <TagRow key={tag.tag} tag={tag} now={now} running={running} />
            ))}
          </TableBody>
        </Table>
      </Box>
      <Typography
        variant="caption"
        component="p"
        color="textSecondary"
        className={classes.footer}
      >
        Showing {tags.length} of {totalTags} {totalTags === 1 ? 'tag' : 'tags'}
      </Typography>
    </>
  );
}

function TagNameCell(props: { tag: string }) {
  const classes = useStyles();
  return (
    <TableCell
      component="th"
      scope="row"
      role="rowheader"
      className={classes.mono}
    >
      {props.tag}
    </TableCell>
  );
}

function RunningCell(props: { tag: ImageTag; running: RunningIndex }) {
  const classes = useStyles();
  const places = props.running.placesOf(props.tag);
  if (places.length === 0) {
    return (
      <TableCell>
        {props.running.complete ? (
          'not running'
        ) : (
          <span title="Pods of some clusters could not be read">unknown</span>
        )}
      </TableCell>
    );
  }
  return (
    <TableCell>
      {places.map(place => (
        <span
          key={`${place.cluster}/${place.namespace ?? ''}`}
          className={classes.place}
          title={
            place.byTagNameOnly
              ? 'No pod reported this digest; matched by tag name, the tag may have moved since'
              : undefined
          }
        >
          {placeText(place)}
        </span>
      ))}
    </TableCell>
  );
}

function TagRow(props: { tag: ImageTag; now: number; running?: RunningIndex }) {
  const classes = useStyles();
  const { tag, now, running } = props;

  if (tag.error) {
    return (
      <TableRow>
        <TagNameCell tag={tag.tag} />
        <TableCell colSpan={5}>
          <StatusError />
          {tag.error}
        </TableCell>
        {running && <RunningCell tag={tag} running={running} />}
      </TableRow>
    );
  }

  const age = relativeAge(tag.created, now);
  return (
    <TableRow>
      <TagNameCell tag={tag.tag} />
      <TableCell className={classes.mono}>
        {tag.digest ? (
          <span title={tag.digest}>{shortDigest(tag.digest)}</span>
        ) : (
          MISSING
        )}
      </TableCell>
      <TableCell>
        {age ? <span title={tag.created}>{age}</span> : MISSING}
      </TableCell>
      <TableCell>{humanBytes(tag.size)}</TableCell>
      <TableCell className={classes.mono}>
        {tag.revision ? (
          <span title={tag.revision}>{shortRevision(tag.revision)}</span>
        ) : (
          MISSING
        )}
      </TableCell>
      <TableCell>
        {tag.platforms.length > 0 ? tag.platforms.join(', ') : MISSING}
      </TableCell>
      {running && <RunningCell tag={tag} running={running} />}
    </TableRow>
  );
}

import { useMemo, useState } from 'react';
import { EmptyState, Progress } from '@backstage/core-components';
import {
  GoldenPathTemplate,
  GoldenPathsReport,
} from '@internal/plugin-mlops-common';
import Box from '@material-ui/core/Box';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import { RequestError } from '../common';
import { entityCount, shortOwner } from './format';
import { TemplatesTable } from './TemplatesTable';
import { useGoldenPaths } from './useGoldenPaths';

const ALL_OWNERS = '';
const NO_OWNER = ':none';

const useStyles = makeStyles(theme => ({
  toolbar: {
    display: 'flex',
    alignItems: 'flex-end',
    flexWrap: 'wrap',
    gap: theme.spacing(2),
    marginBottom: theme.spacing(2),
  },
  owner: { minWidth: 220 },
}));

/**
 * Body of the "Golden paths" page: every software template with version,
 * owner and description, how many entities were created from it, how many are
 * behind, and per entity what changed since and how it fares on the checks.
 */
export function GoldenPathsContent() {
  const { loading, error, value, retry } = useGoldenPaths();

  if (loading) {
    return <Progress />;
  }
  if (error) {
    return <RequestError error={error} onRetry={retry} />;
  }
  if (!value || value.templates.length === 0) {
    return (
      <EmptyState
        missing="content"
        title="No software templates in the catalog"
        description="Golden paths are Template entities. Register one (for example templates/model-service/template.yaml) and the entities created from it appear here, by their backstage.io/source-template annotation."
      />
    );
  }
  return <GoldenPathsView report={value} />;
}

function ownerKey(template: GoldenPathTemplate): string {
  return template.owner ?? NO_OWNER;
}

function GoldenPathsView(props: { report: GoldenPathsReport }) {
  const classes = useStyles();
  const { templates } = props.report;
  const [owner, setOwner] = useState(ALL_OWNERS);

  const owners = useMemo(
    () =>
      [...new Set(templates.map(ownerKey))].sort(
        (a, b) =>
          // "No owner" last
          Number(a === NO_OWNER) - Number(b === NO_OWNER) ||
          shortOwner(a).localeCompare(shortOwner(b)),
      ),
    [templates],
  );
  const shown =
    owner === ALL_OWNERS
      ? templates
      : templates.filter(t => ownerKey(t) === owner);
  const adopted = shown.reduce((n, t) => n + t.adoption.total, 0);
  const behind = shown.reduce((n, t) => n + t.adoption.behind, 0);
  const unknown = shown.reduce((n, t) => n + t.adoption.unknown, 0);

  return (
    <>
      <Box className={classes.toolbar}>
        <TextField
          select
          id="golden-paths-owner"
          label="Owner"
          value={owner}
          onChange={event => setOwner(event.target.value)}
          SelectProps={{ native: true }}
          // "All owners" has the empty value: keep the label above it
          InputLabelProps={{ shrink: true }}
          className={classes.owner}
        >
          <option value={ALL_OWNERS}>All owners</option>
          {owners.map(o => (
            <option key={o} value={o}>
              {o === NO_OWNER ? 'No owner' : shortOwner(o)}
            </option>
          ))}
        </TextField>
        <Typography variant="body2" component="p">
          {shown.length} {shown.length === 1 ? 'template' : 'templates'},{' '}
          {entityCount(adopted)} created from{' '}
          {shown.length === 1 ? 'it' : 'them'}: {behind} behind, {unknown} of
          unknown version
        </Typography>
      </Box>
      {/* key: a new filter starts with its own open/closed rows */}
      <TemplatesTable key={owner} templates={shown} />
    </>
  );
}

import { Fragment, useState } from 'react';
import { WarningPanel } from '@backstage/core-components';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import { GoldenPathTemplate, UNVERSIONED } from '@internal/plugin-mlops-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import { makeStyles } from '@material-ui/core/styles';
import { MISSING, readableCells } from '../common';
import { AdoptersTable } from './AdoptersTable';
import { shortOwner } from './format';

const COLUMNS = 8;

const useStyles = makeStyles(theme => ({
  scroll: { overflowX: 'auto' },
  table: readableCells,
  // owner names are short ids: never broken
  owner: { whiteSpace: 'nowrap' },
  // sentences wrap between words, in a column wide enough to read
  // ("deploymen/t" with the theme's break-word)
  prose: { wordBreak: 'normal', minWidth: 240 },
  mono: { fontFamily: 'monospace', whiteSpace: 'nowrap' },
  unversioned: { fontStyle: 'italic', whiteSpace: 'nowrap' },
  number: { textAlign: 'right' },
  details: {
    padding: theme.spacing(1, 2, 2, 6),
    backgroundColor: theme.palette.background.default,
  },
  warning: { marginBottom: theme.spacing(1) },
}));

function slug(ref: string): string {
  return ref.replace(/[^a-z0-9-]/gi, '-');
}

/**
 * One row per template; each row opens the list of entities created from it.
 * With a single template, that list starts open.
 */
export function TemplatesTable(props: { templates: GoldenPathTemplate[] }) {
  const classes = useStyles();
  const { templates } = props;
  const [open, setOpen] = useState<ReadonlySet<string>>(
    () => new Set(templates.length === 1 ? [templates[0].entityRef] : []),
  );
  const toggle = (ref: string) =>
    setOpen(previous => {
      const next = new Set(previous);
      if (!next.delete(ref)) next.add(ref);
      return next;
    });

  return (
    <Box className={classes.scroll}>
      <Table
        size="small"
        aria-label="Software templates"
        className={classes.table}
      >
        <TableHead>
          <TableRow>
            <TableCell>Template</TableCell>
            <TableCell>Version</TableCell>
            <TableCell>Owner</TableCell>
            <TableCell>Description</TableCell>
            <TableCell className={classes.number}>Adopted</TableCell>
            <TableCell className={classes.number}>Drifted</TableCell>
            <TableCell className={classes.number}>Unknown version</TableCell>
            <TableCell>Entities</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {templates.map(template => {
            const name = template.title ?? template.name;
            const isOpen = open.has(template.entityRef);
            const detailsId = `golden-path-${slug(template.entityRef)}`;
            return (
              <Fragment key={template.entityRef}>
                <TableRow>
                  <TableCell component="th" scope="row" role="rowheader">
                    <EntityRefLink
                      entityRef={template.entityRef}
                      title={name}
                    />
                  </TableCell>
                  <TableCell
                    className={
                      template.version === UNVERSIONED
                        ? classes.unversioned
                        : classes.mono
                    }
                  >
                    {template.version}
                  </TableCell>
                  <TableCell className={classes.owner}>
                    {template.owner ? (
                      <EntityRefLink
                        entityRef={template.owner}
                        title={shortOwner(template.owner)}
                      />
                    ) : (
                      MISSING
                    )}
                  </TableCell>
                  <TableCell className={classes.prose}>
                    {template.description ?? MISSING}
                  </TableCell>
                  <TableCell className={classes.number}>
                    {template.adoption.total}
                  </TableCell>
                  <TableCell className={classes.number}>
                    {template.adoption.behind}
                  </TableCell>
                  <TableCell className={classes.number}>
                    {template.adoption.unknown}
                  </TableCell>
                  <TableCell>
                    {template.adoption.total > 0 ? (
                      <Button
                        size="small"
                        variant="outlined"
                        aria-expanded={isOpen}
                        aria-controls={detailsId}
                        aria-label={`${
                          isOpen ? 'Hide' : 'Show'
                        } entities created from ${name}`}
                        onClick={() => toggle(template.entityRef)}
                      >
                        {isOpen ? 'Hide' : 'Show'}
                      </Button>
                    ) : (
                      'none yet'
                    )}
                  </TableCell>
                </TableRow>
                {isOpen && (
                  <TableRow>
                    <TableCell colSpan={COLUMNS} className={classes.details}>
                      {template.changelogProblems.length > 0 && (
                        <Box className={classes.warning}>
                          <WarningPanel
                            severity="warning"
                            title={`The changelog of ${name} could not be fully read`}
                            message={template.changelogProblems.join('; ')}
                          />
                        </Box>
                      )}
                      <AdoptersTable template={template} id={detailsId} />
                    </TableCell>
                  </TableRow>
                )}
              </Fragment>
            );
          })}
        </TableBody>
      </Table>
    </Box>
  );
}

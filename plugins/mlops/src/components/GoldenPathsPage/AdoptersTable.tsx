import { EntityRefLink } from '@backstage/plugin-catalog-react';
import { GoldenPathTemplate } from '@internal/plugin-mlops-common';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import { makeStyles } from '@material-ui/core/styles';
import { MISSING, readableCells } from '../common';
import { CheckList } from './CheckList';
import { DriftCell } from './DriftCell';
import { shortOwner } from './format';

const useStyles = makeStyles({
  table: {
    '& td, & th': { verticalAlign: 'top' },
    ...readableCells,
  },
  // owner names are short ids: never broken
  owner: { whiteSpace: 'nowrap' },
  mono: { fontFamily: 'monospace', whiteSpace: 'nowrap' },
});

/** The entities created from one template, with drift and checks. */
export function AdoptersTable(props: {
  template: GoldenPathTemplate;
  id?: string;
}) {
  const classes = useStyles();
  const { template } = props;
  return (
    <Table
      id={props.id}
      size="small"
      className={classes.table}
      aria-label={`Entities created from ${template.title ?? template.name}`}
    >
      <TableHead>
        <TableRow>
          <TableCell>Entity</TableCell>
          <TableCell>Owner</TableCell>
          <TableCell>Version</TableCell>
          <TableCell>Drift</TableCell>
          <TableCell>Checks</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {template.entities.map(entity => (
          <TableRow key={entity.entityRef}>
            <TableCell component="th" scope="row" role="rowheader">
              <EntityRefLink
                entityRef={entity.entityRef}
                title={entity.title ?? entity.name}
              />
            </TableCell>
            <TableCell className={classes.owner}>
              {entity.owner ? (
                <EntityRefLink
                  entityRef={entity.owner}
                  title={shortOwner(entity.owner)}
                />
              ) : (
                MISSING
              )}
            </TableCell>
            <TableCell className={classes.mono}>
              {entity.drift.from ?? MISSING}
            </TableCell>
            <TableCell>
              <DriftCell drift={entity.drift} />
            </TableCell>
            <TableCell>
              <CheckList checks={entity.checks} />
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

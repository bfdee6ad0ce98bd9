import { ResponseErrorPanel } from '@backstage/core-components';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import { makeStyles } from '@material-ui/core/styles';

const useStyles = makeStyles(theme => ({
  actions: { marginTop: theme.spacing(1) },
}));

/** "Retry": asks the backend again. */
export function RetryButton(props: { onRetry: () => void }) {
  const classes = useStyles();
  return (
    <Box className={classes.actions}>
      <Button variant="outlined" size="small" onClick={props.onRetry}>
        Retry
      </Button>
    </Box>
  );
}

/** A request to our backend that failed: the response error, then Retry. */
export function RequestError(props: { error: Error; onRetry: () => void }) {
  return (
    <>
      <ResponseErrorPanel error={props.error} />
      <RetryButton onRetry={props.onRetry} />
    </>
  );
}

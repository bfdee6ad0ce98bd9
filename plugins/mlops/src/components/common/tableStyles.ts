/**
 * Styles for a table's header cells: on one line. The Backstage theme gives
 * every table cell `word-break: break-word`, which lets the browser squeeze a
 * column down to a letter and break its header anywhere ("Mo/del/ser/vic/e");
 * with these the table scrolls sideways instead (put it in a box with
 * `overflowX: 'auto'`). Spread into a `makeStyles` rule of the `<Table>`.
 */
export const oneLineHeaders = {
  '& thead th': { whiteSpace: 'nowrap', wordBreak: 'normal' },
} as const;

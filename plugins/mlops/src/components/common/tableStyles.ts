/**
 * Styles for a table's text. The Backstage theme gives every table cell
 * `word-break: break-word`, which lets the browser squeeze a column down to a
 * letter and break words anywhere ("Mo/del/ser/vic/e", "Fraud detecto/r").
 * With these, header cells stay on one line and row headers (names) wrap
 * only between words, at least 120 px wide; the table scrolls sideways
 * instead (put it in a box with `overflowX: 'auto'`). Spread into the
 * `makeStyles` rule of the `<Table>`.
 */
export const readableCells = {
  '& thead th': { whiteSpace: 'nowrap', wordBreak: 'normal' },
  '& tbody th': { wordBreak: 'normal', minWidth: 120 },
} as const;

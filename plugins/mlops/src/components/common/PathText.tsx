import { Fragment } from 'react';

/**
 * Text that may hold paths ("harbor.ml.internal/ml/fraud-detector",
 * "Jenkins job ml/fraud-detector"): the browser may break a line after each
 * `/` (a `<wbr>`) and nowhere else inside a word, so a narrow column shows
 * "harbor.ml.internal/ml/" above "fraud-detector" instead of
 * "harbor.ml.internal/ml/fr" above "aud-detector". Use it in a cell styled
 * with `pathCell` (words are not broken; only a segment wider than the
 * column is).
 */
export function PathText(props: { children: string }) {
  const parts = props.children.split('/');
  return (
    <>
      {parts.map((part, i) => (
        // the parts of one string never reorder: the index is their identity
        <Fragment key={i}>
          {part}
          {i < parts.length - 1 && (
            <>
              /<wbr />
            </>
          )}
        </Fragment>
      ))}
    </>
  );
}

/**
 * The style of a cell holding `PathText`: the theme's
 * `word-break: break-word` (which lets the browser squeeze a column to a
 * letter) is turned off; a segment wider than the column still wraps.
 */
export const pathCell = {
  wordBreak: 'normal',
  overflowWrap: 'break-word',
} as const;

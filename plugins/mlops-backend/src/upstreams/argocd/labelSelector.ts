import {
  matchesSelector,
  parseLabelSelector as parseSelector,
} from '../kubernetes/labelSelector';

/**
 * Kubernetes label selectors evaluated in memory against the labels of the
 * applications in the shared list (the same parser as the watch cache's).
 * Parsing throws an Error with a message fit for a bad-annotation problem.
 */
export type LabelMatcher = (
  labels: Record<string, string> | undefined,
) => boolean;

/** Parses a selector; `''` matches everything. */
export function parseLabelSelector(selector: string): LabelMatcher {
  if (selector.trim() === '') return () => true;
  const parsed = parseSelector(selector);
  return labels => matchesSelector(parsed, labels);
}

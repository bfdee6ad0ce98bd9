/**
 * Kubernetes label selectors, evaluated in memory against the labels of the
 * applications in the shared list: `k=v`, `k==v`, `k!=v`, `k in (a,b)`,
 * `k notin (a,b)`, `k`, `!k`; a comma means AND. Parsing throws an Error with
 * a message fit for a bad-annotation problem.
 */
export type LabelMatcher = (
  labels: Record<string, string> | undefined,
) => boolean;

const KEY =
  /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

function key(text: string): string {
  const k = text.trim();
  if (!KEY.test(k) || k.length > 316)
    throw new Error(`"${k}" is not a valid label key`);
  return k;
}

function value(text: string): string {
  const v = text.trim();
  if (v.length > 63 || !VALUE.test(v))
    throw new Error(`"${v}" is not a valid label value`);
  return v;
}

/** Splits on commas that are not inside `( … )`. */
function requirements(selector: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < selector.length; i++) {
    const ch = selector[i];
    if (ch === '(') depth++;
    else if (ch === ')') {
      depth--;
      if (depth < 0) throw new Error('has a ")" without "("');
    } else if (ch === ',' && depth === 0) {
      parts.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  if (depth !== 0) throw new Error('has a "(" without ")"');
  parts.push(selector.slice(start));
  return parts.map(p => p.trim());
}

function requirement(text: string): LabelMatcher {
  if (text === '')
    throw new Error('has an empty requirement (",," or a trailing ",")');
  const set = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(text);
  if (set) {
    const k = key(set[1]);
    const values = set[3].split(',').map(value);
    if (set[2] === 'in')
      return labels => labels?.[k] !== undefined && values.includes(labels[k]);
    return labels => labels?.[k] === undefined || !values.includes(labels[k]);
  }
  const cmp = /^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/.exec(text);
  if (cmp) {
    const k = key(cmp[1]);
    const v = value(cmp[3]);
    if (cmp[2] === '!=') return labels => labels?.[k] !== v;
    return labels => labels?.[k] === v;
  }
  if (text.startsWith('!')) {
    const k = key(text.slice(1));
    return labels => labels?.[k] === undefined;
  }
  const k = key(text);
  return labels => labels?.[k] !== undefined;
}

/** Parses a selector; `''` matches everything. */
export function parseLabelSelector(selector: string): LabelMatcher {
  const trimmed = selector.trim();
  if (trimmed === '') return () => true;
  const all = requirements(trimmed).map(requirement);
  return labels => all.every(m => m(labels));
}

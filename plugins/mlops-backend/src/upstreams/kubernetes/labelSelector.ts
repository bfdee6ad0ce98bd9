/**
 * Kubernetes label selectors in their string form (what
 * `backstage.io/kubernetes-label-selector` holds and `?labelSelector=` takes):
 * `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x,y)`, `a`, `!a`, `a>1`,
 * `a<1`, joined by commas. Semantics follow the apiserver: `!=` and `notin`
 * also match objects without the label.
 */

export type Requirement =
  | { key: string; op: 'in'; values: string[] }
  | { key: string; op: 'notin'; values: string[] }
  | { key: string; op: 'exists' }
  | { key: string; op: '!exists' }
  | { key: string; op: 'gt' | 'lt'; value: number };

export interface LabelSelector {
  requirements: Requirement[];
  /** Normalised text, for display. */
  text: string;
}

export class LabelSelectorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LabelSelectorError';
  }
}

const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const PREFIX =
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function checkKey(key: string, input: string): string {
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  const ok =
    name.length > 0 &&
    name.length <= 63 &&
    NAME.test(name) &&
    (prefix === undefined ||
      (prefix.length > 0 && prefix.length <= 253 && PREFIX.test(prefix)));
  if (!ok)
    throw new LabelSelectorError(
      `"${key}" is not a valid label key (in "${input}")`,
    );
  return key;
}

function checkValue(value: string, input: string): string {
  if (value.length > 63 || (value !== '' && !NAME.test(value))) {
    throw new LabelSelectorError(
      `"${value}" is not a valid label value (in "${input}")`,
    );
  }
  return value;
}

/** Splits on commas that are not inside parentheses. */
function splitTerms(input: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of input) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (depth < 0) throw new LabelSelectorError(`unbalanced ")" in "${input}"`);
    if (ch === ',' && depth === 0) {
      terms.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  if (depth !== 0) throw new LabelSelectorError(`unbalanced "(" in "${input}"`);
  terms.push(current);
  return terms;
}

function parseTerm(raw: string, input: string): Requirement {
  const term = raw.trim();
  if (!term) throw new LabelSelectorError(`empty requirement in "${input}"`);
  const set = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(term);
  if (set) {
    const values = set[3].split(',').map(v => checkValue(v.trim(), input));
    if (
      values.length === 0 ||
      (values.length === 1 && values[0] === '' && set[3].trim() === '')
    ) {
      throw new LabelSelectorError(
        `"${term}" needs at least one value (in "${input}")`,
      );
    }
    return {
      key: checkKey(set[1], input),
      op: set[2] as 'in' | 'notin',
      values: [...new Set(values)],
    };
  }
  const cmp = /^([^=!<>\s]+)\s*(==|=|!=|<|>)\s*(.*)$/.exec(term);
  if (cmp) {
    const key = checkKey(cmp[1], input);
    const value = cmp[3].trim();
    if (cmp[2] === '<' || cmp[2] === '>') {
      if (!/^-?\d+$/.test(value))
        throw new LabelSelectorError(
          `"${term}" needs an integer (in "${input}")`,
        );
      return { key, op: cmp[2] === '>' ? 'gt' : 'lt', value: Number(value) };
    }
    checkValue(value, input);
    return cmp[2] === '!='
      ? { key, op: 'notin', values: [value] }
      : { key, op: 'in', values: [value] };
  }
  if (term.startsWith('!'))
    return { key: checkKey(term.slice(1).trim(), input), op: '!exists' };
  if (/\s/.test(term))
    throw new LabelSelectorError(`cannot parse "${term}" (in "${input}")`);
  return { key: checkKey(term, input), op: 'exists' };
}

function requirementText(r: Requirement): string {
  switch (r.op) {
    case 'in':
      return r.values.length === 1
        ? `${r.key}=${r.values[0]}`
        : `${r.key} in (${r.values.join(',')})`;
    case 'notin':
      return r.values.length === 1
        ? `${r.key}!=${r.values[0]}`
        : `${r.key} notin (${r.values.join(',')})`;
    case 'exists':
      return r.key;
    case '!exists':
      return `!${r.key}`;
    case 'gt':
      return `${r.key}>${r.value}`;
    case 'lt':
      return `${r.key}<${r.value}`;
    default:
      return '';
  }
}

/** Parses a selector string; the empty string selects everything. Throws {@link LabelSelectorError}. */
export function parseLabelSelector(input: string): LabelSelector {
  const trimmed = input.trim();
  const requirements =
    trimmed === '' ? [] : splitTerms(trimmed).map(t => parseTerm(t, trimmed));
  return { requirements, text: requirements.map(requirementText).join(',') };
}

export function matchesRequirement(
  r: Requirement,
  labels: Record<string, string> | undefined,
): boolean {
  const has =
    labels !== undefined && Object.prototype.hasOwnProperty.call(labels, r.key);
  const value = has ? labels![r.key] : undefined;
  switch (r.op) {
    case 'in':
      return value !== undefined && r.values.includes(value);
    case 'notin':
      return value === undefined || !r.values.includes(value);
    case 'exists':
      return has;
    case '!exists':
      return !has;
    case 'gt':
    case 'lt': {
      if (value === undefined || !/^-?\d+$/.test(value)) return false;
      return r.op === 'gt' ? Number(value) > r.value : Number(value) < r.value;
    }
    default:
      return false;
  }
}

export function matchesSelector(
  selector: LabelSelector,
  labels: Record<string, string> | undefined,
): boolean {
  return selector.requirements.every(r => matchesRequirement(r, labels));
}

/** Converts a `metav1.LabelSelector` object (a Deployment's `spec.selector`). */
export function selectorFromObject(
  selector:
    | {
        matchLabels?: Record<string, string>;
        matchExpressions?: Array<{
          key: string;
          operator: string;
          values?: string[];
        }>;
      }
    | undefined,
): LabelSelector {
  const requirements: Requirement[] = [];
  for (const [key, value] of Object.entries(selector?.matchLabels ?? {})) {
    requirements.push({ key, op: 'in', values: [value] });
  }
  for (const e of selector?.matchExpressions ?? []) {
    if (e.operator === 'In')
      requirements.push({ key: e.key, op: 'in', values: e.values ?? [] });
    else if (e.operator === 'NotIn')
      requirements.push({ key: e.key, op: 'notin', values: e.values ?? [] });
    else if (e.operator === 'Exists')
      requirements.push({ key: e.key, op: 'exists' });
    else if (e.operator === 'DoesNotExist')
      requirements.push({ key: e.key, op: '!exists' });
    else
      throw new LabelSelectorError(`unknown selector operator "${e.operator}"`);
  }
  return { requirements, text: requirements.map(requirementText).join(',') };
}

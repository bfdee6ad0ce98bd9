/**
 * Kubernetes label selectors (apimachinery `labels.Parse`): `k=v`, `k==v`,
 * `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k`, `!k`, comma = AND.
 */

type Requirement =
  | { op: 'eq' | 'neq'; key: string; value: string }
  | { op: 'in' | 'notin'; key: string; values: string[] }
  | { op: 'exists' | 'notexists'; key: string };

export type LabelSelector = (
  labels: Record<string, string> | undefined,
) => boolean;

const KEY =
  /^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?\/)?[a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function splitTopLevel(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(current);
      current = '';
    } else current += ch;
  }
  out.push(current);
  return out;
}

function checkKey(key: string): string {
  if (!KEY.test(key)) throw new Error(`invalid label key "${key}"`);
  return key;
}

function checkValue(value: string): string {
  if (value.length > 63 || !VALUE.test(value)) {
    throw new Error(`invalid label value: "${value}"`);
  }
  return value;
}

function parseRequirement(text: string): Requirement {
  const t = text.trim();
  let m = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(t);
  if (m) {
    const values = m[3]
      .split(',')
      .map(v => v.trim())
      .filter(v => v !== '')
      .map(checkValue);
    return { op: m[2] as 'in' | 'notin', key: checkKey(m[1]), values };
  }
  m = /^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/.exec(t);
  if (m) {
    return {
      op: m[2] === '!=' ? 'neq' : 'eq',
      key: checkKey(m[1]),
      value: checkValue(m[3].trim()),
    };
  }
  if (t.startsWith('!'))
    return { op: 'notexists', key: checkKey(t.slice(1).trim()) };
  return { op: 'exists', key: checkKey(t) };
}

/** Parses a selector; throws with a message close to apimachinery's on bad input. */
export function parseLabelSelector(text: string): LabelSelector {
  if (text.trim() === '') return () => true;
  const reqs = splitTopLevel(text).map(parseRequirement);
  return labels => {
    const l = labels ?? {};
    return reqs.every(r => {
      const has = Object.prototype.hasOwnProperty.call(l, r.key);
      switch (r.op) {
        case 'eq':
          return has && l[r.key] === r.value;
        case 'neq':
          return !has || l[r.key] !== r.value;
        case 'in':
          return has && r.values.includes(l[r.key]);
        case 'notin':
          return !has || !r.values.includes(l[r.key]);
        case 'exists':
          return has;
        default:
          return !has;
      }
    });
  };
}

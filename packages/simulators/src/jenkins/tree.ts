/**
 * The `tree=` query of Jenkins' remote API (Stapler `NamedPathPruner`):
 * `a,b[c,d[e]]`, `*` as a wildcard name, and array ranges `{M,N}` (N
 * exclusive), `{M,}`, `{,N}`, `{N}` after a name or bracket. Anything else
 * (e.g. a doubled range `{0,50}{0,10}`) is a parse error, which Jenkins
 * answers with 500.
 */

export interface TreeSpec {
  children: Map<string, TreeSpec>;
  /** [start, end) applied to the array this node selects. */
  range?: [number, number];
}

export class TreeParseError extends Error {}

export function parseTree(spec: string): TreeSpec {
  let pos = 0;
  const peek = () => spec[pos];
  const fail = (what: string): never => {
    throw new TreeParseError(`Unexpected ${what} at ${pos} in ${spec}`);
  };

  function parseRange(): [number, number] {
    pos++; // {
    const close = spec.indexOf('}', pos);
    if (close < 0) fail('end of input, expected }');
    const body = spec.slice(pos, close);
    pos = close + 1;
    const parts = body.split(',');
    const num = (s: string) => {
      if (!/^\s*\d+\s*$/.test(s)) fail(`range "${body}"`);
      return Number.parseInt(s, 10);
    };
    if (parts.length === 1) {
      const n = num(parts[0]);
      return [n, n + 1];
    }
    if (parts.length !== 2) fail(`range "${body}"`);
    const start = parts[0].trim() === '' ? 0 : num(parts[0]);
    const end =
      parts[1].trim() === '' ? Number.POSITIVE_INFINITY : num(parts[1]);
    return [start, end];
  }

  function parseList(): TreeSpec {
    const node: TreeSpec = { children: new Map() };
    for (;;) {
      let name = '';
      while (pos < spec.length && !',[]{}'.includes(peek()))
        name += spec[pos++];
      name = name.trim();
      if (name === '')
        fail(peek() === undefined ? 'end of input' : `'${peek()}'`);
      const child: TreeSpec = { children: new Map() };
      if (peek() === '[') {
        pos++;
        const sub = parseList();
        if (peek() !== ']')
          fail(
            peek() === undefined ? 'end of input, expected ]' : `'${peek()}'`,
          );
        pos++;
        child.children = sub.children;
      }
      if (peek() === '{') child.range = parseRange();
      node.children.set(name, child);
      if (peek() === ',') {
        pos++;
        continue;
      }
      return node;
    }
  }

  const root = parseList();
  if (pos !== spec.length) fail(`'${peek()}'`);
  return root;
}

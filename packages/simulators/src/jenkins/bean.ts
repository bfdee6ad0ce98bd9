/**
 * Stapler's export model in miniature. An object is a `Bean` with a runtime
 * class (written as `_class`) and properties carrying a visibility. The
 * serializer prunes either by depth (`TreePruner.ByDepth`: a property is
 * written when its visibility ≥ 1 − depth + nesting level) or by a `tree=`
 * spec (`NamedPathPruner`, which ignores visibility and applies ranges).
 */
import { TreeSpec } from './tree';

export type Value =
  | null
  | string
  | number
  | boolean
  | Bean
  | Raw
  | Value[]
  | (() => Value);

export interface Prop {
  name: string;
  value: Value;
  /** Stapler `@Exported(visibility)`, default 1; negative = only via `tree`. */
  visibility?: number;
  /** `@Exported(inline = true)`: children stay at the same depth level. */
  inline?: boolean;
}

export class Bean {
  constructor(readonly cls: string | undefined, readonly props: Prop[]) {}
}

/** Plain JSON (e.g. a Map exported as an object), written as is. */
export class Raw {
  constructor(readonly value: unknown) {}
}

export const prop = (
  name: string,
  value: Value,
  visibility = 1,
  inline = false,
): Prop => ({ name, value, visibility, inline });

interface Pruner {
  accept(p: Prop): Pruner | undefined;
  range(): [number, number] | undefined;
}

class ByDepth implements Pruner {
  private nextPruner?: ByDepth;
  constructor(private readonly n: number) {}
  accept(p: Prop): Pruner | undefined {
    if ((p.visibility ?? 1) < this.n) return undefined;
    if (p.inline) return this;
    this.nextPruner = this.nextPruner ?? new ByDepth(this.n + 1);
    return this.nextPruner;
  }
  range() {
    return undefined;
  }
}

class ByTree implements Pruner {
  constructor(private readonly spec: TreeSpec) {}
  accept(p: Prop): Pruner | undefined {
    const child = this.spec.children.get(p.name) ?? this.spec.children.get('*');
    return child ? new ByTree(child) : undefined;
  }
  range() {
    return this.spec.range;
  }
}

function write(value: Value, pruner: Pruner): unknown {
  if (typeof value === 'function') return write(value(), pruner);
  if (value instanceof Raw) return value.value;
  if (Array.isArray(value)) {
    const r = pruner.range();
    const items = r
      ? value.slice(r[0], Number.isFinite(r[1]) ? r[1] : undefined)
      : value;
    return items.map(v => write(v, pruner));
  }
  if (value instanceof Bean) {
    const out: Record<string, unknown> = {};
    if (value.cls) out._class = value.cls;
    for (const p of value.props) {
      const child = pruner.accept(p);
      if (child) out[p.name] = write(p.value, child);
    }
    return out;
  }
  return value;
}

/** Serializes a root bean for `api/json` with `tree` (wins) or `depth`. */
export function exportBean(
  root: Bean,
  options: { tree?: TreeSpec; depth?: number },
): unknown {
  const pruner: Pruner = options.tree
    ? new ByTree(options.tree)
    : new ByDepth(1 - (options.depth ?? 0));
  return write(root, pruner);
}

/** Small accessors for Kubernetes objects held as plain JSON. */

export type Obj = Record<string, unknown>;

/** `v` when it is a JSON object, else an empty one. */
export const asObj = (v: unknown): Obj =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {};

/** The pod spec of a Pod, of a workload's pod template, or of a CronJob's job template. */
export function podSpecOf(kind: string, o: Obj): Obj {
  const spec = asObj(o.spec);
  if (kind === 'Pod') return spec;
  if (kind === 'CronJob') {
    return asObj(asObj(asObj(asObj(spec.jobTemplate).spec).template).spec);
  }
  return asObj(asObj(spec.template).spec);
}

/**
 * Kubernetes 1.20 drops unknown fields silently (no field validation yet),
 * and a structural CRD schema prunes them. A server-side dry-run therefore
 * answers 2xx for a misspelt `livenesProbe` or a misplaced `nodeSelector` —
 * but the object it returns no longer has the field. Comparing what was sent
 * with what came back finds such fields. Zero values (`''`, `0`, `false`,
 * `[]`, `{}`) are left out: the apiserver omits them anyway.
 */

type Json = unknown;

const isObject = (v: Json): v is Record<string, Json> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Go zero values: the apiserver omits them (`omitempty`) whether the field exists or not. */
const isZero = (v: Json): boolean =>
  v === null ||
  v === undefined ||
  v === '' ||
  v === 0 ||
  v === false ||
  (Array.isArray(v) && v.length === 0) ||
  (isObject(v) && Object.keys(v).length === 0);

/** Paths (`spec.template.spec.containers[0].livenesProbe`) present in `sent` but not in `returned`. */
export function droppedFields(sent: Json, returned: Json, at = ''): string[] {
  if (isObject(sent)) {
    if (!isObject(returned)) return [];
    const dropped: string[] = [];
    for (const [key, value] of Object.entries(sent)) {
      if (isZero(value)) continue;
      const path = at ? `${at}.${key}` : key;
      if (!(key in returned)) dropped.push(path);
      else dropped.push(...droppedFields(value, returned[key], path));
    }
    return dropped;
  }
  if (Array.isArray(sent) && Array.isArray(returned)) {
    return sent.flatMap((item, i) =>
      droppedFields(item, returned[i], `${at}[${i}]`),
    );
  }
  return [];
}

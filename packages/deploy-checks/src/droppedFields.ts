/**
 * Kubernetes 1.20 has no field validation: a misspelt field (`readinesProbe`)
 * is dropped while the object is decoded, and the dry-run still answers 201.
 * The object it returns no longer has the field, so comparing what was sent
 * with what came back finds it. Go zero values (`''`, `0`, `false`, `[]`,
 * `{}`) are skipped: the apiserver omits them whether the field exists or not.
 */

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const isZero = (v: unknown): boolean =>
  v === null ||
  v === undefined ||
  v === '' ||
  v === 0 ||
  v === false ||
  (Array.isArray(v) && v.length === 0) ||
  (isObject(v) && Object.keys(v).length === 0);

/** Paths (`spec.template.spec.containers[0].readinesProbe`) sent but not returned. */
export function droppedFields(
  sent: unknown,
  returned: unknown,
  at = '',
): string[] {
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

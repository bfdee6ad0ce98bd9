/** Byte-wise string ordering, like Go's `<` on strings. */
export function compareStrings(a: string, b: string): number {
  if (a < b) return -1;
  return a > b ? 1 : 0;
}

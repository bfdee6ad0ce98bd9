/**
 * Refresh-ahead policy of the upstream caches (Jenkins jobs, Argo CD lists,
 * registry repositories, inference probes): a cached answer read in the last
 * quarter of its lifetime is re-read in the background, so readers of
 * anything viewed regularly never wait for the upstream, and no answer is
 * older than its refresh interval. Something nobody reads simply expires.
 */
export function dueForRefresh(
  expiresAt: number,
  now: number,
  lifetimeMs: number,
): boolean {
  return expiresAt > now && expiresAt - now <= lifetimeMs / 4;
}

/** A parsed `WWW-Authenticate` challenge. */
export interface Challenge {
  scheme: 'basic' | 'bearer' | string;
  params: Record<string, string>;
}

/**
 * Parses `WWW-Authenticate` (RFC 7235): `Bearer realm="…",service="…",scope="a b"`.
 * Quoted values may contain commas and escaped quotes; takes the first challenge.
 */
export function parseChallenge(
  header: string | undefined,
): Challenge | undefined {
  if (!header) return undefined;
  const match = /^\s*([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)\s*(.*)$/s.exec(
    header,
  );
  if (!match) return undefined;
  const scheme = match[1].toLowerCase();
  const params: Record<string, string> = {};
  const re =
    /([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))\s*,?\s*/gy;
  const rest = match[2];
  re.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(rest)) !== null) {
    params[m[1].toLowerCase()] =
      m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3];
    if (re.lastIndex >= rest.length) break;
  }
  return { scheme, params };
}

interface CachedToken {
  token: string;
  expiresAt: number;
}

/** Bearer tokens per scope, kept until shortly before they expire. */
export class TokenCache {
  private readonly tokens = new Map<string, CachedToken>();

  constructor(private readonly now: () => number = Date.now) {}

  get(scope: string): string | undefined {
    const hit = this.tokens.get(scope);
    if (!hit) return undefined;
    if (hit.expiresAt <= this.now()) {
      this.tokens.delete(scope);
      return undefined;
    }
    return hit.token;
  }

  set(scope: string, token: string, expiresInSeconds: number): void {
    // Renew 10 s early (or at half-life for very short tokens).
    const lifetimeMs = Math.max(1, expiresInSeconds) * 1000;
    const margin = Math.min(10_000, lifetimeMs / 2);
    this.tokens.set(scope, {
      token,
      expiresAt: this.now() + lifetimeMs - margin,
    });
    if (this.tokens.size > 1000) {
      const oldest = this.tokens.keys().next().value;
      if (oldest !== undefined) this.tokens.delete(oldest);
    }
  }

  delete(scope: string): void {
    this.tokens.delete(scope);
  }
}

/**
 * Next-page URL from a `Link` header (`<…>; rel="next"`), resolved against
 * the request URL (Distribution sends relative links; Harbor joins several with ` , `).
 */
export function nextLink(
  header: string | undefined,
  base: string,
): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const m = /<([^>]*)>\s*;(.*)$/s.exec(part.trim());
    if (m && /(^|;)\s*rel\s*=\s*"?next"?\s*(;|$)/i.test(m[2])) {
      return new URL(m[1], base).toString();
    }
  }
  return undefined;
}

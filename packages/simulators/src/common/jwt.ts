/** Minimal HS256 JWT signing and verification (node:crypto only). */
import crypto from 'node:crypto';

export interface JwtClaims {
  [claim: string]: unknown;
  iss?: string;
  sub?: string;
  exp?: number;
  nbf?: number;
  iat?: number;
  jti?: string;
}

const b64url = (buf: Buffer | string) => Buffer.from(buf).toString('base64url');

export function signHs256(claims: JwtClaims, secret: Buffer | string): string {
  const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = b64url(JSON.stringify(claims));
  const sig = crypto
    .createHmac('sha256', secret)
    .update(`${header}.${payload}`)
    .digest();
  return `${header}.${payload}.${b64url(sig)}`;
}

/** Error texts follow golang-jwt v5, which Argo CD wraps as `invalid session: …`. */
export class JwtError extends Error {}

export function verifyHs256(
  token: string,
  secret: Buffer | string,
  nowSec = Math.floor(Date.now() / 1000),
): JwtClaims {
  const parts = token.split('.');
  if (parts.length !== 3) {
    throw new JwtError(
      'token is malformed: token contains an invalid number of segments',
    );
  }
  let header: { alg?: string };
  let claims: JwtClaims;
  try {
    header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    throw new JwtError('token is malformed: could not JSON decode');
  }
  if (header.alg !== 'HS256') {
    throw new JwtError('token is unverifiable: signing method is invalid');
  }
  const expected = crypto
    .createHmac('sha256', secret)
    .update(`${parts[0]}.${parts[1]}`)
    .digest();
  const given = Buffer.from(parts[2], 'base64url');
  if (
    given.length !== expected.length ||
    !crypto.timingSafeEqual(given, expected)
  ) {
    throw new JwtError('token signature is invalid: signature is invalid');
  }
  if (typeof claims.exp === 'number' && nowSec >= claims.exp) {
    throw new JwtError('token has invalid claims: token is expired');
  }
  if (typeof claims.nbf === 'number' && nowSec < claims.nbf) {
    throw new JwtError('token has invalid claims: token is not valid yet');
  }
  return claims;
}

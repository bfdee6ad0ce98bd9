/**
 * Names as the deployment controller makes them: `pod-template-hash` from the
 * pod template (the real one is FNV-32a over the template; this one is
 * SHA-256 over its canonical JSON — same role: it changes exactly when the
 * template does), written in the apiserver's "safe" alphabet, and pod names
 * `<deployment>-<hash>-<5 random characters>`.
 */
import crypto from 'node:crypto';
import { Deployment } from './types';

/** k8s.io/apimachinery/pkg/util/rand: no vowels, no look-alikes. */
const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

function safeEncode(bytes: Buffer, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++)
    out += ALPHANUMS[bytes[i] % ALPHANUMS.length];
  return out;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

export function podTemplateHash(deployment: Deployment): string {
  const digest = crypto
    .createHash('sha256')
    .update(canonicalJson(deployment.spec.template))
    .digest();
  return safeEncode(digest, 10);
}

export function newPodName(deployment: Deployment, hash: string): string {
  return `${deployment.metadata.name}-${hash}-${safeEncode(
    crypto.randomBytes(5),
    5,
  )}`;
}

/**
 * Server-side request counting: each kube-apiserver writes an audit log
 * (policy below: one `RequestReceived` event per request, metadata only, the
 * seeder's admin user and the apiserver's own loopback client left out), and
 * `AuditCounter` reads the new lines of every log and counts them per user
 * (each benchmarked backend has its own ServiceAccount). Nothing sits on the
 * request path, so neither backend pays for the counting with latency.
 */
import fs from 'node:fs';
import path from 'node:path';

/** The admin user of @internal/test-env's kube-apiserver (the seeder and the mutator). */
export const TEST_ENV_ADMIN_USER = 'test-env-admin';

export const AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["ResponseStarted", "ResponseComplete", "Panic"]
rules:
  - level: None
    users: ["${TEST_ENV_ADMIN_USER}", "system:apiserver"]
  - level: None
    nonResourceURLs: ["/healthz*", "/readyz*", "/livez*"]
  - level: Metadata
`;

/** Writes the policy into `dir`; returns the apiserver flags that turn the audit log on. */
export function auditArgs(dir: string): { args: string[]; logPath: string } {
  fs.mkdirSync(dir, { recursive: true });
  const policy = path.join(dir, 'audit-policy.yaml');
  const logPath = path.join(dir, 'audit.log');
  fs.writeFileSync(policy, AUDIT_POLICY);
  return {
    args: [
      `--audit-policy-file=${policy}`,
      `--audit-log-path=${logPath}`,
      '--audit-log-format=json',
      '--audit-log-maxsize=0',
    ],
    logPath,
  };
}

export interface RequestCounts {
  total: number;
  byUser: Record<string, number>;
  /** `<user> <verb> <resource>` → count (`watch`, `list`, `get`…). */
  byUserVerbResource: Record<string, number>;
}

export function emptyCounts(): RequestCounts {
  return { total: 0, byUser: {}, byUserVerbResource: {} };
}

/** Counts one audit event line (JSON); ignores anything that is not a RequestReceived event. */
export function countAuditLine(line: string, into: RequestCounts): void {
  if (!line) return;
  let event: {
    stage?: string;
    verb?: string;
    user?: { username?: string };
    objectRef?: { resource?: string; apiGroup?: string };
    requestURI?: string;
  };
  try {
    event = JSON.parse(line);
  } catch {
    return;
  }
  if (event.stage !== 'RequestReceived') return;
  const user = event.user?.username ?? '?';
  const resource = event.objectRef?.resource
    ? `${event.objectRef.apiGroup ? `${event.objectRef.apiGroup}/` : ''}${
        event.objectRef.resource
      }`
    : (event.requestURI ?? '?').split('?')[0];
  into.total++;
  into.byUser[user] = (into.byUser[user] ?? 0) + 1;
  const key = `${user} ${event.verb ?? '?'} ${resource}`;
  into.byUserVerbResource[key] = (into.byUserVerbResource[key] ?? 0) + 1;
}

/** `after - before`, per key. */
export function diffCounts(
  after: RequestCounts,
  before: RequestCounts,
): RequestCounts {
  const sub = (a: Record<string, number>, b: Record<string, number>) => {
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(a)) {
      const d = v - (b[k] ?? 0);
      if (d) out[k] = d;
    }
    return out;
  };
  return {
    total: after.total - before.total,
    byUser: sub(after.byUser, before.byUser),
    byUserVerbResource: sub(
      after.byUserVerbResource,
      before.byUserVerbResource,
    ),
  };
}

/** Tails the audit logs of every apiserver and keeps running totals. */
export class AuditCounter {
  private readonly offsets = new Map<string, number>();
  private readonly partial = new Map<string, string>();
  private readonly counts = emptyCounts();

  constructor(private readonly logPaths: string[]) {}

  /** Reads what was appended since the last call; returns a copy of the running totals. */
  read(): RequestCounts {
    for (const file of this.logPaths) {
      let size: number;
      try {
        size = fs.statSync(file).size;
      } catch {
        continue; // not written yet
      }
      const from = this.offsets.get(file) ?? 0;
      if (size <= from) continue;
      const fd = fs.openSync(file, 'r');
      try {
        const buf = Buffer.alloc(size - from);
        fs.readSync(fd, buf, 0, buf.length, from);
        this.offsets.set(file, size);
        const text = (this.partial.get(file) ?? '') + buf.toString('utf8');
        const lines = text.split('\n');
        this.partial.set(file, lines.pop() ?? '');
        for (const line of lines) countAuditLine(line, this.counts);
      } finally {
        fs.closeSync(fd);
      }
    }
    return JSON.parse(JSON.stringify(this.counts));
  }

  /** Counts of `user` between two readings. */
  static userTotal(counts: RequestCounts, user: string): number {
    return counts.byUser[user] ?? 0;
  }
}

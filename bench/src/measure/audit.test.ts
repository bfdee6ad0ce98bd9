import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  AUDIT_POLICY,
  AuditCounter,
  auditArgs,
  countAuditLine,
  diffCounts,
  emptyCounts,
} from './audit';

const line = (
  stage: string,
  user: string,
  verb: string,
  resource?: string,
  group?: string,
) =>
  JSON.stringify({
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    stage,
    verb,
    requestURI: resource ? `/api/v1/${resource}?labelSelector=x` : '/version',
    user: { username: user, groups: ['system:authenticated'] },
    ...(resource
      ? { objectRef: { resource, ...(group ? { apiGroup: group } : {}) } }
      : {}),
  });

describe('audit counting', () => {
  it('counts RequestReceived events per user and per verb and resource', () => {
    const c = emptyCounts();
    countAuditLine(line('RequestReceived', 'sa:ours', 'watch', 'pods'), c);
    countAuditLine(line('RequestReceived', 'sa:base', 'list', 'pods'), c);
    countAuditLine(
      line('RequestReceived', 'sa:base', 'list', 'deployments', 'apps'),
      c,
    );
    countAuditLine(line('ResponseComplete', 'sa:base', 'list', 'pods'), c);
    countAuditLine(line('RequestReceived', 'sa:base', 'get'), c);
    countAuditLine('not json', c);
    countAuditLine('', c);
    expect(c.total).toBe(4);
    expect(c.byUser).toEqual({ 'sa:ours': 1, 'sa:base': 3 });
    expect(c.byUserVerbResource).toEqual({
      'sa:ours watch pods': 1,
      'sa:base list pods': 1,
      'sa:base list apps/deployments': 1,
      'sa:base get /version': 1,
    });
  });

  it('diffs two readings', () => {
    const a = emptyCounts();
    countAuditLine(line('RequestReceived', 'u', 'list', 'pods'), a);
    const b = JSON.parse(JSON.stringify(a));
    countAuditLine(line('RequestReceived', 'u', 'list', 'pods'), b);
    countAuditLine(line('RequestReceived', 'v', 'list', 'pods'), b);
    expect(diffCounts(b, a)).toEqual({
      total: 2,
      byUser: { u: 1, v: 1 },
      byUserVerbResource: { 'u list pods': 1, 'v list pods': 1 },
    });
  });

  it('tails several logs across partial writes', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-audit-'));
    try {
      const { args, logPath } = auditArgs(dir);
      expect(args).toContain(`--audit-log-path=${logPath}`);
      expect(fs.readFileSync(path.join(dir, 'audit-policy.yaml'), 'utf8')).toBe(
        AUDIT_POLICY,
      );
      const other = path.join(dir, 'other.log');
      const counter = new AuditCounter([logPath, other]);
      expect(counter.read().total).toBe(0); // nothing written yet
      const full = line('RequestReceived', 'u', 'list', 'pods');
      fs.writeFileSync(logPath, `${full}\n${full.slice(0, 20)}`);
      expect(counter.read().total).toBe(1);
      fs.appendFileSync(logPath, `${full.slice(20)}\n`);
      fs.writeFileSync(other, `${full}\n`);
      expect(counter.read()).toMatchObject({ total: 3, byUser: { u: 3 } });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('leaves the seeder (admin) and the apiserver loopback user out by policy', () => {
    expect(AUDIT_POLICY).toMatch(
      /level: None\n\s+users: \["test-env-admin", "system:apiserver"\]/,
    );
    expect(AUDIT_POLICY).toMatch(
      /omitStages: \["ResponseStarted", "ResponseComplete", "Panic"\]/,
    );
  });
});

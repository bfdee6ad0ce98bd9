import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { deployedNodeFlags } from './deployedFlags';

describe('deployedNodeFlags', () => {
  it("reads node's flags from the Deployment, and node starts with them", () => {
    const flags = deployedNodeFlags(path.resolve(__dirname, '../../..'));
    expect(flags.length).toBeGreaterThan(0);
    expect(flags.every(f => f.startsWith('--'))).toBe(true);
    expect(flags).not.toContain('packages/backend');
    const run = spawnSync(process.execPath, [...flags, '-e', '0'], {
      encoding: 'utf8',
    });
    expect(`exit ${run.status} ${run.stderr}`.trim()).toBe('exit 0');
  });

  it('fails naming the Deployment file when it cannot be read', () => {
    expect(() => deployedNodeFlags('/nonexistent')).toThrow(/deployment\.yaml/);
  });
});

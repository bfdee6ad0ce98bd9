/**
 * Lints Jenkinsfiles with npm-groovy-lint (CodeNarc with its
 * `recommended-jenkinsfile` rule set, run on the JVM). One invocation lints
 * every file: the JVM start dominates its run time.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const JAVA = process.env.MLOPS_JAVA || '/usr/bin/java';

export interface GroovyLintIssue {
  file: string;
  line: number;
  rule: string;
  severity: 'error' | 'warning' | 'info';
  message: string;
}

interface LintJson {
  summary?: { totalFilesLinted?: number };
  files?: Record<
    string,
    {
      errors?: {
        line: number | string;
        rule: string;
        severity: string;
        msg: string;
      }[];
    }
  >;
}

/** The npm-groovy-lint CLI script (`lib/index.js`, next to its package entry point). */
export function groovyLintCli(): string {
  if (process.env.MLOPS_NPM_GROOVY_LINT)
    return process.env.MLOPS_NPM_GROOVY_LINT;
  let entry: string;
  try {
    entry = require.resolve('npm-groovy-lint');
  } catch {
    throw new Error(
      'npm-groovy-lint is not installed (a devDependency of @internal/template-checks): run yarn install',
    );
  }
  return path.join(path.dirname(entry), 'index.js');
}

export function assertJava(): void {
  if (!fs.existsSync(JAVA)) {
    throw new Error(
      `npm-groovy-lint needs Java 17+ at ${JAVA}: apt-get install openjdk-17-jre-headless (or set MLOPS_JAVA)`,
    );
  }
}

/**
 * Runs `npm-groovy-lint --config recommended-jenkinsfile --failon error
 * --output json --noserver` over `files`; returns every issue (all
 * severities) and how many files it linted.
 */
export async function lintJenkinsfiles(
  files: string[],
): Promise<{ linted: number; issues: GroovyLintIssue[] }> {
  assertJava();
  const args = [
    groovyLintCli(),
    '--config',
    'recommended-jenkinsfile',
    '--failon',
    'error',
    '--output',
    'json',
    '--javaexecutable',
    JAVA,
    '--noserver',
    ...files,
  ];
  const { code, stdout, stderr } = await new Promise<{
    code: number | null;
    stdout: string;
    stderr: string;
  }>(resolve => {
    execFile(
      process.execPath,
      args,
      {
        maxBuffer: 64 * 1024 * 1024,
        timeout: 180_000,
        env: { ...process.env, NO_COLOR: '1' },
      },
      (error, out, err) => {
        const exitCode: unknown = error
          ? (error as { code?: unknown }).code
          : 0;
        resolve({
          code: typeof exitCode === 'number' ? exitCode : -1,
          stdout: out,
          stderr: err,
        });
      },
    );
  });
  const start = stdout.indexOf('{');
  let report: LintJson;
  try {
    report = JSON.parse(stdout.slice(start));
  } catch {
    throw new Error(
      `npm-groovy-lint (exit ${code}) printed no JSON report: ${stderr.slice(
        0,
        2000,
      )} ${stdout.slice(0, 2000)}`,
    );
  }
  const issues: GroovyLintIssue[] = [];
  for (const [file, result] of Object.entries(report.files ?? {})) {
    for (const e of result.errors ?? []) {
      issues.push({
        file,
        line: Number(e.line),
        rule: e.rule,
        severity: e.severity as GroovyLintIssue['severity'],
        message: e.msg,
      });
    }
  }
  return { linted: report.summary?.totalFilesLinted ?? 0, issues };
}

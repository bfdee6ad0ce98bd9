import { execFile } from 'node:child_process';
import { LoggerService } from '@backstage/backend-plugin-api';

/** Result of one git invocation. */
export interface GitResult {
  stdout: string;
  stderr: string;
}

/** Runs `git <args>`; rejects with a {@link GitCommandError} on a non-zero exit. */
export type Git = (
  args: string[],
  options?: { cwd?: string; env?: Record<string, string> },
) => Promise<GitResult>;

/** A failed git command; the message carries git's stderr (secrets removed). */
export class GitCommandError extends Error {
  constructor(
    readonly command: string,
    readonly exitCode: number | string | undefined,
    readonly stderr: string,
  ) {
    super(
      `git ${command} failed (exit ${exitCode ?? '?'}): ${
        stderr.trim() || 'no output'
      }`,
    );
    this.name = 'GitCommandError';
  }
}

/**
 * Creates a git runner (the `git` CLI through execFile, no shell).
 *
 * `authHeader` (e.g. `Authorization: Basic …`) is handed to git as the
 * `http.extraHeader` setting through `GIT_CONFIG_COUNT`/`GIT_CONFIG_KEY_n`/
 * `GIT_CONFIG_VALUE_n` environment variables — the same effect as
 * `git -c http.extraHeader=…`, but the secret is neither in the process
 * arguments (readable by every user in /proc/<pid>/cmdline) nor in URLs or
 * logs. Credential helpers and terminal prompts are disabled so a missing
 * credential fails fast instead of hanging.
 */
export function createGit(options: {
  authHeader?: string;
  logger?: LoggerService;
  signal?: AbortSignal;
  timeoutMs?: number;
}): Git {
  const secrets = options.authHeader ? secretsOf(options.authHeader) : [];
  const redact = (text: string) =>
    secrets.reduce((acc, secret) => acc.split(secret).join('***'), text);

  const config: Array<[string, string]> = [
    ['credential.helper', ''],
    ['commit.gpgsign', 'false'],
  ];
  if (options.authHeader) config.push(['http.extraHeader', options.authHeader]);
  const configEnv: Record<string, string> = {
    GIT_CONFIG_COUNT: String(config.length),
  };
  config.forEach(([key, value], i) => {
    configEnv[`GIT_CONFIG_KEY_${i}`] = key;
    configEnv[`GIT_CONFIG_VALUE_${i}`] = value;
  });

  return (args, runOptions = {}) => {
    const command = args.join(' ');
    options.logger?.debug(`git ${redact(command)}`);
    return new Promise<GitResult>((resolve, reject) => {
      execFile(
        'git',
        args,
        {
          cwd: runOptions.cwd,
          env: {
            ...process.env,
            GIT_TERMINAL_PROMPT: '0',
            GIT_ASKPASS: '',
            SSH_ASKPASS: '',
            LC_ALL: 'C',
            ...configEnv,
            ...runOptions.env,
          },
          maxBuffer: 64 * 1024 * 1024,
          timeout: options.timeoutMs ?? 5 * 60_000,
          signal: options.signal,
        },
        (error, stdout, stderr) => {
          if (error) {
            const code = (error as { code?: number | string }).code;
            reject(
              new GitCommandError(
                redact(args[0] ?? ''),
                code,
                redact(String(stderr)),
              ),
            );
            return;
          }
          resolve({ stdout: String(stdout), stderr: String(stderr) });
        },
      );
    });
  };
}

/** The header value and, for Basic auth, the decoded `user:password` and password. */
function secretsOf(header: string): string[] {
  const value = header.replace(/^[^:]*:\s*/, '');
  const secrets = [value];
  const [scheme, credential] = value.split(/\s+/, 2);
  if (credential) {
    secrets.push(credential);
    if (scheme.toLowerCase() === 'basic') {
      const decoded = Buffer.from(credential, 'base64').toString('utf8');
      secrets.push(decoded);
      const password = decoded.slice(decoded.indexOf(':') + 1);
      if (password.length >= 4) secrets.push(password);
    }
  }
  return secrets.filter(s => s.length > 0).sort((a, b) => b.length - a.length);
}

/** True when a git error means the remote could not be reached (DNS, refused, timeout). */
export function isGitUnreachable(error: unknown): boolean {
  if (!(error instanceof GitCommandError)) return false;
  return /Could not resolve host|Failed to connect|Connection refused|Connection timed out|Network is unreachable|Couldn't connect to server/i.test(
    error.stderr,
  );
}

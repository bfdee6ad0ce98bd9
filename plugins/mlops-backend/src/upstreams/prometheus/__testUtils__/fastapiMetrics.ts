import { freePort } from '@internal/test-env';
import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';

export interface FastApiMetrics {
  /** `http://127.0.0.1:<port>/metrics` */
  metricsUrl: string;
  /** Counts `n` requests with `status` and observes `latency` seconds for each. */
  record(cmd: { status: string; latency?: number; n: number }): Promise<void>;
  stop(): Promise<void>;
}

const PYTHON = process.env.MLOPS_PYTHON ?? '/usr/bin/python3';

/**
 * Starts `fastapi_metrics.py`: the generated FastAPI service's metrics,
 * exported by the real python prometheus_client (Debian python3-prometheus-client).
 */
export async function startFastApiMetrics(): Promise<FastApiMetrics> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    PYTHON,
    [path.join(__dirname, 'fastapi_metrics.py'), String(port)],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  const stderr: string[] = [];
  child.stderr!.on('data', c => stderr.push(String(c)));
  const lines = readline.createInterface({ input: child.stdout! });
  const waiting: Array<(line: string) => void> = [];
  lines.on('line', line => waiting.shift()?.(line));
  const next = () =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(`fastapi_metrics.py did not answer: ${stderr.join('')}`),
          ),
        10_000,
      );
      waiting.push(line => {
        clearTimeout(timer);
        resolve(line);
      });
    });
  const first = await next();
  if (!first.startsWith('listening'))
    throw new Error(`fastapi_metrics.py: ${first} ${stderr.join('')}`);
  return {
    metricsUrl: `http://127.0.0.1:${port}/metrics`,
    async record(cmd) {
      const answered = next();
      child.stdin!.write(`${JSON.stringify(cmd)}\n`);
      if ((await answered) !== 'ok')
        throw new Error('fastapi_metrics.py refused a command');
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise(r => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

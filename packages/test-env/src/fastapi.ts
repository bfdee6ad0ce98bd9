/**
 * Harness for the REAL FastAPI model service that the "New model service"
 * template generates (`source/fastapi`: `app/main.py`): run under uvicorn
 * with Debian's python3-fastapi (0.92), python3-uvicorn (0.17),
 * python3-torch (1.13) and python3-prometheus-client (0.16), on a free
 * 127.0.0.1 port, with the working directory the generated source folder
 * (as the image's `WORKDIR /srv` holding `app/`).
 *
 * - `startFastapiModelService()` runs
 *   `python3 -m uvicorn app.main:app --host 127.0.0.1 --port <port>` with the
 *   environment the caller read from the generated Dockerfile and manifests
 *   (MODEL_NAME, MODEL_PATH, …) and waits until `GET /healthz` answers 200.
 * - `makeTinyTorchScriptModel()` writes a tiny scripted chat model
 *   (`forward(self, prompt: str) -> str`, random weights, a few KB) with
 *   `fastapi/make_tiny_model.py`; "FAIL" in a prompt makes it raise, "SLOW"
 *   makes it compute for a while.
 *
 * Install: `apt-get install python3-fastapi python3-uvicorn python3-torch
 * python3-prometheus-client`. The interpreter is `/usr/bin/python3` (the
 * one Debian's packages belong to; a pyenv `python3` earlier on PATH has
 * none of them); `MLOPS_PYTHON` overrides it.
 */
import { ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './ports';

const execFileAsync = promisify(execFile);

export const FASTAPI_PYTHON = process.env.MLOPS_PYTHON ?? '/usr/bin/python3';

const INSTALL_HINT =
  'install them with apt-get install python3-fastapi python3-uvicorn python3-torch python3-prometheus-client';

export interface StartFastapiModelServiceOptions {
  /** The generated source folder: the one holding `app/main.py` (the image's WORKDIR). */
  sourceDir: string;
  /** Sets MODEL_PATH (after `env`): where the weights are on this machine. */
  modelPath?: string;
  /** The container's environment as the generated Dockerfile and manifests set it. */
  env?: Record<string, string>;
  /** Default: a free port. */
  port?: number;
  /** How long to wait for `/healthz` (default 60 s). */
  startTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface HttpAnswer {
  status: number;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

export interface RunningFastapiModelService {
  /** http://127.0.0.1:<port> */
  url: string;
  port: number;
  pid: number;
  /** The command that runs the service, e.g. `['/usr/bin/python3', '-m', 'uvicorn', 'app.main:app', '--host', '127.0.0.1', '--port', '41234']`. */
  argv: string[];
  /** The uvicorn part of `argv` (what an image's `CMD ["uvicorn", …]` would say). */
  uvicornArgs: string[];
  /** The environment given to the service on top of this process' own. */
  env: Record<string, string>;
  /** GET `path` on the service (no retries; 10 s deadline). */
  get(path: string): Promise<HttpAnswer>;
  /** POST `body` as JSON to `path` on the service; `ms` is the client-side duration. */
  postJson(path: string, body: unknown): Promise<HttpAnswer & { ms: number }>;
  /**
   * Waits until the model loader finished (`/readyz` no longer says
   * "loading"), then returns the `/readyz` answer: 200 once loaded, 503
   * with the reason otherwise.
   */
  waitForModel(timeoutMs?: number): Promise<HttpAnswer>;
  /** Sends a signal (SIGKILL, SIGSTOP, SIGCONT, …) to the service process. */
  kill(signal: NodeJS.Signals): void;
  /** Resolves when the process has exited (at once when it already has). */
  exited(): Promise<void>;
  /** Everything the service wrote to stdout and stderr so far. */
  logs(): string;
  /** Stops the service (SIGCONT, SIGTERM, then SIGKILL after 5 s). */
  stop(): Promise<void>;
}

const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of liveChildren) {
      try {
        child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

/** A detached shell that kills the child once this process is gone (covers a SIGKILLed jest worker). */
function spawnWatchdog(childPid: number): ChildProcess {
  const script =
    'while kill -0 "$1" 2>/dev/null; do sleep 1; done; kill -9 "$2" 2>/dev/null';
  const dog = spawn(
    'sh',
    [
      '-c',
      script,
      'test-env-fastapi-watchdog',
      String(process.pid),
      String(childPid),
    ],
    { detached: true, stdio: 'ignore' },
  );
  dog.on('error', () => {});
  dog.unref();
  return dog;
}

function request(
  method: 'GET' | 'POST',
  url: string,
  body?: unknown,
  timeoutMs = 10_000,
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      url,
      {
        method,
        timeout: timeoutMs,
        headers: payload
          ? {
              'content-type': 'application/json',
              'content-length': Buffer.byteLength(payload),
            }
          : {},
      },
      res => {
        const chunks: Buffer[] = [];
        res.on('data', c => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, text, json });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () =>
      req.destroy(new Error(`${method} ${url}: no answer in ${timeoutMs} ms`)),
    );
    req.on('error', reject);
    req.end(payload);
  });
}

export async function startFastapiModelService(
  options: StartFastapiModelServiceOptions,
): Promise<RunningFastapiModelService> {
  installExitHook();
  const sourceDir = path.resolve(options.sourceDir);
  if (!fs.existsSync(path.join(sourceDir, 'app', 'main.py'))) {
    throw new Error(
      `startFastapiModelService: ${sourceDir} holds no app/main.py`,
    );
  }
  const log = options.log ?? (() => {});
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const uvicornArgs = [
    'uvicorn',
    'app.main:app',
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
  ];
  const argv = [FASTAPI_PYTHON, '-m', ...uvicornArgs];
  const env: Record<string, string> = {
    ...(options.env ?? {}),
    ...(options.modelPath !== undefined
      ? { MODEL_PATH: options.modelPath }
      : {}),
  };
  const child = spawn(argv[0], argv.slice(1), {
    cwd: sourceDir,
    env: { ...process.env, PYTHONUNBUFFERED: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  liveChildren.add(child);
  const watchdog = child.pid ? spawnWatchdog(child.pid) : undefined;
  const output: string[] = [];
  const onData = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    output.push(text);
    for (const line of text.split('\n').filter(l => l.trim()))
      log(`[fastapi:${port}] ${line}`);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  let exitReason: string | undefined;
  const exited = new Promise<void>(resolve => {
    child.on('error', e => {
      exitReason = `cannot start ${FASTAPI_PYTHON} (${e.message})`;
      liveChildren.delete(child);
      resolve();
    });
    child.on('exit', (code, signal) => {
      exitReason ??= `the service exited (${
        signal ? `signal ${signal}` : `code ${code}`
      })`;
      liveChildren.delete(child);
      watchdog?.kill('SIGKILL');
      resolve();
    });
  });
  const logs = () => output.join('');
  const tail = () => logs().split('\n').slice(-30).join('\n');

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        child.kill('SIGCONT');
        child.kill('SIGTERM');
      } catch {
        // gone meanwhile
      }
      const timer = setTimeout(() => {
        try {
          child.kill('SIGKILL');
        } catch {
          // gone meanwhile
        }
      }, 5_000);
      await exited;
      clearTimeout(timer);
    }
    watchdog?.kill('SIGKILL');
  };

  const timeoutMs = options.startTimeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  for (;;) {
    if (exitReason) {
      await new Promise(r => setTimeout(r, 50)); // let stderr arrive
      const missing = /No module named/.test(logs())
        ? `; a Python package is missing: ${INSTALL_HINT}`
        : '';
      throw new Error(`${exitReason}${missing}\n${tail()}`);
    }
    try {
      const answer = await request('GET', `${url}/healthz`, undefined, 2_000);
      if (answer.status === 200) break;
      lastError = `GET /healthz answered ${answer.status}`;
    } catch (e) {
      lastError = (e as Error).message;
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `the FastAPI service did not answer /healthz within ${timeoutMs} ms (${lastError})\n${tail()}`,
      );
    }
    await new Promise(r => setTimeout(r, 100));
  }

  return {
    url,
    port,
    pid: child.pid!,
    argv,
    uvicornArgs,
    env,
    get: p => request('GET', `${url}${p}`),
    async postJson(p, body) {
      const started = performance.now();
      const answer = await request('POST', `${url}${p}`, body);
      return { ...answer, ms: performance.now() - started };
    },
    async waitForModel(waitMs = 60_000) {
      const until = Date.now() + waitMs;
      for (;;) {
        const answer = await request('GET', `${url}/readyz`);
        const reason = (answer.json as { reason?: unknown } | undefined)
          ?.reason;
        const loading =
          answer.status === 503 &&
          typeof reason === 'string' &&
          reason.startsWith('loading ');
        if (!loading) return answer;
        if (Date.now() > until) {
          throw new Error(
            `the model did not finish loading within ${waitMs} ms: ${
              answer.text
            }\n${tail()}`,
          );
        }
        await new Promise(r => setTimeout(r, 100));
      }
    },
    kill(signal) {
      child.kill(signal);
    },
    exited: () => exited,
    logs,
    stop,
  };
}

/** The script that writes the tiny model (src/fastapi/ of this package). */
export const TINY_MODEL_SCRIPT = path.join(
  path.dirname(require.resolve('@internal/test-env/package.json')),
  'src',
  'fastapi',
  'make_tiny_model.py',
);

export interface TinyTorchScriptModel {
  path: string;
  /** The words the model answers with (one of them per answer). */
  words: string[];
  /** Size of the file in bytes. */
  bytes: number;
}

/**
 * Writes a tiny TorchScript chat model to `file` (random weights from
 * `seed`): `forward(self, prompt: str) -> str` answers one word; "FAIL" in
 * the prompt makes it raise, "SLOW" makes it compute for a while first.
 */
export async function makeTinyTorchScriptModel(
  file: string,
  options: { seed?: number } = {},
): Promise<TinyTorchScriptModel> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  let stdout: string;
  try {
    ({ stdout } = await execFileAsync(
      FASTAPI_PYTHON,
      [TINY_MODEL_SCRIPT, file, String(options.seed ?? 0)],
      { timeout: 60_000 },
    ));
  } catch (e) {
    const err = e as Error & { stderr?: string };
    const missing = /No module named/.test(err.stderr ?? '')
      ? ` (${INSTALL_HINT})`
      : '';
    throw new Error(
      `make_tiny_model.py failed${missing}: ${err.stderr ?? err.message}`,
    );
  }
  return {
    path: file,
    words: stdout.trim().split(/\s+/),
    bytes: fs.statSync(file).size,
  };
}

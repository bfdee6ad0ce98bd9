/**
 * The FastAPI harness against real python processes: the tiny TorchScript
 * model really loads and answers in torch, and a (tiny, hand-written)
 * FastAPI app really runs under uvicorn with the given cwd and environment,
 * stops, and freezes under SIGSTOP. The generated service itself is run by
 * the tests in template-checks and mlops-backend.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  FASTAPI_PYTHON,
  makeTinyTorchScriptModel,
  startFastapiModelService,
} from './fastapi';

jest.setTimeout(60_000);

const execFileAsync = promisify(execFile);

const APP = `
import os
from fastapi import FastAPI

app = FastAPI()

@app.get("/healthz")
async def healthz():
    return {"status": "ok"}

@app.get("/env")
async def env():
    return {
        "cwd": os.getcwd(),
        "MODEL_NAME": os.environ.get("MODEL_NAME"),
        "MODEL_PATH": os.environ.get("MODEL_PATH"),
    }
`;

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'test-env-fastapi-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function writeApp(dir: string, source: string) {
  fs.mkdirSync(path.join(dir, 'app'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'app', '__init__.py'), '');
  fs.writeFileSync(path.join(dir, 'app', 'main.py'), source);
}

describe('makeTinyTorchScriptModel', () => {
  it('writes a scripted model of a few KB whose forward(prompt) answers one of its words, and raises on FAIL', async () => {
    const model = await makeTinyTorchScriptModel(
      path.join(tmp, 'm', 'model.pt'),
    );
    expect(model.bytes).toBeGreaterThan(500);
    expect(model.bytes).toBeLessThan(16_000);
    expect(model.words.length).toBeGreaterThan(2);
    const { stdout } = await execFileAsync(FASTAPI_PYTHON, [
      '-c',
      [
        'import sys, torch',
        'm = torch.jit.load(sys.argv[1])',
        'print(type(m).__name__)',
        'print(m("user: hello\\nassistant:"))',
        'try:',
        '    m("FAIL please")',
        '    print("no error")',
        'except Exception as e:',
        '    print("raised", "asked to fail" in str(e))',
      ].join('\n'),
      model.path,
    ]);
    const [kind, answer, failure] = stdout.trim().split('\n');
    expect(kind).toBe('RecursiveScriptModule');
    expect(model.words).toContain(answer);
    expect(failure).toBe('raised True');
  });
});

describe('startFastapiModelService', () => {
  it('runs uvicorn in the source folder with the given environment and stops it', async () => {
    const dir = path.join(tmp, 'ok');
    writeApp(dir, APP);
    const svc = await startFastapiModelService({
      sourceDir: dir,
      env: { MODEL_NAME: 'tiny', MODEL_PATH: '/models/tiny' },
      modelPath: path.join(tmp, 'models', 'tiny'),
    });
    try {
      expect(svc.url).toBe(`http://127.0.0.1:${svc.port}`);
      expect(svc.uvicornArgs).toEqual([
        'uvicorn',
        'app.main:app',
        '--host',
        '127.0.0.1',
        '--port',
        String(svc.port),
      ]);
      expect(svc.argv).toEqual([FASTAPI_PYTHON, '-m', ...svc.uvicornArgs]);
      const env = await svc.get('/env');
      expect(env.json).toEqual({
        cwd: dir,
        MODEL_NAME: 'tiny',
        MODEL_PATH: path.join(tmp, 'models', 'tiny'),
      });
      expect(svc.env.MODEL_PATH).toBe(path.join(tmp, 'models', 'tiny'));
    } finally {
      await svc.stop();
    }
    expect(() => process.kill(svc.pid, 0)).toThrow();
    expect(svc.logs()).toMatch(/Uvicorn running on http:\/\/127\.0\.0\.1/);
  });

  it('freezes under SIGSTOP and answers again after SIGCONT', async () => {
    const dir = path.join(tmp, 'stop');
    writeApp(dir, APP);
    const svc = await startFastapiModelService({ sourceDir: dir });
    try {
      svc.kill('SIGSTOP');
      const frozen = await Promise.race([
        svc.get('/healthz').then(() => 'answered'),
        new Promise(r => setTimeout(() => r('no answer'), 1_500)),
      ]);
      expect(frozen).toBe('no answer');
      svc.kill('SIGCONT');
      expect((await svc.get('/healthz')).status).toBe(200);
    } finally {
      await svc.stop();
    }
  });

  it('fails with the traceback when the app cannot start', async () => {
    const dir = path.join(tmp, 'broken');
    writeApp(dir, 'raise RuntimeError("broken on purpose")\n');
    await expect(startFastapiModelService({ sourceDir: dir })).rejects.toThrow(
      /the service exited \(code \d+\)[\s\S]*RuntimeError: broken on purpose/,
    );
  });

  it('refuses a folder without app/main.py', async () => {
    await expect(
      startFastapiModelService({ sourceDir: path.join(tmp, 'nothing') }),
    ).rejects.toThrow(/holds no app\/main\.py/);
  });
});

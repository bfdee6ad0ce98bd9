/**
 * Serving adapter for the REAL FastAPI model service the "New model service"
 * template generates (run by test-env's startFastapiModelService under
 * uvicorn with Debian's python3-fastapi/uvicorn/torch), behind a loopback
 * gate whose address is the service's endpoint:
 * - no Ready pod → the gate closes: connections are refused (the process
 *   keeps running, so the endpoint is back at once with the next Ready pod);
 * - model not loaded → the process is restarted with MODEL_PATH pointing
 *   where no weights are (default `/models/<MODEL_NAME>`, the path the
 *   template's workload mounts, absent here), so `/readyz` answers 503
 *   `{"status":"not ready","reason":"no model at … (mount the model volume or
 *   set MODEL_PATH)"}`; when the model is loaded again it is restarted with
 *   its weights and the gate opens once `/readyz` is 200.
 * The process is started at the first state with a Ready pod, and restarted
 * on the same port when it exited on its own.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  RunningFastapiModelService,
  freePort,
  startFastapiModelService,
} from '@internal/test-env';
import { LoopbackGate, createLoopbackGate } from './loopbackGate';
import { ServingAdapter, changeOnlyAdapter } from './types';

export interface FastapiServingAdapterOptions {
  /** The generated source folder (holds app/main.py). */
  sourceDir: string;
  /** MODEL_PATH with the weights (a TorchScript file or a folder holding model.pt). */
  modelPath: string;
  /** The container's environment (MODEL_NAME, …). */
  env?: Record<string, string>;
  /** Where the endpoint listens (default 127.0.0.1 and a free port). */
  listen?: { host?: string; port?: number };
  /** MODEL_PATH while the model is not loaded (default `/models/<MODEL_NAME>` when that does not exist here). */
  unloadedModelPath?: string;
  /** For each start of the service and its model load (default 60 s). */
  startTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface FastapiServingAdapter extends ServingAdapter {
  /** `http://host:port`: the endpoint (refuses connections while no pod is Ready). */
  url: string;
  gate: LoopbackGate;
  /** The service process now running, if any. */
  service(): RunningFastapiModelService | undefined;
  /** Closes the endpoint and stops the process. */
  stop(): Promise<void>;
}

export async function startFastapiServingAdapter(
  options: FastapiServingAdapterOptions,
): Promise<FastapiServingAdapter> {
  const modelName =
    options.env?.MODEL_NAME ?? path.basename(options.modelPath, '.pt');
  const unloadedPath =
    options.unloadedModelPath ??
    (fs.existsSync(`/models/${modelName}`)
      ? `/nonexistent/models/${modelName}`
      : `/models/${modelName}`);
  const timeoutMs = options.startTimeoutMs ?? 60_000;
  const servicePort = await freePort();
  const gate = await createLoopbackGate(servicePort, options.listen);
  let running: RunningFastapiModelService | undefined;
  let runningLoaded = false;
  let exited = false;
  let stopped = false;

  const stopProcess = async () => {
    const r = running;
    running = undefined;
    await r?.stop();
  };

  const ensureProcess = async (loaded: boolean) => {
    if (running && !exited && runningLoaded === loaded) return;
    await stopProcess();
    exited = false;
    const started = await startFastapiModelService({
      sourceDir: options.sourceDir,
      env: options.env,
      modelPath: loaded ? options.modelPath : unloadedPath,
      port: servicePort,
      startTimeoutMs: timeoutMs,
      log: options.log,
    });
    running = started;
    runningLoaded = loaded;
    void started.exited().then(() => {
      if (running === started) exited = true;
    });
    const ready = await started.waitForModel(timeoutMs);
    if (loaded && ready.status !== 200) {
      throw new Error(
        `the FastAPI model service did not load ${options.modelPath}: /readyz answered ${ready.status} ${ready.text}`,
      );
    }
  };

  const adapter = changeOnlyAdapter(
    async state => {
      if (stopped) return;
      if (state.podsReady === 0) {
        await gate.close();
        return;
      }
      if (exited || !running || runningLoaded !== state.modelLoaded) {
        // Connections during a restart would be reset: refuse them instead.
        await gate.close();
        await ensureProcess(state.modelLoaded);
      }
      await gate.open();
    },
    { stale: () => exited && gate.isOpen() },
  );

  return {
    ...adapter,
    url: gate.url,
    gate,
    service: () => running,
    async stop() {
      stopped = true;
      await gate.close();
      await stopProcess();
    },
  };
}

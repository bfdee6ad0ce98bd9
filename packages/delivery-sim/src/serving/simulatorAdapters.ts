/**
 * Serving adapters for the inference protocol simulators
 * (packages/simulators/src/inference), using the knobs each one has:
 * - no Ready pod → the simulator's `down` fault on every port: the listener
 *   closes, clients get ECONNREFUSED (as a Service without endpoints);
 * - model not loaded →
 *   TorchServe: the model's READY workers drop to 0 (`/ping` 500
 *   `Unhealthy`, the management API lists no READY worker, predictions 503);
 *   OIP (KServe/Triton): the model and the server turn not ready
 *   (`/v2/health/ready` and `/v2/models/<m>/ready` 503, or 400 on Triton);
 *   vLLM: the listener stays closed, as vLLM does not listen until its
 *   weights are loaded (the same as no pod: that is what vLLM shows).
 */
import type {
  OipSimulator,
  TorchServeSimulator,
  VllmSimulator,
} from '@internal/simulators';
import { ServingAdapter, changeOnlyAdapter } from './types';

const DOWN = { mode: 'down' } as const;
const UP = { mode: 'none' } as const;

/** READY workers of `model` as the TorchServe simulator's management API describes it. */
async function readyWorkersOf(
  sim: TorchServeSimulator,
  model: string,
): Promise<number | undefined> {
  try {
    const res = await fetch(
      `${sim.managementUrl}/models/${encodeURIComponent(model)}`,
      {
        headers: { authorization: `Bearer ${sim.keys.management}` },
        signal: AbortSignal.timeout(5_000),
      },
    );
    if (!res.ok) return undefined;
    const [described] = (await res.json()) as Array<{
      minWorkers?: number;
      workers?: Array<{ status?: string }>;
    }>;
    const ready = (described?.workers ?? []).filter(
      w => w.status === 'READY',
    ).length;
    return Math.max(ready, described?.minWorkers ?? 1, 1);
  } catch {
    return undefined;
  }
}

export function torchServeServingAdapter(
  sim: TorchServeSimulator,
  options: {
    model: string;
    /** READY workers while the model is loaded (default: as many as the simulator had at the first call). */
    readyWorkers?: number;
  },
): ServingAdapter {
  let loadedWorkers = options.readyWorkers;
  return changeOnlyAdapter(async state => {
    // Learn the loaded worker count once, while the simulator still shows its seed.
    loadedWorkers ??= (await readyWorkersOf(sim, options.model)) ?? 1;
    sim.setReadyWorkers(options.model, state.modelLoaded ? loadedWorkers : 0);
    await sim.setFault(state.podsReady > 0 ? UP : DOWN, 'all');
  });
}

export function oipServingAdapter(
  sim: OipSimulator,
  options: { model: string },
): ServingAdapter {
  return changeOnlyAdapter(async state => {
    sim.setModelReady(options.model, state.modelLoaded);
    sim.setServerReady(state.modelLoaded);
    await sim.setFault(state.podsReady > 0 ? UP : DOWN);
  });
}

export function vllmServingAdapter(sim: VllmSimulator): ServingAdapter {
  return changeOnlyAdapter(
    async state => {
      await sim.setFault(state.podsReady > 0 && state.modelLoaded ? UP : DOWN);
    },
    { visible: s => String(s.podsReady > 0 && s.modelLoaded) },
  );
}

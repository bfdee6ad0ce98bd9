/**
 * The serving controller (simulator) of the delivery loop: each tick (every
 * `pollMs`, one at a time) it reads every service's Deployment and the pods
 * its selector matches from the real kube-apiserver, and tells the service's
 * ServingAdapter how many are Ready and whether the model should be loaded
 * (false under break `model-not-ready`). The adapters make the inference
 * endpoint answer accordingly (simulatorAdapters.ts, fastapiAdapter.ts).
 */
import { startPollLoop } from '../pollLoop';
import pLimit from 'p-limit';
import { KubeTarget } from '@internal/test-env';
import { BreakBoard } from '../breaks';
import { KubeApi, deploymentsPath, podsPath } from '../kubelet/kubeApi';
import {
  Deployment,
  Pod,
  isPodReady,
  labelSelectorString,
} from '../kubelet/types';
import { LoopLog, LoopService } from '../types';
import { ServingAdapter, ServingState } from './types';

export interface ServingControllerOptions {
  kube: KubeTarget;
  /** The services to serve (name: Deployment name and break board key; namespace). */
  services: Array<Pick<LoopService, 'name' | 'namespace'>>;
  /** The adapter of each service, by service name (services without one are skipped). */
  adapters: Record<string, ServingAdapter>;
  breaks: BreakBoard;
  /** The Deployment of a service (default: the service's name). */
  deploymentOf?: (service: Pick<LoopService, 'name' | 'namespace'>) => string;
  /** Default 1000 ms. */
  pollMs?: number;
  log?: LoopLog;
}

export interface ServingController {
  /** Runs one tick now (after the one in progress); rejects when a service failed. */
  reconcileNow(): Promise<void>;
  /** Ends the timer and waits for a tick in progress (adapters keep their state). */
  stop(): Promise<void>;
}

const NAME = 'serving controller (simulator)';

export function startServingController(
  options: ServingControllerOptions,
): ServingController {
  const api = new KubeApi(options.kube);
  const pollMs = options.pollMs ?? 1_000;
  const deploymentOf = options.deploymentOf ?? (s => s.name);
  const limit = pLimit(4);
  const said = new Map<string, string>();

  const say = (service: string, message: string) => {
    if (said.get(service) === message) return;
    said.set(service, message);
    options.log?.({
      at: Date.now(),
      controller: 'serving',
      service,
      message: `${NAME}: ${message}`,
    });
  };

  async function stateOf(
    service: Pick<LoopService, 'name' | 'namespace'>,
  ): Promise<ServingState> {
    const modelLoaded = !options.breaks.has(service.name, 'model-not-ready');
    const deployment = await api.get<Deployment>(
      deploymentsPath(service.namespace, deploymentOf(service)),
    );
    if (!deployment) return { podsReady: 0, modelLoaded };
    const pods = await api.list<Pod>(
      podsPath(service.namespace),
      labelSelectorString(deployment.spec.selector),
    );
    return { podsReady: pods.filter(isPodReady).length, modelLoaded };
  }

  async function tick(): Promise<void> {
    const failures: string[] = [];
    await Promise.all(
      options.services
        .filter(s => options.adapters[s.name])
        .map(s =>
          limit(async () => {
            try {
              const state = await stateOf(s);
              await options.adapters[s.name].setState(state);
              say(
                s.name,
                `${state.podsReady} Ready pod(s), model ${
                  state.modelLoaded ? 'loaded' : 'not loaded'
                }`,
              );
            } catch (e) {
              const message = `${s.name}: ${(e as Error).message}`;
              failures.push(message);
              say(s.name, `failed: ${(e as Error).message}`);
            }
          }),
        ),
    );
    if (failures.length) throw new Error(failures.join('; '));
  }

  // Failures were said once per service and message in tick().
  return startPollLoop(tick, pollMs);
}

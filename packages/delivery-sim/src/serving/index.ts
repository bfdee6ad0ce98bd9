/**
 * The serving controller (simulator) and its adapters: the inference
 * endpoint of each service answers for what its pods and model are.
 */
export { startServingController } from './servingController';
export type {
  ServingController,
  ServingControllerOptions,
} from './servingController';
export { changeOnlyAdapter } from './types';
export type { ServingAdapter, ServingState } from './types';
export {
  oipServingAdapter,
  torchServeServingAdapter,
  vllmServingAdapter,
} from './simulatorAdapters';
export { startFastapiServingAdapter } from './fastapiAdapter';
export type {
  FastapiServingAdapter,
  FastapiServingAdapterOptions,
} from './fastapiAdapter';
export { createLoopbackGate } from './loopbackGate';
export type { LoopbackGate } from './loopbackGate';

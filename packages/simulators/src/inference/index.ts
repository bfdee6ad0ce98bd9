export { startTorchServeSimulator } from './torchserve';
export type {
  TorchServeSimulator,
  TorchServeSimulatorOptions,
  TorchServeModelSeed,
} from './torchserve';
export { startOipSimulator } from './oip';
export type {
  OipSimulator,
  OipSimulatorOptions,
  OipModelSeed,
  OipGpuSeed,
} from './oip';
export { startVllmSimulator } from './vllm';
export type { VllmSimulator, VllmSimulatorOptions } from './vllm';
export { startDcgmExporterSimulator } from './dcgm';
export type { DcgmSimulator, DcgmSimulatorOptions, DcgmGpuSeed } from './dcgm';

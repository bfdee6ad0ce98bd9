export { startHarborSimulator } from './simulator';
export type { HarborSimulator, HarborSimulatorOptions } from './simulator';
export type { HarborArtifact } from './state';
export { encodeRepo } from './render';
export * from './types';

/**
 * Backend of the ML model service portal.
 *
 * @packageDocumentation
 */
export { mlopsPlugin as default } from './plugin';
export { readMlopsConfig } from './config';
export type { MlopsConfig, RegistryConfig } from './config';

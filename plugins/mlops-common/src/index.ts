/**
 * Shared by the mlops plugins: annotations, entity conventions, the health
 * model, permissions and the typed API client. Isomorphic (no Node-only code).
 *
 * @packageDocumentation
 */
export * from './annotations';
export * from './entities';
export * from './health';
export * from './image';
export * from './inference';
export * from './delivery';
export * from './details';
export * from './gpu';
export * from './goldenPaths';
export * from './permissions';
export * from './client';
export * from './build';
export * from './sync';
export * from './actions';

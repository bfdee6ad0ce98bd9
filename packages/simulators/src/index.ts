/**
 * Simulators of upstreams that cannot be installed here. Each one is a local
 * node:http server on 127.0.0.1 that speaks the upstream's wire protocol and
 * says it is a simulator (`X-Simulator`, `Server: <name>-simulator`).
 */
export * from './common/faults';
export type { RecordedRequest } from './common/server';
export * from './argocd';
export * from './jenkins';
export * from './harbor';
export * from './inference';

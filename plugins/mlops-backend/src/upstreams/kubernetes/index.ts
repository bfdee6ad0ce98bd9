/**
 * Kubernetes upstream: cluster config (Backstage kubernetes-backend keys), a
 * list+watch cache per cluster and kind, entity matching, and pure health
 * rules for workloads, pods, KServe InferenceServices and GPU nodes.
 */
export * from './config';
export * from './kinds';
export * from './types';
export { ResourceCache } from './ResourceCache';
export type {
  CacheChange,
  CacheCounters,
  CacheListener,
  KindCounters,
  KindPhase,
  KindState,
  ResourceCacheLogger,
  ResourceCacheOptions,
} from './ResourceCache';
export * from './labelSelector';
export * from './entityMatch';
export * from './entityWorkloads';
export * from './judgement';
export * from './workloadHealth';
export * from './podDiagnosis';
export * from './imageId';
export * from './gpu';

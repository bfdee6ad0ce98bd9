/**
 * @internal/bench: benchmarks of our mlops backend against Backstage's own
 * Kubernetes backend on the same seeded kube-apiservers (see README.md).
 * The entry point is src/cli.ts; these exports are the pure pieces the unit
 * tests check.
 */
export * from './measure/stats';
export * from './measure/table';
export * from './fleet/plan';
export * from './fleet/catalog';
export * from './backends/config';

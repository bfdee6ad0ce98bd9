/**
 * Benchmark backend "baseline": a minimal Backstage backend (new backend
 * system) with only the catalog and Backstage's own published
 * `@backstage/plugin-kubernetes-backend`. Same catalog file and same
 * `kubernetes.clusterLocatorMethods` as "ours"; started as its own child
 * process with `--config <file>`.
 */
import { createBackend } from '@backstage/backend-defaults';

const backend = createBackend();
backend.add(import('@backstage/plugin-catalog-backend'));
backend.add(import('@backstage/plugin-kubernetes-backend'));
backend.start().catch(e => {
  process.stderr.write(`bench backend (baseline) failed to start: ${e}\n`);
  process.exit(1);
});

/**
 * Benchmark backend "floor": the same minimal Backstage backend with only
 * the catalog (no Kubernetes plugin at all), same config and catalog file.
 * Its RSS is what any backend started this way costs before a plugin adds
 * anything; the benchmark reports it next to ours and the baseline.
 */
import { createBackend } from '@backstage/backend-defaults';

const backend = createBackend();
backend.add(import('@backstage/plugin-catalog-backend'));
backend.start().catch(e => {
  process.stderr.write(`bench backend (floor) failed to start: ${e}\n`);
  process.exit(1);
});

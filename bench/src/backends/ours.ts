/**
 * Benchmark backend "ours": a minimal Backstage backend (new backend system)
 * with only the catalog and our mlops backend plugin. Started as its own
 * child process by the benchmark (so its RSS is its own), with the generated
 * config passed as `--config <file>`.
 */
import { createBackend } from '@backstage/backend-defaults';

const backend = createBackend();
backend.add(import('@backstage/plugin-catalog-backend'));
// The benchmark runs the plugin in its own backend process on purpose.
// eslint-disable-next-line @backstage/no-mixed-plugin-imports
backend.add(import('@internal/plugin-mlops-backend'));
backend.start().catch(e => {
  process.stderr.write(`bench backend (ours) failed to start: ${e}\n`);
  process.exit(1);
});

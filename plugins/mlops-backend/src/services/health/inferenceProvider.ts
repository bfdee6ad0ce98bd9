import {
  ANNOTATION_INFERENCE_ENDPOINT,
  ANNOTATION_INFERENCE_PROTOCOL,
} from '@internal/plugin-mlops-common';
import { InferenceProber } from '../../upstreams/inference/InferenceProber';
import { servingFactOf } from '../../upstreams/inference/servingFact';
import { inferenceTargetOf } from '../../upstreams/inference/target';
import { SignalProvider, SignalReading } from './HealthService';

/** The inference signal: live / ready / model-ready and latency, probed behind the SSRF policy. */
export function inferenceSignalProvider(
  prober: InferenceProber,
): SignalProvider {
  return {
    signal: 'inference',
    notApplicableReason: () =>
      `add the ${ANNOTATION_INFERENCE_ENDPOINT} and ${ANNOTATION_INFERENCE_PROTOCOL} annotations`,
    async read(entity): Promise<SignalReading | undefined> {
      const target = inferenceTargetOf(entity);
      if (!target) return undefined;
      if (!target.ok) {
        return {
          health: {
            signal: 'inference',
            status: 'error',
            reason: `${target.problem.upstream}: ${target.problem.message}`,
            checkedAt: new Date().toISOString(),
            problem: target.problem,
          },
          facts: { serving: { problem: target.problem } },
        };
      }
      const report = await prober.probe(target.target);
      return {
        health: report.health,
        facts: { serving: servingFactOf(report) },
      };
    },
  };
}

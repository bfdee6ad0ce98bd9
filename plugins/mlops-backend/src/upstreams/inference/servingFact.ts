import { InferenceReport } from '@internal/plugin-mlops-common';
import { Fact, ServingFact } from '../../services/delivery/deliveryChain';

/**
 * The delivery chain's Serving step from an inference report: serving only
 * when the report is `ok` (live, ready and model ready, all known). A fault
 * that kept the probe from judging anything becomes the step's problem.
 */
export function servingFactOf(report: InferenceReport): Fact<ServingFact> {
  const { health } = report;
  const nothingJudged =
    report.live === undefined &&
    report.ready === undefined &&
    report.modelReady === undefined;
  if (health.problem && nothingJudged) return { problem: health.problem };
  return { ready: health.status === 'ok', reason: health.reason };
}

import {
  SignalHealth,
  SignalStatus,
  UpstreamFault,
  UpstreamProblem,
} from '@internal/plugin-mlops-common';
import { ProbeOutcome } from './protocols';
import { InferenceTarget } from './target';

/** Faults that mean "we could not look" rather than "the server is broken". */
const COULD_NOT_LOOK: UpstreamFault[] = [
  'not-configured',
  'bad-annotation',
  'not-allowed',
  'unauthorized',
  'forbidden',
];

/**
 * The inference verdict: `ok` only when live, ready and model-ready are all
 * known and true. Anything false is an error (except a TorchServe or OIP
 * server that is not ready while the model is: a warning); anything unknown
 * keeps the signal `unknown`, with the reason.
 */
export function judgeInference(
  target: InferenceTarget,
  outcome: ProbeOutcome,
  checkedAt: string,
): SignalHealth {
  const health = (
    status: SignalStatus,
    reason: string,
    problem?: UpstreamProblem,
  ): SignalHealth => ({
    signal: 'inference',
    status,
    reason,
    checkedAt,
    ...(problem ? { problem } : {}),
  });
  const failed = (kind: string) =>
    outcome.checks
      .filter(c => c.kind === kind && c.ok === false)
      .map(c => c.detail)
      .join('; ');
  const modelWord = target.model ? `model ${target.model}` : 'the model';
  const latency =
    outcome.latencyMs !== undefined
      ? ` (${Math.round(outcome.latencyMs)} ms)`
      : '';

  if (outcome.live === false)
    return health(
      'error',
      `the server is not live: ${failed('live')}`,
      outcome.problem,
    );
  const modelFailure = failed('model-ready') || failed('models');
  if (outcome.modelReady === false && modelFailure) {
    // vLLM's and plain HTTP servers' readiness is the model's: their own
    // "why" (e.g. the weights they could not load) says most.
    const serverWhy =
      outcome.ready === false &&
      (target.protocol === 'openai' || target.protocol === 'http')
        ? failed('ready')
        : '';
    return health(
      'error',
      `${modelWord} is not ready: ${modelFailure}${
        serverWhy ? `; the server is not ready: ${serverWhy}` : ''
      }`,
      outcome.problem,
    );
  }
  if (outcome.ready === false) {
    // TorchServe (a model below minWorkers) and Triton (loading other models)
    // report not ready while this model serves; vLLM's and plain HTTP's
    // readiness is the model's.
    const modelServesAlone =
      outcome.modelReady === true &&
      target.protocol !== 'openai' &&
      target.protocol !== 'http';
    return health(
      modelServesAlone ? 'warning' : 'error',
      modelServesAlone
        ? `${modelWord} is ready but the server reports not ready: ${failed(
            'ready',
          )}`
        : `the server is not ready: ${failed('ready')}`,
      outcome.problem,
    );
  }
  if (outcome.problem) {
    const p = outcome.problem;
    const text = `${p.upstream} ${p.message}`;
    const nothingKnown =
      outcome.live === undefined && outcome.ready === undefined;
    // A server that answers garbage (or errors) on a call clients make is broken,
    // even when its readiness check passes.
    const status: SignalStatus =
      (nothingKnown ||
        ['malformed', 'too-large', 'server-error'].includes(p.fault)) &&
      !COULD_NOT_LOOK.includes(p.fault)
        ? 'error'
        : 'unknown';
    const known = outcome.ready ? `the server is ready${latency}, but ` : '';
    return health(status, `${known}${text}`, p);
  }
  const unknown = [
    outcome.live === undefined ? 'liveness' : undefined,
    outcome.ready === undefined ? 'readiness' : undefined,
    outcome.modelReady === undefined ? `${modelWord}'s readiness` : undefined,
  ].filter(Boolean);
  if (unknown.length) {
    const why = outcome.unknownBecause.length
      ? `: ${outcome.unknownBecause.join('; ')}`
      : '';
    const known = outcome.ready ? `the server is ready${latency}, but ` : '';
    return health(
      'unknown',
      `${known}${unknown.join(' and ')} cannot be judged${why}`,
    );
  }
  return health('ok', `live and ready, ${modelWord} ready${latency}`);
}

import {
  EntityHealth,
  InferenceDetail,
  InferenceReport,
  ServingMetricsDetail,
  TimePoint,
} from '@internal/plugin-mlops-common';
import {
  CHECKED_AT,
  entityHealth,
  entityWith,
} from '../../../__fixtures__/health';

export const ENDPOINT = 'http://127.0.0.1:18080';

export const entityWithInference = entityWith({
  'mlops.io/inference-endpoint': ENDPOINT,
  'mlops.io/inference-protocol': 'kserve-v2',
  'mlops.io/model-name': 'fraud-detector',
});

export const entityWithoutInference = entityWith({
  'mlops.io/image-repository': '127.0.0.1:5000/ml/fraud-detector',
});

const END = Date.parse(CHECKED_AT);

/** One point per minute over the last hour; `value(i)` for minute i (0 = oldest). */
export function minuteSeries(
  value: (i: number) => number,
  n = 60,
): TimePoint[] {
  return Array.from({ length: n }, (_, i) => ({
    t: END - (n - 1 - i) * 60_000,
    v: value(i),
  }));
}

export function readyReport(
  overrides: Partial<InferenceReport> = {},
): InferenceReport {
  return {
    endpoint: ENDPOINT,
    protocol: 'kserve-v2',
    model: 'fraud-detector',
    live: true,
    ready: true,
    modelReady: true,
    latencyMs: 12.4,
    checkedAt: CHECKED_AT,
    checks: [
      {
        kind: 'live',
        path: '/v2/health/live',
        httpStatus: 200,
        ms: 8,
        ok: true,
        detail: 'live',
      },
      {
        kind: 'ready',
        path: '/v2/health/ready',
        httpStatus: 200,
        ms: 12.4,
        ok: true,
        detail: 'ready',
      },
      {
        kind: 'model-ready',
        path: '/v2/models/fraud-detector/ready',
        httpStatus: 200,
        ms: 9,
        ok: true,
        detail: 'model fraud-detector is ready',
      },
    ],
    health: {
      signal: 'inference',
      status: 'ok',
      reason: 'live, ready, model fraud-detector ready (12 ms)',
      checkedAt: CHECKED_AT,
    },
    ...overrides,
  };
}

export function steadyMetrics(
  overrides: Partial<ServingMetricsDetail> = {},
): ServingMetricsDetail {
  return {
    source: 'default',
    requestsPerSecond: 12.34,
    errorRate: 0.0052,
    p95LatencyMs: 128.2,
    lastHourLatencyMs: 121,
    // 100 ms … 159 ms, latest 159 ms
    latencyMsSeries: minuteSeries(i => 100 + i),
    // 0.1% … 0.69%, latest 0.69%
    errorRateSeries: minuteSeries(i => 0.001 + i * 0.0001),
    requestRateSeries: minuteSeries(() => 12),
    ...overrides,
  };
}

export function inferenceHealth(
  signal: { status: 'ok' | 'warning' | 'error' | 'unknown'; reason: string },
  detail?: Partial<InferenceDetail>,
): EntityHealth {
  return entityHealth(
    { inference: signal },
    detail ? { inference: { warnings: [], ...detail } } : undefined,
  );
}

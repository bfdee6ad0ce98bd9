import { DeliveryStep, EntityHealth } from '@internal/plugin-mlops-common';
import {
  HOUR_MS,
  MINUTE_MS,
  baseHealth,
  isoAgo,
} from '../../../__fixtures__/health';

const JOB_URL = 'http://127.0.0.1:8081/job/ml/job/fraud-detector/';
const ARGO_URL = 'http://127.0.0.1:8082/applications/argocd/fraud-detector';

function steps(now: number): DeliveryStep[] {
  return [
    {
      id: 'commit',
      title: 'Commit',
      status: 'ok',
      summary: 'a1b2c3d built by build 42',
      at: isoAgo(2 * HOUR_MS, now),
    },
    {
      id: 'build',
      title: 'Build',
      status: 'ok',
      summary: 'build 42 succeeded (a1b2c3d)',
      at: isoAgo(2 * HOUR_MS, now),
      link: { title: 'Build 42 in Jenkins ci', url: `${JOB_URL}42/` },
    },
    {
      id: 'image',
      title: 'Image',
      status: 'ok',
      summary: ':a1b2c3d is in the registry',
      at: isoAgo(90 * MINUTE_MS, now),
      link: {
        title: 'ml/fraud-detector in registry demo',
        url: 'http://127.0.0.1:5000/harbor/projects/ml',
      },
    },
    {
      id: 'desired',
      title: 'Desired in GitOps',
      status: 'ok',
      summary: 'GitOps asks for :a1b2c3d',
      link: { title: 'fraud-detector in Argo CD demo', url: ARGO_URL },
    },
    {
      id: 'synced',
      title: 'Synced',
      status: 'ok',
      summary: 'Synced, health Healthy',
      at: isoAgo(20 * MINUTE_MS, now),
      link: { title: 'fraud-detector in Argo CD demo', url: ARGO_URL },
    },
    {
      id: 'running',
      title: 'Running',
      status: 'ok',
      summary: '3/3 pods ready on :a1b2c3d',
    },
    {
      id: 'serving',
      title: 'Serving',
      status: 'ok',
      summary: 'model fraud-detector is ready (KServe v2)',
    },
  ];
}

/** Every step read and OK. */
export function healthyDelivery(now = Date.now()): EntityHealth {
  return baseHealth({
    delivery: {
      steps: steps(now),
      verdict: 'delivers end to end: 3/3 pods ready on :a1b2c3d',
      status: 'ok',
    },
  });
}

/** A build is running: the chain waits at Build (a warning, not an error). */
export function degradedDelivery(now = Date.now()): EntityHealth {
  const s = steps(now);
  s[1] = {
    ...s[1],
    status: 'warning',
    summary: 'build 43 is running (e4f5a6b)',
    at: isoAgo(3 * MINUTE_MS, now),
  };
  return baseHealth({
    delivery: {
      steps: s,
      firstBroken: 'build',
      verdict: 'Build: build 43 is running (e4f5a6b)',
      status: 'warning',
    },
  });
}

/** Argo CD could not be read; the app is OutOfSync further down; serving unknown. */
export function brokenDelivery(now = Date.now()): EntityHealth {
  const s = steps(now);
  s[4] = {
    ...s[4],
    status: 'error',
    summary: 'the Argo CD app is OutOfSync and auto-sync is off',
    at: isoAgo(5 * MINUTE_MS, now),
  };
  s[5] = {
    ...s[5],
    status: 'error',
    summary: 'GitOps asks for :a1b2c3d but the cluster still runs :9f8e7d6',
  };
  s[6] = {
    ...s[6],
    status: 'unknown',
    summary: 'The inference endpoint is not configured for this service',
  };
  return baseHealth({
    delivery: {
      steps: s,
      firstBroken: 'synced',
      verdict: 'Synced: the Argo CD app is OutOfSync and auto-sync is off',
      status: 'error',
    },
  });
}

/** Nothing broken, but some steps could not be judged. */
export function unknownDelivery(now = Date.now()): EntityHealth {
  const s = steps(now).map(step =>
    step.id === 'running' || step.id === 'serving'
      ? {
          ...step,
          status: 'unknown' as const,
          summary: `${
            step.id === 'running' ? 'Kubernetes' : 'The inference endpoint'
          } is not configured for this service`,
        }
      : step,
  );
  return baseHealth({
    delivery: {
      steps: s,
      verdict:
        'no broken step found, but these steps cannot be judged: running, serving',
      // a backend that wrongly says ok must still not make the card green
      status: 'ok',
    },
  });
}

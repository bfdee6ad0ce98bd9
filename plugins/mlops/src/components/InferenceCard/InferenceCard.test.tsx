import { Entity } from '@backstage/catalog-model';
import { MlopsHealthApi } from '@internal/plugin-mlops-common';
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { fakeHealthApi, serverError } from '../../__fixtures__/health';
import { renderCard as renderInApp } from '../../__testUtils__/renderCard';
import { InferenceCard } from './InferenceCard';
import {
  ENDPOINT,
  entityWithInference,
  entityWithoutInference,
  inferenceHealth,
  minuteSeries,
  readyReport,
  steadyMetrics,
} from './__fixtures__/inference';

function renderCard(api: MlopsHealthApi, entity: Entity = entityWithInference) {
  return renderInApp(<InferenceCard />, { health: api, entity });
}

function statusOf(text: string | RegExp): string | null {
  const line = screen.getByText(text).closest('span')!.parentElement!;
  const hidden = within(line).getByText(/^Status: /);
  return hidden.textContent;
}

describe('InferenceCard', () => {
  it('shows a healthy endpoint: probes, checks, request metrics and charts with their numbers', async () => {
    const api = fakeHealthApi(
      inferenceHealth(
        {
          status: 'ok',
          reason: 'live, ready, model fraud-detector ready (12 ms)',
        },
        { report: readyReport(), metrics: steadyMetrics() },
      ),
    );
    await renderCard(api);

    expect(
      await screen.findByText(
        'live, ready, model fraud-detector ready (12 ms)',
      ),
    ).toBeInTheDocument();
    expect(screen.getByText('Inference')).toBeInTheDocument();
    expect(api.getEntityHealth).toHaveBeenCalledWith({
      kind: 'Component',
      namespace: 'default',
      name: 'fraud-detector',
    });

    // endpoint, protocol, model
    expect(screen.getByText(ENDPOINT)).toBeInTheDocument();
    expect(
      screen.getByText('Open Inference Protocol (KServe V2)'),
    ).toBeInTheDocument();

    // each probe its own line, each OK because each was read and true
    expect(statusOf('Live: the server answers')).toBe('Status: OK. ');
    expect(statusOf('Ready: the server takes requests')).toBe('Status: OK. ');
    expect(statusOf('Model ready: fraud-detector is loaded')).toBe(
      'Status: OK. ',
    );
    expect(screen.getByText(/^Probe latency: 12 ms/)).toBeInTheDocument();

    const checks = screen.getByRole('table', {
      name: `Probe calls to ${ENDPOINT}`,
    });
    const [, live, ready, model] = within(checks).getAllByRole('row');
    expect(within(live).getByText('/v2/health/live')).toBeInTheDocument();
    expect(within(live).getByText('200')).toBeInTheDocument();
    expect(within(live).getByText('8 ms')).toBeInTheDocument();
    expect(within(ready).getByText('/v2/health/ready')).toBeInTheDocument();
    expect(
      within(model).getByText('model fraud-detector is ready'),
    ).toBeInTheDocument();

    // request metrics as text
    const metrics = screen.getByRole('table', { name: 'Request metrics' });
    expect(
      within(metrics).getByRole('row', { name: 'Request rate 12.3 req/s' }),
    ).toBeInTheDocument();
    expect(
      within(metrics).getByRole('row', { name: 'Error rate 0.52%' }),
    ).toBeInTheDocument();
    expect(
      within(metrics).getByRole('row', {
        name: 'p95 latency 128 ms now, 121 ms last hour',
      }),
    ).toBeInTheDocument();
    expect(
      screen.getByText('Request metrics (Prometheus default)'),
    ).toBeInTheDocument();

    // charts: the numbers in words, and a drawn line
    const latencyChart = screen.getByRole('figure', {
      name: 'p95 latency over the last hour',
    });
    expect(latencyChart).toHaveTextContent(
      'p95 latency over the last hour: latest 159 ms, min 100 ms, max 159 ms (60 samples)',
    );
    expect(
      latencyChart.querySelector('svg path.recharts-line-curve'),
    ).toHaveAttribute('d', expect.stringMatching(/^M/));
    const errorChart = screen.getByRole('figure', {
      name: 'Error rate over the last hour',
    });
    expect(errorChart).toHaveTextContent(
      'Error rate over the last hour: latest 0.69%, min 0.1%, max 0.69% (60 samples)',
    );
    expect(
      errorChart.querySelector('svg path.recharts-line-curve'),
    ).toBeInTheDocument();

    expect(
      screen.queryByText(/configure mlops\.prometheus/),
    ).not.toBeInTheDocument();
  });

  it('puts a latency warning first, in words, and does not show the signal as OK', async () => {
    const api = fakeHealthApi(
      inferenceHealth(
        {
          status: 'warning',
          reason: 'ready but p95 latency 3.2× last hour',
        },
        {
          report: readyReport(),
          metrics: steadyMetrics({
            p95LatencyMs: 3200,
            lastHourLatencyMs: 1000,
            latencyMsSeries: minuteSeries(i => (i < 55 ? 1000 : 3200)),
          }),
          warnings: ['ready but p95 latency 3.2× last hour'],
        },
      ),
    );
    await renderCard(api);

    expect(
      await screen.findByText('Warning: ready but p95 latency 3.2× last hour'),
    ).toBeInTheDocument();
    expect(
      within(screen.getByRole('table', { name: 'Request metrics' })).getByRole(
        'row',
        { name: 'p95 latency 3.2 s now, 1 s last hour' },
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('figure', { name: 'p95 latency over the last hour' }),
    ).toHaveTextContent('latest 3.2 s, min 1 s, max 3.2 s (60 samples)');
    // the signal line carries the warning status
    expect(statusOf('ready but p95 latency 3.2× last hour')).toBe(
      'Status: Warning. ',
    );
  });

  it('says so when the error rate is high and labels counter-only runtimes with mean latency', async () => {
    const api = fakeHealthApi(
      inferenceHealth(
        { status: 'warning', reason: 'ready, but 12% of requests fail' },
        {
          report: readyReport({ protocol: 'triton' }),
          metrics: steadyMetrics({
            errorRate: 0.12,
            p95LatencyMs: undefined,
            meanLatencyMs: 45,
            lastHourLatencyMs: 40,
            errorRateSeries: minuteSeries(i => (i < 50 ? 0.01 : 0.12)),
          }),
          warnings: ['12% of requests failed in the last 5 minutes'],
        },
      ),
    );
    await renderCard(api);

    expect(
      await screen.findByText(
        'Warning: 12% of requests failed in the last 5 minutes',
      ),
    ).toBeInTheDocument();
    const metrics = screen.getByRole('table', { name: 'Request metrics' });
    expect(
      within(metrics).getByRole('row', { name: 'Error rate 12%' }),
    ).toBeInTheDocument();
    expect(
      within(metrics).getByRole('row', {
        name: 'Mean latency 45 ms now, 40 ms last hour',
      }),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('figure', { name: 'Error rate over the last hour' }),
    ).toHaveTextContent('latest 12%, min 1%, max 12%');
    expect(
      screen.getByText('Triton (Open Inference Protocol)'),
    ).toBeInTheDocument();
  });

  it('shows a server that is not ready as an error, with the reason it gave', async () => {
    const report = readyReport({
      ready: false,
      modelReady: undefined,
      latencyMs: 3,
      checks: [
        {
          kind: 'live',
          path: '/v2/health/live',
          httpStatus: 200,
          ms: 2,
          ok: true,
          detail: 'live',
        },
        {
          kind: 'ready',
          path: '/v2/health/ready',
          httpStatus: 503,
          ms: 3,
          ok: false,
          detail: 'Server is not ready.',
        },
      ],
    });
    const api = fakeHealthApi(
      inferenceHealth(
        {
          status: 'error',
          reason: 'not ready: Server is not ready. (HTTP 503)',
        },
        { report, metrics: steadyMetrics() },
      ),
    );
    await renderCard(api);

    expect(
      await screen.findByText('not ready: Server is not ready. (HTTP 503)'),
    ).toBeInTheDocument();
    expect(statusOf('Live: the server answers')).toBe('Status: OK. ');
    expect(
      statusOf('Ready: the server is not ready — Server is not ready.'),
    ).toBe('Status: Error. ');
    // not asked: unknown, never OK
    expect(statusOf('Model ready: unknown — not checked')).toBe(
      'Status: Unknown. ',
    );
    const checks = screen.getByRole('table', {
      name: `Probe calls to ${ENDPOINT}`,
    });
    const ready = within(checks).getByText('/v2/health/ready').closest('tr')!;
    expect(within(ready).getByText('503')).toBeInTheDocument();
    expect(within(ready).getByText('Server is not ready.')).toBeInTheDocument();
    expect(within(ready).getByText(/Status: Error/)).toBeInTheDocument();
  });

  it('shows a model that is not loaded, with the server’s words', async () => {
    const base = readyReport();
    const report = readyReport({
      modelReady: false,
      checks: [
        ...base.checks.slice(0, 2),
        {
          kind: 'model-ready',
          path: '/v2/models/fraud-detector/ready',
          httpStatus: 503,
          ms: 4,
          ok: false,
          detail: 'Model with name fraud-detector is not ready.',
        },
      ],
    });
    await renderCard(
      fakeHealthApi(
        inferenceHealth(
          {
            status: 'error',
            reason: 'model fraud-detector is not ready (HTTP 503)',
          },
          { report },
        ),
      ),
    );

    expect(
      await screen.findByText(
        'Model ready: fraud-detector is not loaded — Model with name fraud-detector is not ready.',
      ),
    ).toBeInTheDocument();
    expect(
      statusOf(
        'Model ready: fraud-detector is not loaded — Model with name fraud-detector is not ready.',
      ),
    ).toBe('Status: Error. ');
    expect(statusOf('model fraud-detector is not ready (HTTP 503)')).toBe(
      'Status: Error. ',
    );
  });

  it('never shows OK for probes it could not judge', async () => {
    const report = readyReport({
      live: undefined,
      ready: undefined,
      modelReady: undefined,
      latencyMs: undefined,
      checks: [
        {
          kind: 'ready',
          path: '/v2/health/ready',
          detail: 'connection refused',
        },
      ],
    });
    await renderCard(
      fakeHealthApi(
        inferenceHealth(
          { status: 'unknown', reason: 'the server did not answer' },
          { report },
        ),
      ),
    );

    expect(
      await screen.findByText('Ready: unknown — connection refused'),
    ).toBeInTheDocument();
    expect(statusOf('Live: unknown — not checked')).toBe('Status: Unknown. ');
    expect(statusOf('Ready: unknown — connection refused')).toBe(
      'Status: Unknown. ',
    );
    expect(
      screen.getByText('Probe latency: —', { exact: false }),
    ).toBeInTheDocument();
    expect(screen.queryByTestId('status-ok')).not.toBeInTheDocument();
  });

  it('names Prometheus and its fault when metrics cannot be read, and still shows the probe', async () => {
    await renderCard(
      fakeHealthApi(
        inferenceHealth(
          {
            status: 'ok',
            reason: 'live, ready, model fraud-detector ready (12 ms)',
          },
          {
            report: readyReport(),
            metricsProblem: {
              upstream: 'Prometheus default (127.0.0.1:9090)',
              fault: 'timeout',
              message:
                'Prometheus did not answer within 4 s; check mlops.prometheus.baseUrl.',
            },
          },
        ),
      ),
    );

    expect(
      await screen.findByText(
        'Warning: Prometheus default (127.0.0.1:9090): timed out',
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByText(
        'Prometheus did not answer within 4 s; check mlops.prometheus.baseUrl.',
      ),
    ).toBeInTheDocument();
    expect(statusOf('Ready: the server takes requests')).toBe('Status: OK. ');
    expect(
      screen.queryByRole('table', { name: 'Request metrics' }),
    ).not.toBeInTheDocument();
    expect(screen.queryByRole('figure')).not.toBeInTheDocument();
  });

  it('says how to get request metrics when no Prometheus is configured', async () => {
    await renderCard(
      fakeHealthApi(
        inferenceHealth(
          {
            status: 'ok',
            reason: 'live, ready, model fraud-detector ready (12 ms)',
          },
          { report: readyReport() },
        ),
      ),
    );

    expect(
      await screen.findByText('No request metrics: configure mlops.prometheus'),
    ).toBeInTheDocument();
    expect(screen.queryByRole('figure')).not.toBeInTheDocument();
  });

  it('says so when Prometheus has no samples for the last hour', async () => {
    await renderCard(
      fakeHealthApi(
        inferenceHealth(
          { status: 'ok', reason: 'live, ready' },
          {
            report: readyReport(),
            metrics: steadyMetrics({
              requestsPerSecond: undefined,
              errorRate: undefined,
              p95LatencyMs: undefined,
              lastHourLatencyMs: undefined,
              latencyMsSeries: [],
              errorRateSeries: [],
            }),
          },
        ),
      ),
    );

    expect(
      await screen.findByText('Latency: no samples in the last hour'),
    ).toBeInTheDocument();
    expect(
      screen.getByText('Error rate: no samples in the last hour'),
    ).toBeInTheDocument();
    const metrics = screen.getByRole('table', { name: 'Request metrics' });
    expect(
      within(metrics).getByRole('row', { name: 'Request rate —' }),
    ).toBeInTheDocument();
  });

  it('names the upstream and the fault when the endpoint cannot be probed', async () => {
    const problem = {
      upstream: 'inference evil.example.com',
      fault: 'not-allowed' as const,
      message:
        'evil.example.com is not allowed by mlops.inference.allowedHosts.',
    };
    await renderCard(
      fakeHealthApi(
        inferenceHealth(
          { status: 'error', reason: problem.message, problem } as never,
          undefined,
        ),
      ),
    );

    expect(
      await screen.findByText(
        'Error: inference evil.example.com: host not allowed',
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByText(
        'evil.example.com is not allowed by mlops.inference.allowedHosts.',
      ),
    ).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Retry' })).toBeInTheDocument();
    expect(screen.queryByTestId('status-ok')).not.toBeInTheDocument();
  });

  it('says why there is nothing to show when the backend probed nothing', async () => {
    await renderCard(
      fakeHealthApi(
        inferenceHealth({
          status: 'unknown',
          reason:
            'no Service or InferenceService of the entity found on any cluster',
        }),
      ),
    );

    expect(await screen.findByText('No inference probe')).toBeInTheDocument();
    expect(
      screen.getByText(
        'no Service or InferenceService of the entity found on any cluster',
      ),
    ).toBeInTheDocument();
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
    expect(screen.queryByTestId('status-ok')).not.toBeInTheDocument();
  });

  it('shows an error the backend judged without a probe as an error, not as an empty state', async () => {
    await renderCard(
      fakeHealthApi(
        inferenceHealth({
          status: 'error',
          reason: 'the InferenceService fraud-detector has no URL yet',
        }),
      ),
    );

    expect(
      await screen.findByText(
        'the InferenceService fraud-detector has no URL yet',
      ),
    ).toBeInTheDocument();
    expect(statusOf('the InferenceService fraud-detector has no URL yet')).toBe(
      'Status: Error. ',
    );
    expect(screen.queryByText('No inference probe')).not.toBeInTheDocument();
  });

  it('names every warning when there are several', async () => {
    await renderCard(
      fakeHealthApi(
        inferenceHealth(
          { status: 'warning', reason: 'ready, but slow and failing' },
          {
            report: readyReport(),
            metrics: steadyMetrics(),
            warnings: [
              'ready but p95 latency 3.2× last hour',
              '12% of requests failed in the last 5 minutes',
            ],
          },
        ),
      ),
    );

    expect(
      await screen.findByText(
        'Warning: 2 serving warnings: ready but p95 latency 3.2× last hour; 12% of requests failed in the last 5 minutes',
      ),
    ).toBeInTheDocument();
  });

  it('asks for the annotations and does not call the backend when the entity has none', async () => {
    const api = fakeHealthApi();
    await renderCard(api, entityWithoutInference);

    expect(
      await screen.findByText(/annotations .* are missing/),
    ).toBeInTheDocument();
    expect(
      screen.getByText('mlops.io/inference-endpoint', { selector: 'code' }),
    ).toBeInTheDocument();
    expect(
      screen.getByText('mlops.io/inference-protocol', { selector: 'code' }),
    ).toBeInTheDocument();
    expect(api.getEntityHealth).not.toHaveBeenCalled();
  });

  it('shows the failed request and asks again on Retry', async () => {
    const api = fakeHealthApi(
      await serverError(),
      inferenceHealth(
        {
          status: 'ok',
          reason: 'live, ready, model fraud-detector ready (12 ms)',
        },
        { report: readyReport() },
      ),
    );
    await renderCard(api);

    expect(
      await screen.findByText(/Request failed with 500 Internal Server Error/),
    ).toBeInTheDocument();
    expect(
      screen.getAllByText(
        /Health of component:default\/fraud-detector could not be computed/,
      ).length,
    ).toBeGreaterThan(0);

    await userEvent.click(screen.getByRole('button', { name: 'Retry' }));

    expect(
      await screen.findByText('Ready: the server takes requests'),
    ).toBeInTheDocument();
    expect(api.getEntityHealth).toHaveBeenCalledTimes(2);
  });
});

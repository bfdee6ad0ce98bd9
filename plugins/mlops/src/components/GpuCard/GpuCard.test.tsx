import { Entity } from '@backstage/catalog-model';
import { MlopsHealthApi } from '@internal/plugin-mlops-common';
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { fakeHealthApi, serverError } from '../../__fixtures__/health';
import { renderCard as renderInApp } from '../../__testUtils__/renderCard';
import { GpuCard } from './GpuCard';
import {
  A100_MIG_LABELS,
  entityWithKubernetes,
  entityWithoutKubernetes,
  gpuHealth,
  gpuNode,
  gpuPod,
  healthyGpu,
  waitingGpu,
} from './__fixtures__/gpu';

function renderCard(
  api: MlopsHealthApi,
  entity: Entity = entityWithKubernetes,
) {
  return renderInApp(<GpuCard />, { health: api, entity });
}

function statusOf(text: string | RegExp): string | null {
  const line = screen.getByText(text).closest('span')!.parentElement!;
  return within(line).getByText(/^Status: /).textContent;
}

function rowOf(pod: string): HTMLElement {
  const table = screen.getByRole('table', { name: 'GPU pods' });
  return within(table).getByText(pod).closest('tr')!;
}

describe('GpuCard', () => {
  it('shows the GPUs held, per pod with node, product, memory, utilization and a chart', async () => {
    const api = fakeHealthApi(healthyGpu());
    await renderCard(api);

    expect(
      await screen.findByText('Holds 2 nvidia.com/gpu'),
    ).toBeInTheDocument();
    expect(screen.getByText('GPUs')).toBeInTheDocument();
    expect(
      statusOf(
        'holds 2 nvidia.com/gpu (NVIDIA-H100-80GB-HBM3) on gpu-node-1; fraud-detector-0: 87% utilization',
      ),
    ).toBe('Status: OK. ');
    expect(screen.queryByText(/waiting/)).not.toBeInTheDocument();

    const table = screen.getByRole('table', { name: 'GPU pods' });
    expect(
      within(table)
        .getAllByRole('columnheader')
        .map(h => h.textContent),
    ).toEqual([
      'Pod',
      'Node',
      'Product',
      'GPU memory',
      'Resources',
      'Utilization',
      'Framebuffer used',
      'MIG / sharing',
    ]);
    const first = rowOf('fraud-detector-0');
    expect(within(first).getByText('kind-ml · ml-serving')).toBeInTheDocument();
    expect(within(first).getByText('gpu-node-1')).toBeInTheDocument();
    expect(
      within(first).getByText('NVIDIA-H100-80GB-HBM3'),
    ).toBeInTheDocument();
    expect(within(first).getByText('81,559 MiB')).toBeInTheDocument();
    expect(within(first).getByText('1 nvidia.com/gpu')).toBeInTheDocument();
    expect(within(first).getByText('87%')).toBeInTheDocument();
    expect(
      within(first).getByText('30,512 MiB of 81,559 MiB'),
    ).toBeInTheDocument();
    expect(within(first).getByText('not shared')).toBeInTheDocument();
    const second = rowOf('fraud-detector-1');
    expect(within(second).getByText('12%')).toBeInTheDocument();
    expect(within(second).getByText('1,024 MiB')).toBeInTheDocument();

    const chart = screen.getByRole('figure', {
      name: 'GPU utilization of fraud-detector-0 over the last hour',
    });
    expect(chart).toHaveTextContent(
      'latest 87%, min 60%, max 89% (60 samples)',
    );
    expect(chart.querySelector('svg path.recharts-line-curve')).toHaveAttribute(
      'd',
      expect.stringMatching(/^M/),
    );
    // no series, no chart for the second pod
    expect(screen.getAllByRole('figure')).toHaveLength(1);
    expect(screen.queryByText(/DCGM exporter/)).not.toBeInTheDocument();
  });

  it('says which GPUs wait and why, as a warning while others are held', async () => {
    await renderCard(fakeHealthApi(waitingGpu('warning')));

    const waiting = await screen.findByText(
      '1 nvidia.com/gpu waiting: no node has a free GPU',
    );
    expect(waiting).toBeInTheDocument();
    expect(statusOf('1 nvidia.com/gpu waiting: no node has a free GPU')).toBe(
      'Status: Warning. ',
    );
    expect(screen.getByText('Holds 1 nvidia.com/gpu')).toBeInTheDocument();
    expect(screen.queryByTestId('status-ok')).not.toBeInTheDocument();

    const pending = rowOf('fraud-detector-1');
    expect(
      within(pending).getByText(
        'not scheduled: Unschedulable: 0/3 nodes are available: 3 Insufficient nvidia.com/gpu.',
      ),
    ).toBeInTheDocument();
    const running = rowOf('fraud-detector-0');
    expect(
      within(running).getByText('NVIDIA-GeForce-RTX-4090'),
    ).toBeInTheDocument();
    expect(
      within(running).getByText('time-slicing, 4 replicas per GPU (shared)'),
    ).toBeInTheDocument();
    // no DCGM metrics: a dash and a note on what is missing, not a zero
    expect(within(running).getAllByText('—').length).toBeGreaterThanOrEqual(3);
    expect(
      screen.getByText(
        'No GPU utilization or memory use: these need mlops.prometheus and the NVIDIA DCGM exporter.',
      ),
    ).toBeInTheDocument();
    expect(screen.queryByRole('figure')).not.toBeInTheDocument();
  });

  it('shows waiting GPUs as an error when the service holds none', async () => {
    await renderCard(fakeHealthApi(waitingGpu('error')));

    expect(
      await screen.findByText(
        '1 nvidia.com/gpu waiting: no node has a free GPU',
      ),
    ).toBeInTheDocument();
    expect(statusOf('1 nvidia.com/gpu waiting: no node has a free GPU')).toBe(
      'Status: Error. ',
    );
    expect(screen.getByText('Holds no GPUs')).toBeInTheDocument();
    expect(
      statusOf('holds no GPUs on no node; waiting for 1 nvidia.com/gpu'),
    ).toBe('Status: Error. ');
  });

  it('says the scheduler’s reason when it is not a lack of GPUs', async () => {
    const health = waitingGpu('error');
    const pod = health.details!.workload!.clusters[0].pods[0];
    pod.insufficient = [];
    pod.reason =
      'Unschedulable: 0/3 nodes are available: 3 node(s) had untolerated taint {nvidia.com/gpu: present}.';
    await renderCard(fakeHealthApi(health));

    expect(
      await screen.findByText(
        '1 nvidia.com/gpu waiting: Unschedulable: 0/3 nodes are available: 3 node(s) had untolerated taint {nvidia.com/gpu: present}.',
      ),
    ).toBeInTheDocument();
    expect(
      screen.queryByText(/no node has a free GPU/),
    ).not.toBeInTheDocument();
  });

  it('shows MIG profiles as the node labels have them and survives labels of the wrong type', async () => {
    await renderCard(
      fakeHealthApi(
        gpuHealth(
          {
            status: 'ok',
            reason: 'holds 1 nvidia.com/mig-1g.5gb on gpu-node-3, gpu-node-4',
          },
          {
            pods: [
              gpuPod('fraud-detector-0', {
                node: 'gpu-node-3',
                resources: { 'nvidia.com/mig-1g.5gb': 1 },
              }),
              gpuPod('fraud-detector-1', {
                node: 'gpu-node-4',
                resources: { 'nvidia.com/gpu': 1 },
              }),
            ],
            nodes: [
              gpuNode('gpu-node-3', A100_MIG_LABELS),
              gpuNode('gpu-node-4', {
                product: 7,
                memoryMiB: '80GB',
                migProfiles: 'none',
                replicas: 'four',
              }),
            ],
            held: { 'nvidia.com/mig-1g.5gb': 1, 'nvidia.com/gpu': 1 },
            waiting: {},
          },
        ),
      ),
    );

    const mig = (await screen.findByText('fraud-detector-0')).closest('tr')!;
    expect(
      within(mig).getByText('MIG mixed: 1g.5gb ×1, 3g.20gb ×2'),
    ).toBeInTheDocument();
    expect(
      within(mig).getByText('1 nvidia.com/mig-1g.5gb'),
    ).toBeInTheDocument();
    expect(within(mig).getByText('NVIDIA-A100-SXM4-40GB')).toBeInTheDocument();
    expect(
      screen.getByText('Holds 1 nvidia.com/mig-1g.5gb, 1 nvidia.com/gpu'),
    ).toBeInTheDocument();

    const odd = rowOf('fraud-detector-1');
    expect(within(odd).getByText('gpu-node-4')).toBeInTheDocument();
    expect(within(odd).queryByText('7')).not.toBeInTheDocument();
    expect(within(odd).queryByText(/80GB/)).not.toBeInTheDocument();
    // product, memory, utilization, framebuffer and sharing: unknown, a dash
    expect(within(odd).getAllByText('—')).toHaveLength(5);
  });

  it('names Prometheus and its fault when GPU metrics cannot be read, and still lists the GPUs', async () => {
    const health = healthyGpu();
    const gpu = health.details!.gpu!;
    gpu.pods = gpu.pods.map(p => ({
      ...p,
      utilizationPercent: undefined,
      framebufferUsedMiB: undefined,
      framebufferFreeMiB: undefined,
      utilizationSeries: undefined,
    }));
    gpu.metricsProblem = {
      upstream: 'Prometheus default (127.0.0.1:9090)',
      fault: 'unauthorized',
      httpStatus: 401,
      message:
        'Prometheus rejected the configured token; check mlops.prometheus.token.',
    };
    await renderCard(fakeHealthApi(health));

    expect(
      await screen.findByText(
        'Warning: Prometheus default (127.0.0.1:9090): unauthorized (401)',
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByText(
        'Prometheus rejected the configured token; check mlops.prometheus.token. (HTTP 401)',
      ),
    ).toBeInTheDocument();
    expect(screen.getByText('Holds 2 nvidia.com/gpu')).toBeInTheDocument();
    expect(
      within(rowOf('fraud-detector-0')).getByText('NVIDIA-H100-80GB-HBM3'),
    ).toBeInTheDocument();
    expect(screen.queryByRole('figure')).not.toBeInTheDocument();
  });

  it('says plainly when the service asks for no GPUs', async () => {
    await renderCard(
      fakeHealthApi(
        gpuHealth(
          { status: 'unknown', reason: 'the service asks for no GPUs' },
          { pods: [], nodes: [], held: {}, waiting: {} },
        ),
      ),
    );

    expect(
      await screen.findByText('No GPUs: the service asks for no GPUs.'),
    ).toBeInTheDocument();
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
    expect(screen.queryByTestId('status-ok')).not.toBeInTheDocument();
    expect(screen.queryByText(/Status:/)).not.toBeInTheDocument();
  });

  it('says why when the backend has no GPU pods for another reason', async () => {
    await renderCard(
      fakeHealthApi(
        gpuHealth({
          status: 'unknown',
          reason: 'no pods of the entity found on any cluster',
        }),
      ),
    );

    expect(await screen.findByText('No GPU pods')).toBeInTheDocument();
    expect(
      screen.getByText('no pods of the entity found on any cluster'),
    ).toBeInTheDocument();
    expect(screen.queryByTestId('status-ok')).not.toBeInTheDocument();
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
  });

  it('names the cluster and the fault when nodes cannot be read', async () => {
    const problem = {
      upstream: 'kubernetes kind-ml (127.0.0.1:6443)',
      fault: 'forbidden' as const,
      httpStatus: 403,
      message:
        'The service account may not list nodes; grant it get/list/watch on nodes.',
    };
    await renderCard(
      fakeHealthApi(
        gpuHealth({
          status: 'error',
          reason: `kind-ml: nodes cannot be read: ${problem.message}`,
          problem,
        }),
      ),
    );

    expect(
      await screen.findByText(
        'Error: kubernetes kind-ml (127.0.0.1:6443): forbidden (403)',
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByText(
        'The service account may not list nodes; grant it get/list/watch on nodes. (HTTP 403)',
      ),
    ).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Retry' })).toBeInTheDocument();
    expect(screen.queryByTestId('status-ok')).not.toBeInTheDocument();
  });

  it('asks for the annotations and does not call the backend when the entity has none', async () => {
    const api = fakeHealthApi();
    await renderCard(api, entityWithoutKubernetes);

    expect(
      await screen.findByText(/annotations .* are missing/),
    ).toBeInTheDocument();
    expect(
      screen.getByText('backstage.io/kubernetes-id', { selector: 'code' }),
    ).toBeInTheDocument();
    expect(
      screen.getByText('backstage.io/kubernetes-label-selector', {
        selector: 'code',
      }),
    ).toBeInTheDocument();
    expect(api.getEntityHealth).not.toHaveBeenCalled();
  });

  it('shows the failed request and asks again on Retry', async () => {
    const api = fakeHealthApi(await serverError(), healthyGpu());
    await renderCard(api);

    expect(
      await screen.findByText(/Request failed with 500 Internal Server Error/),
    ).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Retry' }));
    expect(
      await screen.findByText('Holds 2 nvidia.com/gpu'),
    ).toBeInTheDocument();
    expect(api.getEntityHealth).toHaveBeenCalledTimes(2);
  });
});

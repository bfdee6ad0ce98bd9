import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { GpuNodeInfo, MlopsHealthApi } from '@internal/plugin-mlops-common';
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { mlopsHealthApiRef } from '../../api';
import { responseError } from '../../__fixtures__/responses';
import {
  NO_CLUSTER_REASON,
  fakeGpuApi,
  gpuReport,
} from './__fixtures__/gpuNodes';
import { GpuFleetPage } from './GpuFleetPage';
import { NODE_COLUMNS } from './GpuNodesTable';

function renderPage(api: MlopsHealthApi) {
  return renderInTestApp(
    <TestApiProvider apis={[[mlopsHealthApiRef, api]]}>
      <GpuFleetPage />
    </TestApiProvider>,
  );
}

const badGatewayResponseError = () =>
  responseError(
    500,
    'Error',
    'watch cache not started',
    'http://127.0.0.1:7007/api/mlops/fleet/gpu-nodes',
    '/api/mlops/fleet/gpu-nodes',
  );

/** The cell of `column` in the row of `node`. */
function cell(table: HTMLElement, node: string, column: string): HTMLElement {
  const row = within(table)
    .getByRole('rowheader', { name: node })
    .closest('tr')!;
  const cells = [
    ...within(row).getAllByRole('rowheader'),
    ...within(row).getAllByRole('cell'),
  ];
  return cells[NODE_COLUMNS.indexOf(column)];
}

const items = (el: HTMLElement) =>
  within(el)
    .getAllByRole('listitem')
    .map(li => li.textContent);

describe('GpuFleetPage', () => {
  it('shows totals over all clusters and per cluster', async () => {
    await renderPage(fakeGpuApi(gpuReport()));

    const overall = await screen.findByRole('group', {
      name: 'Totals of all clusters',
    });
    expect(
      screen.getByRole('heading', { name: 'GPU fleet' }),
    ).toBeInTheDocument();
    expect(
      screen.getByText(
        '3 clusters (1 could not be read: gpu-us; totals count only the nodes that were read)',
      ),
    ).toBeInTheDocument();
    expect(within(overall).getByText('3 GPU nodes:')).toBeInTheDocument();
    expect(items(overall)).toEqual([
      '15 of 14 GPUs requested (capacity 16), 1 idle, over-committed by 2',
      '2 of 7 MIG 1g.5gb slices requested, 5 idle',
      '0 of 2 MIG 3g.20gb slices requested, 2 idle',
    ]);
    expect(
      within(overall).getByText(
        'On 1 time-sliced node, GPUs count replicas, not physical GPUs.',
      ),
    ).toBeInTheDocument();

    const prod = screen.getByRole('region', { name: 'prod-eu' });
    const prodTotals = within(prod).getByRole('group', {
      name: 'Totals of prod-eu',
    });
    expect(within(prodTotals).getByText('2 GPU nodes:')).toBeInTheDocument();
    expect(items(prodTotals)).toEqual([
      '12 of 10 GPUs requested (capacity 12), 0 idle, over-committed by 2',
      '2 of 7 MIG 1g.5gb slices requested, 5 idle',
      '0 of 2 MIG 3g.20gb slices requested, 2 idle',
    ]);
    const edgeTotals = within(
      screen.getByRole('region', { name: 'edge' }),
    ).getByRole('group', { name: 'Totals of edge' });
    expect(items(edgeTotals)).toEqual(['3 of 4 GPUs requested, 1 idle']);

    // utilization is not in this report, and the page does not make it up
    expect(screen.queryByText(/utili[sz]ation/i)).not.toBeInTheDocument();
  });

  it('lists each node with product, memory, GPUs, state, MIG, taints and the pods holding them', async () => {
    await renderPage(fakeGpuApi(gpuReport()));

    const table = await screen.findByRole('table', {
      name: 'GPU nodes of prod-eu',
    });
    expect(
      within(table)
        .getAllByRole('columnheader')
        .map(h => h.textContent),
    ).toEqual(NODE_COLUMNS);

    const a100 = (column: string) => cell(table, 'gpu-a100-0', column);
    expect(a100('Product')).toHaveTextContent('NVIDIA-A100-SXM4-40GB');
    expect(a100('Product')).toHaveTextContent('ampere');
    expect(a100('GPU memory')).toHaveTextContent('40,960 MiB');
    expect(items(a100('GPUs (capacity)'))).toEqual([
      'GPU: 4',
      'MIG 1g.5gb: 7',
      'MIG 3g.20gb: 2',
    ]);
    expect(items(a100('Requested'))).toEqual(['GPU: 4', 'MIG 1g.5gb: 2']);
    expect(items(a100('Idle'))).toEqual([
      'GPU: 0',
      'MIG 1g.5gb: 5',
      'MIG 3g.20gb: 2',
    ]);
    expect(a100('State')).toHaveTextContent('Status: OK. Ready');
    expect(a100('MIG / sharing')).toHaveTextContent(
      'MIG mixed: 1g.5gb × 7 (4864 MB), 3g.20gb × 2 (19968 MB)',
    );
    expect(a100('GPU taints')).toHaveTextContent(
      'nvidia.com/gpu=present:NoSchedule',
    );
    expect(items(a100('Pods holding GPUs'))).toEqual([
      'genai/llm-chat-7d9f: GPU × 4',
      'vision/image-classifier-5c4b: MIG 1g.5gb × 2',
    ]);

    const h100 = (column: string) => cell(table, 'gpu-h100-1', column);
    expect(h100('GPUs (capacity)')).toHaveTextContent(/^8$/);
    expect(h100('Allocatable')).toHaveTextContent(/^6$/);
    expect(h100('Requested')).toHaveTextContent(/^8$/);
    // negative idle: over-committed, said as such
    expect(h100('Idle')).toHaveTextContent(
      'Status: Error. -2 (over-committed by 2)',
    );
    expect(items(h100('State'))).toEqual([
      'Status: OK. Ready',
      'Status: Warning. Cordoned',
    ]);
    expect(h100('MIG / sharing')).toHaveTextContent(/^none$/);
    expect(h100('GPU taints')).toHaveTextContent(/^none$/);
    expect(items(h100('Pods holding GPUs'))).toEqual(['ml/trainer-0: GPU × 8']);

    const edge = screen.getByRole('table', { name: 'GPU nodes of edge' });
    const rtx = (column: string) => cell(edge, 'edge-4090', column);
    expect(rtx('Product')).toHaveTextContent('NVIDIA-GeForce-RTX-4090');
    expect(rtx('Product')).toHaveTextContent(
      'published as NVIDIA-GeForce-RTX-4090-SHARED',
    );
    expect(rtx('GPU memory')).toHaveTextContent('24,564 MiB');
    expect(rtx('MIG / sharing')).toHaveTextContent(
      'time-slicing: 4 replicas per GPU (1 physical GPU)',
    );
    // readiness not reported is unknown, never OK
    expect(rtx('State')).toHaveTextContent(
      'Status: Unknown. Readiness not reported',
    );
    expect(
      within(rtx('State')).queryByTestId('status-ok'),
    ).not.toBeInTheDocument();
    expect(items(rtx('Pods holding GPUs'))).toEqual([
      'ml/fraud-detector-1: GPU × 1',
      'ml/fraud-detector-2: GPU × 1',
      'debug-shell: GPU × 1',
    ]);
  });

  it('keeps column headers on one line and node and product names whole', async () => {
    await renderPage(fakeGpuApi(gpuReport()));

    const table = await screen.findByRole('table', {
      name: 'GPU nodes of prod-eu',
    });
    const headers = within(table).getAllByRole('columnheader');
    expect(headers.map(h => h.textContent)).toEqual(NODE_COLUMNS);
    // "Pods holding GPUs", not "Pods hol/ding"
    for (const header of headers)
      expect(getComputedStyle(header).whiteSpace).toBe('nowrap');
    for (const name of within(table).getAllByRole('rowheader'))
      expect(getComputedStyle(name).whiteSpace).toBe('nowrap');
    // product names and families are whole ("NVIDIA-A100-SXM4-80GB", not
    // "NVIDIA/-A100-/SXM4-/80GB"; "ampere", not "amper/e")
    for (const text of ['NVIDIA-A100-SXM4-40GB', 'ampere'])
      expect(getComputedStyle(within(table).getByText(text)).whiteSpace).toBe(
        'nowrap',
      );
  });

  it('names the upstream and the fault of a cluster that could not be read; the others still show', async () => {
    await renderPage(fakeGpuApi(gpuReport()));

    const us = await screen.findByRole('region', { name: 'gpu-us' });
    expect(
      within(us).getByText(
        'Error: Kubernetes gpu-us (127.0.0.1:6443): unauthorized (401)',
      ),
    ).toBeInTheDocument();
    expect(
      within(us).getByText(
        'The service account token was rejected: check its secret. (HTTP 401)',
      ),
    ).toBeInTheDocument();
    expect(within(us).queryByRole('table')).not.toBeInTheDocument();
    expect(within(us).queryByText(/No GPU nodes/)).not.toBeInTheDocument();
    expect(
      screen.getByRole('table', { name: 'GPU nodes of prod-eu' }),
    ).toBeInTheDocument();
  });

  it('says a cluster without GPU nodes has none', async () => {
    await renderPage(
      fakeGpuApi({ clusters: [{ cluster: 'cpu-only', nodes: [] }] }),
    );

    const region = await screen.findByRole('region', { name: 'cpu-only' });
    expect(
      within(region).getByText(
        'No GPU nodes: no node of cpu-only has nvidia.com GPU resources or labels.',
      ),
    ).toBeInTheDocument();
    expect(
      within(
        screen.getByRole('group', { name: 'Totals of all clusters' }),
      ).getByText('0 GPU nodes, no GPU resources'),
    ).toBeInTheDocument();
  });

  it('gives the reason when no cluster is configured', async () => {
    await renderPage(fakeGpuApi({ clusters: [], reason: NO_CLUSTER_REASON }));

    expect(
      await screen.findByText('No clusters to read GPU nodes from'),
    ).toBeInTheDocument();
    expect(screen.getByText(NO_CLUSTER_REASON)).toBeInTheDocument();
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
  });

  it('reads garbled node fields without crashing or guessing', async () => {
    const garbled = {
      node: 'odd-node',
      capacity: { 'nvidia.com/gpu': 'two' },
      allocatable: null,
      requested: {},
      free: {},
      labels: { product: 42, memoryMiB: 'lots', migProfiles: 'x' },
      taints: [],
      gpuTaints: [{ effect: 'NoSchedule' }],
      unschedulable: false,
      ready: 'yes',
      pods: null,
    } as unknown as GpuNodeInfo;
    await renderPage(
      fakeGpuApi({ clusters: [{ cluster: 'lab', nodes: [garbled] }] }),
    );

    const table = await screen.findByRole('table', {
      name: 'GPU nodes of lab',
    });
    expect(cell(table, 'odd-node', 'Product')).toHaveTextContent(/^—$/);
    expect(cell(table, 'odd-node', 'GPU memory')).toHaveTextContent(/^—$/);
    expect(cell(table, 'odd-node', 'GPUs (capacity)')).toHaveTextContent(
      /^none$/,
    );
    expect(cell(table, 'odd-node', 'Allocatable')).toHaveTextContent(/^none$/);
    expect(cell(table, 'odd-node', 'State')).toHaveTextContent(
      'Status: Unknown. Readiness not reported',
    );
    expect(cell(table, 'odd-node', 'GPU taints')).toHaveTextContent(/^none$/);
    expect(cell(table, 'odd-node', 'Pods holding GPUs')).toHaveTextContent(
      /^none$/,
    );
  });

  it('shows the backend error, and loads again on Retry', async () => {
    const api = fakeGpuApi(await badGatewayResponseError(), gpuReport());
    await renderPage(api);

    expect(
      await screen.findByText(/Request failed with 500 Internal Server Error/),
    ).toBeInTheDocument();
    expect(
      screen.getAllByText(/watch cache not started/).length,
    ).toBeGreaterThan(0);

    await userEvent.click(screen.getByRole('button', { name: 'Retry' }));
    expect(
      await screen.findByRole('table', { name: 'GPU nodes of prod-eu' }),
    ).toBeInTheDocument();
    expect(api.getGpuNodes).toHaveBeenCalledTimes(2);
  });
});

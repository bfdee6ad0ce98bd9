import { Entity } from '@backstage/catalog-model';
import {
  CatalogApi,
  catalogApiRef,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { MlopsHealthApi } from '@internal/plugin-mlops-common';
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { mlopsHealthApiRef } from '../../api';
import { responseError } from '../../__fixtures__/responses';
import {
  catalogEntity,
  entityHealth,
  fakeHealthApi,
  generatedFleet,
  smallFleet,
} from './__fixtures__/fleet';
import { FleetPage } from './FleetPage';

function renderPage(
  api: MlopsHealthApi,
  catalog: CatalogApi | Entity[] = smallFleet().entities,
) {
  const catalogApi = Array.isArray(catalog)
    ? catalogApiMock({ entities: catalog })
    : catalog;
  return renderInTestApp(
    <TestApiProvider
      apis={[
        [mlopsHealthApiRef, api],
        [catalogApiRef, catalogApi],
      ]}
    >
      <FleetPage />
    </TestApiProvider>,
    { mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef } },
  );
}

const unavailableResponseError = () =>
  responseError(
    503,
    'ServiceUnavailableError',
    'catalog is not reachable',
    'http://127.0.0.1:7007/api/mlops/fleet/health',
    '/api/mlops/fleet/health',
  );

const table = () => screen.getByRole('table', { name: 'Model services' });

/** The services in the order the table shows them (the link texts of the first column). */
const shownNames = () =>
  within(table())
    .getAllByRole('rowheader')
    .map(c => c.textContent);

const rowOf = (name: string) =>
  within(table()).getByRole('rowheader', { name }).closest('tr')!;

const COLUMNS = [
  'Model service',
  'Owner',
  'Runtime',
  'Cluster',
  'Status',
  'Build',
  'Image',
  'Sync',
  'Workload',
  'Inference',
  'GPU',
  'Delivery',
];

/** The cell of `column` in a row (the first column is the row header). */
function cell(row: HTMLElement, column: string): HTMLElement {
  const cells = [
    ...within(row).getAllByRole('rowheader'),
    ...within(row).getAllByRole('cell'),
  ];
  return cells[COLUMNS.indexOf(column)];
}

describe('FleetPage', () => {
  it('shows each model service with owner, runtime, cluster, status, six signals and delivery verdict', async () => {
    await renderPage(fakeHealthApi({ items: smallFleet().items }));

    expect(
      await screen.findByRole('table', { name: 'Model services' }),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('heading', { name: 'Model services' }),
    ).toBeInTheDocument();
    expect(
      screen.getByText(
        '4 model services: 1 broken · 1 degraded · 1 healthy · 1 unknown',
      ),
    ).toBeInTheDocument();
    expect(
      within(table())
        .getAllByRole('columnheader')
        .map(h => h.textContent),
    ).toEqual(COLUMNS);

    // worst first by default
    expect(shownNames()).toEqual([
      'llm-chat',
      'image-classifier',
      'churn-scoring',
      'Fraud detector',
    ]);

    const fraud = rowOf('Fraud detector');
    expect(
      within(fraud).getByRole('link', { name: 'Fraud detector' }),
    ).toHaveAttribute('href', '/catalog/default/component/fraud-detector');
    expect(
      within(fraud).getByRole('link', { name: 'fraud-ml' }),
    ).toHaveAttribute('href', '/catalog/default/group/fraud-ml');
    expect(cell(fraud, 'Runtime')).toHaveTextContent('torchserve');
    expect(cell(fraud, 'Cluster')).toHaveTextContent('prod-eu');
    expect(cell(fraud, 'Status')).toHaveTextContent('Status: OK. Healthy');
    expect(cell(fraud, 'Build')).toHaveTextContent('Status: OK.');
    expect(cell(fraud, 'Build')).toHaveAttribute('title', 'build 42 succeeded');
    // a CPU service's GPU signal is unknown, never OK; it does not make the service unknown
    const gpu = cell(fraud, 'GPU');
    expect(gpu).toHaveTextContent('Status: Unknown.');
    expect(gpu).toHaveAttribute('title', 'the service asks for no GPUs');
    expect(within(gpu).queryByTestId('status-ok')).not.toBeInTheDocument();
    expect(cell(fraud, 'Delivery')).toHaveTextContent(
      'Status: OK. delivers end to end: 2/2 pods ready',
    );

    const llm = rowOf('llm-chat');
    expect(within(llm).getByRole('link', { name: 'llm-chat' })).toHaveAttribute(
      'href',
      '/catalog/default/component/llm-chat',
    );
    expect(within(llm).getByRole('link', { name: 'genai' })).toHaveAttribute(
      'href',
      '/catalog/default/group/genai',
    );
    // the runtime tag says more than the protocol annotation (openai)
    expect(cell(llm, 'Runtime')).toHaveTextContent('vllm');
    expect(cell(llm, 'Status')).toHaveTextContent('Status: Error. Broken');
    expect(cell(llm, 'Workload')).toHaveTextContent(
      'Status: Error. ImagePullBackOff: 0/1 pods ready',
    );
    expect(cell(llm, 'Workload')).toHaveAttribute(
      'title',
      'ImagePullBackOff: 0/1 pods ready',
    );
    expect(
      within(cell(llm, 'Workload')).getByTestId('status-error'),
    ).toBeInTheDocument();
    expect(cell(llm, 'Delivery')).toHaveTextContent(
      'Status: Error. Running: ImagePullBackOff: 0/1 pods ready',
    );

    // a signal that could not be read names the upstream and the fault
    const churn = rowOf('churn-scoring');
    expect(cell(churn, 'Build')).toHaveAttribute(
      'title',
      'Jenkins could not be reached (Jenkins ci (127.0.0.1:8080): unreachable)',
    );
    expect(cell(churn, 'Status')).toHaveTextContent('Status: Unknown. Unknown');
    // without a runtime tag, the protocol annotation; without a cluster annotation, nothing
    expect(cell(churn, 'Runtime')).toHaveTextContent('http');
    expect(cell(rowOf('image-classifier'), 'Cluster')).toHaveTextContent('—');
    expect(cell(rowOf('image-classifier'), 'Status')).toHaveTextContent(
      'Status: Warning. Degraded',
    );
  });

  it('narrows the rows by owner, runtime, cluster, status and text', async () => {
    await renderPage(fakeHealthApi({ items: smallFleet().items }));

    const owner = await screen.findByRole('combobox', { name: 'Owner' });
    expect(
      within(owner)
        .getAllByRole('option')
        .map(o => o.textContent),
    ).toEqual(['All owners', 'fraud-ml', 'genai', 'vision']);
    await userEvent.selectOptions(owner, 'fraud-ml');
    expect(shownNames()).toEqual(['churn-scoring', 'Fraud detector']);

    const runtime = screen.getByRole('combobox', { name: 'Runtime' });
    expect(
      within(runtime)
        .getAllByRole('option')
        .map(o => o.textContent),
    ).toEqual(['All runtimes', 'http', 'torchserve', 'triton', 'vllm']);
    await userEvent.selectOptions(runtime, 'torchserve');
    expect(shownNames()).toEqual(['Fraud detector']);

    await userEvent.click(
      screen.getByRole('button', { name: 'Clear filters' }),
    );
    expect(shownNames()).toHaveLength(4);

    const cluster = screen.getByRole('combobox', { name: 'Cluster' });
    expect(
      within(cluster)
        .getAllByRole('option')
        .map(o => o.textContent),
    ).toEqual(['All clusters', 'gpu-us', 'prod-eu', 'No cluster annotation']);
    await userEvent.selectOptions(cluster, 'No cluster annotation');
    expect(shownNames()).toEqual(['image-classifier']);
    await userEvent.selectOptions(cluster, 'prod-eu');
    expect(shownNames()).toEqual(['churn-scoring', 'Fraud detector']);

    const status = screen.getByRole('combobox', { name: 'Status' });
    expect(
      within(status)
        .getAllByRole('option')
        .map(o => o.textContent),
    ).toEqual([
      'All statuses',
      'Broken (1)',
      'Degraded (1)',
      'Healthy (1)',
      'Unknown (1)',
    ]);
    await userEvent.selectOptions(status, 'Unknown (1)');
    expect(shownNames()).toEqual(['churn-scoring']);
    await userEvent.selectOptions(status, 'Broken (1)');
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
    expect(
      screen.getByText('No model services match these filters.'),
    ).toBeInTheDocument();

    await userEvent.click(
      screen.getByRole('button', { name: 'Clear filters' }),
    );
    // the search matches names, owners, runtimes and the signals' reasons
    await userEvent.type(
      screen.getByRole('searchbox', { name: 'Search' }),
      'imagepull',
    );
    expect(shownNames()).toEqual(['llm-chat']);
    await userEvent.clear(screen.getByRole('searchbox', { name: 'Search' }));
    await userEvent.type(
      screen.getByRole('searchbox', { name: 'Search' }),
      'vision',
    );
    expect(shownNames()).toEqual(['image-classifier']);
  });

  it('shows each filter label small above the value it shows, not over it', async () => {
    await renderPage(fakeHealthApi({ items: smallFleet().items }));

    await screen.findByRole('table', { name: 'Model services' });
    const filters = [
      ['Owner', 'All owners'],
      ['Runtime', 'All runtimes'],
      ['Cluster', 'All clusters'],
      ['Status', 'All statuses'],
    ];
    for (const [name, shown] of filters) {
      const select = screen.getByRole<HTMLSelectElement>('combobox', { name });
      // "All …" is the empty value, which MUI treats as "nothing chosen"
      expect(select).toHaveDisplayValue(shown);
      const label = select.labels![0];
      expect(label).toHaveTextContent(name);
      expect(label).toHaveAttribute('data-shrink', 'true');
      expect(label.className).toMatch(
        /(^|\s)MuiInputLabel-shrink(-\d+)?(\s|$)/,
      );
      // drawn at three quarters size at the top of the field
      expect(getComputedStyle(label).transform).toContain('scale(0.75)');
    }
  });

  it('keeps the column headers on one line and gives the names room', async () => {
    await renderPage(fakeHealthApi({ items: smallFleet().items }));

    const headers = within(
      await screen.findByRole('table', { name: 'Model services' }),
    ).getAllByRole('columnheader');
    expect(headers.map(h => h.textContent)).toEqual(COLUMNS);
    for (const header of headers) {
      expect(getComputedStyle(header).whiteSpace).toBe('nowrap');
    }
    for (const name of within(table()).getAllByRole('rowheader')) {
      expect(getComputedStyle(name).minWidth).toBe('140px');
    }
  });

  it('sorts by name, owner and status', async () => {
    await renderPage(fakeHealthApi({ items: smallFleet().items }));

    const nameHeader = await screen.findByRole('button', {
      name: 'Model service',
    });
    await userEvent.click(nameHeader);
    expect(shownNames()).toEqual([
      'churn-scoring',
      'Fraud detector',
      'image-classifier',
      'llm-chat',
    ]);
    expect(nameHeader.closest('th')).toHaveAttribute('aria-sort', 'ascending');
    await userEvent.click(nameHeader);
    expect(shownNames()).toEqual([
      'llm-chat',
      'image-classifier',
      'Fraud detector',
      'churn-scoring',
    ]);
    expect(nameHeader.closest('th')).toHaveAttribute('aria-sort', 'descending');

    // by owner, ties by name
    await userEvent.click(screen.getByRole('button', { name: 'Owner' }));
    expect(shownNames()).toEqual([
      'churn-scoring',
      'Fraud detector',
      'llm-chat',
      'image-classifier',
    ]);

    // status: error > warning > unknown > ok, then the other way round
    const statusHeader = screen.getByRole('button', { name: 'Status' });
    await userEvent.click(statusHeader);
    expect(shownNames()).toEqual([
      'llm-chat',
      'image-classifier',
      'churn-scoring',
      'Fraud detector',
    ]);
    await userEvent.click(statusHeader);
    expect(shownNames()).toEqual([
      'Fraud detector',
      'churn-scoring',
      'image-classifier',
      'llm-chat',
    ]);
  });

  it('shows 50 services a page and pages through them', async () => {
    const fleet = generatedFleet(120);
    await renderPage(fakeHealthApi({ items: fleet.items }), fleet.entities);

    expect(await screen.findByText('Showing 1–50 of 120')).toBeInTheDocument();
    expect(
      screen.getByText(
        '120 model services: 1 broken · 5 degraded · 113 healthy · 1 unknown',
      ),
    ).toBeInTheDocument();
    await userEvent.click(
      screen.getByRole('button', { name: 'Model service' }),
    );
    expect(shownNames()).toHaveLength(50);
    expect(shownNames()[0]).toBe('svc-0001');

    await userEvent.click(screen.getByRole('button', { name: 'Next page' }));
    expect(screen.getByText('Showing 51–100 of 120')).toBeInTheDocument();
    expect(shownNames()[0]).toBe('svc-0051');
    await userEvent.click(screen.getByRole('button', { name: 'Next page' }));
    expect(screen.getByText('Showing 101–120 of 120')).toBeInTheDocument();
    expect(shownNames()).toHaveLength(20);
    expect(screen.getByRole('button', { name: 'Next page' })).toBeDisabled();

    // a filter starts again at the first page
    await userEvent.selectOptions(
      screen.getByRole('combobox', { name: 'Status' }),
      'Degraded (5)',
    );
    expect(screen.getByText('Showing 1–5 of 5')).toBeInTheDocument();
    expect(shownNames()).toEqual([
      'svc-0020',
      'svc-0040',
      'svc-0060',
      'svc-0080',
      'svc-0120',
    ]);

    await userEvent.click(
      screen.getByRole('button', { name: 'Clear filters' }),
    );
    await userEvent.selectOptions(
      screen.getByRole('combobox', { name: 'Rows per page' }),
      '100',
    );
    expect(screen.getByText('Showing 1–100 of 120')).toBeInTheDocument();
    expect(shownNames()).toHaveLength(100);
  });

  it('still lists the services when the catalog cannot be read, without owner and runtime', async () => {
    const failing = catalogApiMock.mock({
      getEntities: jest.fn().mockRejectedValue(new Error('catalog timed out')),
    });
    await renderPage(fakeHealthApi({ items: smallFleet().items }), failing);

    expect(
      await screen.findByText(
        'Warning: Catalog: owners, runtimes and clusters could not be read',
      ),
    ).toBeInTheDocument();
    expect(screen.getAllByText(/catalog timed out/).length).toBeGreaterThan(0);
    expect(shownNames()).toEqual([
      'llm-chat',
      'image-classifier',
      'churn-scoring',
      'fraud-detector',
    ]);
    expect(
      screen.queryByRole('combobox', { name: 'Owner' }),
    ).not.toBeInTheDocument();
    expect(
      screen.queryByRole('combobox', { name: 'Cluster' }),
    ).not.toBeInTheDocument();
    expect(
      within(table())
        .getAllByRole('columnheader')
        .map(h => h.textContent),
    ).not.toContain('Cluster');
    const llm = within(table())
      .getByRole('rowheader', { name: 'llm-chat' })
      .closest('tr')!;
    expect(within(llm).getAllByRole('cell')[0]).toHaveTextContent('—');
  });

  it('offers no cluster filter when no service names its cluster', async () => {
    await renderPage(
      fakeHealthApi({ items: [entityHealth('fraud-detector')] }),
      [
        catalogEntity('fraud-detector', {
          owner: 'fraud-ml',
          tags: ['torchserve'],
        }),
      ],
    );

    expect(
      await screen.findByRole('link', { name: 'fraud-detector' }),
    ).toBeInTheDocument();
    expect(
      screen.queryByRole('combobox', { name: 'Cluster' }),
    ).not.toBeInTheDocument();
    expect(screen.getByRole('combobox', { name: 'Owner' })).toBeInTheDocument();
  });

  it('says so when the catalog has no model services', async () => {
    await renderPage(fakeHealthApi({ items: [] }), []);

    expect(
      await screen.findByText('No model services in the catalog'),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/components of type model-service or model-server/),
    ).toBeInTheDocument();
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
  });

  it('shows the backend error, and loads again on Retry', async () => {
    const api = fakeHealthApi(await unavailableResponseError(), {
      items: smallFleet().items,
    });
    await renderPage(api);

    expect(
      await screen.findByText(/Request failed with 503 Service Unavailable/),
    ).toBeInTheDocument();
    expect(
      screen.getAllByText(/catalog is not reachable/).length,
    ).toBeGreaterThan(0);
    expect(screen.queryByRole('table')).not.toBeInTheDocument();

    await userEvent.click(screen.getByRole('button', { name: 'Retry' }));
    expect(
      await screen.findByRole('table', { name: 'Model services' }),
    ).toBeInTheDocument();
    expect(api.getFleetHealth).toHaveBeenCalledTimes(2);
  });

  it('says the answer is malformed instead of showing an empty fleet', async () => {
    const api = fakeHealthApi();
    api.getFleetHealth.mockResolvedValue({ items: 'nope' });
    await renderPage(api);

    expect(
      await screen.findByText('Error: mlops backend: malformed response'),
    ).toBeInTheDocument();
    expect(
      screen.queryByText('No model services in the catalog'),
    ).not.toBeInTheDocument();
  });
});

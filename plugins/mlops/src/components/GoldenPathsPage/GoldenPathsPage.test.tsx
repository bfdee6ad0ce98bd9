import { entityRouteRef } from '@backstage/plugin-catalog-react';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { MlopsApi } from '@internal/plugin-mlops-common';
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { mlopsApiRef } from '../../api';
import { responseError } from '../../__fixtures__/responses';
import {
  CLUSTER_REASON,
  fakeGoldenPathsApi,
  goldenPathsReport,
  modelServiceTemplate,
  pythonLibTemplate,
} from './__fixtures__/goldenPaths';
import { GoldenPathsPage } from './GoldenPathsPage';

function renderPage(api: MlopsApi) {
  return renderInTestApp(
    <TestApiProvider apis={[[mlopsApiRef, api]]}>
      <GoldenPathsPage />
    </TestApiProvider>,
    { mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef } },
  );
}

/** The page with the default report, the first template's entities shown. */
async function openFirstTemplate() {
  await renderPage(fakeGoldenPathsApi(goldenPathsReport()));
  const templates = await screen.findByRole('table', {
    name: 'Software templates',
  });
  await userEvent.click(
    within(templates).getAllByRole('button', { name: /show entities/i })[0],
  );
  const adopters = await screen.findByRole('table', {
    name: /^Entities created from /,
  });
  return { templates, adopters };
}

const unavailableResponseError = () =>
  responseError(
    503,
    'ServiceUnavailableError',
    'catalog is not reachable',
    'http://127.0.0.1:7007/api/mlops/golden-paths',
    '/api/mlops/golden-paths',
  );

const cellTexts = (row: HTMLElement) =>
  [
    ...within(row).getAllByRole('rowheader'),
    ...within(row).getAllByRole('cell'),
  ].map(c => c.textContent);

describe('GoldenPathsPage', () => {
  it('lists the templates with version, owner, description and adoption counts', async () => {
    await renderPage(fakeGoldenPathsApi(goldenPathsReport()));

    const table = await screen.findByRole('table', {
      name: 'Software templates',
    });
    expect(
      screen.getByRole('heading', { name: 'Golden paths' }),
    ).toBeInTheDocument();
    expect(
      within(table)
        .getAllByRole('columnheader')
        .map(h => h.textContent),
    ).toEqual([
      'Template',
      'Version',
      'Owner',
      'Description',
      'Adopted',
      'Drifted',
      'Unknown version',
      'Entities',
    ]);
    const [, model, python] = within(table).getAllByRole('row');
    expect(cellTexts(model)).toEqual([
      'New model service',
      '1.2.0',
      'ml-platform',
      'One template, five runtimes',
      '3',
      '1',
      '1',
      'Show',
    ]);
    expect(
      within(model).getByRole('link', { name: 'New model service' }),
    ).toHaveAttribute('href', '/catalog/default/template/model-service');
    expect(
      within(model).getByRole('link', { name: 'ml-platform' }),
    ).toHaveAttribute('href', '/catalog/default/group/ml-platform');
    expect(cellTexts(python)).toEqual([
      'Python library',
      'unversioned',
      'web-team',
      'A pip package',
      '0',
      '0',
      '0',
      'none yet',
    ]);
    expect(
      screen.getByText(
        '2 templates, 3 entities created from them: 1 behind, 1 of unknown version',
      ),
    ).toBeInTheDocument();
    // entities stay folded until asked for when there are several templates
    expect(
      screen.queryByRole('table', {
        name: 'Entities created from New model service',
      }),
    ).not.toBeInTheDocument();
  });

  it('opens a template to show each entity’s drift, what changed, and its checks', async () => {
    await renderPage(fakeGoldenPathsApi(goldenPathsReport()));

    const show = await screen.findByRole('button', {
      name: 'Show entities created from New model service',
    });
    expect(show).toHaveAttribute('aria-expanded', 'false');
    await userEvent.click(show);
    expect(
      screen.getByRole('button', {
        name: 'Hide entities created from New model service',
      }),
    ).toHaveAttribute('aria-expanded', 'true');

    const entities = screen.getByRole('table', {
      name: 'Entities created from New model service',
    });
    const [, llm, legacy, fraud] = within(entities).getAllByRole('row');

    expect(within(llm).getByRole('link', { name: 'llm-chat' })).toHaveAttribute(
      'href',
      '/catalog/default/component/llm-chat',
    );
    expect(within(llm).getByText('1.0.0 → 1.2.0:')).toBeInTheDocument();
    const changes = within(llm).getByRole('list', {
      name: 'Changes from 1.0.0 to 1.2.0',
    });
    expect(
      within(changes)
        .getAllByRole('listitem')
        .map(li => li.textContent),
    ).toEqual([
      '1.1.0: Ingress gets TLS from cert-manager; readiness probe on /ping',
      '1.2.0: vLLM: /dev/shm as a memory emptyDir',
    ]);
    const argocd = within(llm)
      .getByText('no argocd/app-name or argocd/app-selector annotation')
      .closest('li')!;
    expect(
      within(argocd).getByText('Argo CD application:'),
    ).toBeInTheDocument();
    expect(within(argocd).getByText(/Status: Error/)).toBeInTheDocument();
    expect(within(argocd).getByTestId('status-error')).toBeInTheDocument();

    expect(
      within(legacy).getByRole('link', { name: 'Legacy recommender' }),
    ).toBeInTheDocument();
    expect(
      within(legacy).getByText(
        'unknown version: no mlops.io/template-version annotation (template is at 1.2.0)',
      ),
    ).toBeInTheDocument();
    expect(
      within(legacy)
        .getByText(/add mlops\.io\/ci: github/)
        .closest('li'),
    ).toHaveTextContent('Status: Warning');

    expect(within(fraud).getByText('current')).toBeInTheDocument();
    // cluster checks are unknown, with the reason, and never shown as OK
    const gpu = within(fraud)
      .getByText('GPU request matches product:')
      .closest('li')!;
    expect(within(gpu).getByText(CLUSTER_REASON)).toBeInTheDocument();
    expect(within(gpu).getByTestId('status-pending')).toBeInTheDocument();
    expect(within(gpu).queryByTestId('status-ok')).not.toBeInTheDocument();
    expect(within(fraud).getAllByText(CLUSTER_REASON)).toHaveLength(2);
  });

  it('shows the entities right away when there is one template', async () => {
    await renderPage(
      fakeGoldenPathsApi(goldenPathsReport([modelServiceTemplate()])),
    );

    expect(
      await screen.findByRole('table', {
        name: 'Entities created from New model service',
      }),
    ).toBeInTheDocument();
    expect(screen.getByText('1.0.0 → 1.2.0:')).toBeInTheDocument();
  });

  it('filters the templates by owner', async () => {
    await renderPage(fakeGoldenPathsApi(goldenPathsReport()));

    const owner = await screen.findByRole('combobox', { name: 'Owner' });
    expect(
      within(owner)
        .getAllByRole('option')
        .map(o => o.textContent),
    ).toEqual(['All owners', 'ml-platform', 'web-team']);
    await userEvent.selectOptions(owner, 'web-team');

    const table = screen.getByRole('table', { name: 'Software templates' });
    expect(
      within(table).getByRole('link', { name: 'Python library' }),
    ).toBeInTheDocument();
    expect(
      within(table).queryByRole('link', { name: 'New model service' }),
    ).not.toBeInTheDocument();
    expect(
      screen.getByText(
        '1 template, 0 entities created from it: 0 behind, 0 of unknown version',
      ),
    ).toBeInTheDocument();
  });

  it('shows the owner label small above "All owners", not over it', async () => {
    await renderPage(fakeGoldenPathsApi(goldenPathsReport()));

    const owner = await screen.findByRole<HTMLSelectElement>('combobox', {
      name: 'Owner',
    });
    expect(owner).toHaveDisplayValue('All owners');
    const label = owner.labels![0];
    expect(label).toHaveTextContent('Owner');
    expect(label).toHaveAttribute('data-shrink', 'true');
    expect(label.className).toMatch(/(^|\s)MuiInputLabel-shrink(-\d+)?(\s|$)/);
    expect(getComputedStyle(label).transform).toContain('scale(0.75)');
  });

  it('keeps headers on one line, names whole between words and owners unbroken', async () => {
    const { templates, adopters } = await openFirstTemplate();
    for (const table of [templates, adopters]) {
      const headers = within(table).getAllByRole('columnheader');
      expect(headers.length).toBeGreaterThan(3);
      for (const header of headers)
        expect(getComputedStyle(header).whiteSpace).toBe('nowrap');
      // names get room ("Fraud detector", not "Fraud detecto/r"; jsdom does
      // not resolve word-break against the theme's rule, Chromium does)
      for (const name of within(table).getAllByRole('rowheader'))
        expect(getComputedStyle(name).minWidth).toBe('120px');
    }
    // descriptions wrap between words in a readable column ("deploymen/t")
    const description = within(templates).getByText(
      'One template, five runtimes',
    );
    expect(getComputedStyle(description).minWidth).toBe('240px');
    // owner ids are never broken ("ml-platfor/m")
    const ownerCells = [
      ...within(templates)
        .getAllByRole('row')
        .slice(1)
        .flatMap(row => within(row).queryAllByRole('cell').slice(1, 2)),
      ...within(adopters)
        .getAllByRole('row')
        .slice(1)
        .map(row => within(row).getAllByRole('cell')[0]),
    ];
    expect(ownerCells.length).toBeGreaterThan(1);
    for (const cell of ownerCells)
      expect(getComputedStyle(cell).whiteSpace).toBe('nowrap');
  });

  it('breaks the paths in checks only after a slash', async () => {
    const { adopters } = await openFirstTemplate();
    const paths = within(adopters).getAllByText(
      'harbor.ml.internal/ml/fraud-detector',
    );
    const jobs = within(adopters).getAllByText('Jenkins job ml/fraud-detector');
    expect(paths.length).toBeGreaterThan(0);
    expect(jobs.length).toBeGreaterThan(0);
    // each path is read as one; a line may end only at its slashes
    // ("harbor.ml.internal/ml/" above "fraud-detector", never ".../fr" above
    // "aud-detector")
    for (const path of paths)
      expect(path.innerHTML).toBe(
        'harbor.ml.internal/<wbr>ml/<wbr>fraud-detector',
      );
    for (const job of jobs)
      expect(job.innerHTML).toBe('Jenkins job ml/<wbr>fraud-detector');
  });

  it('says the changelog could not be read', async () => {
    const template = modelServiceTemplate();
    template.changelogProblems = [
      'not valid JSON (Unexpected token - in JSON at position 0)',
    ];
    await renderPage(
      fakeGoldenPathsApi(goldenPathsReport([template, pythonLibTemplate()])),
    );

    await userEvent.click(
      await screen.findByRole('button', {
        name: /Show entities created from New model service/,
      }),
    );
    expect(
      screen.getByText(
        'Warning: The changelog of New model service could not be fully read',
      ),
    ).toBeInTheDocument();
  });

  it('says so when the catalog has no templates', async () => {
    await renderPage(fakeGoldenPathsApi(goldenPathsReport([])));

    expect(
      await screen.findByText('No software templates in the catalog'),
    ).toBeInTheDocument();
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
  });

  it('shows the backend error, and loads again on Retry', async () => {
    const api = fakeGoldenPathsApi(
      await unavailableResponseError(),
      goldenPathsReport(),
    );
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
      await screen.findByRole('table', { name: 'Software templates' }),
    ).toBeInTheDocument();
    expect(api.getGoldenPaths).toHaveBeenCalledTimes(2);
  });
});

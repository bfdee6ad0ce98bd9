import { Entity } from '@backstage/catalog-model';
import {
  EntityHealth,
  MlopsApi,
  MlopsHealthApi,
} from '@internal/plugin-mlops-common';
import { act, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  FULL_DIGEST,
  FULL_REVISION,
  entityWithImage,
  entityWithoutImage,
  fakeMlopsApi,
  okReport,
  problemReport,
} from '../../__fixtures__/reports';
import { fakeHealthApi, serverError } from '../../__fixtures__/health';
import { responseError } from '../../__fixtures__/responses';
import { renderCard as renderInApp } from '../../__testUtils__/renderCard';
import { ImageCard } from './ImageCard';
import {
  healthWith,
  runningPod,
  image,
  workloadDetail,
} from './__fixtures__/running';

function renderCard(
  api: MlopsApi,
  entity: Entity = entityWithImage,
  // the card also asks for the entity's health (which tag runs where);
  // by default an answer without workload details
  healthApi: MlopsHealthApi = fakeHealthApi(healthWith()),
) {
  return renderInApp(<ImageCard />, { mlops: api, health: healthApi, entity });
}

const notFoundResponseError = () =>
  responseError(
    404,
    'NotFoundError',
    'No entity named component:default/fraud-detector',
    'http://127.0.0.1:7007/api/mlops/entities/component/default/fraud-detector/image',
    '/api/mlops/entities/component/default/fraud-detector/image',
  );

/**
 * Renders the tags of okReport() with `health` as the answer to the health
 * request, and waits until both have answered (or failed).
 */
async function renderWithHealth(health: EntityHealth | Error) {
  const healthApi = fakeHealthApi(health);
  await renderCard(fakeMlopsApi(okReport()), entityWithImage, healthApi);

  expect(await screen.findByText('Showing 2 of 5 tags')).toBeInTheDocument();
  expect(healthApi.getEntityHealth).toHaveBeenCalled();
  await act(async () => {
    await Promise.allSettled(
      healthApi.getEntityHealth.mock.results.map(r => r.value),
    );
  });
}

function columnHeaders(): Array<string | null> {
  return within(
    screen.getByRole('table', { name: 'Tags of ml/fraud-detector' }),
  )
    .getAllByRole('columnheader')
    .map(h => h.textContent);
}

describe('ImageCard', () => {
  it('lists the tags the backend returned, in a form a person can read', async () => {
    const api = fakeMlopsApi(okReport());
    await renderCard(api);

    expect(await screen.findByText('Container image')).toBeInTheDocument();
    expect(api.getImageReport).toHaveBeenCalledWith({
      kind: 'Component',
      namespace: 'default',
      name: 'fraud-detector',
    });

    const repo = screen.getByRole('link', {
      name: /127\.0\.0\.1:5000\/ml\/fraud-detector/,
    });
    expect(repo).toHaveAttribute(
      'href',
      'http://127.0.0.1:5000/harbor/projects/ml',
    );
    expect(screen.getByTestId('status-ok')).toBeInTheDocument();
    expect(
      screen.getByText('newest tag 1.4.2 is 3 days old'),
    ).toBeInTheDocument();

    const table = screen.getByRole('table', {
      name: 'Tags of ml/fraud-detector',
    });
    const headers = within(table)
      .getAllByRole('columnheader')
      .map(h => h.textContent);
    expect(headers).toEqual([
      'Tag',
      'Digest',
      'Created',
      'Size',
      'Revision',
      'Platforms',
    ]);

    const [, newest, legacy] = within(table).getAllByRole('row');
    expect(within(newest).getByRole('rowheader')).toHaveTextContent('1.4.2');
    const digest = within(newest).getByText('sha256:4f2a9c81d3b7');
    expect(digest).toHaveAttribute('title', FULL_DIGEST);
    const age = within(newest).getByText('3 days ago');
    expect(age.getAttribute('title')).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(within(newest).getByText('12.3 MB')).toBeInTheDocument();
    expect(within(newest).getByText('9b1e2d3c4a5f')).toHaveAttribute(
      'title',
      FULL_REVISION,
    );
    expect(
      within(newest).getByText('linux/amd64, linux/arm64'),
    ).toBeInTheDocument();

    expect(within(legacy).getByRole('rowheader')).toHaveTextContent('legacy');
    expect(within(legacy).getByText('sha256:00aa11bb22cc')).toBeInTheDocument();
    expect(within(legacy).getByText('987.7 MB')).toBeInTheDocument();
    // no created date and no revision: a dash, not an invented value
    expect(within(legacy).getAllByText('—')).toHaveLength(2);

    expect(screen.getByText('Showing 2 of 5 tags')).toBeInTheDocument();
  });

  it('names the upstream and the fault when the registry refused our credentials', async () => {
    const api = fakeMlopsApi(
      problemReport({
        upstream: 'registry demo (127.0.0.1:5000)',
        fault: 'unauthorized',
        httpStatus: 401,
        message:
          'The registry rejected the configured credentials for ml/fraud-detector; check mlops.registries[demo].username and password.',
      }),
    );
    await renderCard(api);

    expect(
      await screen.findByText(
        'Error: registry demo (127.0.0.1:5000): unauthorized (401)',
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByText(
        'The registry rejected the configured credentials for ml/fraud-detector; check mlops.registries[demo].username and password.',
      ),
    ).toBeVisible();
    expect(screen.getByRole('button', { name: 'Retry' })).toBeInTheDocument();
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
    expect(screen.queryByTestId('status-ok')).not.toBeInTheDocument();
  });

  it('says when the annotation names a registry host that is not allowed', async () => {
    const api = fakeMlopsApi(
      problemReport({
        upstream: 'registry evil.example.com',
        fault: 'not-allowed',
        message:
          'evil.example.com is not one of the registries configured under mlops.registries.',
      }),
    );
    await renderCard(api);

    expect(
      await screen.findByText(
        'Error: registry evil.example.com: host not allowed',
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByText(
        'evil.example.com is not one of the registries configured under mlops.registries.',
      ),
    ).toBeInTheDocument();
  });

  it('says when the registry answered with a malformed manifest', async () => {
    const api = fakeMlopsApi(
      problemReport({
        upstream: 'registry demo (127.0.0.1:5000)',
        fault: 'malformed',
        httpStatus: 200,
        message:
          'The manifest of ml/fraud-detector:1.4.2 is not valid JSON (unexpected end of input).',
      }),
    );
    await renderCard(api);

    expect(
      await screen.findByText(
        'Error: registry demo (127.0.0.1:5000): malformed response',
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByText(
        'The manifest of ml/fraud-detector:1.4.2 is not valid JSON (unexpected end of input).',
      ),
    ).toBeInTheDocument();
  });

  it('asks for the annotation and does not call the backend when the entity has none', async () => {
    const api = fakeMlopsApi(okReport());
    await renderCard(api, entityWithoutImage);

    expect(
      await screen.findByText(/annotations .* are missing/),
    ).toBeInTheDocument();
    expect(
      screen.getByText('mlops.io/image-repository', { selector: 'code' }),
    ).toBeInTheDocument();
    expect(
      screen.getByText('goharbor.io/repository-slug', { selector: 'code' }),
    ).toBeInTheDocument();
    expect(api.getImageReport).not.toHaveBeenCalled();
  });

  it('shows a warning status, not OK, when the image signal is a warning', async () => {
    const report = okReport();
    report.health = {
      ...report.health,
      status: 'warning',
      reason: 'newest tag 1.4.2 is 45 days old',
    };
    await renderCard(fakeMlopsApi(report));

    expect(
      await screen.findByText('newest tag 1.4.2 is 45 days old'),
    ).toBeInTheDocument();
    expect(screen.getByTestId('status-warning')).toBeInTheDocument();
    expect(screen.getByText(/Status: Warning/)).toBeInTheDocument();
    expect(screen.queryByTestId('status-ok')).not.toBeInTheDocument();
  });

  it('never shows OK for an unknown status', async () => {
    const report = okReport();
    report.health = {
      ...report.health,
      status: 'unknown',
      reason: 'no tag has a created date',
    };
    await renderCard(fakeMlopsApi(report));

    expect(
      await screen.findByText('no tag has a created date'),
    ).toBeInTheDocument();
    expect(screen.getByTestId('status-pending')).toBeInTheDocument();
    expect(screen.queryByTestId('status-ok')).not.toBeInTheDocument();
  });

  it('shows the error text of a tag that could not be read', async () => {
    const report = okReport();
    report.tags[1] = {
      tag: 'broken',
      digest: '',
      mediaType: '',
      platforms: [],
      error: 'manifest unknown (404)',
    };
    await renderCard(fakeMlopsApi(report));

    const row = (await screen.findByText('broken')).closest('tr')!;
    expect(within(row).getByText('manifest unknown (404)')).toBeInTheDocument();
    expect(screen.getByText('1.4.2')).toBeInTheDocument();
  });

  it('says so when the repository has no tags', async () => {
    const report = okReport();
    report.tags = [];
    report.totalTags = 0;
    await renderCard(fakeMlopsApi(report));

    expect(
      await screen.findByText('No tags in ml/fraud-detector'),
    ).toBeInTheDocument();
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
  });

  it('shows the response error when the backend request itself fails', async () => {
    const api = fakeMlopsApi(await notFoundResponseError());
    await renderCard(api);

    expect(
      await screen.findByText(/Request failed with 404 Not Found/),
    ).toBeInTheDocument();
    expect(
      screen.getAllByText(/No entity named component:default\/fraud-detector/)
        .length,
    ).toBeGreaterThan(0);
  });

  it('asks the backend again when the person presses Retry', async () => {
    const api = fakeMlopsApi(
      problemReport({
        upstream: 'registry demo (127.0.0.1:5000)',
        fault: 'unreachable',
        message: 'Could not connect to 127.0.0.1:5000 (ECONNREFUSED).',
      }),
      okReport(),
    );
    await renderCard(api);

    await userEvent.click(await screen.findByRole('button', { name: 'Retry' }));

    expect(await screen.findByText('Showing 2 of 5 tags')).toBeInTheDocument();
    expect(api.getImageReport).toHaveBeenCalledTimes(2);
    expect(
      screen.queryByText(/Could not connect to 127\.0\.0\.1:5000/),
    ).not.toBeInTheDocument();
  });
  describe('which tag runs where', () => {
    it('adds a Running column naming the clusters and namespaces whose pods run each tag', async () => {
      const healthApi = fakeHealthApi(healthWith(workloadDetail()));
      await renderCard(fakeMlopsApi(okReport()), entityWithImage, healthApi);

      expect(
        await screen.findByRole('columnheader', { name: 'Running' }),
      ).toBeInTheDocument();
      expect(columnHeaders()).toEqual([
        'Tag',
        'Digest',
        'Created',
        'Size',
        'Revision',
        'Platforms',
        'Running',
      ]);
      expect(healthApi.getEntityHealth).toHaveBeenCalledWith({
        kind: 'Component',
        namespace: 'default',
        name: 'fraud-detector',
      });

      const table = screen.getByRole('table', {
        name: 'Tags of ml/fraud-detector',
      });
      const [, newest, legacy] = within(table).getAllByRole('row');
      const newestRunning = within(newest).getAllByRole('cell').at(-1)!;
      // matched by digest, whatever tag the pod spec names; sorted by cluster
      expect(
        within(newestRunning)
          .getAllByText(/: \d+ pods?/)
          .map(e => e.textContent),
      ).toEqual(['kind-edge/edge: 1 pod', 'kind-ml/ml-serving: 2 pods']);

      const legacyRunning = within(legacy).getAllByRole('cell').at(-1)!;
      // the canary's runtime reported no digest: matched by tag name, and said so;
      // the pending pod and the init container do not count
      expect(legacyRunning).toHaveTextContent(
        'kind-ml/ml-canary: 1 pod (by tag name only)',
      );
      expect(legacyRunning).not.toHaveTextContent('ml-serving');
    });

    it('says "not running" for a tag no running pod runs', async () => {
      const workload = workloadDetail();
      workload.clusters = [
        {
          cluster: 'kind-ml',
          workloads: [],
          problems: [],
          loading: [],
          pods: [
            runningPod('fraud-detector-0', 'ml-serving', [
              image({ tag: 'legacy', digest: 'sha256:0123' }),
            ]),
          ],
        },
      ];
      await renderCard(
        fakeMlopsApi(okReport()),
        entityWithImage,
        fakeHealthApi(healthWith(workload)),
      );

      await screen.findByRole('columnheader', { name: 'Running' });
      const table = screen.getByRole('table', {
        name: 'Tags of ml/fraud-detector',
      });
      const [, newest, legacy] = within(table).getAllByRole('row');
      expect(within(newest).getAllByRole('cell').at(-1)).toHaveTextContent(
        /^not running$/,
      );
      expect(within(legacy).getAllByRole('cell').at(-1)).toHaveTextContent(
        'kind-ml/ml-serving: 1 pod (by tag name only)',
      );
    });

    it('says "unknown", not "not running", when pods of a cluster could not be read', async () => {
      const workload = workloadDetail();
      workload.clusters.push({
        cluster: 'kind-gpu',
        workloads: [],
        pods: [],
        loading: [],
        problems: [
          {
            kind: 'pods',
            upstream: 'kubernetes kind-gpu (127.0.0.1:6444)',
            fault: 'unreachable',
            message: 'Could not connect to 127.0.0.1:6444 (ECONNREFUSED).',
          },
        ],
      });
      // a tag nobody runs
      const report = okReport();
      report.tags.push({
        tag: '1.4.1',
        digest: 'sha256:1111',
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        platforms: ['linux/amd64'],
      });
      await renderCard(
        fakeMlopsApi(report),
        entityWithImage,
        fakeHealthApi(healthWith(workload)),
      );

      await screen.findByRole('columnheader', { name: 'Running' });
      const row = screen
        .getByRole('rowheader', { name: '1.4.1' })
        .closest('tr')!;
      expect(within(row).getAllByRole('cell').at(-1)).toHaveTextContent(
        /^unknown$/,
      );
      expect(screen.queryByText('not running')).not.toBeInTheDocument();
    });

    it('keeps the tag table as it was when the health request fails', async () => {
      await renderWithHealth(await serverError());

      expect(columnHeaders()).toEqual([
        'Tag',
        'Digest',
        'Created',
        'Size',
        'Revision',
        'Platforms',
      ]);
      expect(screen.queryByText(/Request failed/)).not.toBeInTheDocument();
      expect(
        screen.getByText('newest tag 1.4.2 is 3 days old'),
      ).toBeInTheDocument();
    });

    it('has no Running column when the health answer has no workload details', async () => {
      await renderWithHealth(healthWith());
      expect(
        screen.queryByRole('columnheader', { name: 'Running' }),
      ).not.toBeInTheDocument();
    });

    it('still lists the tags in an app without the health API', async () => {
      const api = fakeMlopsApi(okReport());
      await renderInApp(<ImageCard />, { mlops: api, entity: entityWithImage });

      expect(
        await screen.findByText('Showing 2 of 5 tags'),
      ).toBeInTheDocument();
      expect(columnHeaders()).not.toContain('Running');
    });

    it('has no Running column when the workload could not be read at all', async () => {
      const workload = workloadDetail();
      workload.problem = {
        upstream: 'kubernetes',
        fault: 'not-configured',
        message:
          'No cluster is configured under kubernetes.clusterLocatorMethods.',
      };
      await renderWithHealth(healthWith(workload));
      expect(
        screen.queryByRole('columnheader', { name: 'Running' }),
      ).not.toBeInTheDocument();
    });
  });
});

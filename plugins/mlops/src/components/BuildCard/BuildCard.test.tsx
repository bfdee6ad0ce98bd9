import { Entity } from '@backstage/catalog-model';
import {
  MlopsHealthApi,
  RebuildActionResponse,
} from '@internal/plugin-mlops-common';
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  FakeActionsApi,
  bareEntity,
  entityWith,
  fakeHealthApi,
  responseError,
} from '../../__fixtures__/health';
import { renderCard } from '../../__testUtils__/renderCard';
import {
  COMMIT_42,
  JENKINS,
  JOB_URL,
  disabledJob,
  failedBuild,
  healthyBuild,
  multibranchWithJobProblem,
  noJenkins,
  noJobs,
  runningBuild,
  unreachableJenkins,
} from './__fixtures__/build';
import { BuildCard } from './BuildCard';

const jenkinsEntity = entityWith({
  'jenkins.io/job-full-name': 'ci:ml/fraud-detector',
});

function buildsTable(job = 'ml/fraud-detector') {
  return screen.getByRole('table', { name: `Builds of ${job}` });
}

/** The table row whose build link is `#n`. */
function buildRow(n: number): HTMLElement {
  return screen
    .getByRole('link', { name: new RegExp(`^#${n}\\b`) })
    .closest('tr')!;
}

function renderBuildCard(
  health: MlopsHealthApi,
  options: {
    actions?: FakeActionsApi;
    permission?: 'ALLOW';
    entity?: Entity;
  } = {},
) {
  return renderCard(<BuildCard />, {
    health,
    entity: jenkinsEntity,
    ...options,
  });
}

/**
 * Shows a healthy job to a person allowed to rebuild and clicks Rebuild; the
 * actions API answers `rebuild`.
 */
async function clickRebuild(
  rebuild: RebuildActionResponse | Error,
): Promise<FakeActionsApi> {
  const actions = new FakeActionsApi({ rebuild });
  await renderBuildCard(fakeHealthApi(healthyBuild()), {
    actions,
    permission: 'ALLOW',
  });
  await userEvent.click(await screen.findByRole('button', { name: 'Rebuild' }));
  return actions;
}

function signalLine(reason: string): HTMLElement {
  return screen.getByText(reason).closest('div')!;
}

describe('BuildCard', () => {
  it('lists the newest builds of a healthy job with duration against the estimate, commit, branch and age', async () => {
    await renderBuildCard(fakeHealthApi(healthyBuild()));

    await screen.findByText('build 42 succeeded 2 hours ago');
    const line = signalLine('build 42 succeeded 2 hours ago');
    expect(within(line).getByText(/Status: OK/)).toBeInTheDocument();

    const section = screen.getByRole('region', {
      name: 'Job ml/fraud-detector on ci',
    });
    expect(
      within(section).getByRole('link', { name: /^fraud-detector\b/ }),
    ).toHaveAttribute('href', JOB_URL);
    expect(
      within(section).getByText('ml/fraud-detector on Jenkins ci'),
    ).toBeInTheDocument();

    const headers = within(buildsTable())
      .getAllByRole('columnheader')
      .map(h => h.textContent);
    expect(headers).toEqual([
      'Build',
      'Status',
      'Result',
      'Duration',
      'Commit',
      'Branch',
      'Started',
    ]);

    const row = buildRow(42);
    expect(within(row).getByRole('link', { name: /^#42\b/ })).toHaveAttribute(
      'href',
      `${JOB_URL}42/`,
    );
    expect(within(row).getByText('Success')).toBeInTheDocument();
    expect(within(row).getByText('SUCCESS')).toBeInTheDocument();
    expect(within(row).getByText('4m 10s (est. 3m 55s)')).toBeInTheDocument();
    expect(within(row).getByText('a1b2c3d')).toHaveAttribute(
      'title',
      COMMIT_42,
    );
    expect(within(row).getByText('main')).toBeInTheDocument();
    expect(within(row).getByText('2 hours ago')).toBeInTheDocument();

    expect(within(buildRow(41)).getByText('0f1e2d3')).toBeInTheDocument();
    expect(within(buildRow(41)).getByText('1 day ago')).toBeInTheDocument();
    // no permission answer was ALLOW: no button
    expect(
      screen.queryByRole('button', { name: 'Rebuild' }),
    ).not.toBeInTheDocument();
  });

  it('shows the running stage and progress of a running build, as a warning', async () => {
    await renderBuildCard(fakeHealthApi(runningBuild()));

    await screen.findByText('build 43 is running');
    const line = signalLine('build 43 is running');
    expect(within(line).getByText(/Status: Warning/)).toBeInTheDocument();
    expect(within(line).queryByTestId('status-ok')).not.toBeInTheDocument();

    const row = buildRow(43);
    expect(within(row).getByText('Running')).toBeInTheDocument();
    expect(within(row).getByText('none yet')).toBeInTheDocument();
    expect(
      within(row).getByText('2m 30s so far (est. 3m 55s)'),
    ).toBeInTheDocument();
    expect(within(row).getByText('e4f5a6b')).toBeInTheDocument();

    const detail = row.nextElementSibling as HTMLElement;
    expect(
      within(detail).getByText('Running stage: Train (1m 5s so far)'),
    ).toBeInTheDocument();
    expect(within(detail).queryByText(/Checkout/)).not.toBeInTheDocument();
    expect(
      within(detail).getByText('64% of the estimated time'),
    ).toBeInTheDocument();
    expect(
      within(detail).getByRole('progressbar', {
        name: 'Progress of build 43',
      }),
    ).toHaveAttribute('aria-valuenow', '64');

    expect(
      screen.getByText(/a build is waiting in the queue/),
    ).toBeInTheDocument();
  });

  it('names the failed stage and its error under a failed build', async () => {
    await renderBuildCard(fakeHealthApi(failedBuild()));

    await screen.findByText('build 43 failed at stage Test');
    const line = signalLine('build 43 failed at stage Test');
    expect(within(line).getByText(/Status: Error/)).toBeInTheDocument();

    const row = buildRow(43);
    expect(within(row).getByText('Failed')).toBeInTheDocument();
    expect(within(row).getByText('FAILURE')).toBeInTheDocument();
    expect(within(row).getByText('1m 35s (est. 3m 55s)')).toBeInTheDocument();
    const detail = row.nextElementSibling as HTMLElement;
    expect(
      within(detail).getByText(
        'Failed at stage Test: script returned exit code 1 (pytest: 3 failed)',
      ),
    ).toBeInTheDocument();
    expect(within(detail).queryByText(/Image/)).not.toBeInTheDocument();
    // the older, successful build has no detail line
    expect(buildRow(42).nextElementSibling).toBeNull();
  });

  it('shows the branches of a multibranch project and the job Jenkins refused, naming upstream and fault', async () => {
    await renderBuildCard(fakeHealthApi(multibranchWithJobProblem()), {
      permission: 'ALLOW',
    });

    const table = await screen.findByRole('table', {
      name: 'Branches of ml/fraud-detector-mb',
    });
    expect(
      within(table)
        .getAllByRole('columnheader')
        .map(h => h.textContent),
    ).toEqual([
      'Branch',
      'Build',
      'Status',
      'Result',
      'Duration',
      'Commit',
      'Started',
    ]);
    const feature = within(table)
      .getByRole('link', { name: /^feature\/faster-model\b/ })
      .closest('tr')!;
    expect(
      within(feature).getByRole('link', { name: /^feature\/faster-model\b/ }),
    ).toHaveAttribute(
      'href',
      `${JENKINS}/job/ml/job/fraud-detector-mb/job/feature%252Ffaster-model/`,
    );
    expect(
      within(feature).getByRole('link', { name: /^#7\b/ }),
    ).toHaveAttribute(
      'href',
      `${JENKINS}/job/ml/job/fraud-detector-mb/job/feature%252Ffaster-model/7/`,
    );
    expect(within(feature).getByText('Failed')).toBeInTheDocument();
    expect(within(feature).getByText('3 hours ago')).toBeInTheDocument();
    const experiment = within(table)
      .getByRole('link', { name: /^experiment\b/ })
      .closest('tr')!;
    expect(within(experiment).getByText('Not built yet')).toBeInTheDocument();

    const refused = screen.getByRole('region', {
      name: 'Job ml/fraud-detector-nightly on ci',
    });
    expect(
      within(refused).getByText(
        'Error: Jenkins ci (127.0.0.1:8081): forbidden (403)',
      ),
    ).toBeInTheDocument();
    expect(
      within(refused).getByText(
        'The configured Jenkins user may not read ml/fraud-detector-nightly; grant it Job/Read. (HTTP 403)',
      ),
    ).toBeInTheDocument();
    // a multibranch project cannot be rebuilt (Jenkins would only scan it),
    // a job that could not be read neither
    expect(
      screen.queryByRole('button', { name: 'Rebuild' }),
    ).not.toBeInTheDocument();
  });

  it('names the upstream and the fault when Jenkins could not be read, with Retry', async () => {
    const health = fakeHealthApi(unreachableJenkins(), healthyBuild());
    await renderBuildCard(health);

    expect(
      await screen.findByText('Error: Jenkins ci (127.0.0.1:8081): timed out'),
    ).toBeInTheDocument();
    expect(
      screen.getByText('Jenkins did not answer within 5 s.'),
    ).toBeInTheDocument();
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
    expect(screen.queryByTestId('status-ok')).not.toBeInTheDocument();

    await userEvent.click(screen.getByRole('button', { name: 'Retry' }));
    expect(
      await screen.findByRole('table', { name: 'Builds of ml/fraud-detector' }),
    ).toBeInTheDocument();
    expect(health.calls).toHaveLength(2);
  });

  it('says why there is nothing to show when the signal has no details, never OK', async () => {
    await renderBuildCard(fakeHealthApi(noJenkins()));

    expect(await screen.findByText('No builds to show')).toBeInTheDocument();
    const line = signalLine(
      'no Jenkins instance is configured (jenkins.instances)',
    );
    expect(within(line).getByText(/Status: Unknown/)).toBeInTheDocument();
    expect(screen.queryByTestId('status-ok')).not.toBeInTheDocument();
  });

  it('does not show OK when no job was read, whatever the signal says', async () => {
    await renderBuildCard(fakeHealthApi(noJobs()));

    expect(
      await screen.findByText('No Jenkins job was read for this service.'),
    ).toBeInTheDocument();
    expect(
      within(signalLine('nothing to judge')).getByText(/Status: Unknown/),
    ).toBeInTheDocument();
    expect(screen.queryByTestId('status-ok')).not.toBeInTheDocument();
  });

  it('asks for jenkins.io/job-full-name and does not call the backend without it', async () => {
    const health = fakeHealthApi(healthyBuild());
    await renderBuildCard(health, { entity: bareEntity });

    expect(
      await screen.findByText('jenkins.io/job-full-name', { selector: 'code' }),
    ).toBeInTheDocument();
    expect(health.calls).toHaveLength(0);
  });

  it('shows the request error of the backend with Retry', async () => {
    await renderBuildCard(
      fakeHealthApi(await responseError(500, 'Error', 'health route crashed')),
    );

    expect(
      await screen.findByText(/Request failed with 500 Internal Server Error/),
    ).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Retry' })).toBeInTheDocument();
  });

  it('queues a build on Rebuild when allowed and links the queue item', async () => {
    const actions = await clickRebuild({
      instance: 'ci',
      fullName: 'ml/fraud-detector',
      queueUrl: `${JENKINS}/queue/item/17/`,
      queueId: 17,
    });

    const answer = await screen.findByRole('status');
    expect(answer).toHaveTextContent('Build queued.');
    expect(
      within(answer).getByRole('link', { name: /^Queue item 17\b/ }),
    ).toHaveAttribute('href', `${JENKINS}/queue/item/17/`);
    expect(actions.calls).toEqual([
      {
        action: 'rebuild',
        entity: {
          kind: 'Component',
          namespace: 'default',
          name: 'fraud-detector',
        },
        request: { job: 'ci:ml/fraud-detector' },
      },
    ]);
  });

  it('says the person is not allowed when the backend answers 403 to Rebuild', async () => {
    await clickRebuild(
      await responseError(
        403,
        'NotAllowedError',
        'mlops.build.trigger denied for user:default/guest',
      ),
    );

    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Not allowed: you may not trigger a build of ml/fraud-detector (mlops.build.trigger denied for user:default/guest).',
    );
    expect(screen.queryByText(/Build queued/)).not.toBeInTheDocument();
  });

  it('shows the upstream error when Jenkins could not queue the build', async () => {
    await clickRebuild(
      await responseError(
        503,
        'ServiceUnavailableError',
        'Jenkins ci (127.0.0.1:8081): connection refused (unreachable)',
      ),
    );

    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Could not trigger a build of ml/fraud-detector: Jenkins ci (127.0.0.1:8081): connection refused (unreachable) (HTTP 503)',
    );
  });

  it('disables Rebuild, with the reason, for a job Jenkins does not build', async () => {
    const actions = new FakeActionsApi();
    await renderBuildCard(fakeHealthApi(disabledJob()), {
      actions,
      permission: 'ALLOW',
    });

    const button = await screen.findByRole('button', { name: 'Rebuild' });
    expect(button).toBeDisabled();
    expect(button).toHaveAccessibleDescription(
      'Jenkins does not accept builds of this job (it is disabled).',
    );
    expect(actions.calls).toHaveLength(0);
  });
});

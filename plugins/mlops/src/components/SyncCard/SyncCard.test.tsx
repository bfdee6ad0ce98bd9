import { Entity } from '@backstage/catalog-model';
import {
  MlopsHealthApi,
  SyncActionResponse,
} from '@internal/plugin-mlops-common';
import { screen, waitFor, within } from '@testing-library/react';
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
  ARGO_URL,
  IMAGE,
  REV_BEFORE,
  REV_NOW,
  brokenSync,
  degradedSync,
  healthySync,
  noApps,
  noArgo,
  runningOperation,
  unreachableArgo,
} from './__fixtures__/sync';
import { SyncCard } from './SyncCard';

const argoEntity = entityWith({ 'argocd/app-name': 'fraud-detector' });
const ENTITY = {
  kind: 'Component',
  namespace: 'default',
  name: 'fraud-detector',
};

async function appSection() {
  return screen.findByRole('region', {
    name: 'Application fraud-detector on demo',
  });
}

function renderSyncCard(
  health: MlopsHealthApi,
  options: {
    actions?: FakeActionsApi;
    permission?: 'ALLOW';
    entity?: Entity;
  } = {},
) {
  return renderCard(<SyncCard />, { health, entity: argoEntity, ...options });
}

/**
 * Shows a healthy app to a person allowed to sync; the actions API answers
 * what it is given. Resolves to the actions API and the app's section.
 */
async function showAllowed(
  answers: ConstructorParameters<typeof FakeActionsApi>[0],
) {
  const actions = new FakeActionsApi(answers);
  await renderSyncCard(fakeHealthApi(healthySync()), {
    actions,
    permission: 'ALLOW',
  });
  return { actions, section: await appSection() };
}

/** Clicks Sync of a healthy app; the actions API answers `sync`. */
async function clickSync(
  sync: SyncActionResponse | Error,
): Promise<FakeActionsApi> {
  const { actions, section } = await showAllowed({ sync });
  await userEvent.click(within(section).getByRole('button', { name: 'Sync' }));
  return actions;
}

/** Clicks "Rollback to history `id`" and confirms it in the dialog. */
async function confirmRollback(section: HTMLElement, id: number) {
  await userEvent.click(
    within(section).getByRole('button', { name: `Rollback to history ${id}` }),
  );
  await userEvent.click(
    within(await screen.findByRole('dialog')).getByRole('button', {
      name: 'Roll back',
    }),
  );
}

/** The text of the definition after the term `term` in the app's facts. */
function fact(section: HTMLElement, term: string): HTMLElement {
  const dt = within(section)
    .getAllByRole('term')
    .find(t => t.textContent === term);
  if (!dt) throw new Error(`no fact ${term}`);
  return dt.nextElementSibling as HTMLElement;
}

function historyRows(section: HTMLElement) {
  const table = within(section).getByRole('table', {
    name: 'History of fraud-detector on demo',
  });
  return within(table).getAllByRole('row').slice(1);
}

describe('SyncCard', () => {
  it('shows sync, health, revision, images, last operation and history newest first of a healthy app', async () => {
    await renderSyncCard(fakeHealthApi(healthySync()));

    expect(await screen.findByText('Argo CD sync')).toBeInTheDocument();
    const section = await appSection();
    expect(
      screen.getByText('fraud-detector is Synced and Healthy').closest('div'),
    ).toHaveTextContent('Status: OK');
    expect(
      within(section).getByRole('link', { name: /^fraud-detector\b/ }),
    ).toHaveAttribute('href', ARGO_URL);
    expect(
      within(section).getByText('Argo CD demo · project ml · namespace ml'),
    ).toBeInTheDocument();

    expect(fact(section, 'Sync')).toHaveTextContent('Status: OK. Synced');
    expect(fact(section, 'Health')).toHaveTextContent('Status: OK. Healthy');
    expect(
      within(fact(section, 'Revision')).getByText('a1b2c3d'),
    ).toHaveAttribute('title', REV_NOW);
    expect(fact(section, 'Auto-sync')).toHaveTextContent('off');
    expect(fact(section, 'Runs')).toHaveTextContent(`${IMAGE}:a1b2c3d`);
    expect(fact(section, 'Desired')).toHaveTextContent(
      `fraud-detector=${IMAGE}:a1b2c3d`,
    );
    expect(
      within(section).queryByText(/GitOps asks for/),
    ).not.toBeInTheDocument();

    expect(
      within(section).getByText(
        'Succeeded: successfully synced (all tasks run)',
      ),
    ).toBeInTheDocument();
    expect(
      within(section).getByText(
        'started 21 minutes ago · finished 20 minutes ago · by alice · revision a1b2c3d',
      ),
    ).toBeInTheDocument();

    const rows = historyRows(section);
    expect(rows.map(r => within(r).getByRole('rowheader').textContent)).toEqual(
      ['3 (current)', '2', '1'],
    );
    expect(rows[0]).toHaveTextContent('a1b2c3d');
    expect(rows[0]).toHaveTextContent('20 minutes ago');
    expect(rows[1]).toHaveTextContent('9f8e7d6');
    expect(rows[1]).toHaveTextContent('2 days ago');
    expect(rows[1]).toHaveTextContent('bob');

    // DENY: no write buttons at all
    expect(
      screen.queryByRole('button', { name: 'Sync' }),
    ).not.toBeInTheDocument();
    expect(
      screen.queryByRole('button', { name: /Rollback/ }),
    ).not.toBeInTheDocument();
  });

  it('calls out an app that runs another image than GitOps asks for, and blocks rollback while auto-sync is on', async () => {
    await renderSyncCard(fakeHealthApi(degradedSync()), {
      permission: 'ALLOW',
    });

    const section = await appSection();
    expect(fact(section, 'Sync')).toHaveTextContent(
      'Status: Warning. OutOfSync',
    );
    expect(fact(section, 'Health')).toHaveTextContent(
      'Status: Warning. Progressing: Waiting for rollout to finish: 1 of 3 updated replicas are available',
    );
    expect(fact(section, 'Auto-sync')).toHaveTextContent('on');
    expect(
      within(section).getByText(
        `Runs ${IMAGE}:a1b2c3d but GitOps asks for ${IMAGE}:e4f5a6b`,
      ),
    ).toBeInTheDocument();
    expect(fact(section, 'Sync')).not.toHaveTextContent('Status: OK');

    expect(within(section).getByRole('button', { name: 'Sync' })).toBeEnabled();
    const rollback = within(section).getByRole('button', {
      name: 'Rollback to history 2',
    });
    expect(rollback).toBeDisabled();
    expect(rollback).toHaveAccessibleDescription(
      'Rollback is not possible while auto-sync is on: Argo CD refuses it. Turn auto-sync off first.',
    );
    // the current deployment cannot be rolled back to
    expect(
      within(section).queryByRole('button', { name: 'Rollback to history 3' }),
    ).not.toBeInTheDocument();
  });

  it('shows a failed operation, Degraded health, conditions and the instance that could not be read', async () => {
    const health = fakeHealthApi(brokenSync());
    await renderSyncCard(health);

    const section = await appSection();
    expect(
      screen.getByText('the last sync of fraud-detector failed').closest('div'),
    ).toHaveTextContent('Status: Error');
    expect(fact(section, 'Health')).toHaveTextContent(
      'Status: Error. Degraded: Deployment "fraud-detector" exceeded its progress deadline',
    );
    expect(
      within(section)
        .getByText(
          'Failed: one or more objects failed to apply, reason: admission webhook denied the request',
        )
        .closest('div'),
    ).toHaveTextContent('Status: Error');
    const conditions = within(section).getByRole('list', {
      name: 'Conditions of fraud-detector on demo',
    });
    expect(conditions).toHaveTextContent(
      'Status: Error. SyncError: Failed sync attempt to e4f5a6b: one or more objects failed to apply',
    );

    expect(
      screen.getByText(
        'Error: Argo CD prod (127.0.0.1:8083): unauthorized (401)',
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByText(
        'The configured Argo CD token was rejected; renew argocd.instances[prod].token. (HTTP 401)',
      ),
    ).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Retry' }));
    await waitFor(() => expect(health.calls).toHaveLength(2));
  });

  it('names the upstream and the fault when Argo CD could not be read, never OK', async () => {
    await renderSyncCard(fakeHealthApi(unreachableArgo()));

    expect(
      await screen.findByText(
        'Error: Argo CD demo (127.0.0.1:8082): unreachable',
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByText('Could not connect to 127.0.0.1:8082 (ECONNREFUSED).'),
    ).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Retry' })).toBeInTheDocument();
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
    expect(screen.queryByTestId('status-ok')).not.toBeInTheDocument();
  });

  it('says why there is nothing to show when the signal has no details', async () => {
    await renderSyncCard(fakeHealthApi(noArgo()));

    expect(
      await screen.findByText('No Argo CD application to show'),
    ).toBeInTheDocument();
    expect(
      screen
        .getByText('no Argo CD instance is configured (argocd.instances)')
        .closest('div'),
    ).toHaveTextContent('Status: Unknown');
    expect(screen.queryByTestId('status-ok')).not.toBeInTheDocument();
  });

  it('is not OK when no application matched, whatever the signal says', async () => {
    await renderSyncCard(fakeHealthApi(noApps()));

    expect(
      await screen.findByText(
        "No Argo CD application matches this service's annotations.",
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByText('nothing to judge').closest('div'),
    ).toHaveTextContent('Status: Unknown');
    expect(screen.queryByTestId('status-ok')).not.toBeInTheDocument();
  });

  it('asks for the Argo CD annotations and does not call the backend without them', async () => {
    const health = fakeHealthApi(healthySync());
    await renderSyncCard(health, { entity: bareEntity });

    expect(
      await screen.findByText('argocd/app-name', { selector: 'code' }),
    ).toBeInTheDocument();
    expect(
      screen.getByText('argocd/app-selector', { selector: 'code' }),
    ).toBeInTheDocument();
    expect(health.calls).toHaveLength(0);
  });

  it('shows the request error of the backend with Retry', async () => {
    await renderSyncCard(
      fakeHealthApi(
        await responseError(
          404,
          'NotFoundError',
          'No entity named component:default/fraud-detector',
        ),
      ),
    );

    expect(
      await screen.findByText(/Request failed with 404 Not Found/),
    ).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Retry' })).toBeInTheDocument();
  });

  it('asks Argo CD to sync the app on Sync and shows the answer', async () => {
    const actions = await clickSync({
      instance: 'demo',
      name: 'fraud-detector',
      phase: 'Running',
      revision: REV_NOW,
    });

    expect(await screen.findByRole('status')).toHaveTextContent(
      'Sync requested: Argo CD reports Running (revision a1b2c3d).',
    );
    expect(actions.calls).toEqual([
      {
        action: 'sync',
        entity: ENTITY,
        request: { app: 'fraud-detector', instance: 'demo' },
      },
    ]);
  });

  it('shows why Argo CD refused the sync', async () => {
    await clickSync(
      await responseError(
        409,
        'ConflictError',
        'Argo CD demo (127.0.0.1:8082): another operation is already in progress',
      ),
    );

    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Could not sync fraud-detector: Argo CD demo (127.0.0.1:8082): another operation is already in progress (HTTP 409)',
    );
  });

  it('confirms before rolling back, and rolls back to the chosen history id', async () => {
    const { actions, section } = await showAllowed({
      rollback: {
        instance: 'demo',
        name: 'fraud-detector',
        phase: 'Running',
        revision: REV_BEFORE,
      },
    });

    // Cancel: nothing is asked
    await userEvent.click(
      within(section).getByRole('button', { name: 'Rollback to history 2' }),
    );
    const dialog = await screen.findByRole('dialog', {
      name: 'Roll fraud-detector back to history 2?',
    });
    expect(dialog).toHaveTextContent(
      'Argo CD demo will deploy revision 9f8e7d6 (deployed 2 days ago) again.',
    );
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Cancel' }),
    );
    await waitFor(() =>
      expect(screen.queryByRole('dialog')).not.toBeInTheDocument(),
    );
    expect(actions.calls).toHaveLength(0);

    // Roll back
    await confirmRollback(section, 2);

    expect(await screen.findByRole('status')).toHaveTextContent(
      'Rollback to history 2 requested: Argo CD reports Running (revision 9f8e7d6).',
    );
    expect(actions.calls).toEqual([
      {
        action: 'rollback',
        entity: ENTITY,
        request: { app: 'fraud-detector', instance: 'demo', id: 2 },
      },
    ]);
  });

  it('says the person is not allowed when the backend answers 403 to Rollback', async () => {
    const { section } = await showAllowed({
      rollback: await responseError(
        403,
        'NotAllowedError',
        'mlops.argocd.sync denied for user:default/guest',
      ),
    });
    await confirmRollback(section, 1);

    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Not allowed: you may not roll fraud-detector back to history 1 (mlops.argocd.sync denied for user:default/guest).',
    );
  });

  it('disables Sync and Rollback, with the reason, while an operation runs', async () => {
    const actions = new FakeActionsApi();
    await renderSyncCard(fakeHealthApi(runningOperation()), {
      actions,
      permission: 'ALLOW',
    });

    const section = await appSection();
    expect(
      within(section)
        .getByText(
          'Running: waiting for healthy state of apps/Deployment/fraud-detector',
        )
        .closest('div'),
    ).toHaveTextContent('Status: Warning');
    const sync = within(section).getByRole('button', { name: 'Sync' });
    expect(sync).toBeDisabled();
    expect(sync).toHaveAccessibleDescription(
      'Argo CD is already running an operation on this application.',
    );
    expect(
      within(section).getByRole('button', { name: 'Rollback to history 2' }),
    ).toBeDisabled();
    expect(actions.calls).toHaveLength(0);
  });
});

import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  brokenDelivery,
  degradedDelivery,
  healthyDelivery,
  unknownDelivery,
} from './__fixtures__/delivery';
import {
  bareEntity,
  baseHealth,
  entityWith,
  fakeHealthApi,
  responseError,
} from '../../__fixtures__/health';
import { renderCard } from '../../__testUtils__/renderCard';
import { DeliveryCard } from './DeliveryCard';

function stepRows() {
  return within(
    screen.getByRole('list', { name: 'Delivery steps' }),
  ).getAllByRole('listitem');
}

function verdictLine(text: string): HTMLElement {
  return screen.getByText(text).closest('div')!;
}

describe('DeliveryCard', () => {
  it('shows every step of a healthy chain in order, with its status spelled out, age and link', async () => {
    const health = fakeHealthApi(healthyDelivery());
    await renderCard(<DeliveryCard />, { health });

    expect(await screen.findByText('Delivery')).toBeInTheDocument();
    const verdict = verdictLine(
      'Delivers end to end: 3/3 pods ready on :a1b2c3d',
    );
    expect(within(verdict).getByText(/Status: OK/)).toBeInTheDocument();
    expect(health.calls).toEqual([
      { kind: 'Component', namespace: 'default', name: 'fraud-detector' },
    ]);

    const rows = stepRows();
    expect(rows.map(r => r.getAttribute('aria-label'))).toEqual([
      'Commit',
      'Build',
      'Image',
      'Desired in GitOps',
      'Synced',
      'Running',
      'Serving',
    ]);
    for (const row of rows) {
      expect(within(row).getByText(/Status: OK/)).toBeInTheDocument();
    }

    const build = rows[1];
    expect(
      within(build).getByText('build 42 succeeded (a1b2c3d)'),
    ).toBeInTheDocument();
    expect(within(build).getByText('2 hours ago')).toBeInTheDocument();
    expect(
      within(build).getByRole('link', { name: /^Build 42 in Jenkins ci/ }),
    ).toHaveAttribute(
      'href',
      'http://127.0.0.1:8081/job/ml/job/fraud-detector/42/',
    );
    expect(within(rows[4]).getByText('20 minutes ago')).toBeInTheDocument();
    // a step without a time or link shows neither
    expect(within(rows[5]).queryByRole('link')).not.toBeInTheDocument();

    expect(screen.queryByText(/Broken at/)).not.toBeInTheDocument();
    expect(screen.getByText('Checked 5 minutes ago')).toBeInTheDocument();
  });

  it('says where the chain waits when a step is only a warning', async () => {
    await renderCard(<DeliveryCard />, {
      health: fakeHealthApi(degradedDelivery()),
    });

    const callout = await screen.findByRole('region', {
      name: 'Where the chain waits',
    });
    expect(within(callout).getByText('Held up at: Build')).toBeInTheDocument();
    expect(
      within(callout).getByText('build 43 is running (e4f5a6b)'),
    ).toBeInTheDocument();

    const verdict = verdictLine('Build: build 43 is running (e4f5a6b)');
    expect(within(verdict).getByText(/Status: Warning/)).toBeInTheDocument();
    expect(within(verdict).queryByTestId('status-ok')).not.toBeInTheDocument();

    const build = screen.getByRole('listitem', { name: 'Build' });
    expect(within(build).getByText(/Status: Warning/)).toBeInTheDocument();
    expect(within(build).getByText('3 minutes ago')).toBeInTheDocument();
  });

  it('calls out the first broken step and shows unknown steps as unknown, not OK', async () => {
    await renderCard(<DeliveryCard />, {
      health: fakeHealthApi(brokenDelivery()),
    });

    const callout = await screen.findByRole('region', {
      name: 'Where the chain breaks',
    });
    expect(within(callout).getByText('Broken at: Synced')).toBeInTheDocument();
    expect(
      within(callout).getByText(
        'the Argo CD app is OutOfSync and auto-sync is off',
      ),
    ).toBeInTheDocument();

    const verdict = verdictLine(
      'Synced: the Argo CD app is OutOfSync and auto-sync is off',
    );
    expect(within(verdict).getByText(/Status: Error/)).toBeInTheDocument();

    const synced = screen.getByRole('listitem', { name: 'Synced' });
    expect(within(synced).getByText(/Status: Error/)).toBeInTheDocument();
    expect(
      within(synced).getByRole('link', {
        name: /^fraud-detector in Argo CD demo/,
      }),
    ).toHaveAttribute(
      'href',
      'http://127.0.0.1:8082/applications/argocd/fraud-detector',
    );

    const running = screen.getByRole('listitem', { name: 'Running' });
    expect(
      within(running).getByText(
        'GitOps asks for :a1b2c3d but the cluster still runs :9f8e7d6',
      ),
    ).toBeInTheDocument();

    const serving = screen.getByRole('listitem', { name: 'Serving' });
    expect(within(serving).getByText(/Status: Unknown/)).toBeInTheDocument();
    expect(within(serving).queryByTestId('status-ok')).not.toBeInTheDocument();
    expect(
      within(serving).getByText(
        'The inference endpoint is not configured for this service',
      ),
    ).toBeInTheDocument();
  });

  it('does not show the chain as OK while some steps cannot be judged', async () => {
    await renderCard(<DeliveryCard />, {
      health: fakeHealthApi(unknownDelivery()),
    });

    const verdict = verdictLine(
      'No broken step found, but these steps cannot be judged: running, serving',
    );
    expect(within(verdict).getByText(/Status: Unknown/)).toBeInTheDocument();
    expect(within(verdict).queryByTestId('status-ok')).not.toBeInTheDocument();
    const running = screen.getByRole('listitem', { name: 'Running' });
    expect(within(running).getByText(/Status: Unknown/)).toBeInTheDocument();
  });

  it('says so, as unknown, when the backend sent no delivery chain', async () => {
    await renderCard(<DeliveryCard />, {
      health: fakeHealthApi(baseHealth()),
    });

    expect(
      await screen.findByText(
        'The backend did not report the delivery chain of this service.',
      ),
    ).toBeInTheDocument();
    expect(screen.getByText(/Status: Unknown/)).toBeInTheDocument();
    expect(screen.queryByTestId('status-ok')).not.toBeInTheDocument();
  });

  it('lists the annotations and does not call the backend when the entity names no upstream', async () => {
    const health = fakeHealthApi(healthyDelivery());
    await renderCard(<DeliveryCard />, { health, entity: bareEntity });

    expect(
      await screen.findByText(/annotations .* are missing/),
    ).toBeInTheDocument();
    for (const annotation of [
      'jenkins.io/job-full-name',
      'mlops.io/image-repository',
      'argocd/app-name',
      'backstage.io/kubernetes-id',
    ]) {
      expect(
        screen.getByText(annotation, { selector: 'code' }),
      ).toBeInTheDocument();
    }
    expect(health.calls).toHaveLength(0);
  });

  it('shows the request error and reads again on Retry', async () => {
    const health = fakeHealthApi(
      await responseError(
        503,
        'ServiceUnavailableError',
        'mlops backend is starting',
      ),
      healthyDelivery(),
    );
    await renderCard(<DeliveryCard />, {
      health,
      entity: entityWith({ 'argocd/app-name': 'fraud-detector' }),
    });

    expect(
      await screen.findByText(/Request failed with 503 Service Unavailable/),
    ).toBeInTheDocument();
    expect(screen.queryByRole('list')).not.toBeInTheDocument();

    await userEvent.click(screen.getByRole('button', { name: 'Retry' }));

    expect(
      await screen.findByText(
        'Delivers end to end: 3/3 pods ready on :a1b2c3d',
      ),
    ).toBeInTheDocument();
    expect(screen.queryByText(/Request failed/)).not.toBeInTheDocument();
    expect(health.calls).toHaveLength(2);
  });

  it('reads again on its own while on screen, so a delivery can be watched moving', async () => {
    const health = fakeHealthApi(brokenDelivery(), healthyDelivery());
    await renderCard(<DeliveryCard refreshMs={300} />, { health });

    expect(await screen.findByText('Broken at: Synced')).toBeInTheDocument();
    // No click: the next answer replaces the first one.
    expect(
      await screen.findByText(
        'Delivers end to end: 3/3 pods ready on :a1b2c3d',
      ),
    ).toBeInTheDocument();
    expect(screen.queryByText('Broken at: Synced')).not.toBeInTheDocument();
    expect(health.calls.length).toBeGreaterThanOrEqual(2);
  });

  it('does not read again with refreshMs 0', async () => {
    const health = fakeHealthApi(brokenDelivery(), healthyDelivery());
    await renderCard(<DeliveryCard refreshMs={0} />, { health });

    expect(await screen.findByText('Broken at: Synced')).toBeInTheDocument();
    await new Promise(r => setTimeout(r, 700));
    expect(screen.getByText('Broken at: Synced')).toBeInTheDocument();
    expect(health.calls).toHaveLength(1);
  });
});

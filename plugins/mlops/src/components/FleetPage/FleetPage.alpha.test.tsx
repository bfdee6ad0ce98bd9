import { renderTestApp } from '@backstage/frontend-test-utils';
import { catalogApiRef, entityRouteRef } from '@backstage/plugin-catalog-react';
import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import { screen, within } from '@testing-library/react';
import mlopsPlugin from '../../alpha';
import { mlopsHealthApiRef } from '../../api';
import { fakeHealthApi, smallFleet } from './__fixtures__/fleet';

describe('Model services page (new frontend system)', () => {
  it('is a page of the mlops plugin', () => {
    expect(mlopsPlugin.getExtension('page:mlops/model-services')).toBeDefined();
  });

  it('renders the fleet at /model-services and is in the nav', async () => {
    renderTestApp({
      features: [mlopsPlugin],
      apis: [
        [mlopsHealthApiRef, fakeHealthApi({ items: smallFleet().items })],
        [catalogApiRef, catalogApiMock({ entities: smallFleet().entities })],
      ],
      initialRouteEntries: ['/model-services'],
      mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef },
    });

    const table = await screen.findByRole('table', { name: 'Model services' });
    expect(
      within(table).getByRole('link', { name: 'Fraud detector' }),
    ).toHaveAttribute('href', '/catalog/default/component/fraud-detector');
    expect(
      screen.getByText(
        '4 model services: 1 broken · 1 degraded · 1 healthy · 1 unknown',
      ),
    ).toBeInTheDocument();
    const navLinks = screen.getAllByRole('link', { name: /Model services/ });
    expect(
      navLinks.some(link => link.getAttribute('href') === '/model-services'),
    ).toBe(true);
  });
});

import { renderTestApp } from '@backstage/frontend-test-utils';
import { entityRouteRef } from '@backstage/plugin-catalog-react';
import { screen } from '@testing-library/react';
import mlopsPlugin from '../../alpha';
import { mlopsApiRef } from '../../api';
import {
  fakeGoldenPathsApi,
  goldenPathsReport,
} from './__fixtures__/goldenPaths';

describe('Golden paths page (new frontend system)', () => {
  it('is a page of the mlops plugin at /golden-paths', () => {
    const page = mlopsPlugin.getExtension('page:mlops/golden-paths');
    expect(page).toBeDefined();
  });

  it('renders the templates at /golden-paths and is in the nav', async () => {
    renderTestApp({
      features: [mlopsPlugin],
      apis: [[mlopsApiRef, fakeGoldenPathsApi(goldenPathsReport())]],
      initialRouteEntries: ['/golden-paths'],
      mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef },
    });

    expect(
      await screen.findByRole('link', { name: 'New model service' }),
    ).toHaveAttribute('href', '/catalog/default/template/model-service');
    expect(
      screen.getByRole('table', { name: 'Software templates' }),
    ).toBeInTheDocument();
    const navLinks = screen.getAllByRole('link', { name: /Golden paths/ });
    expect(
      navLinks.some(link => link.getAttribute('href') === '/golden-paths'),
    ).toBe(true);
  });
});

import { renderTestApp } from '@backstage/frontend-test-utils';
import { screen } from '@testing-library/react';
import mlopsPlugin from '../../alpha';
import { mlopsHealthApiRef } from '../../api';
import { fakeGpuApi, gpuReport } from './__fixtures__/gpuNodes';

describe('GPU fleet page (new frontend system)', () => {
  it('is a page of the mlops plugin', () => {
    expect(mlopsPlugin.getExtension('page:mlops/gpu-fleet')).toBeDefined();
  });

  it('renders the GPU nodes at /gpu-fleet and is in the nav', async () => {
    renderTestApp({
      features: [mlopsPlugin],
      apis: [[mlopsHealthApiRef, fakeGpuApi(gpuReport())]],
      initialRouteEntries: ['/gpu-fleet'],
    });

    expect(
      await screen.findByRole('table', { name: 'GPU nodes of prod-eu' }),
    ).toBeInTheDocument();
    expect(screen.getByRole('region', { name: 'gpu-us' })).toHaveTextContent(
      'Kubernetes gpu-us (127.0.0.1:6443): unauthorized (401)',
    );
    const navLinks = screen.getAllByRole('link', { name: /GPU fleet/ });
    expect(
      navLinks.some(link => link.getAttribute('href') === '/gpu-fleet'),
    ).toBe(true);
  });
});

import { EntityProvider } from '@backstage/plugin-catalog-react';
import {
  createExtensionTester,
  renderInTestApp,
  TestApiProvider,
} from '@backstage/frontend-test-utils';
import { screen } from '@testing-library/react';
import {
  entityWithImage,
  fakeMlopsApi,
  okReport,
} from './__fixtures__/reports';
import { mlopsApiRef } from './api';
import mlopsPlugin, { entityImageCard } from './alpha';

describe('mlops plugin (new frontend system)', () => {
  it('renders the image card extension for an entity', async () => {
    const api = fakeMlopsApi(okReport());
    renderInTestApp(
      <TestApiProvider apis={[[mlopsApiRef, api]]}>
        <EntityProvider entity={entityWithImage}>
          {createExtensionTester(entityImageCard).reactElement()}
        </EntityProvider>
      </TestApiProvider>,
    );

    expect(await screen.findByText('Showing 2 of 5 tags')).toBeInTheDocument();
    expect(screen.getByText('1.4.2')).toBeInTheDocument();
  });

  it('installs the API and the entity card under the mlops plugin id', () => {
    expect(mlopsPlugin.pluginId).toBe('mlops');
    expect(mlopsPlugin.getExtension('api:mlops')).toBeDefined();
    expect(mlopsPlugin.getExtension('entity-card:mlops/image')).toBeDefined();
  });
});

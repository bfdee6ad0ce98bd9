import { ReactElement } from 'react';
import { Entity } from '@backstage/catalog-model';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  TestApiProvider,
  mockApis,
  renderInTestApp,
} from '@backstage/test-utils';
import { SWRConfig } from 'swr';
import { MlopsActionsApi, MlopsHealthApi } from '@internal/plugin-mlops-common';
import { mlopsActionsApiRef, mlopsHealthApiRef } from '../../../api';
import { FakeActionsApi, fullEntity } from '../__fixtures__/health';

/** Renders a card for `entity` in a test app with the given APIs. */
export function renderCard(
  card: ReactElement,
  options: {
    health: MlopsHealthApi;
    actions?: MlopsActionsApi;
    /** What the permission framework answers (default: DENY). */
    permission?: 'ALLOW' | 'DENY';
    entity?: Entity;
  },
) {
  const authorize =
    options.permission === 'ALLOW'
      ? AuthorizeResult.ALLOW
      : AuthorizeResult.DENY;
  // usePermission caches answers in SWR's global cache: give each render its
  // own, or one test's DENY would answer the next test's question
  return renderInTestApp(
    <SWRConfig value={{ provider: () => new Map(), dedupingInterval: 0 }}>
      <TestApiProvider
        apis={[
          [mlopsHealthApiRef, options.health],
          [mlopsActionsApiRef, options.actions ?? new FakeActionsApi()],
          [permissionApiRef, mockApis.permission({ authorize })],
        ]}
      >
        <EntityProvider entity={options.entity ?? fullEntity}>
          {card}
        </EntityProvider>
      </TestApiProvider>
    </SWRConfig>,
  );
}

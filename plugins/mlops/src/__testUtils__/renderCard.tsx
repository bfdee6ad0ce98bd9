import { ReactElement } from 'react';
import { Entity } from '@backstage/catalog-model';
import { ApiRef } from '@backstage/core-plugin-api';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  TestApiProvider,
  mockApis,
  renderInTestApp,
} from '@backstage/test-utils';
import { SWRConfig } from 'swr';
import {
  MlopsActionsApi,
  MlopsApi,
  MlopsHealthApi,
} from '@internal/plugin-mlops-common';
import { mlopsActionsApiRef, mlopsApiRef, mlopsHealthApiRef } from '../api';
import { FakeActionsApi, fullEntity } from '../__fixtures__/health';

/**
 * Renders a card for `entity` (default: one that names every upstream) in a
 * test app with the given APIs; an API not given is not there at all, except
 * actions (a FakeActionsApi with no answers) and permissions.
 */
export function renderCard(
  card: ReactElement,
  options: {
    health?: MlopsHealthApi;
    /** The image report and golden paths client. */
    mlops?: MlopsApi;
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
  const apis: Array<readonly [ApiRef<object>, object]> = [
    [mlopsActionsApiRef, options.actions ?? new FakeActionsApi()],
    [permissionApiRef, mockApis.permission({ authorize })],
  ];
  if (options.health) apis.push([mlopsHealthApiRef, options.health]);
  if (options.mlops) apis.push([mlopsApiRef, options.mlops]);
  // usePermission caches answers in SWR's global cache: give each render its
  // own, or one test's DENY would answer the next test's question
  return renderInTestApp(
    <SWRConfig value={{ provider: () => new Map(), dedupingInterval: 0 }}>
      <TestApiProvider apis={apis}>
        <EntityProvider entity={options.entity ?? fullEntity}>
          {card}
        </EntityProvider>
      </TestApiProvider>
    </SWRConfig>,
  );
}

import { createApp } from '@backstage/frontend-defaults';
import catalogPlugin from '@backstage/plugin-catalog/alpha';
import mlopsPlugin from '@internal/plugin-mlops/alpha';
import argocdPlugin from '@roadiehq/backstage-plugin-argo-cd/alpha';
import { navModule } from './modules/nav';

export default createApp({
  features: [
    catalogPlugin,
    mlopsPlugin,
    // Roadie's Argo CD cards, next to ours; served by Roadie's backend plugin
    // (read-only here: packages/backend/src/argocdReadOnly.ts).
    argocdPlugin,
    navModule,
  ],
});

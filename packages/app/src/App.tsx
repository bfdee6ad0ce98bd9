import { createApp } from '@backstage/frontend-defaults';
import catalogPlugin from '@backstage/plugin-catalog/alpha';
import mlopsPlugin from '@internal/plugin-mlops/alpha';
import argocdPlugin from '@roadiehq/backstage-plugin-argo-cd/alpha';
import { argocdProxyModule } from './modules/argocd';
import { navModule } from './modules/nav';

export default createApp({
  features: [
    catalogPlugin,
    mlopsPlugin,
    argocdPlugin,
    argocdProxyModule,
    navModule,
  ],
});

import { createApp } from '@backstage/frontend-defaults';
import catalogPlugin from '@backstage/plugin-catalog/alpha';
import mlopsPlugin from '@internal/plugin-mlops/alpha';
import { navModule } from './modules/nav';

export default createApp({
  features: [catalogPlugin, mlopsPlugin, navModule],
});

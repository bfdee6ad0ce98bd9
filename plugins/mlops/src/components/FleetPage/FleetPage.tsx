import { Content, Header, Page } from '@backstage/core-components';
import { FleetContent } from './FleetContent';

/**
 * The platform owners' "Model services" page for apps on the legacy frontend
 * system (with its own header). The new frontend system renders
 * {@link FleetContent} inside its page layout instead.
 *
 * @public
 */
export function FleetPage() {
  return (
    <Page themeId="tool">
      <Header
        title="Model services"
        subtitle="Every model service with its build, image, sync, workload, inference and GPU signals"
      />
      <Content>
        <FleetContent />
      </Content>
    </Page>
  );
}

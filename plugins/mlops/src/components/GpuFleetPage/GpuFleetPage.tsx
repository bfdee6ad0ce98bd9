import { Content, Header, Page } from '@backstage/core-components';
import { GpuFleetContent } from './GpuFleetContent';

/**
 * The platform owners' "GPU fleet" page for apps on the legacy frontend
 * system (with its own header). The new frontend system renders
 * {@link GpuFleetContent} inside its page layout instead.
 *
 * @public
 */
export function GpuFleetPage() {
  return (
    <Page themeId="tool">
      <Header
        title="GPU fleet"
        subtitle="GPU nodes across clusters: what they have, what is requested, and which pods hold it"
      />
      <Content>
        <GpuFleetContent />
      </Content>
    </Page>
  );
}

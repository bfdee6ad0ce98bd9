import { Content, Header, Page } from '@backstage/core-components';
import { GoldenPathsContent } from './GoldenPathsContent';

/**
 * The platform owners' "Golden paths" page for apps on the legacy frontend
 * system (with its own header). The new frontend system renders
 * {@link GoldenPathsContent} inside its page layout instead.
 *
 * @public
 */
export function GoldenPathsPage() {
  return (
    <Page themeId="tool">
      <Header
        title="Golden paths"
        subtitle="Software templates, the entities created from them, and how far behind those are"
      />
      <Content>
        <GoldenPathsContent />
      </Content>
    </Page>
  );
}

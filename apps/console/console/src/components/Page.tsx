// A page of the console: its h1 heading (what the page is for under it) and its sections one under
// another, spaced alike on every page.
import ContentLayout from '@cloudscape-design/components/content-layout';
import Header from '@cloudscape-design/components/header';
import SpaceBetween from '@cloudscape-design/components/space-between';
import type { ReactNode } from 'react';

export function Page(props: { title: string; description: string; children: ReactNode }) {
  return (
    <ContentLayout header={<Header variant="h1" description={props.description}>{props.title}</Header>}>
      <SpaceBetween size="l">{props.children}</SpaceBetween>
    </ContentLayout>
  );
}

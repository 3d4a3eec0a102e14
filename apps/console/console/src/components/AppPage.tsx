// The frame of a per-application page (Endpoints, Segments, Imports, Exports): its title and
// breadcrumbs under the application, the application picker at the top, and the page's own content
// only once an application is chosen (every request of these pages names one).
import Container from '@cloudscape-design/components/container';
import type { ReactNode } from 'react';
import { AppPicker, useSelectedApp, type SelectedApp } from './AppPicker';
import { Page } from './Page';
import { usePage } from './Shell';

/** The route's application for the page `title` at `#/<section>/<appId>`, and the page's title
 * ("<title> of <application>") and breadcrumbs. */
export function useAppPage(section: string, title: string): SelectedApp {
  const selected = useSelectedApp(section);
  const { appId } = selected;
  const appLabel = selected.appName ?? appId;
  usePage(appLabel ? `${title} of ${appLabel}` : title, [
    { text: 'Applications', href: '#/apps' },
    ...(appId ? [{ text: appLabel ?? appId, href: `#/apps/${encodeURIComponent(appId)}` }] : []),
    { text: title, href: `#/${section}${appId ? `/${encodeURIComponent(appId)}` : ''}` },
  ]);
  return selected;
}

export function AppPage(props: {
  title: string;
  description: string;
  selected: SelectedApp;
  /** Shown under the picker whether or not an application is chosen. */
  notice?: ReactNode;
  children: ReactNode;
}) {
  return (
    <Page title={props.title} description={props.description}>
      <Container>
        <AppPicker selected={props.selected} />
      </Container>
      {props.notice}
      {props.selected.appId && props.children}
    </Page>
  );
}

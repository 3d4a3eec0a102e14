// The signed-in frame of every page: TopNavigation (who is signed in, their access, Sign out),
// and AppLayout with SideNavigation and BreadcrumbGroup. A page states its title and breadcrumbs
// with usePage(), which also sets document.title. Links are hash routes ("#/apps"), followed
// through react-router so the page does not reload.
import AppLayout from '@cloudscape-design/components/app-layout';
import Flashbar from '@cloudscape-design/components/flashbar';
import BreadcrumbGroup, { type BreadcrumbGroupProps } from '@cloudscape-design/components/breadcrumb-group';
import SideNavigation, { type SideNavigationProps } from '@cloudscape-design/components/side-navigation';
import Spinner from '@cloudscape-design/components/spinner';
import TopNavigation from '@cloudscape-design/components/top-navigation';
import { createContext, Suspense, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { Outlet, useLocation, useNavigate } from 'react-router-dom';
import { PRODUCT } from '../config';
import { useConsole } from '../context';
import { NoticeContext, type Notice } from './notifications';

type Crumbs = BreadcrumbGroupProps.Item[];
const PageContext = createContext<(crumbs: Crumbs) => void>(() => undefined);

/** Sets the page's document.title and its breadcrumbs (the last one is the current page). */
export function usePage(title: string, crumbs: Crumbs): void {
  const setCrumbs = useContext(PageContext);
  const key = JSON.stringify(crumbs);
  useEffect(() => {
    document.title = `${title} · ${PRODUCT}`;
  }, [title]);
  useEffect(() => {
    setCrumbs(JSON.parse(key) as Crumbs);
  }, [key, setCrumbs]);
}

/** An onFollow handler that routes internal hash links through react-router. */
export function useFollow() {
  const navigate = useNavigate();
  return useCallback(
    (event: CustomEvent<{ href?: string; external?: boolean }>) => {
      const href = event.detail.href;
      if (!event.detail.external && href?.startsWith('#/')) {
        event.preventDefault();
        navigate(href.slice(1));
      }
    },
    [navigate],
  );
}

export function Shell() {
  const { session, signOut, lastAppId } = useConsole();
  const [crumbs, setCrumbs] = useState<Crumbs>([]);
  const [notice, setNotice] = useState<Notice | null>(null);
  const location = useLocation();
  const follow = useFollow();
  const app = lastAppId ? `/${encodeURIComponent(lastAppId)}` : '';
  const section = '/' + (location.pathname.split('/')[1] ?? '');
  // Leaving a page drops its message (one raised for the page being entered is kept).
  useEffect(() => {
    setNotice((current) => (current && current.path === location.pathname ? current : null));
  }, [location.pathname]);

  const items = useMemo<SideNavigationProps.Item[]>(
    () => [
      { type: 'link', text: 'Applications', href: '#/apps' },
      {
        type: 'section',
        text: 'Per application',
        items: [
          { type: 'link', text: 'Endpoints', href: `#/endpoints${app}` },
          { type: 'link', text: 'Segments', href: `#/segments${app}` },
          { type: 'link', text: 'Campaigns', href: `#/campaigns${app}` },
          { type: 'link', text: 'Journeys', href: `#/journeys${app}` },
          { type: 'link', text: 'Dashboards', href: `#/dashboards${app}` },
          { type: 'link', text: 'Imports', href: `#/imports${app}` },
          { type: 'link', text: 'Exports', href: `#/exports${app}` },
        ],
      },
      { type: 'link', text: 'Templates', href: '#/templates' },
    ],
    [app],
  );
  const activeHref = items
    .flatMap((item) => (item.type === 'section' ? item.items : [item]))
    .map((item) => (item as SideNavigationProps.Link).href)
    .find((href) => href === `#${section}` || href.startsWith(`#${section}/`));

  const accessText = session.access === 'None' ? 'No console group' : `Access: ${session.access}`;

  return (
    <>
      <div id="top-nav" style={{ position: 'sticky', top: 0, zIndex: 1002 }}>
        <TopNavigation
          identity={{ href: '#/apps', title: PRODUCT, onFollow: follow }}
          utilities={[
            {
              // What the person's group lets them do, for display: IAM enforces it on every call.
              type: 'menu-dropdown',
              text: `${session.email} · ${accessText}`,
              description: session.groups.length ? `Groups: ${session.groups.join(', ')}` : 'In no group',
              iconName: 'user-profile',
              items: [
                {
                  id: 'access',
                  text: accessText,
                  disabled: true,
                  disabledReason: 'Set by your Cognito group; IAM enforces it on every request.',
                },
              ],
            },
            { type: 'button', text: 'Sign out', onClick: signOut, disableTextCollapse: true },
          ]}
          i18nStrings={{ overflowMenuTriggerText: 'More', overflowMenuTitleText: 'All' }}
        />
      </div>
      <PageContext.Provider value={setCrumbs}>
        <NoticeContext.Provider value={setNotice}>
          <AppLayout
            headerSelector="#top-nav"
            toolsHide
            ariaLabels={{ navigation: 'Side navigation', navigationClose: 'Close navigation', navigationToggle: 'Open navigation' }}
            navigation={
              <SideNavigation
                header={{ text: 'Engage', href: '#/apps' }}
                activeHref={activeHref}
                items={items}
                onFollow={follow}
              />
            }
            notifications={<Flashbar items={notice?.path === location.pathname ? [notice.message] : []} />}
            stickyNotifications
            breadcrumbs={<BreadcrumbGroup items={crumbs} ariaLabel="Breadcrumbs" onFollow={follow} />}
            content={
              <Suspense fallback={<Spinner size="large" />}>
                <Outlet />
              </Suspense>
            }
          />
        </NoticeContext.Provider>
      </PageContext.Provider>
    </>
  );
}

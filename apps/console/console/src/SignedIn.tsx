// The signed-in console: the shared context, the hash routes and the frame (Shell). Loaded only
// after sign-in, so the sign-in page does not wait for the frame and the pages (each loaded on
// demand too).
import { Fragment, lazy, type ReactNode } from 'react';
import { HashRouter, Navigate, Route, Routes, useParams } from 'react-router-dom';
import type { Session } from './auth';
import { Shell } from './components/Shell';
import type { ConsoleConfig } from './config';
import { ConsoleProvider } from './context';

const ApplicationsPage = lazy(() => import('./pages/Applications'));
const ApplicationDetailPage = lazy(() => import('./pages/ApplicationDetail'));
const EndpointsPage = lazy(() => import('./pages/Endpoints'));
const SegmentsPage = lazy(() => import('./pages/Segments'));
const CampaignsPage = lazy(() => import('./pages/Campaigns'));
const JourneysPage = lazy(() => import('./pages/Journeys'));
const ImportsPage = lazy(() => import('./pages/Imports'));
const ExportsPage = lazy(() => import('./pages/Exports'));
const TemplatesPage = lazy(() => import('./pages/Templates'));
const DashboardsPage = lazy(() => import('./pages/Dashboards'));
const NotFoundPage = lazy(() => import('./pages/NotFound'));

/** A fresh page for each application: its forms, results and messages do not carry over to the
 * next application chosen. */
function PerApp({ children }: { children: ReactNode }) {
  const { appId = '' } = useParams();
  return <Fragment key={appId}>{children}</Fragment>;
}

export default function SignedIn(props: { config: ConsoleConfig; session: Session; signOut: () => void }) {
  return (
    <ConsoleProvider config={props.config} session={props.session} signOut={props.signOut}>
      <HashRouter>
        <Routes>
          <Route element={<Shell />}>
            <Route index element={<Navigate to="/apps" replace />} />
            <Route path="apps" element={<ApplicationsPage />} />
            <Route path="apps/:appId" element={<PerApp><ApplicationDetailPage /></PerApp>} />
            <Route path="endpoints/:appId?" element={<PerApp><EndpointsPage /></PerApp>} />
            <Route path="segments/:appId?" element={<PerApp><SegmentsPage /></PerApp>} />
            <Route path="campaigns/:appId?" element={<PerApp><CampaignsPage /></PerApp>} />
            <Route path="journeys/:appId?" element={<PerApp><JourneysPage /></PerApp>} />
            <Route path="dashboards/:appId?" element={<PerApp><DashboardsPage /></PerApp>} />
            <Route path="imports/:appId?" element={<PerApp><ImportsPage /></PerApp>} />
            <Route path="exports/:appId?" element={<PerApp><ExportsPage /></PerApp>} />
            <Route path="templates" element={<TemplatesPage />} />
            <Route path="*" element={<NotFoundPage />} />
          </Route>
        </Routes>
      </HashRouter>
    </ConsoleProvider>
  );
}

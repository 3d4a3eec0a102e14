// The console's root: load ./config.json, restore this tab's session (or show sign-in), then the
// signed-in console (SignedIn.tsx, loaded on demand). Routing is by hash (#/apps/...), so deep
// links work from S3/CloudFront and under any path prefix without server rewrites; the hash
// survives sign-in, so a deep link opens its page once the person has signed in.
import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Header from '@cloudscape-design/components/header';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Spinner from '@cloudscape-design/components/spinner';
import { lazy, Suspense, useCallback, useEffect, useState } from 'react';
import { restoreSession, signOut, type Session } from './auth';
import { loadConfig, PRODUCT, type ConsoleConfig } from './config';
import SignInPage from './pages/SignIn';

const SignedIn = lazy(() => import('./SignedIn'));

type Start = { state: 'loading' } | { state: 'failed'; error: string } | { state: 'ready'; config: ConsoleConfig };

function Loading() {
  return (
    <Box padding="xxxl" textAlign="center">
      <Spinner size="large" /> <Box variant="span">Loading the console…</Box>
    </Box>
  );
}

export default function App() {
  const [start, setStart] = useState<Start>({ state: 'loading' });
  const [session, setSession] = useState<Session | null>(null);

  useEffect(() => {
    document.title = PRODUCT;
    loadConfig()
      .then(async (config) => {
        setSession(await restoreSession(config));
        setStart({ state: 'ready', config });
      })
      .catch((e: Error) => setStart({ state: 'failed', error: e.message }));
  }, []);

  const end = useCallback(() => {
    signOut();
    setSession(null);
  }, []);

  if (start.state === 'loading') return <Loading />;
  if (start.state === 'failed') {
    return (
      <Box padding="xxxl">
        <SpaceBetween size="l">
          <Header variant="h1">{PRODUCT}</Header>
          <Alert type="error" header="The console is not configured">
            {start.error}
          </Alert>
        </SpaceBetween>
      </Box>
    );
  }
  if (!session) return <SignInPage config={start.config} onSignedIn={setSession} />;
  return (
    <Suspense fallback={<Loading />}>
      <SignedIn config={start.config} session={session} signOut={end} />
    </Suspense>
  );
}

// The sign-in page: email and password, then — for a user an administrator created — a new
// password (Cognito's NEW_PASSWORD_REQUIRED challenge). Errors are shown in an Alert.
import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Container from '@cloudscape-design/components/container';
import Form from '@cloudscape-design/components/form';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import LiveRegion from '@cloudscape-design/components/live-region';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { useEffect, useState, type FormEvent } from 'react';
import { completeNewPassword, signIn, signInErrorMessage, type Session } from '../auth';
import { PRODUCT, type ConsoleConfig } from '../config';

interface Challenge {
  username: string;
  challengeSession: string;
}

export default function SignInPage({ config, onSignedIn }: { config: ConsoleConfig; onSignedIn: (s: Session) => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const [repeated, setRepeated] = useState('');
  const [challenge, setChallenge] = useState<Challenge | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    document.title = `${challenge ? 'Choose a new password' : 'Sign in'} · ${PRODUCT}`;
  }, [challenge]);

  async function run(step: () => Promise<void>) {
    setBusy(true);
    setError(null);
    try {
      await step();
    } catch (e) {
      setError(signInErrorMessage(e));
    } finally {
      setBusy(false);
    }
  }

  function submitPassword(event: FormEvent) {
    event.preventDefault();
    if (!email || !password) return setError('Enter your email and password.');
    void run(async () => {
      const result = await signIn(config, email.trim(), password);
      if (result.kind === 'signedIn') onSignedIn(result.session);
      else {
        setChallenge({ username: result.username, challengeSession: result.challengeSession });
        setPassword('');
      }
    });
  }

  function submitNewPassword(event: FormEvent) {
    event.preventDefault();
    if (!challenge) return;
    if (!newPassword) return setError('Enter a new password.');
    if (newPassword !== repeated) return setError('The two passwords differ.');
    void run(async () => onSignedIn(await completeNewPassword(config, challenge.username, challenge.challengeSession, newPassword)));
  }

  // A live region, so a screen reader announces the error as it appears.
  const errorAlert = error && (
    <LiveRegion>
      <Alert type="error" header="Could not sign in">
        {error}
      </Alert>
    </LiveRegion>
  );

  return (
    // The page's one main landmark (the signed-in pages have AppLayout's).
    <main>
    <Box padding={{ vertical: 'xxxl', horizontal: 'l' }}>
      <div style={{ maxWidth: 440, margin: '0 auto' }}>
        <SpaceBetween size="l">
          <Header variant="h1" description="Amazon Pinpoint-compatible engagement service">
            {PRODUCT}
          </Header>
          {challenge ? (
            <form onSubmit={submitNewPassword} noValidate>
              <Form
                actions={
                  <SpaceBetween direction="horizontal" size="xs">
                    <Button formAction="none" variant="link" onClick={() => setChallenge(null)} disabled={busy}>
                      Back
                    </Button>
                    <Button variant="primary" loading={busy}>
                      Set password and sign in
                    </Button>
                  </SpaceBetween>
                }
              >
                <Container header={<Header variant="h2">Choose a new password</Header>}>
                  <SpaceBetween size="m">
                    <Box>Your password was set by an administrator. Choose your own to continue.</Box>
                    <FormField label="New password" constraintText="As your user pool's password policy requires.">
                      <Input type="password" value={newPassword} onChange={(e) => setNewPassword(e.detail.value)} autoComplete="new-password" />
                    </FormField>
                    <FormField label="Confirm new password">
                      <Input type="password" value={repeated} onChange={(e) => setRepeated(e.detail.value)} autoComplete="new-password" />
                    </FormField>
                    {errorAlert}
                  </SpaceBetween>
                </Container>
              </Form>
            </form>
          ) : (
            <form onSubmit={submitPassword} noValidate>
              <Form actions={<Button variant="primary" loading={busy}>Sign in</Button>}>
                <Container header={<Header variant="h2">Sign in</Header>}>
                  <SpaceBetween size="m">
                    <FormField label="Email">
                      <Input type="email" value={email} onChange={(e) => setEmail(e.detail.value)} autoComplete="username" autoFocus inputMode="email" />
                    </FormField>
                    <FormField label="Password">
                      <Input type="password" value={password} onChange={(e) => setPassword(e.detail.value)} autoComplete="current-password" />
                    </FormField>
                    {errorAlert}
                  </SpaceBetween>
                </Container>
              </Form>
            </form>
          )}
        </SpaceBetween>
      </div>
    </Box>
    </main>
  );
}

// The sign-in page: email and password, then — for a user an administrator created — a new
// password (Cognito's NEW_PASSWORD_REQUIRED challenge). Errors are shown in an Alert.
import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Container from '@cloudscape-design/components/container';
import Form from '@cloudscape-design/components/form';
import Header from '@cloudscape-design/components/header';
import LiveRegion from '@cloudscape-design/components/live-region';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { PasswordField } from '../components/PasswordField';
import { TextField } from '../components/TextField';
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
            <Step
              key="new-password"
              title="Choose a new password"
              onSubmit={submitNewPassword}
              error={errorAlert}
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
              <Box>Your password was set by an administrator. Choose your own to continue.</Box>
              <PasswordField
                label="New password"
                constraintText="As your user pool's password policy requires."
                value={newPassword}
                onChange={setNewPassword}
                autoComplete="new-password"
              />
              <PasswordField label="Confirm new password" value={repeated} onChange={setRepeated} autoComplete="new-password" />
            </Step>
          ) : (
            <Step key="sign-in" title="Sign in" onSubmit={submitPassword} error={errorAlert} actions={<Button variant="primary" loading={busy}>Sign in</Button>}>
              <TextField label="Email" type="email" value={email} onChange={setEmail} autoComplete="username" autoFocus inputMode="email" />
              <PasswordField label="Password" value={password} onChange={setPassword} autoComplete="current-password" />
            </Step>
          )}
        </SpaceBetween>
      </div>
    </Box>
    </main>
  );
}

/** One step of signing in: its fields and the error under them in a Container, its buttons below. */
function Step(props: { title: string; onSubmit: (event: FormEvent) => void; actions: ReactNode; error: ReactNode; children: ReactNode }) {
  // noValidate: the page checks the fields itself and says what is missing in its own Alert.
  return (
    <form onSubmit={props.onSubmit} noValidate>
      <Form actions={props.actions}>
        <Container header={<Header variant="h2">{props.title}</Header>}>
          <SpaceBetween size="m">
            {props.children}
            {props.error}
          </SpaceBetween>
        </Container>
      </Form>
    </form>
  );
}

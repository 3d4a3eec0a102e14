// Sign-in: a Cognito user pool authenticates the person (USER_PASSWORD_AUTH, with the
// NEW_PASSWORD_REQUIRED challenge an admin-created user meets first), and the identity pool trades
// the pool's id token for temporary AWS credentials of the role the person's group maps to. Every
// API call is then signed with those credentials (api.ts), so IAM — not this app — decides what a
// person may do; the groups read here from the token are for display only.
//
// Storage: the AWS credentials and the access/refresh tokens live in memory only, never in
// web storage, so nothing long-lived is left on disk or readable after the tab closes. The id
// token alone is kept in sessionStorage so that a reload of this tab (or a deep link opened in it)
// does not ask for the password again: it is scoped to the tab, dies with it, expires within the
// hour Cognito gives it, and cannot mint new tokens itself (the refresh token is never stored).
import {
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  type AuthenticationResultType,
} from '@aws-sdk/client-cognito-identity-provider';
import {
  CognitoIdentityClient,
  GetCredentialsForIdentityCommand,
  GetIdCommand,
} from '@aws-sdk/client-cognito-identity';
import type { ConsoleConfig } from './config';

export type Access = 'FullAccess' | 'MaskedAccess' | 'None';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration?: Date;
}

export interface Session {
  /** The signed-in person's email (or user name when the token has no email). */
  email: string;
  groups: string[];
  access: Access;
  idToken: string;
  /** Current temporary credentials, renewed from the id token while it is valid. */
  credentials: () => Promise<AwsCredentials>;
}

export type SignInResult =
  | { kind: 'signedIn'; session: Session }
  | { kind: 'newPasswordRequired'; username: string; challengeSession: string };

const ID_TOKEN_KEY = 'engage-console.idToken';
const RENEW_BEFORE_MS = 5 * 60 * 1000;

export class SessionExpiredError extends Error {
  constructor() {
    super('Your session has expired. Sign in again.');
    this.name = 'SessionExpired';
  }
}

function userPoolClient(config: ConsoleConfig): CognitoIdentityProviderClient {
  return new CognitoIdentityProviderClient({
    region: config.region,
    endpoint: config.cognitoIdpEndpoint || undefined,
    maxAttempts: 2,
  });
}

function identityPoolClient(config: ConsoleConfig): CognitoIdentityClient {
  return new CognitoIdentityClient({
    region: config.region,
    endpoint: config.cognitoIdentityEndpoint || undefined,
    maxAttempts: 2,
  });
}

/** First step: email and password. Either signs in or asks for a new password. */
export async function signIn(config: ConsoleConfig, email: string, password: string): Promise<SignInResult> {
  const answer = await userPoolClient(config).send(
    new InitiateAuthCommand({
      AuthFlow: 'USER_PASSWORD_AUTH',
      ClientId: config.userPoolClientId,
      AuthParameters: { USERNAME: email, PASSWORD: password },
    }),
  );
  if (answer.AuthenticationResult) {
    return { kind: 'signedIn', session: await sessionFrom(config, answer.AuthenticationResult) };
  }
  if (answer.ChallengeName === 'NEW_PASSWORD_REQUIRED' && answer.Session) {
    return {
      kind: 'newPasswordRequired',
      username: answer.ChallengeParameters?.USER_ID_FOR_SRP ?? email,
      challengeSession: answer.Session,
    };
  }
  throw new Error(`Sign-in needs a step this console does not support (${answer.ChallengeName ?? 'no tokens'}).`);
}

/** Second step for a user whose password must be changed at first sign-in. */
export async function completeNewPassword(
  config: ConsoleConfig,
  username: string,
  challengeSession: string,
  newPassword: string,
): Promise<Session> {
  const answer = await userPoolClient(config).send(
    new RespondToAuthChallengeCommand({
      ClientId: config.userPoolClientId,
      ChallengeName: 'NEW_PASSWORD_REQUIRED',
      Session: challengeSession,
      ChallengeResponses: { USERNAME: username, NEW_PASSWORD: newPassword },
    }),
  );
  if (!answer.AuthenticationResult) {
    throw new Error(`Sign-in needs a step this console does not support (${answer.ChallengeName ?? 'no tokens'}).`);
  }
  return sessionFrom(config, answer.AuthenticationResult);
}

/** The session of this tab's stored id token, or null when there is none still valid. */
export async function restoreSession(config: ConsoleConfig): Promise<Session | null> {
  const idToken = sessionStorage.getItem(ID_TOKEN_KEY);
  if (!idToken) return null;
  try {
    if (tokenExpiry(idToken) - Date.now() < RENEW_BEFORE_MS) throw new SessionExpiredError();
    return await sessionForIdToken(config, idToken);
  } catch {
    sessionStorage.removeItem(ID_TOKEN_KEY);
    return null;
  }
}

/** Forgets the session in this tab (the in-memory credentials go with the React state). */
export function signOut(): void {
  sessionStorage.removeItem(ID_TOKEN_KEY);
}

async function sessionFrom(config: ConsoleConfig, result: AuthenticationResultType): Promise<Session> {
  if (!result.IdToken) throw new Error('Cognito answered without an id token.');
  const session = await sessionForIdToken(config, result.IdToken);
  sessionStorage.setItem(ID_TOKEN_KEY, result.IdToken);
  return session;
}

async function sessionForIdToken(config: ConsoleConfig, idToken: string): Promise<Session> {
  const claims = tokenClaims(idToken);
  const groups = Array.isArray(claims['cognito:groups']) ? (claims['cognito:groups'] as string[]) : [];
  let current = await credentialsFor(config, idToken);
  let renewing: Promise<AwsCredentials> | null = null;
  const credentials = async (): Promise<AwsCredentials> => {
    const expires = current.expiration?.getTime() ?? Infinity;
    if (expires - Date.now() > RENEW_BEFORE_MS) return current;
    if (tokenExpiry(idToken) - Date.now() < RENEW_BEFORE_MS) throw new SessionExpiredError();
    renewing ??= credentialsFor(config, idToken).finally(() => (renewing = null));
    current = await renewing;
    return current;
  };
  return {
    email: String(claims.email ?? claims['cognito:username'] ?? claims.sub ?? 'unknown user'),
    groups,
    access: accessOf(groups),
    idToken,
    credentials,
  };
}

/** GetId then GetCredentialsForIdentity, both with the user pool's id token as the login. */
async function credentialsFor(config: ConsoleConfig, idToken: string): Promise<AwsCredentials> {
  const client = identityPoolClient(config);
  const logins = { [`cognito-idp.${config.region}.amazonaws.com/${config.userPoolId}`]: idToken };
  const { IdentityId } = await client.send(new GetIdCommand({ IdentityPoolId: config.identityPoolId, Logins: logins }));
  if (!IdentityId) throw new Error('The identity pool answered without an identity.');
  const { Credentials } = await client.send(
    new GetCredentialsForIdentityCommand({ IdentityId, Logins: logins }),
  );
  if (!Credentials?.AccessKeyId || !Credentials.SecretKey || !Credentials.SessionToken) {
    throw new Error('The identity pool gave no credentials for your role.');
  }
  return {
    accessKeyId: Credentials.AccessKeyId,
    secretAccessKey: Credentials.SecretKey,
    sessionToken: Credentials.SessionToken,
    expiration: Credentials.Expiration,
  };
}

export function accessOf(groups: string[]): Access {
  if (groups.includes('FullAccess')) return 'FullAccess';
  if (groups.includes('MaskedAccess')) return 'MaskedAccess';
  return 'None';
}

/** The claims of a JWT (not verified: Cognito and IAM verify it; this is for display). */
export function tokenClaims(token: string): Record<string, unknown> {
  const payload = token.split('.')[1];
  if (!payload) throw new Error('Not a JWT');
  const base64 = payload.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(payload.length / 4) * 4, '=');
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
}

function tokenExpiry(token: string): number {
  const exp = tokenClaims(token).exp;
  return typeof exp === 'number' ? exp * 1000 : 0;
}

/** A sign-in error as a person should read it. */
export function signInErrorMessage(error: unknown): string {
  const e = error as { name?: string; message?: string };
  if (e?.name === 'NotAuthorizedException') return e.message || 'Incorrect email or password.';
  if (e?.name === 'UserNotFoundException') return 'Incorrect email or password.';
  if (e?.name === 'PasswordResetRequiredException') return 'Your password must be reset by an administrator.';
  if (e?.name === 'TypeError' || /fetch|network/i.test(e?.message ?? '')) {
    return `Could not reach the sign-in service (${e?.message ?? 'network error'}).`;
  }
  return e?.message || String(error);
}

// Runtime configuration. The build carries no stack-specific values: at start the app fetches
// ./config.json (written beside index.html by whoever deploys the console), so one build serves
// every stage. See config.example.json beside package.json for its shape.

/** The product's name, in titles and headers. */
export const PRODUCT = 'Engage console';

export interface ConsoleConfig {
  region: string;
  /** The API's base URL, e.g. https://abc.execute-api.us-east-1.amazonaws.com/api (no trailing /). */
  apiUrl: string;
  userPoolId: string;
  userPoolClientId: string;
  identityPoolId: string;
  /** When set, used instead of AWS's Cognito user pools endpoint (a local emulator). */
  cognitoIdpEndpoint?: string;
  /** When set, used instead of AWS's Cognito identity pools endpoint (a local emulator). */
  cognitoIdentityEndpoint?: string;
}

const REQUIRED = ['region', 'apiUrl', 'userPoolId', 'userPoolClientId', 'identityPoolId'] as const;
const OPTIONAL = ['cognitoIdpEndpoint', 'cognitoIdentityEndpoint'] as const;

/** The configuration as ./config.json gives it; throws an Error that says what is wrong. */
export async function loadConfig(url = './config.json'): Promise<ConsoleConfig> {
  let response: Response;
  try {
    response = await fetch(url, { cache: 'no-store' });
  } catch (error) {
    throw new Error(`Could not fetch ${url}: ${(error as Error).message}`);
  }
  if (!response.ok) {
    throw new Error(`Could not fetch ${url}: HTTP ${response.status}`);
  }
  let raw: unknown;
  try {
    raw = await response.json();
  } catch {
    throw new Error(`${url} is not valid JSON`);
  }
  return parseConfig(raw, url);
}

export function parseConfig(raw: unknown, source = 'config.json'): ConsoleConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new Error(`${source} must be a JSON object`);
  }
  const values = raw as Record<string, unknown>;
  const config: Record<string, string> = {};
  for (const key of REQUIRED) {
    const value = values[key];
    if (typeof value !== 'string' || value.trim() === '') {
      throw new Error(`${source} needs "${key}" (a non-empty string)`);
    }
    config[key] = value.trim();
  }
  for (const key of OPTIONAL) {
    const value = values[key];
    if (typeof value === 'string' && value.trim() !== '') {
      config[key] = value.trim();
    } else if (value !== undefined && value !== null && value !== '') {
      throw new Error(`${source}: "${key}" must be a string when given`);
    }
  }
  config.apiUrl = config.apiUrl.replace(/\/+$/, '');
  return config as unknown as ConsoleConfig;
}

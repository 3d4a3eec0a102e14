// What every signed-in page shares: the configuration, the session (who is signed in, with which
// access), the signed API client, the list of applications (loaded once, reloaded after a create
// or delete) and the application last chosen, so moving between per-application pages keeps it.
import { createContext, useContext, useMemo, useState, type ReactNode } from 'react';
import { ApiClient, PinpointApi } from './api';
import type { Session } from './auth';
import type { ConsoleConfig } from './config';
import { useLoad, type Loaded } from './hooks';
import type { ApplicationResponse } from './types';

export interface ConsoleContextValue {
  config: ConsoleConfig;
  session: Session;
  api: PinpointApi;
  apps: Loaded<ApplicationResponse[]>;
  lastAppId: string | null;
  setLastAppId: (appId: string | null) => void;
  signOut: () => void;
}

const ConsoleContext = createContext<ConsoleContextValue | null>(null);

export function ConsoleProvider(props: {
  config: ConsoleConfig;
  session: Session;
  signOut: () => void;
  children: ReactNode;
}) {
  const { config, session, signOut } = props;
  const api = useMemo(
    () => new PinpointApi(new ApiClient(config.apiUrl, config.region, session.credentials)),
    [config, session],
  );
  const apps = useLoad(async () => sortByName(await api.allApps()), [api]);
  const [lastAppId, setLastAppId] = useState<string | null>(null);
  const value = useMemo(
    () => ({ config, session, api, apps, lastAppId, setLastAppId, signOut }),
    [config, session, api, apps, lastAppId, signOut],
  );
  return <ConsoleContext.Provider value={value}>{props.children}</ConsoleContext.Provider>;
}

export function useConsole(): ConsoleContextValue {
  const value = useContext(ConsoleContext);
  if (!value) throw new Error('useConsole outside ConsoleProvider');
  return value;
}

function sortByName(apps: ApplicationResponse[]): ApplicationResponse[] {
  return [...apps].sort((a, b) => (a.Name ?? '').localeCompare(b.Name ?? '') || a.Id.localeCompare(b.Id));
}

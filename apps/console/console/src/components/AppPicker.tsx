// The application a per-application page works on: a Select at the top of the page, and the
// application id in the route (#/endpoints/<id>), so a deep link opens the same view.
import FormField from '@cloudscape-design/components/form-field';
import { useEffect } from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import { useConsole } from '../context';
import { ApplicationSelect } from './ApplicationSelect';

export interface SelectedApp {
  appId: string | undefined;
  appName: string | undefined;
  /** Show another application (its id goes in the route). */
  select: (appId: string) => void;
}

/** The route's application for the page at `#/<section>/<appId>`; opens the last one used when
 * the route names none. */
export function useSelectedApp(section: string): SelectedApp {
  const { appId } = useParams();
  const { apps, lastAppId, setLastAppId } = useConsole();
  const navigate = useNavigate();

  useEffect(() => {
    if (appId) setLastAppId(appId);
    else if (lastAppId) navigate(`/${section}/${encodeURIComponent(lastAppId)}`, { replace: true });
  }, [appId, lastAppId, navigate, section, setLastAppId]);

  return {
    appId,
    appName: apps.data?.find((app) => app.Id === appId)?.Name,
    select: (id: string) => navigate(`/${section}/${encodeURIComponent(id)}`),
  };
}

export function AppPicker({ selected }: { selected: SelectedApp }) {
  return (
    <FormField label="Application" description="The application this page works on.">
      <ApplicationSelect appId={selected.appId} onChange={selected.select} />
    </FormField>
  );
}

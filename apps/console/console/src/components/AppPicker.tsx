// The application a per-application page works on: a Select at the top of the page, and the
// application id in the route (#/endpoints/<id>), so a deep link opens the same view.
import FormField from '@cloudscape-design/components/form-field';
import Select from '@cloudscape-design/components/select';
import { useEffect } from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import { useConsole } from '../context';
import { errorText } from '../hooks';

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
  const { apps } = useConsole();
  const options = (apps.data ?? []).map((app) => ({ value: app.Id, label: app.Name || app.Id, description: app.Id }));
  const current =
    options.find((option) => option.value === selected.appId) ??
    (selected.appId ? { value: selected.appId, label: selected.appId } : null);
  return (
    <FormField label="Application" description="The application this page works on.">
      <Select
        selectedOption={current}
        options={options}
        onChange={(event) => event.detail.selectedOption.value && selected.select(event.detail.selectedOption.value)}
        placeholder="Choose an application"
        filteringType="auto"
        filteringAriaLabel="Filter applications"
        statusType={apps.loading ? 'loading' : apps.error ? 'error' : 'finished'}
        loadingText="Loading applications"
        errorText={apps.error ? `Could not load applications: ${errorText(apps.error)}` : undefined}
        recoveryText="Retry"
        onLoadItems={() => apps.error && apps.reload()}
        empty="No applications yet"
      />
    </FormField>
  );
}

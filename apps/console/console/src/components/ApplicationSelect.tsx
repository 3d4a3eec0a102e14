// The Select of one of the applications (the list every page shares, with its loading and error
// states and Retry), for the page's application picker and for the forms that preview a template.
import Select from '@cloudscape-design/components/select';
import { useState } from 'react';
import { useConsole } from '../context';
import { errorText } from '../hooks';

export function ApplicationSelect(props: { appId: string | null | undefined; onChange: (appId: string) => void }) {
  const { apps } = useConsole();
  const { appId } = props;
  const options = (apps.data ?? []).map((app) => ({ value: app.Id, label: app.Name || app.Id, description: app.Id }));
  // An id the list does not hold (yet) is still shown, as itself.
  const current = options.find((option) => option.value === appId) ?? (appId ? { value: appId, label: appId } : null);
  return (
    <Select
      selectedOption={current}
      options={options}
      onChange={(event) => event.detail.selectedOption.value && props.onChange(event.detail.selectedOption.value)}
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
  );
}

/** The application of a form on a page whose route names none: the one chosen in the form, else
 * the one last used on any page; choosing one makes it the last used, so the per-application pages
 * open it next. */
export function useChosenApp(): [appId: string | null, choose: (appId: string) => void] {
  const { lastAppId, setLastAppId } = useConsole();
  const [appId, setAppId] = useState<string | null>(null);
  function choose(id: string) {
    setAppId(id);
    setLastAppId(id);
  }
  return [appId ?? lastAppId, choose];
}

// Endpoints of one application: find them by endpoint id (GET .../endpoints/{id}), by user id
// (GET .../users/{id}) or by address (the project's GET .../endpoint-search, FullAccess only).
// When a direct GetEndpoint is refused (403: the role may not read addresses) the page asks the
// project's masked route instead and says so. Erase person (FullAccess) posts to .../erasures
// after a confirmation. Below the endpoints found, the standing of one of them (the first, or the row
// selected): the consent recorded for its address, its suppressions, and whether a message to it
// would go out now (the project's GET .../endpoint-standing/{id}, both roles; no address).
import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import RadioGroup from '@cloudscape-design/components/radio-group';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import Table from '@cloudscape-design/components/table';
import { useState, type FormEvent } from 'react';
import { ApiError } from '../api';
import { AppPage, useAppPage } from '../components/AppPage';
import { ConfirmModal } from '../components/ConfirmModal';
import { Section } from '../components/Section';
import { TextField } from '../components/TextField';
import { useConsole } from '../context';
import { errorText, formatDate, useLoad } from '../hooks';
import { useFlash, useLoadErrorFlash } from '../components/notifications';
import type { EndpointResponse, EndpointStanding, ErasureTarget } from '../types';

type FindBy = 'endpoint' | 'user' | 'address';

const FIND_BY: Record<FindBy, { label: string; field: string; hint: string }> = {
  endpoint: { label: 'By endpoint ID', field: 'Endpoint ID', hint: 'The endpoint\'s id, as the application registered it.' },
  user: { label: 'By user ID', field: 'User ID', hint: 'Every endpoint of the user (User.UserId).' },
  address: { label: 'By address', field: 'Address', hint: 'An email address, phone number (E.164) or device token.' },
};

interface Found {
  by: FindBy;
  value: string;
  endpoints: EndpointResponse[];
  masked: boolean;
}

export default function EndpointsPage() {
  const selected = useAppPage('endpoints', 'Endpoints');
  const { api, session } = useConsole();
  const flash = useFlash();
  const appLabel = selected.appName ?? selected.appId;

  const fullAccess = session.access === 'FullAccess';
  const [by, setBy] = useState<FindBy>('endpoint');
  const [value, setValue] = useState('');
  const [valueError, setValueError] = useState<string>();
  const [searching, setSearching] = useState(false);
  const [found, setFound] = useState<Found | null>(null);
  const [chosenId, setChosenId] = useState<string>();
  const [erasing, setErasing] = useState<'closed' | 'open' | 'busy'>('closed');
  const [eraseError, setEraseError] = useState<string>();

  async function find(event: FormEvent) {
    event.preventDefault();
    const appId = selected.appId;
    const wanted = value.trim();
    if (!appId) return;
    if (!wanted) return setValueError(`Enter the ${FIND_BY[by].field}.`);
    setValueError(undefined);
    setSearching(true);
    flash.clear();
    try {
      setFound({ by, value: wanted, ...(await lookUp(appId, by, wanted)) });
      setChosenId(undefined);
    } catch (e) {
      setFound(null);
      flash.error(e, e instanceof ApiError && e.status === 404 ? 'Nothing found' : 'The search failed');
    } finally {
      setSearching(false);
    }
  }

  async function lookUp(appId: string, how: FindBy, wanted: string): Promise<Omit<Found, 'by' | 'value'>> {
    if (how === 'address') return { endpoints: (await api.searchEndpoints(appId, wanted)).Item ?? [], masked: false };
    try {
      if (how === 'user') return { endpoints: (await api.getUserEndpoints(appId, wanted)).Item ?? [], masked: false };
      return { endpoints: [await api.getEndpoint(appId, wanted)], masked: false };
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 403)) throw e;
      // The role may not read endpoints whole (IAM refused it): ask for the masked view.
      if (how === 'user') return { endpoints: (await api.getMaskedUserEndpoints(appId, wanted)).Item ?? [], masked: true };
      return { endpoints: [await api.getMaskedEndpoint(appId, wanted)], masked: true };
    }
  }

  function target(): ErasureTarget | null {
    if (!found) return null;
    if (found.by === 'address') return { Address: found.value };
    if (found.by === 'user') return { UserId: found.value };
    return { EndpointId: found.value };
  }

  async function erase() {
    const what = target();
    if (!selected.appId || !what) return;
    setErasing('busy');
    setEraseError(undefined);
    try {
      const answer = await api.erase(selected.appId, what);
      setErasing('closed');
      setFound(null);
      flash.success(`Erasure ${answer.ErasureId} started`, `State: ${answer.State}`);
    } catch (e) {
      setEraseError(errorText(e));
      setErasing('open');
    }
  }

  // The endpoint whose standing is shown: the row chosen, else the first found.
  const chosen = found?.endpoints.find((e) => e.Id === chosenId) ?? found?.endpoints[0];

  const eraseDisabledReason = !fullAccess
    ? 'Only FullAccess users may erase a person.'
    : !found
      ? 'Find the person first.'
      : undefined;

  return (
    <>
      <AppPage title="Endpoints" description="Look up the endpoints of one application, and erase a person." selected={selected}>
        <form onSubmit={find}>
          <Section title="Find endpoints" description={fullAccess ? undefined : 'Your role sees addresses masked; search by address needs FullAccess.'}>
            <SpaceBetween size="m">
              <FormField label="Find by">
                <RadioGroup
                  value={by}
                  onChange={(e) => setBy(e.detail.value as FindBy)}
                  items={(Object.keys(FIND_BY) as FindBy[]).map((key) => ({
                    value: key,
                    label: FIND_BY[key].label,
                    description: key === 'address' && !fullAccess ? 'FullAccess only' : undefined,
                    disabled: key === 'address' && !fullAccess,
                  }))}
                />
              </FormField>
              <TextField
                label={FIND_BY[by].field}
                description={FIND_BY[by].hint}
                error={valueError}
                value={value}
                onChange={setValue}
                data-testid="endpoint-search-value"
              />
              <SpaceBetween direction="horizontal" size="xs">
                <Button variant="primary" loading={searching}>
                  Find
                </Button>
                <Button
                  formAction="none"
                  onClick={() => setErasing('open')}
                  disabled={!!eraseDisabledReason}
                  disabledReason={eraseDisabledReason}
                  data-testid="erase-person"
                >
                  Erase person
                </Button>
              </SpaceBetween>
            </SpaceBetween>
          </Section>
        </form>
        {found?.masked && (
          <Alert type="info" header="Addresses are masked for your role">
            Your role may not read endpoint addresses, so this is the masked view of the endpoint.
          </Alert>
        )}
        {found && <EndpointTable found={found} chosen={chosen} onChoose={setChosenId} />}
        {selected.appId && chosen?.Id && <StandingPanel appId={selected.appId} endpointId={chosen.Id} />}
      </AppPage>
      {/* Outside AppPage, whose children are the page's spaced sections: the Modal is none of them. */}
      <ConfirmModal
        visible={erasing !== 'closed'}
        header="Erase person"
        actionLabel="Erase person"
        confirmText="erase"
        busy={erasing === 'busy'}
        error={eraseError}
        onConfirm={() => void erase()}
        onDismiss={() => {
          setErasing('closed');
          setEraseError(undefined);
        }}
      >
        This erases the person with {found ? `${FIND_BY[found.by].field} "${found.value}"` : 'this identifier'} from{' '}
        {appLabel}: their endpoints and the events that name them. The address is kept only as a keyed hash, so it
        is not written to again. This cannot be undone.
      </ConfirmModal>
    </>
  );
}

function EndpointTable(props: { found: Found; chosen: EndpointResponse | undefined; onChoose: (id: string) => void }) {
  const { found, chosen } = props;
  const many = found.endpoints.length > 1;
  return (
    <Table
      variant="container"
      wrapLines
      header={
        <Header
          variant="h2"
          counter={`(${found.endpoints.length})`}
          description={many ? 'Select an endpoint to see its consent and suppressions.' : undefined}
        >
          Endpoints found
        </Header>
      }
      ariaLabels={{
        tableLabel: 'Endpoints found',
        selectionGroupLabel: 'Endpoint whose standing is shown',
        itemSelectionLabel: (_, endpoint) => `Show the standing of endpoint ${endpoint.Id ?? ''}`,
      }}
      items={found.endpoints}
      trackBy={(endpoint) => endpoint.Id ?? ''}
      selectionType={many ? 'single' : undefined}
      selectedItems={many && chosen ? [chosen] : []}
      onSelectionChange={(e) => {
        const id = e.detail.selectedItems[0]?.Id;
        if (id) props.onChoose(id);
      }}
      empty={<Box textAlign="center">No endpoint has this {FIND_BY[found.by].field}</Box>}
      columnDefinitions={[
        { id: 'id', header: 'Id', cell: (e) => e.Id ?? '-', isRowHeader: true },
        { id: 'channel', header: 'ChannelType', cell: (e) => e.ChannelType ?? '-' },
        { id: 'address', header: 'Address', cell: (e) => e.Address ?? '-' },
        { id: 'optout', header: 'OptOut', cell: (e) => e.OptOut ?? '-' },
        { id: 'status', header: 'EndpointStatus', cell: (e) => e.EndpointStatus ?? '-' },
        { id: 'user', header: 'User.UserId', cell: (e) => e.User?.UserId ?? '-' },
        { id: 'attributes', header: 'Attributes', cell: (e) => attributes(e.Attributes) },
        { id: 'timezone', header: 'Demographic.Timezone', cell: (e) => e.Demographic?.Timezone ?? '-' },
      ]}
    />
  );
}

function attributes(values: Record<string, string[]> | undefined): string {
  const entries = Object.entries(values ?? {});
  return entries.length ? entries.map(([name, list]) => `${name}: ${list.join(', ')}`).join('; ') : '-';
}

/** The endpoint's standing: whether a message would go out now, its consent and its suppressions. */
function StandingPanel({ appId, endpointId }: { appId: string; endpointId: string }) {
  const { api } = useConsole();
  const standing = useLoad(() => api.getEndpointStanding(appId, endpointId), [api, appId, endpointId]);
  useLoadErrorFlash(standing.error, `Could not read the standing of endpoint ${endpointId}`);

  // After a failed read for another endpoint, the last answer (of the previous one) is not shown.
  const shown = (standing.data?.EndpointId ?? endpointId) === endpointId ? standing.data : undefined;
  return (
    <Section
      title="Consent and suppression"
      description={`Endpoint ${endpointId}: whether a promotional message to it would go out now, as the sender decides it.`}
      actions={
        <Button iconName="refresh" onClick={standing.reload} ariaLabel="Refresh consent and suppression" loading={standing.loading}>
          Refresh
        </Button>
      }
      testId="endpoint-standing"
    >
      {shown && !standing.loading ? (
        <Standing standing={shown} />
      ) : standing.loading ? (
        <StatusIndicator type="loading">Reading the endpoint's standing</StatusIndicator>
      ) : (
        <Box color="text-status-inactive">The standing could not be read.</Box>
      )}
    </Section>
  );
}

function Standing({ standing }: { standing: EndpointStanding }) {
  const consent = standing.Consent;
  return (
    <KeyValuePairs
      columns={3}
      ariaLabel="Consent and suppression"
      items={[
        {
          label: 'Would a message go out',
          value: (
            <SpaceBetween size="xxs">
              {standing.Sendable ? (
                <StatusIndicator type="success" data-testid="endpoint-sendable">
                  Yes
                </StatusIndicator>
              ) : (
                <StatusIndicator type="stopped" data-testid="endpoint-sendable">
                  No — {standing.NotSentBecause ?? 'not sendable'}
                </StatusIndicator>
              )}
              {!standing.Sendable && standing.Detail && (
                <Box variant="small" data-testid="endpoint-not-sent-detail">
                  {standing.Detail}
                </Box>
              )}
            </SpaceBetween>
          ),
        },
        {
          label: 'Consent',
          value: (
            <div data-testid="endpoint-consent">
              {consent ? (
                <SpaceBetween size="xxs">
                  <StatusIndicator type={consent.Status === 'OPTED_IN' ? 'success' : 'stopped'}>{consent.Status}</StatusIndicator>
                  <Box variant="small">
                    Recorded {formatDate(consent.RecordedAt)}
                    {consent.Source ? ` · source ${consent.Source}` : ''}
                  </Box>
                </SpaceBetween>
              ) : (
                'No decision recorded'
              )}
            </div>
          ),
        },
        {
          label: 'Suppressions',
          value: (
            <div data-testid="endpoint-suppressions">
              {standing.Suppressions.length ? (
                <ul style={{ margin: 0, paddingInlineStart: 18 }}>
                  {standing.Suppressions.map((s, index) => (
                    <li key={`${s.Reason}/${s.SuppressedAt ?? index}`}>
                      {s.Reason} since {formatDate(s.SuppressedAt)}
                      {s.Source ? ` · source ${s.Source}` : ''}
                    </li>
                  ))}
                </ul>
              ) : (
                'None'
              )}
            </div>
          ),
        },
        { label: 'ChannelType', value: standing.ChannelType ?? '-' },
        { label: 'EndpointStatus', value: standing.EndpointStatus ?? '-' },
        { label: 'OptOut', value: standing.OptOut ?? '-' },
      ]}
    />
  );
}

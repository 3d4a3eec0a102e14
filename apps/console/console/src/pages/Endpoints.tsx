// Endpoints of one application: find them by endpoint id (GET .../endpoints/{id}), by user id
// (GET .../users/{id}) or by address (the project's GET .../endpoint-search, FullAccess only).
// When a direct GetEndpoint is refused (403: the role may not read addresses) the page asks the
// project's masked route instead and says so. Erase person (FullAccess) posts to .../erasures
// after a confirmation.
import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Container from '@cloudscape-design/components/container';
import ContentLayout from '@cloudscape-design/components/content-layout';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import RadioGroup from '@cloudscape-design/components/radio-group';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Table from '@cloudscape-design/components/table';
import { useState, type FormEvent } from 'react';
import { ApiError } from '../api';
import { AppPicker, useSelectedApp } from '../components/AppPicker';
import { ConfirmModal } from '../components/ConfirmModal';
import { usePage } from '../components/Shell';
import { useConsole } from '../context';
import { errorText } from '../hooks';
import { useFlash } from '../components/notifications';
import type { EndpointResponse, ErasureTarget } from '../types';

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
  const selected = useSelectedApp('endpoints');
  const { api, session } = useConsole();
  const flash = useFlash();
  const appLabel = selected.appName ?? selected.appId;
  usePage(appLabel ? `Endpoints of ${appLabel}` : 'Endpoints', [
    { text: 'Applications', href: '#/apps' },
    ...(selected.appId ? [{ text: appLabel ?? selected.appId, href: `#/apps/${encodeURIComponent(selected.appId)}` }] : []),
    { text: 'Endpoints', href: `#/endpoints${selected.appId ? `/${encodeURIComponent(selected.appId)}` : ''}` },
  ]);

  const fullAccess = session.access === 'FullAccess';
  const [by, setBy] = useState<FindBy>('endpoint');
  const [value, setValue] = useState('');
  const [valueError, setValueError] = useState<string>();
  const [searching, setSearching] = useState(false);
  const [found, setFound] = useState<Found | null>(null);
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

  const eraseDisabledReason = !fullAccess
    ? 'Only FullAccess users may erase a person.'
    : !found
      ? 'Find the person first.'
      : undefined;

  return (
    <ContentLayout
      header={
        <Header variant="h1" description="Look up the endpoints of one application, and erase a person.">
          Endpoints
        </Header>
      }
    >
      <SpaceBetween size="l">
        <Container>
          <AppPicker selected={selected} />
        </Container>
        {selected.appId && (
          <form onSubmit={find}>
            <Container
              header={
                <Header variant="h2" description={fullAccess ? undefined : 'Your role sees addresses masked; search by address needs FullAccess.'}>
                  Find endpoints
                </Header>
              }
            >
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
                <FormField label={FIND_BY[by].field} description={FIND_BY[by].hint} errorText={valueError}>
                  <Input
                    value={value}
                    onChange={(e) => setValue(e.detail.value)}
                    data-testid="endpoint-search-value"
                  />
                </FormField>
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
            </Container>
          </form>
        )}
        {found?.masked && (
          <Alert type="info" header="Addresses are masked for your role">
            Your role may not read endpoint addresses, so this is the masked view of the endpoint.
          </Alert>
        )}
        {found && <EndpointTable found={found} />}
      </SpaceBetween>
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
    </ContentLayout>
  );
}

function EndpointTable({ found }: { found: Found }) {
  return (
    <Table
      variant="container"
      wrapLines
      header={<Header variant="h2" counter={`(${found.endpoints.length})`}>Endpoints found</Header>}
      ariaLabels={{ tableLabel: 'Endpoints found' }}
      items={found.endpoints}
      trackBy={(endpoint) => endpoint.Id ?? ''}
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

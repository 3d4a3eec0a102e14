// Journeys of one application: the list (GET /v1/apps/{id}/journeys), state changes (PUT
// .../journeys/{jid}/state: activate a draft, pause, resume, cancel, each confirmed), and a journey
// drawn as a canvas (the project's GET .../journey-canvases/{jid}: its activities in columns by
// distance from the start, each with how many entered, wait, moved on, and were sent, skipped or
// failed; the campaign report draws the same columns from the same counters) beside the journey's
// execution metrics (GetJourneyExecutionMetrics). Read-only: a journey is written through the API.
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Container from '@cloudscape-design/components/container';
import Header from '@cloudscape-design/components/header';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { useState } from 'react';
import { AppPage, useAppPage } from '../components/AppPage';
import { ConfirmModal } from '../components/ConfirmModal';
import { usePendingAction } from '../components/pendingAction';
import { ListTable } from '../components/ListTable';
import { useFlash, useLoadErrorFlash } from '../components/notifications';
import { Section } from '../components/Section';
import { useConsole } from '../context';
import { formatDate, useLoad } from '../hooks';
import type { CanvasNode, JourneyResponse } from '../types';

type Change = { journey: JourneyResponse; state: 'ACTIVE' | 'PAUSED' | 'CANCELLED'; verb: string };

/** What a journey in a state may become, as UpdateJourneyState allows it. */
function changes(journey: JourneyResponse): Change[] {
  switch (journey.State) {
    case 'DRAFT':
      return [{ journey, state: 'ACTIVE', verb: 'Activate' }];
    case 'ACTIVE':
      return [
        { journey, state: 'PAUSED', verb: 'Pause' },
        { journey, state: 'CANCELLED', verb: 'Cancel' },
      ];
    case 'PAUSED':
      return [
        { journey, state: 'ACTIVE', verb: 'Resume' },
        { journey, state: 'CANCELLED', verb: 'Cancel' },
      ];
    default:
      return [];
  }
}

const DONE: Record<string, string> = { Activate: 'Activated', Pause: 'Paused', Resume: 'Resumed', Cancel: 'Cancelled' };

const CHANGE_TEXT: Record<string, string> = {
  Activate: 'The journey starts: its segment enters at its start time, and it can no longer be edited.',
  Pause: 'Nobody moves on and no message goes out until it is resumed; waits are paused too.',
  Resume: 'Its participants move on from where they are.',
  Cancel: 'Every participant leaves the journey and nothing more of it is sent. This cannot be undone.',
};

export default function JourneysPage() {
  const selected = useAppPage('journeys', 'Journeys');
  const { api } = useConsole();
  const flash = useFlash();
  const appId = selected.appId ?? '';
  const journeys = useLoad(() => api.allJourneys(appId), [api, appId], Boolean(appId));
  useLoadErrorFlash(journeys.error, 'Could not load journeys');

  const [shown, setShown] = useState<JourneyResponse>();
  const canvas = useLoad(() => api.getJourneyCanvas(appId, shown?.Id ?? ''), [api, appId, shown?.Id], Boolean(shown));
  useLoadErrorFlash(canvas.error, 'Could not load the journey\'s canvas');
  const metrics = useLoad(() => api.getJourneyMetrics(appId, shown?.Id ?? ''), [api, appId, shown?.Id], Boolean(shown));
  useLoadErrorFlash(metrics.error, 'Could not load the journey\'s metrics');

  const action = usePendingAction<Change>(() => {
    journeys.reload();
    if (shown) {
      canvas.reload();
      metrics.reload();
    }
  });
  const { pending } = action;

  async function act(change: Change) {
    const updated = await api.updateJourneyState(appId, change.journey.Id, change.state);
    flash.success(`${DONE[change.verb]} ${change.journey.Name}`, `Its state is ${updated.State ?? change.state}.`);
  }

  return (
    <AppPage title="Journeys" description="Multi-step journeys: who is where, and what each step sent." selected={selected}>
      <ListTable<JourneyResponse>
        title="Journeys"
        list={journeys}
        trackBy="Id"
        columns={[
          {
            id: 'name',
            header: 'Name',
            isRowHeader: true,
            sortingField: 'Name',
            cell: (j) => (
              <Button variant="inline-link" onClick={() => setShown(j)} ariaLabel={`Canvas of ${j.Name}`}>
                {j.Name}
              </Button>
            ),
          },
          { id: 'id', header: 'Id', cell: (j) => j.Id },
          { id: 'state', header: 'State', cell: (j) => <span data-testid="journey-state">{j.State ?? '-'}</span> },
          { id: 'start', header: 'StartTime', cell: (j) => formatDate(j.Schedule?.StartTime) },
          { id: 'end', header: 'EndTime', cell: (j) => formatDate(j.Schedule?.EndTime) },
          {
            id: 'actions',
            header: 'Actions',
            cell: (j) => (
              <SpaceBetween direction="horizontal" size="xs">
                {changes(j).map((change) => (
                  <Button key={change.verb} variant="inline-link" onClick={() => action.ask(change)} ariaLabel={`${change.verb} ${j.Name}`}>
                    {change.verb}
                  </Button>
                ))}
              </SpaceBetween>
            ),
          },
        ]}
      />
      {shown && (
        <Section
          title={`Canvas of ${shown.Name}`}
          description="Each activity, in columns by its distance from the start, with the journey's counters."
          testId="journey-canvas"
        >
          <SpaceBetween size="l">
            <Button iconName="refresh" onClick={() => { canvas.reload(); metrics.reload(); }} ariaLabel="Refresh canvas">
              Refresh
            </Button>
            {metrics.data && (
              <KeyValuePairs
                columns={4}
                ariaLabel="Journey execution metrics"
                items={Object.entries(metrics.data.Metrics)
                  .sort(([a], [b]) => a.localeCompare(b))
                  .map(([name, value]) => ({ label: name, value: <span data-testid={`journey-metric-${name}`}>{value}</span> }))}
              />
            )}
            {canvas.data && (
              <div style={{ display: 'flex', gap: '16px', overflowX: 'auto', alignItems: 'flex-start' }} role="list" aria-label="Activities by distance from the start">
                {canvas.data.Columns.map((column, index) => (
                  <div key={index} style={{ display: 'flex', flexDirection: 'column', gap: '12px', minWidth: '220px' }} role="listitem">
                    {column.map((node) => (
                      <ActivityCard key={node.ActivityId} node={node} start={node.ActivityId === canvas.data?.StartActivity} />
                    ))}
                  </div>
                ))}
              </div>
            )}
            {canvas.data && <Box color="text-body-secondary">Counted at {formatDate(canvas.data.LastEvaluatedTime)}</Box>}
          </SpaceBetween>
        </Section>
      )}
      <ConfirmModal
        visible={pending !== undefined}
        header={pending ? `${pending.verb} ${pending.journey.Name}?` : ''}
        actionLabel={pending?.verb ?? ''}
        confirmText={pending?.state === 'CANCELLED' ? pending.journey.Name : undefined}
        busy={action.busy}
        error={action.failure}
        onConfirm={() => void action.confirm(act)}
        onDismiss={action.dismiss}
      >
        {pending ? CHANGE_TEXT[pending.verb] : ''}
      </ConfirmModal>
    </AppPage>
  );
}

/** One activity: its kind, and how many entered, wait, moved on, and were sent, skipped or failed. */
function ActivityCard({ node, start }: { node: CanvasNode; start: boolean }) {
  const extra = [
    ...Object.entries(node.Skipped).map(([reason, n]) => ({ label: `Skipped: ${reason}`, value: n })),
    ...Object.entries(node.Failed).map(([reason, n]) => ({ label: `Failed: ${reason}`, value: n })),
    ...Object.entries(node.Branches).map(([branch, n]) => ({ label: branch, value: n })),
    ...(node.HeldOut ? [{ label: 'Held out', value: node.HeldOut }] : []),
  ];
  return (
    <div data-testid={`activity-${node.ActivityId}`}>
      <Container
        header={
          <Header variant="h3" description={`${node.Kind}${start ? ' · start' : ''}`}>
            {node.ActivityId}
          </Header>
        }
      >
        <KeyValuePairs
          columns={2}
          ariaLabel={`Figures of ${node.ActivityId}`}
          items={[
            { label: 'Entered', value: <span data-testid="figure-Entered">{node.Entered}</span> },
            { label: 'Waiting', value: <span data-testid="figure-Waiting">{node.Waiting}</span> },
            { label: 'Moved on', value: <span data-testid="figure-MovedOn">{node.MovedOn}</span> },
            { label: 'Sent', value: <span data-testid="figure-Sent">{node.Sent}</span> },
            ...extra.map((item) => ({ label: item.label, value: String(item.value) })),
          ]}
        />
        {node.Next.length > 0 && <Box color="text-body-secondary">Next: {node.Next.join(', ')}</Box>}
      </Container>
    </div>
  );
}

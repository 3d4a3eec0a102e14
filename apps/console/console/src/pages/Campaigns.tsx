// Campaigns of one application: the list (GET /v1/apps/{id}/campaigns), a campaign's runs
// (GET .../campaigns/{cid}/activities, with the project's counts by reason), pausing and resuming
// (PUT with IsPaused), deleting (DELETE: the campaign and its schedule), the chained runs that wait
// on approval (the project's GET .../campaign-runs?awaiting=approval) and a person's answer to one
// (POST .../campaign-runs/{run}/approval), and a form that
// creates an SMS or email campaign (written, or from a stored template) with its schedule (now, once
// later, or recurring until an end time), holdout and an A/B treatment (POST, WriteCampaignRequest).
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import ColumnLayout from '@cloudscape-design/components/column-layout';
import FormField from '@cloudscape-design/components/form-field';
import RadioGroup from '@cloudscape-design/components/radio-group';
import Select from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import Textarea from '@cloudscape-design/components/textarea';
import { useState, type FormEvent } from 'react';
import { AppPage, useAppPage } from '../components/AppPage';
import { useBusyAction } from '../components/busyAction';
import { usePendingAction } from '../components/pendingAction';
import { ConfirmModal } from '../components/ConfirmModal';
import { CreateForm } from '../components/CreateForm';
import { ListTable } from '../components/ListTable';
import { useFlash, useLoadErrorFlash } from '../components/notifications';
import { TextField } from '../components/TextField';
import { useConsole } from '../context';
import { formatDate, useLoad } from '../hooks';
import type { ActivityResponse, CampaignMessageConfiguration, CampaignResponse, CampaignSchedule, WriteCampaignRequest } from '../types';

type Pending =
  | { kind: 'pause' | 'resume' | 'delete'; campaign: CampaignResponse }
  | { kind: 'approve' | 'reject'; run: ActivityResponse };

export default function CampaignsPage() {
  const selected = useAppPage('campaigns', 'Campaigns');
  const { api } = useConsole();
  const flash = useFlash();
  const appId = selected.appId ?? '';
  const campaigns = useLoad(() => api.allCampaigns(appId), [api, appId], Boolean(appId));
  useLoadErrorFlash(campaigns.error, 'Could not load campaigns');
  const segments = useLoad(() => api.allSegments(appId), [api, appId], Boolean(appId));
  useLoadErrorFlash(segments.error, 'Could not load segments');

  const waiting = useLoad(() => api.allRunsAwaitingApproval(appId), [api, appId], Boolean(appId));
  useLoadErrorFlash(waiting.error, 'Could not load the runs awaiting approval');
  const [shown, setShown] = useState<CampaignResponse>();
  const runs = useLoad(() => api.allActivities(appId, shown?.Id ?? ''), [api, appId, shown?.Id], Boolean(shown));
  useLoadErrorFlash(runs.error, 'Could not load the campaign\'s runs');

  const [reason, setReason] = useState('');
  const reload = () => {
    campaigns.reload();
    waiting.reload();
    if (shown) runs.reload();
  };
  const action = usePendingAction<Pending>(reload);
  const { pending } = action;
  const setPending = action.ask;

  async function act(what: Pending) {
    if (what.kind === 'pause' || what.kind === 'resume') {
      const label = what.campaign.Name || what.campaign.Id;
      const paused = what.kind === 'pause';
      const updated = await api.updateCampaign(appId, what.campaign.Id, { IsPaused: paused });
      flash.success(`${paused ? 'Paused' : 'Resumed'} campaign ${label}`, `Its state is ${status(updated)}.`);
      setShown((current) => (current?.Id === updated.Id ? updated : current));
    } else if (what.kind === 'delete') {
      await api.deleteCampaign(appId, what.campaign.Id);
      flash.success(`Deleted campaign ${what.campaign.Name || what.campaign.Id}`, 'No run of it is scheduled any more.');
      setShown((current) => (current?.Id === what.campaign.Id ? undefined : current));
    } else if (what.kind === 'approve' || what.kind === 'reject') {
      const approved = what.kind === 'approve';
      const run = await api.decideApproval(appId, what.run.Id, approved, approved ? undefined : reason.trim());
      flash.success(`${approved ? 'Approved' : 'Rejected'} run ${run.Id}`, `Its state is ${run.State ?? '-'}.`);
    }
  }

  return (
    <AppPage title="Campaigns" description="Messages sent to a segment, now, later or on a schedule." selected={selected}>
      <ListTable<ActivityResponse>
        title="Runs awaiting approval"
        description="Chained runs (import, validate, campaign) that send only once a person approves them."
        noun="runs awaiting approval"
        list={waiting}
        trackBy="Id"
        empty="No run waits on approval"
        columns={[
          { id: 'id', header: 'Id', cell: (r) => r.Id, isRowHeader: true },
          { id: 'campaign', header: 'CampaignId', cell: (r) => r.CampaignId },
          { id: 'start', header: 'Start', cell: (r) => formatDate(r.Start) },
          { id: 'total', header: 'TotalEndpointCount', cell: (r) => String(r.TotalEndpointCount ?? 0) },
          {
            id: 'answer',
            header: 'Answer',
            cell: (r) => (
              <SpaceBetween direction="horizontal" size="xs">
                <Button variant="inline-link" onClick={() => setPending({ kind: 'approve', run: r })} ariaLabel={`Approve run ${r.Id}`}>
                  Approve
                </Button>
                <Button variant="inline-link" onClick={() => { setReason(''); setPending({ kind: 'reject', run: r }); }} ariaLabel={`Reject run ${r.Id}`}>
                  Reject
                </Button>
              </SpaceBetween>
            ),
          },
        ]}
      />
      <ListTable<CampaignResponse>
        title="Campaigns"
        list={campaigns}
        trackBy="Id"
        columns={[
          {
            id: 'name',
            header: 'Name',
            isRowHeader: true,
            sortingField: 'Name',
            cell: (c) => (
              <Button variant="inline-link" onClick={() => setShown(c)} ariaLabel={`Runs of ${c.Name || c.Id}`}>
                {c.Name || c.Id}
              </Button>
            ),
          },
          { id: 'id', header: 'Id', cell: (c) => c.Id, sortingField: 'Id' },
          { id: 'state', header: 'CampaignStatus', cell: (c) => <span data-testid="campaign-status">{status(c)}</span> },
          { id: 'start', header: 'StartTime', cell: (c) => c.Schedule?.StartTime ?? '-' },
          { id: 'frequency', header: 'Frequency', cell: (c) => c.Schedule?.Frequency ?? '-' },
          { id: 'holdout', header: 'HoldoutPercent', cell: (c) => String(c.HoldoutPercent ?? 0) },
          { id: 'treatments', header: 'Treatments', cell: (c) => String(1 + (c.AdditionalTreatments?.length ?? 0)) },
          {
            id: 'actions',
            header: 'Actions',
            cell: (c) => (
              <SpaceBetween direction="horizontal" size="xs">
                <Button
                  variant="inline-link"
                  onClick={() => setPending({ kind: c.IsPaused ? 'resume' : 'pause', campaign: c })}
                  ariaLabel={`${c.IsPaused ? 'Resume' : 'Pause'} ${c.Name || c.Id}`}
                >
                  {c.IsPaused ? 'Resume' : 'Pause'}
                </Button>
                <Button variant="inline-link" onClick={() => setPending({ kind: 'delete', campaign: c })} ariaLabel={`Delete ${c.Name || c.Id}`}>
                  Delete
                </Button>
              </SpaceBetween>
            ),
          },
        ]}
      />
      {shown && (
        <ListTable<ActivityResponse>
          title={`Runs of ${shown.Name || shown.Id}`}
          description="Each run (activity): its treatment, state, and how many endpoints it processed and queued."
          noun="runs"
          list={runs}
          trackBy="Id"
          columns={[
            { id: 'id', header: 'Id', cell: (r) => r.Id, isRowHeader: true },
            { id: 'treatment', header: 'TreatmentId', cell: (r) => r.TreatmentId ?? '-' },
            {
              id: 'state',
              header: 'State',
              cell: (r) => (
                <StatusIndicator type={r.AwaitingApproval ? 'pending' : stateType(r.State)}>
                  <span data-testid="run-state">{r.AwaitingApproval ? 'Awaiting approval' : (r.State ?? '-')}</span>
                </StatusIndicator>
              ),
            },
            { id: 'start', header: 'Start', cell: (r) => formatDate(r.Start) },
            { id: 'total', header: 'Processed', cell: (r) => <span data-testid="run-total">{String(r.TotalEndpointCount ?? 0)}</span> },
            { id: 'queued', header: 'Queued', cell: (r) => <span data-testid="run-queued">{String(r.SuccessfulEndpointCount ?? 0)}</span> },
            { id: 'counts', header: 'Counts', cell: (r) => countsText(r.Counts) },
          ]}
        />
      )}
      <CreateCampaign appId={appId} segments={segments.data ?? []} onCreated={campaigns.reload} />
      <ConfirmModal
        visible={pending !== undefined}
        header={pending ? modalHeader(pending) : ''}
        actionLabel={pending ? actionLabel(pending) : ''}
        confirmText={pending?.kind === 'delete' ? pending.campaign.Name || pending.campaign.Id : undefined}
        busy={action.busy}
        error={action.failure}
        onConfirm={() => void action.confirm(act)}
        onDismiss={action.dismiss}
      >
        {pending && <SpaceBetween size="s">
          <Box>{modalText(pending)}</Box>
          {pending.kind === 'reject' && (
            <TextField label="Reason" description="Sent back to the chain with its rejection." value={reason} onChange={setReason} />
          )}
        </SpaceBetween>}
      </ConfirmModal>
    </AppPage>
  );
}

type Channel = 'SMS' | 'EMAIL';
type When = 'IMMEDIATE' | 'AT' | 'RECURRING';
type Frequency = 'HOURLY' | 'DAILY' | 'WEEKLY' | 'MONTHLY';

/** The campaign's message for its channel: written here, or a stored template (TemplateConfiguration). */
function messageOf(channel: Channel, fields: { body: string; messageType: 'TRANSACTIONAL' | 'PROMOTIONAL'; from: string; subject: string; html: string }): CampaignMessageConfiguration {
  return channel === 'SMS'
    ? { SMSMessage: { Body: fields.body.trim(), MessageType: fields.messageType } }
    : { EmailMessage: { FromAddress: fields.from.trim(), Title: fields.subject.trim(), HtmlBody: fields.html } };
}

function scheduleOf(when: When, frequency: Frequency, startTime: string, endTime: string): CampaignSchedule {
  if (when === 'IMMEDIATE') return { StartTime: 'IMMEDIATE' };
  const start = new Date(startTime).toISOString();
  if (when === 'AT') return { StartTime: start, Frequency: 'ONCE' };
  return { StartTime: start, Frequency: frequency, EndTime: new Date(endTime).toISOString() };
}

function CreateCampaign(props: { appId: string; segments: { Id: string; Name?: string }[]; onCreated: () => void }) {
  const { api } = useConsole();
  const flash = useFlash();
  const creation = useBusyAction(props.onCreated);
  const templates = useLoad(() => api.allTemplates(), [api]);
  useLoadErrorFlash(templates.error, 'Could not load the templates');
  const [name, setName] = useState('');
  const [segmentId, setSegmentId] = useState('');
  const [channel, setChannel] = useState<Channel>('SMS');
  const [source, setSource] = useState<'TEXT' | 'TEMPLATE'>('TEXT');
  const [templateName, setTemplateName] = useState('');
  const [body, setBody] = useState('');
  const [messageType, setMessageType] = useState<'TRANSACTIONAL' | 'PROMOTIONAL'>('PROMOTIONAL');
  const [from, setFrom] = useState('');
  const [subject, setSubject] = useState('');
  const [html, setHtml] = useState('');
  const [when, setWhen] = useState<When>('IMMEDIATE');
  const [frequency, setFrequency] = useState<Frequency>('DAILY');
  const [startTime, setStartTime] = useState('');
  const [endTime, setEndTime] = useState('');
  const [holdout, setHoldout] = useState('0');
  const [treatmentText, setTreatmentText] = useState('');
  const [treatmentPercent, setTreatmentPercent] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});

  function check(): Record<string, string> {
    const found: Record<string, string> = {};
    if (!name.trim()) found.name = 'Enter a name.';
    if (!segmentId) found.segment = 'Choose a segment.';
    if (source === 'TEMPLATE' && !templateName) found.template = `Choose an ${channel === 'SMS' ? 'SMS' : 'email'} template.`;
    if (source === 'TEXT' && channel === 'SMS' && !body.trim()) found.body = 'Enter the message.';
    if (source === 'TEXT' && channel === 'EMAIL') {
      if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(from.trim())) found.from = 'Enter the address it comes from, such as news@example.com.';
      if (!subject.trim()) found.subject = 'Enter a subject.';
      if (!html.trim()) found.html = 'Enter the HTML body.';
    }
    const start = Date.parse(startTime);
    if (when !== 'IMMEDIATE' && Number.isNaN(start)) found.start = 'Enter a time such as 2027-01-05T09:00:00Z.';
    if (when === 'RECURRING' && !(Date.parse(endTime) > start)) found.end = 'Enter a time after the start time.';
    const held = Number(holdout || '0');
    if (!Number.isInteger(held) || held < 0 || held > 100) found.holdout = 'A whole number from 0 to 100.';
    const split = Number(treatmentPercent);
    if (source === 'TEXT' && treatmentText.trim() && (!Number.isInteger(split) || split < 1 || split > 99)) {
      found.treatment = 'A whole number from 1 to 99: the share of the audience the treatment gets.';
    }
    return found;
  }

  async function create(event: FormEvent) {
    event.preventDefault();
    const found = check();
    setErrors(found);
    if (Object.keys(found).length) return;
    const fields = { body, messageType, from, subject, html };
    const message: Partial<WriteCampaignRequest> =
      source === 'TEMPLATE'
        ? { TemplateConfiguration: channel === 'SMS' ? { SMSTemplate: { Name: templateName } } : { EmailTemplate: { Name: templateName } } }
        : { MessageConfiguration: messageOf(channel, fields) };
    // Treatment B: another text for SMS, another subject line for email (the same body).
    const treatment = channel === 'SMS' ? { ...fields, body: treatmentText } : { ...fields, subject: treatmentText };
    const request: WriteCampaignRequest = {
      Name: name.trim(),
      SegmentId: segmentId,
      HoldoutPercent: Number(holdout || '0'),
      Schedule: scheduleOf(when, frequency, startTime, endTime),
      ...message,
      ...(treatmentText.trim() && source === 'TEXT'
        ? { AdditionalTreatments: [{ SizePercent: Number(treatmentPercent), TreatmentName: 'B', MessageConfiguration: messageOf(channel, treatment) }] }
        : {}),
    };
    await creation.run('Could not create the campaign', async () => {
      const campaign = await api.createCampaign(props.appId, request);
      flash.success(`Created campaign ${campaign.Name ?? campaign.Id}`, `Its id is ${campaign.Id}; its state is ${status(campaign)}.`);
      setName('');
      setBody('');
      setSubject('');
      setHtml('');
      setTreatmentText('');
      setTreatmentPercent('');
    });
  }

  const options = props.segments.map((s) => ({ value: s.Id, label: s.Name || s.Id, description: s.Id }));
  const templateOptions = (templates.data ?? [])
    .filter((t) => t.TemplateType === channel) // a channel's name is its templates' type
    .map((t) => ({ value: t.TemplateName, label: t.TemplateName, description: t.TemplateDescription }));
  return (
    <CreateForm
      title="Create campaign"
      description="An SMS or email campaign to one segment, now, once later or on a recurring schedule; a treatment splits the audience for an A/B test."
      submit="Create campaign"
      busy={creation.busy}
      onSubmit={create}
    >
      <TextField label="Campaign name" error={errors.name} value={name} onChange={setName} />
      <FormField label="Segment" errorText={errors.segment}>
        <Select
          selectedOption={options.find((o) => o.value === segmentId) ?? null}
          onChange={(e) => setSegmentId(e.detail.selectedOption.value ?? '')}
          options={options}
          placeholder="Choose a segment"
          empty="No segments: create one on the Segments page"
          ariaLabel="Segment"
        />
      </FormField>
      <ColumnLayout columns={2}>
        <FormField label="Channel">
          <RadioGroup
            value={channel}
            onChange={(e) => { setChannel(e.detail.value as Channel); setTemplateName(''); }}
            items={[{ value: 'SMS', label: 'SMS' }, { value: 'EMAIL', label: 'Email' }]}
          />
        </FormField>
        <FormField label="Message from">
          <RadioGroup
            value={source}
            onChange={(e) => setSource(e.detail.value as 'TEXT' | 'TEMPLATE')}
            items={[
              { value: 'TEXT', label: 'Written here' },
              { value: 'TEMPLATE', label: 'A template', description: 'Email from a template comes from the application\'s email channel address.' },
            ]}
          />
        </FormField>
      </ColumnLayout>
      {source === 'TEMPLATE' && (
        <FormField label="Template" errorText={errors.template}>
          <Select
            selectedOption={templateOptions.find((o) => o.value === templateName) ?? null}
            onChange={(e) => setTemplateName(e.detail.selectedOption.value ?? '')}
            options={templateOptions}
            placeholder="Choose a template"
            statusType={templates.loading ? 'loading' : 'finished'}
            loadingText="Loading templates"
            empty={`No ${channel === 'SMS' ? 'SMS' : 'email'} templates: create one on the Templates page`}
            ariaLabel="Template"
          />
        </FormField>
      )}
      {source === 'TEXT' && channel === 'SMS' && (
        <TextField label="Message" description="The SMS text; {{Attributes.Name}} and the like are filled per endpoint." error={errors.body} value={body} onChange={setBody} />
      )}
      {source === 'TEXT' && channel === 'EMAIL' && (
        <SpaceBetween size="s">
          <ColumnLayout columns={2}>
            <TextField label="From address" error={errors.from} value={from} onChange={setFrom} placeholder="news@example.com" />
            <TextField label="Subject" error={errors.subject} value={subject} onChange={setSubject} />
          </ColumnLayout>
          <FormField label="HTML body" description="{{Attributes.Name}} and the like are filled per endpoint." errorText={errors.html}>
            <Textarea value={html} onChange={(e) => setHtml(e.detail.value)} ariaLabel="HTML body" rows={4} />
          </FormField>
        </SpaceBetween>
      )}
      {channel === 'SMS' && (
        <FormField label="Message type">
          <RadioGroup
            value={messageType}
            onChange={(e) => setMessageType(e.detail.value as 'TRANSACTIONAL' | 'PROMOTIONAL')}
            items={[
              { value: 'PROMOTIONAL', label: 'PROMOTIONAL', description: 'Marketing: opt-outs and quiet time apply' },
              { value: 'TRANSACTIONAL', label: 'TRANSACTIONAL', description: 'Critical or time-sensitive' },
            ]}
          />
        </FormField>
      )}
      <ColumnLayout columns={2}>
        <FormField label="When">
          <RadioGroup
            value={when}
            onChange={(e) => setWhen(e.detail.value as When)}
            items={[
              { value: 'IMMEDIATE', label: 'Immediately' },
              { value: 'AT', label: 'Once, at a time' },
              { value: 'RECURRING', label: 'Recurring', description: 'From the start time until the end time' },
            ]}
          />
        </FormField>
        <SpaceBetween size="s">
          <TextField label="Start time (UTC)" description="ISO 8601, for a later or recurring campaign." error={errors.start} value={startTime} onChange={setStartTime} placeholder="2027-01-05T09:00:00Z" />
          {when === 'RECURRING' && (
            <>
              <FormField label="Frequency">
                <Select
                  selectedOption={{ value: frequency, label: frequency }}
                  onChange={(e) => setFrequency(e.detail.selectedOption.value as Frequency)}
                  options={(['HOURLY', 'DAILY', 'WEEKLY', 'MONTHLY'] as const).map((f) => ({ value: f, label: f }))}
                  ariaLabel="Frequency"
                />
              </FormField>
              <TextField label="End time (UTC)" description="No run starts after it." error={errors.end} value={endTime} onChange={setEndTime} placeholder="2027-02-05T09:00:00Z" />
            </>
          )}
        </SpaceBetween>
      </ColumnLayout>
      <ColumnLayout columns={3}>
        <TextField label="Holdout percent" description="Share of the segment that gets nothing." error={errors.holdout} type="number" inputMode="numeric" value={holdout} onChange={setHoldout} />
        <TextField
          label={channel === 'SMS' ? 'Treatment B message (optional)' : 'Treatment B subject (optional)'}
          description={source === 'TEMPLATE' ? 'For a message written here.' : undefined}
          error={errors.treatment}
          value={treatmentText}
          onChange={setTreatmentText}
          disabled={source === 'TEMPLATE'}
        />
        <TextField label="Treatment B percent" description="Its share of the audience." type="number" inputMode="numeric" value={treatmentPercent} onChange={setTreatmentPercent} disabled={source === 'TEMPLATE'} />
      </ColumnLayout>
    </CreateForm>
  );
}

function status(campaign: CampaignResponse): string {
  if (campaign.IsPaused) return 'PAUSED';
  return campaign.State?.CampaignStatus ?? campaign.DefaultState?.CampaignStatus ?? '-';
}

function stateType(state?: string): 'success' | 'error' | 'in-progress' | 'stopped' | 'info' {
  if (state === 'COMPLETED') return 'success';
  if (state === 'FAILED') return 'error';
  if (state === 'CANCELLED') return 'stopped';
  if (state === 'EXECUTING' || state === 'PENDING' || state === 'INITIALIZING') return 'in-progress';
  return 'info';
}

function countsText(counts?: Record<string, number>): string {
  const entries = Object.entries(counts ?? {}).filter(([, n]) => n);
  return entries.length ? entries.sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k} ${n}`).join(', ') : '-';
}

function modalHeader(pending: Pending): string {
  switch (pending.kind) {
    case 'pause': return `Pause ${pending.campaign.Name || pending.campaign.Id}?`;
    case 'resume': return `Resume ${pending.campaign.Name || pending.campaign.Id}?`;
    case 'delete': return `Delete ${pending.campaign.Name || pending.campaign.Id}?`;
    case 'approve': return `Approve run ${pending.run.Id}?`;
    case 'reject': return `Reject run ${pending.run.Id}?`;
  }
}

function actionLabel(pending: Pending): string {
  return { pause: 'Pause', resume: 'Resume', delete: 'Delete', approve: 'Approve', reject: 'Reject' }[pending.kind];
}

function modalText(pending: Pending): string {
  switch (pending.kind) {
    case 'pause': return 'No run starts while it is paused: its schedule and its events are ignored until it is resumed.';
    case 'resume': return 'Its schedule applies again from now.';
    case 'delete': return 'The campaign and its schedule are removed; a run already under way goes on.';
    case 'approve': return 'The chain goes on and this run sends to its segment.';
    case 'reject': return 'The run is cancelled and the chain ends, with the reason given.';
  }
}

// Message templates: the list (GET /v1/templates), a preview of a stored one rendered for an
// endpoint (the project's POST /v1/apps/{id}/template-previews; the endpoint's address comes back
// masked) and a form that creates a template of one channel, chosen first: email, SMS, voice or push
// (POST /v1/templates/{name}/email|sms|voice|push with botocore's EmailTemplateRequest,
// SMSTemplateRequest, VoiceTemplateRequest or PushNotificationTemplateRequest). Beside the form, a
// live preview: once an application and an endpoint are chosen, the parts being written are rendered
// for that endpoint (the same route with `Template`, the parts as the create request carries them)
// ~400 ms after each change; a template error (400) is shown in the preview itself.
// Every HTML part is shown in a sandboxed iframe with no permissions, so no script in a template
// runs in the console.
import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import ColumnLayout from '@cloudscape-design/components/column-layout';
import FormField from '@cloudscape-design/components/form-field';
import Grid from '@cloudscape-design/components/grid';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import Select from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import Textarea from '@cloudscape-design/components/textarea';
import Tiles from '@cloudscape-design/components/tiles';
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { ApiError } from '../api';
import { ApplicationSelect, useChosenApp } from '../components/ApplicationSelect';
import { useBusyAction } from '../components/busyAction';
import { CreateForm } from '../components/CreateForm';
import { ListTable } from '../components/ListTable';
import { Page } from '../components/Page';
import { Section } from '../components/Section';
import { usePage } from '../components/Shell';
import { TextField } from '../components/TextField';
import { useConsole } from '../context';
import { errorDetail, errorText, formatDate, useLoad } from '../hooks';
import { useFlash, useLoadErrorFlash } from '../components/notifications';
import type {
  EmailTemplateRequest,
  PushAction,
  PushNotificationTemplateRequest,
  SMSTemplateRequest,
  TemplatePreview,
  TemplateRequest,
  TemplateResponse,
  TemplateType,
  VoiceTemplateRequest,
} from '../types';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
const TYPES: readonly string[] = ['EMAIL', 'SMS', 'PUSH', 'VOICE', 'INAPP'];
/** The text parts shown first, in this order; any other part follows. */
const PARTS = ['Subject', 'TextPart', 'Title', 'Body'];
/** How long the live preview waits after a change before it asks for a rendering. */
const LIVE_DELAY_MS = 400;

type Channel = 'EMAIL' | 'SMS' | 'VOICE' | 'PUSH';

const CHANNELS: Record<Channel, { label: string; noun: string; description: string }> = {
  EMAIL: { label: 'Email', noun: 'email', description: 'Subject, HTML and text parts' },
  SMS: { label: 'SMS', noun: 'SMS', description: 'A text message' },
  VOICE: { label: 'Voice', noun: 'voice', description: 'A message spoken by a voice' },
  PUSH: { label: 'Push', noun: 'push', description: 'A notification to a device' },
};

const PUSH_ACTIONS: { value: PushAction; label: string; description: string }[] = [
  { value: 'OPEN_APP', label: 'OPEN_APP', description: 'Open the app' },
  { value: 'DEEP_LINK', label: 'DEEP_LINK', description: 'Open a page in the app' },
  { value: 'URL', label: 'URL', description: 'Open a web page' },
];

/** What the create form holds, every channel's fields at once (switching channel keeps them). */
interface Fields {
  subject: string;
  html: string;
  text: string;
  smsBody: string;
  voiceBody: string;
  languageCode: string;
  voiceId: string;
  pushTitle: string;
  pushBody: string;
  pushAction: PushAction;
  pushUrl: string;
  description: string;
  defaults: string;
}

const EMPTY: Fields = {
  subject: '',
  html: '',
  text: '',
  smsBody: '',
  voiceBody: '',
  languageCode: 'en-US',
  voiceId: 'Joanna',
  pushTitle: '',
  pushBody: '',
  pushAction: 'OPEN_APP',
  pushUrl: '',
  description: '',
  defaults: '',
};

/** The fields each channel's form shows, reset once its template is created. */
const CHANNEL_FIELDS: Record<Channel, (keyof Fields)[]> = {
  EMAIL: ['subject', 'html', 'text'],
  SMS: ['smsBody'],
  VOICE: ['voiceBody', 'languageCode', 'voiceId'],
  PUSH: ['pushTitle', 'pushBody', 'pushAction', 'pushUrl'],
};

/** The members every channel's request may carry. */
function common(f: Fields): { TemplateDescription?: string; DefaultSubstitutions?: string } {
  return {
    ...(f.description.trim() ? { TemplateDescription: f.description.trim() } : {}),
    ...(f.defaults.trim() ? { DefaultSubstitutions: f.defaults.trim() } : {}),
  };
}

function emailRequest(f: Fields): EmailTemplateRequest {
  return {
    Subject: f.subject,
    ...(f.html.trim() ? { HtmlPart: f.html } : {}),
    ...(f.text.trim() ? { TextPart: f.text } : {}),
    ...common(f),
  };
}

function smsRequest(f: Fields): SMSTemplateRequest {
  return { Body: f.smsBody, ...common(f) };
}

function voiceRequest(f: Fields): VoiceTemplateRequest {
  return { Body: f.voiceBody, LanguageCode: f.languageCode.trim(), VoiceId: f.voiceId.trim(), ...common(f) };
}

function pushRequest(f: Fields): PushNotificationTemplateRequest {
  return {
    Default: {
      ...(f.pushTitle.trim() ? { Title: f.pushTitle } : {}),
      ...(f.pushBody.trim() ? { Body: f.pushBody } : {}),
      Action: f.pushAction,
      ...(f.pushAction !== 'OPEN_APP' && f.pushUrl.trim() ? { Url: f.pushUrl.trim() } : {}),
    },
    ...common(f),
  };
}

/** The channel's create request, as the form holds it. */
function templateRequest(channel: Channel, f: Fields): TemplateRequest {
  if (channel === 'EMAIL') return emailRequest(f);
  if (channel === 'SMS') return smsRequest(f);
  if (channel === 'VOICE') return voiceRequest(f);
  return pushRequest(f);
}

/** What the channel's template still needs before it can be rendered (undefined: nothing). */
function unrenderable(channel: Channel, f: Fields): string | undefined {
  if (channel === 'EMAIL' && !f.html.trim() && !f.text.trim()) return 'Write an HTML part or a text part to see it rendered.';
  if (channel === 'SMS' && !f.smsBody.trim()) return 'Write the message body to see it rendered.';
  if (channel === 'VOICE' && !f.voiceBody.trim()) return 'Write the message body to see it rendered.';
  if (channel === 'PUSH' && !f.pushTitle.trim() && !f.pushBody.trim()) return 'Write a title or a body to see it rendered.';
  return undefined;
}

/** The form's errors, by field. */
function problems(channel: Channel, name: string, f: Fields): Record<string, string> {
  const found: Record<string, string> = {};
  if (!NAME.test(name.trim())) found.name = 'Letters, digits, hyphens and underscores, up to 128, starting with a letter or digit.';
  if (channel === 'EMAIL') {
    if (!f.subject.trim()) found.subject = 'Enter a subject.';
    if (!f.html.trim() && !f.text.trim()) found.html = 'Give an HTML part, a text part, or both.';
  } else if (channel === 'SMS') {
    if (!f.smsBody.trim()) found.smsBody = 'Enter the message body.';
  } else if (channel === 'VOICE') {
    if (!f.voiceBody.trim()) found.voiceBody = 'Enter the message body.';
    if (!f.languageCode.trim()) found.languageCode = 'Enter a language code, e.g. en-US.';
    if (!f.voiceId.trim()) found.voiceId = 'Enter a voice, e.g. Joanna.';
  } else {
    if (!f.pushTitle.trim() && !f.pushBody.trim()) found.pushBody = 'Give a title, a body, or both.';
    if (f.pushAction !== 'OPEN_APP' && !f.pushUrl.trim()) found.pushUrl = 'Enter the URL the notification opens.';
  }
  if (f.defaults.trim()) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(f.defaults);
    } catch {
      parsed = undefined;
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      found.defaults = 'A JSON object of default values, e.g. {"Plan": "basic"}.';
    }
  }
  return found;
}

export default function TemplatesPage() {
  usePage('Templates', [{ text: 'Templates', href: '#/templates' }]);
  const { api } = useConsole();
  const flash = useFlash();
  const templates = useLoad(() => api.allTemplates(), [api]);
  const [channel, setChannel] = useState<Channel>('EMAIL');
  const [name, setName] = useState('');
  const [fields, setFields] = useState<Fields>(EMPTY);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const creation = useBusyAction(templates.reload);
  const noun = CHANNELS[channel].noun;
  const field = (key: keyof Fields) => (value: string) => setFields((current) => ({ ...current, [key]: value }));
  const request = useMemo(() => templateRequest(channel, fields), [channel, fields]);
  useLoadErrorFlash(templates.error, 'Could not load templates');

  async function create(event: FormEvent) {
    event.preventDefault();
    const found = problems(channel, name, fields);
    setErrors(found);
    if (Object.keys(found).length) return;
    const templateName = name.trim();
    await creation.run('Could not create the template', async () => {
      if (channel === 'EMAIL') await api.createEmailTemplate(templateName, emailRequest(fields));
      else if (channel === 'SMS') await api.createSmsTemplate(templateName, smsRequest(fields));
      else if (channel === 'VOICE') await api.createVoiceTemplate(templateName, voiceRequest(fields));
      else await api.createPushTemplate(templateName, pushRequest(fields));
      flash.success(`Created ${noun} template ${templateName}`);
      setName('');
      setFields((current) => {
        const next = { ...current, description: '', defaults: '' };
        for (const key of CHANNEL_FIELDS[channel]) (next as Record<keyof Fields, string>)[key] = EMPTY[key];
        return next;
      });
    });
  }

  return (
    <Page title="Templates" description="Reusable message content for every channel.">
      <ListTable<TemplateResponse>
        title="Templates"
        list={templates}
        trackBy={(t) => `${t.TemplateType}/${t.TemplateName}`}
        columns={[
          { id: 'name', header: 'TemplateName', cell: (t) => t.TemplateName, sortingField: 'TemplateName', isRowHeader: true },
          { id: 'type', header: 'TemplateType', cell: (t) => t.TemplateType, sortingField: 'TemplateType' },
          { id: 'description', header: 'TemplateDescription', cell: (t) => t.TemplateDescription || '-' },
          { id: 'version', header: 'Version', cell: (t) => t.Version ?? '-' },
          { id: 'modified', header: 'LastModifiedDate', cell: (t) => formatDate(t.LastModifiedDate), sortingField: 'LastModifiedDate' },
        ]}
      />
      <PreviewForm templates={templates.data ?? []} loading={templates.loading} />
      <Grid gridDefinition={[{ colspan: { default: 12, s: 7 } }, { colspan: { default: 12, s: 5 } }]}>
        <CreateForm
          title="Create template"
          description="Choose the channel first; {{Attribute}} placeholders are filled in at send time."
          submit={`Create ${noun} template`}
          busy={creation.busy}
          onSubmit={create}
        >
          <FormField label="Channel">
            <Tiles
              value={channel}
              columns={4}
              onChange={(e) => {
                setChannel(e.detail.value as Channel);
                setErrors({});
              }}
              items={(Object.keys(CHANNELS) as Channel[]).map((key) => ({
                value: key,
                label: CHANNELS[key].label,
                description: CHANNELS[key].description,
              }))}
            />
          </FormField>
          <TextField label="Template name" error={errors.name} value={name} onChange={setName} placeholder={`welcome-${channel.toLowerCase()}`} />
          <ChannelFields channel={channel} fields={fields} errors={errors} set={field} />
          <TextField label="Description" description="Optional: what the template is for." error={errors.description} value={fields.description} onChange={field('description')} />
          <TextField
            label="Default substitutions"
            description='Optional: a JSON object of values for placeholders an endpoint has no value for, e.g. {"Plan": "basic"}.'
            error={errors.defaults}
            value={fields.defaults}
            onChange={field('defaults')}
            spellcheck={false}
          />
        </CreateForm>
        <LivePreview type={channel} template={request} unrenderable={unrenderable(channel, fields)} />
      </Grid>
    </Page>
  );
}

/** The fields of the chosen channel's template. */
function ChannelFields(props: {
  channel: Channel;
  fields: Fields;
  errors: Record<string, string>;
  set: (key: keyof Fields) => (value: string) => void;
}) {
  const { channel, fields: f, errors, set } = props;
  if (channel === 'EMAIL') {
    return (
      <>
        <TextField label="Subject" error={errors.subject} value={f.subject} onChange={set('subject')} placeholder="Welcome, {{User.UserAttributes.FirstName}}" />
        <FormField label="HTML part" description="The message body as HTML; {{Attribute}} placeholders are filled in at send time." errorText={errors.html}>
          <Textarea value={f.html} onChange={(e) => set('html')(e.detail.value)} rows={8} spellcheck={false} />
        </FormField>
        <FormField label="Text part" description="The plain-text body, for clients that show no HTML.">
          <Textarea value={f.text} onChange={(e) => set('text')(e.detail.value)} rows={5} />
        </FormField>
      </>
    );
  }
  if (channel === 'SMS') {
    return (
      <FormField label="Body" description="The text message; {{Attribute}} placeholders are filled in at send time." errorText={errors.smsBody}>
        <Textarea value={f.smsBody} onChange={(e) => set('smsBody')(e.detail.value)} rows={5} placeholder="Hi {{User.UserAttributes.FirstName}}" />
      </FormField>
    );
  }
  if (channel === 'VOICE') {
    return (
      <>
        <FormField label="Body" description="The words spoken; {{Attribute}} placeholders are filled in at send time." errorText={errors.voiceBody}>
          <Textarea value={f.voiceBody} onChange={(e) => set('voiceBody')(e.detail.value)} rows={5} />
        </FormField>
        <ColumnLayout columns={2}>
          <TextField label="Language code" description="The language of the message, e.g. en-US." error={errors.languageCode} value={f.languageCode} onChange={set('languageCode')} />
          <TextField label="Voice ID" description="The voice that speaks it, e.g. Joanna." error={errors.voiceId} value={f.voiceId} onChange={set('voiceId')} />
        </ColumnLayout>
      </>
    );
  }
  const action = PUSH_ACTIONS.find((option) => option.value === f.pushAction) ?? PUSH_ACTIONS[0];
  return (
    <>
      <TextField label="Title" description="The notification's title, for every platform (Default)." error={errors.pushTitle} value={f.pushTitle} onChange={set('pushTitle')} />
      <FormField label="Body" description="The notification's text; {{Attribute}} placeholders are filled in at send time." errorText={errors.pushBody}>
        <Textarea value={f.pushBody} onChange={(e) => set('pushBody')(e.detail.value)} rows={4} />
      </FormField>
      <FormField label="Action" description="What a tap on the notification does.">
        <Select
          selectedOption={action}
          options={PUSH_ACTIONS}
          onChange={(e) => set('pushAction')(e.detail.selectedOption.value ?? 'OPEN_APP')}
        />
      </FormField>
      {f.pushAction !== 'OPEN_APP' && (
        <TextField label="URL" description="The page the notification opens." error={errors.pushUrl} value={f.pushUrl} onChange={set('pushUrl')} type="url" />
      )}
    </>
  );
}

interface LiveResult {
  /** What was rendered: a change to any of it hides the result until the next one arrives. */
  key: string;
  parts?: TemplatePreview;
  error?: unknown;
}

/** The template being written, rendered for one endpoint of a chosen application as it changes. */
function LivePreview(props: { type: Channel; template: TemplateRequest; unrenderable: string | undefined }) {
  const { type, unrenderable: waiting } = props;
  const { api } = useConsole();
  const [app, chooseApp] = useChosenApp();
  const [endpointId, setEndpointId] = useState('');
  const [rendering, setRendering] = useState(false);
  const [result, setResult] = useState<LiveResult>();

  const endpoint = endpointId.trim();
  const template = JSON.stringify(props.template);
  const ready = Boolean(app && endpoint && !waiting);

  useEffect(() => {
    if (!app || !endpoint || waiting) {
      setRendering(false);
      setResult(undefined);
      return;
    }
    let current = true;
    const key = JSON.stringify([app, endpoint, type]);
    setRendering(true);
    const timer = window.setTimeout(() => {
      api
        .previewTemplate(app, { TemplateType: type, EndpointId: endpoint, Template: JSON.parse(template) as TemplateRequest })
        .then((parts) => current && setResult({ key, parts: parts ?? {} }))
        .catch((e: unknown) => current && setResult({ key, error: e }))
        .finally(() => current && setRendering(false));
    }, LIVE_DELAY_MS);
    return () => {
      current = false;
      window.clearTimeout(timer);
    };
  }, [api, app, endpoint, type, template, waiting]);

  // A result for another application, endpoint or channel is not shown while the next one renders.
  const shown = ready && result?.key === JSON.stringify([app, endpoint, type]) ? result : undefined;
  const invalid = shown?.error instanceof ApiError && shown.error.status === 400;
  return (
    <Section
      title="Live preview"
      description="The template as you write it, rendered for one endpoint; its address is always masked."
      testId="live-preview"
    >
      <SpaceBetween size="m">
        <FormField label="Preview application">
          <ApplicationSelect appId={app} onChange={chooseApp} />
        </FormField>
        <TextField
          label="Preview endpoint ID"
          description="One of the application's endpoints, whose attributes fill the placeholders."
          value={endpointId}
          onChange={setEndpointId}
          data-testid="live-preview-endpoint"
        />
        {!app || !endpoint ? (
          <Box color="text-status-inactive">Choose an application and an endpoint to see the template rendered as you write it.</Box>
        ) : waiting ? (
          <Box color="text-status-inactive">{waiting}</Box>
        ) : (
          <SpaceBetween size="s">
            <div aria-live="polite">{rendering && <StatusIndicator type="loading">Rendering</StatusIndicator>}</div>
            {shown?.error !== undefined && (
              <Alert
                type="error"
                header={invalid ? 'The template does not render' : 'Could not preview the template'}
                data-testid="live-preview-error"
              >
                {invalid ? errorText(shown.error) : [errorText(shown.error), errorDetail(shown.error)].filter(Boolean).join(' · ')}
              </Alert>
            )}
            {shown?.parts && (
              <RenderedParts
                parts={flattened(shown.parts)}
                testId="live-preview"
                ariaLabel="Live rendered parts"
                htmlTitle="Live HTML preview"
                htmlHeight={280}
              />
            )}
          </SpaceBetween>
        )}
      </SpaceBetween>
    </Section>
  );
}

/** The parts with each object part's members as parts of their own (PUSH: Default.Title, ...). */
function flattened(parts: TemplatePreview): TemplatePreview {
  const flat: TemplatePreview = {};
  for (const [name, value] of Object.entries(parts)) {
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      for (const [member, inner] of Object.entries(value as Record<string, unknown>)) flat[`${name}.${member}`] = inner;
    } else {
      flat[name] = value;
    }
  }
  return flat;
}

interface Previewed {
  template: string;
  type: string;
  endpointId: string;
  appLabel: string;
  parts: TemplatePreview;
}

/** Renders a chosen template for one endpoint of a chosen application. */
function PreviewForm({ templates, loading }: { templates: TemplateResponse[]; loading: boolean }) {
  const { api, apps } = useConsole();
  const [templateKey, setTemplateKey] = useState<string | null>(null);
  const [app, chooseApp] = useChosenApp();
  const [endpointId, setEndpointId] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const previewing = useBusyAction();
  const [previewed, setPreviewed] = useState<Previewed>();

  const templateOptions = templates
    .filter((t) => TYPES.includes(t.TemplateType))
    .map((t) => ({ value: `${t.TemplateType}/${t.TemplateName}`, label: t.TemplateName, tags: [t.TemplateType] }));
  const template = templateOptions.find((option) => option.value === templateKey) ?? null;

  async function preview(event: FormEvent) {
    event.preventDefault();
    const found: Record<string, string> = {};
    if (!template) found.template = 'Choose a template.';
    if (!app) found.app = 'Choose an application.';
    if (!endpointId.trim()) found.endpointId = 'Enter the id of one of the application\'s endpoints.';
    setErrors(found);
    if (!template || !app || Object.keys(found).length) return;
    const type = template.value.slice(0, template.value.indexOf('/'));
    const appLabel = apps.data?.find((a) => a.Id === app)?.Name || app;
    const shown = await previewing.run('Could not preview the template', async () => {
      const parts = await api.previewTemplate(app, {
        TemplateName: template.label,
        TemplateType: type as TemplateType,
        EndpointId: endpointId.trim(),
      });
      setPreviewed({ template: template.label, type, endpointId: endpointId.trim(), appLabel, parts: parts ?? {} });
    });
    if (!shown) setPreviewed(undefined);
  }

  return (
    <form onSubmit={preview}>
      <Section
        title="Preview for an endpoint"
        description="A template rendered with one endpoint's attributes; the endpoint's address is always masked."
        testId="template-preview"
      >
        <SpaceBetween size="l">
          <ColumnLayout columns={3}>
            <FormField label="Template" errorText={errors.template}>
              <Select
                selectedOption={template}
                options={templateOptions}
                onChange={(e) => setTemplateKey(e.detail.selectedOption.value ?? null)}
                placeholder="Choose a template"
                filteringType="auto"
                filteringAriaLabel="Filter templates"
                statusType={loading ? 'loading' : 'finished'}
                loadingText="Loading templates"
                empty="No templates yet"
              />
            </FormField>
            <FormField label="Application" errorText={errors.app}>
              <ApplicationSelect appId={app} onChange={chooseApp} />
            </FormField>
            <TextField label="Endpoint ID" error={errors.endpointId} value={endpointId} onChange={setEndpointId} data-testid="template-preview-endpoint" />
          </ColumnLayout>
          <Box>
            <Button variant="primary" loading={previewing.busy}>
              Preview
            </Button>
          </Box>
          {previewed && <PreviewView previewed={previewed} />}
        </SpaceBetween>
      </Section>
    </form>
  );
}

function PreviewView({ previewed }: { previewed: Previewed }) {
  return (
    <SpaceBetween size="m">
      <Box variant="h3" padding="n">
        {previewed.template} ({previewed.type}) for endpoint {previewed.endpointId} of {previewed.appLabel}
      </Box>
      <RenderedParts parts={previewed.parts} testId="template-preview" ariaLabel="Rendered parts" htmlTitle="HTML preview" htmlHeight={360} />
    </SpaceBetween>
  );
}

/** A template's rendered parts: the text parts as text (`<testId>-<Part>`), the HTML part in a
 * sandboxed iframe (`<testId>-html`). */
function RenderedParts(props: { parts: TemplatePreview; testId: string; ariaLabel: string; htmlTitle: string; htmlHeight: number }) {
  const { parts, testId } = props;
  const html = typeof parts.HtmlPart === 'string' ? parts.HtmlPart : undefined;
  const names = Object.keys(parts).filter((name) => name !== 'HtmlPart' && parts[name] !== undefined && parts[name] !== null);
  names.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return (
    <SpaceBetween size="m">
      <div data-testid={`${testId}-result`}>
        {names.length ? (
          <KeyValuePairs
            columns={1}
            ariaLabel={props.ariaLabel}
            items={names.map((name) => ({
              label: name,
              value: (
                <div data-testid={`${testId}-${name}`} style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
                  {typeof parts[name] === 'string' ? (parts[name] as string) : JSON.stringify(parts[name], null, 2)}
                </div>
              ),
            }))}
          />
        ) : (
          !html && <Box color="text-status-inactive">The template has no text parts.</Box>
        )}
      </div>
      {html !== undefined && (
        <SpaceBetween size="xs">
          <Box variant="h3" padding="n">
            HtmlPart
          </Box>
          <iframe
            title={props.htmlTitle}
            sandbox=""
            srcDoc={html}
            data-testid={`${testId}-html`}
            style={{ width: '100%', height: props.htmlHeight, border: '1px solid #b6bec9', borderRadius: 8, background: '#fff' }}
          />
        </SpaceBetween>
      )}
    </SpaceBetween>
  );
}

function rank(name: string): number {
  const index = PARTS.indexOf(name.slice(name.lastIndexOf('.') + 1));
  return index < 0 ? PARTS.length : index;
}

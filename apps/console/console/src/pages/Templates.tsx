// Message templates: the list (GET /v1/templates), a preview of one rendered for an endpoint (the
// project's POST /v1/apps/{id}/template-previews; the endpoint's address comes back masked) and a
// form that creates an email template (POST /v1/templates/{name}/email, EmailTemplateRequest).
// The preview's HTML part is shown in a sandboxed iframe with no permissions, so no script in a
// template runs in the console.
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import ColumnLayout from '@cloudscape-design/components/column-layout';
import Container from '@cloudscape-design/components/container';
import ContentLayout from '@cloudscape-design/components/content-layout';
import Form from '@cloudscape-design/components/form';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import Select from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Textarea from '@cloudscape-design/components/textarea';
import { useEffect, useState, type FormEvent } from 'react';
import { ListTable } from '../components/ListTable';
import { usePage } from '../components/Shell';
import { useConsole } from '../context';
import { errorText, formatDate, useLoad } from '../hooks';
import { useFlash } from '../components/notifications';
import type { TemplatePreview, TemplateResponse, TemplateType } from '../types';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
const TYPES: readonly string[] = ['EMAIL', 'SMS', 'PUSH', 'VOICE', 'INAPP'];
/** The text parts shown first, in this order; any other part follows. */
const PARTS = ['Subject', 'TextPart', 'Title', 'Body'];

export default function TemplatesPage() {
  usePage('Templates', [{ text: 'Templates', href: '#/templates' }]);
  const { api } = useConsole();
  const flash = useFlash();
  const templates = useLoad(() => api.allTemplates(), [api]);
  const [name, setName] = useState('');
  const [subject, setSubject] = useState('');
  const [html, setHtml] = useState('');
  const [text, setText] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [creating, setCreating] = useState(false);

  useEffect(() => {
    if (templates.error) flash.error(templates.error, 'Could not load templates');
  }, [templates.error, flash.error]);

  async function create(event: FormEvent) {
    event.preventDefault();
    const found: Record<string, string> = {};
    if (!NAME.test(name.trim())) found.name = 'Letters, digits, hyphens and underscores, up to 128, starting with a letter or digit.';
    if (!subject.trim()) found.subject = 'Enter a subject.';
    if (!html.trim() && !text.trim()) found.html = 'Give an HTML part, a text part, or both.';
    setErrors(found);
    if (Object.keys(found).length) return;
    setCreating(true);
    try {
      await api.createEmailTemplate(name.trim(), {
        Subject: subject,
        ...(html.trim() ? { HtmlPart: html } : {}),
        ...(text.trim() ? { TextPart: text } : {}),
      });
      flash.success(`Created email template ${name.trim()}`);
      setName('');
      setSubject('');
      setHtml('');
      setText('');
      templates.reload();
    } catch (e) {
      flash.error(e, 'Could not create the template');
    } finally {
      setCreating(false);
    }
  }

  return (
    <ContentLayout header={<Header variant="h1" description="Reusable message content for every channel.">Templates</Header>}>
      <SpaceBetween size="l">
        <ListTable<TemplateResponse>
          title="Templates"
          noun="templates"
          items={templates.data ?? []}
          loading={templates.loading}
          trackBy={(t) => `${t.TemplateType}/${t.TemplateName}`}
          actions={<Button iconName="refresh" onClick={templates.reload} ariaLabel="Refresh templates">Refresh</Button>}
          columns={[
            { id: 'name', header: 'TemplateName', cell: (t) => t.TemplateName, sortingField: 'TemplateName', isRowHeader: true },
            { id: 'type', header: 'TemplateType', cell: (t) => t.TemplateType, sortingField: 'TemplateType' },
            { id: 'description', header: 'TemplateDescription', cell: (t) => t.TemplateDescription || '-' },
            { id: 'version', header: 'Version', cell: (t) => t.Version ?? '-' },
            { id: 'modified', header: 'LastModifiedDate', cell: (t) => formatDate(t.LastModifiedDate), sortingField: 'LastModifiedDate' },
          ]}
        />
        <PreviewForm templates={templates.data ?? []} loading={templates.loading} />
        <form onSubmit={create}>
          <Form actions={<Button variant="primary" loading={creating}>Create email template</Button>}>
            <Container header={<Header variant="h2">Create email template</Header>}>
              <SpaceBetween size="m">
                <FormField label="Template name" errorText={errors.name}>
                  <Input value={name} onChange={(e) => setName(e.detail.value)} placeholder="welcome-email" />
                </FormField>
                <FormField label="Subject" errorText={errors.subject}>
                  <Input value={subject} onChange={(e) => setSubject(e.detail.value)} placeholder="Welcome, {{User.UserAttributes.FirstName}}" />
                </FormField>
                <FormField label="HTML part" description="The message body as HTML; {{Attribute}} placeholders are filled in at send time." errorText={errors.html}>
                  <Textarea value={html} onChange={(e) => setHtml(e.detail.value)} rows={8} spellcheck={false} />
                </FormField>
                <FormField label="Text part" description="The plain-text body, for clients that show no HTML.">
                  <Textarea value={text} onChange={(e) => setText(e.detail.value)} rows={5} />
                </FormField>
              </SpaceBetween>
            </Container>
          </Form>
        </form>
      </SpaceBetween>
    </ContentLayout>
  );
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
  const { api, apps, lastAppId, setLastAppId } = useConsole();
  const flash = useFlash();
  const [templateKey, setTemplateKey] = useState<string | null>(null);
  const [appId, setAppId] = useState<string | null>(null);
  const [endpointId, setEndpointId] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [previewing, setPreviewing] = useState(false);
  const [previewed, setPreviewed] = useState<Previewed>();

  const templateOptions = templates
    .filter((t) => TYPES.includes(t.TemplateType))
    .map((t) => ({ value: `${t.TemplateType}/${t.TemplateName}`, label: t.TemplateName, tags: [t.TemplateType] }));
  const template = templateOptions.find((option) => option.value === templateKey) ?? null;
  const app = appId ?? lastAppId;
  const appOptions = (apps.data ?? []).map((a) => ({ value: a.Id, label: a.Name || a.Id, description: a.Id }));
  const appOption = appOptions.find((option) => option.value === app) ?? (app ? { value: app, label: app } : null);

  async function preview(event: FormEvent) {
    event.preventDefault();
    const found: Record<string, string> = {};
    if (!template) found.template = 'Choose a template.';
    if (!app) found.app = 'Choose an application.';
    if (!endpointId.trim()) found.endpointId = 'Enter the id of one of the application\'s endpoints.';
    setErrors(found);
    if (!template || !app || Object.keys(found).length) return;
    const type = template.value.slice(0, template.value.indexOf('/'));
    setPreviewing(true);
    try {
      const parts = await api.previewTemplate(app, {
        TemplateName: template.label,
        TemplateType: type as TemplateType,
        EndpointId: endpointId.trim(),
      });
      setPreviewed({ template: template.label, type, endpointId: endpointId.trim(), appLabel: appOption?.label ?? app, parts: parts ?? {} });
    } catch (e) {
      setPreviewed(undefined);
      flash.error(e, 'Could not preview the template');
    } finally {
      setPreviewing(false);
    }
  }

  return (
    <form onSubmit={preview}>
      <Container
        header={
          <Header variant="h2" description="A template rendered with one endpoint's attributes; the endpoint's address is always masked.">
            Preview for an endpoint
          </Header>
        }
        data-testid="template-preview"
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
              <Select
                selectedOption={appOption}
                options={appOptions}
                onChange={(e) => {
                  const id = e.detail.selectedOption.value;
                  if (!id) return;
                  setAppId(id);
                  setLastAppId(id);
                }}
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
            <FormField label="Endpoint ID" errorText={errors.endpointId}>
              <Input value={endpointId} onChange={(e) => setEndpointId(e.detail.value)} data-testid="template-preview-endpoint" />
            </FormField>
          </ColumnLayout>
          <Box>
            <Button variant="primary" loading={previewing}>
              Preview
            </Button>
          </Box>
          {previewed && <PreviewView previewed={previewed} />}
        </SpaceBetween>
      </Container>
    </form>
  );
}

function PreviewView({ previewed }: { previewed: Previewed }) {
  const { parts } = previewed;
  const html = typeof parts.HtmlPart === 'string' ? parts.HtmlPart : undefined;
  const names = Object.keys(parts).filter((name) => name !== 'HtmlPart' && parts[name] !== undefined && parts[name] !== null);
  names.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return (
    <SpaceBetween size="m">
      <Box variant="h3" padding="n">
        {previewed.template} ({previewed.type}) for endpoint {previewed.endpointId} of {previewed.appLabel}
      </Box>
      <div data-testid="template-preview-result">
        {names.length ? (
          <KeyValuePairs
            columns={1}
            ariaLabel="Rendered parts"
            items={names.map((name) => ({
              label: name,
              value: (
                <div data-testid={`template-preview-${name}`} style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
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
            title="HTML preview"
            sandbox=""
            srcDoc={html}
            data-testid="template-preview-html"
            style={{ width: '100%', height: 360, border: '1px solid #b6bec9', borderRadius: 8, background: '#fff' }}
          />
        </SpaceBetween>
      )}
    </SpaceBetween>
  );
}

function rank(name: string): number {
  const index = PARTS.indexOf(name);
  return index < 0 ? PARTS.length : index;
}

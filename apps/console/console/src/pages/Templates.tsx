// Message templates: the list (GET /v1/templates) and a form that creates an email template
// (POST /v1/templates/{name}/email, EmailTemplateRequest).
import Button from '@cloudscape-design/components/button';
import Container from '@cloudscape-design/components/container';
import ContentLayout from '@cloudscape-design/components/content-layout';
import Form from '@cloudscape-design/components/form';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Textarea from '@cloudscape-design/components/textarea';
import { useEffect, useState, type FormEvent } from 'react';
import { ListTable } from '../components/ListTable';
import { usePage } from '../components/Shell';
import { useConsole } from '../context';
import { formatDate, useLoad } from '../hooks';
import { useFlash } from '../components/notifications';
import type { TemplateResponse } from '../types';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

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

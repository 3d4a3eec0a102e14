// One application: its details, its settings (GET/PUT /v1/apps/{id}/settings — Limits and
// QuietTime; a member sent replaces the stored one whole, an empty QuietTime removes it), and
// Delete application behind a Modal where the application's name must be typed.
import Button from '@cloudscape-design/components/button';
import ColumnLayout from '@cloudscape-design/components/column-layout';
import Container from '@cloudscape-design/components/container';
import ContentLayout from '@cloudscape-design/components/content-layout';
import Form from '@cloudscape-design/components/form';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Spinner from '@cloudscape-design/components/spinner';
import TimeInput from '@cloudscape-design/components/time-input';
import { useEffect, useState, type FormEvent } from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import { useBusyAction } from '../components/busyAction';
import { ConfirmModal } from '../components/ConfirmModal';
import { useFollow, usePage } from '../components/Shell';
import { useConsole } from '../context';
import { errorText, formatDate, useLoad } from '../hooks';
import { useFlash } from '../components/notifications';
import type { ApplicationSettingsResource, CampaignLimits, WriteApplicationSettingsRequest } from '../types';

const LIMITS: { key: keyof CampaignLimits; label: string; constraint: string; min: number; max?: number }[] = [
  { key: 'Daily', label: 'Daily', constraint: 'Messages one endpoint may receive a day, 0-100 (0: no cap).', min: 0, max: 100 },
  { key: 'Total', label: 'Total', constraint: 'Messages one campaign may send one endpoint, 0-100.', min: 0, max: 100 },
  { key: 'MessagesPerSecond', label: 'MessagesPerSecond', constraint: 'Sending rate, 1-20,000.', min: 1, max: 20000 },
  { key: 'MaximumDuration', label: 'MaximumDuration', constraint: 'Seconds a campaign may run, at least 60.', min: 60 },
];

type LimitValues = Record<keyof CampaignLimits, string>;
const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;

export default function ApplicationDetailPage() {
  const { appId = '' } = useParams();
  const { api, apps, setLastAppId } = useConsole();
  const navigate = useNavigate();
  const follow = useFollow();
  const flash = useFlash();
  const app = useLoad(() => api.getApp(appId), [api, appId]);
  const settings = useLoad(() => api.getSettings(appId), [api, appId]);
  const name = app.data?.Name ?? appId;
  usePage(name, [
    { text: 'Applications', href: '#/apps' },
    { text: name, href: `#/apps/${encodeURIComponent(appId)}` },
  ]);

  const [limits, setLimits] = useState<LimitValues>({} as LimitValues);
  const [quietStart, setQuietStart] = useState('');
  const [quietEnd, setQuietEnd] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const saving = useBusyAction();
  const [deleting, setDeleting] = useState<'closed' | 'open' | 'busy'>('closed');
  const [deleteError, setDeleteError] = useState<string>();

  useEffect(() => setLastAppId(appId), [appId, setLastAppId]);
  useEffect(() => fill(settings.data), [settings.data]);
  useEffect(() => {
    if (app.error) flash.error(app.error, 'Could not load the application');
    else if (settings.error) flash.error(settings.error, 'Could not load the application settings');
  }, [app.error, settings.error, flash.error]);

  function fill(resource: ApplicationSettingsResource | undefined) {
    const values = {} as LimitValues;
    for (const { key } of LIMITS) values[key] = resource?.Limits?.[key]?.toString() ?? '';
    setLimits(values);
    setQuietStart(resource?.QuietTime?.Start ?? '');
    setQuietEnd(resource?.QuietTime?.End ?? '');
  }

  /** The request the form describes, or null when a field is invalid (errors are then shown). */
  function request(): WriteApplicationSettingsRequest | null {
    const found: Record<string, string> = {};
    // Limits are replaced whole: keep Session, which this form does not show.
    const written: CampaignLimits = { ...(settings.data?.Limits?.Session !== undefined ? { Session: settings.data.Limits.Session } : {}) };
    for (const { key, min, max } of LIMITS) {
      const text = (limits[key] ?? '').trim();
      if (!text) continue;
      const value = Number(text);
      if (!Number.isInteger(value) || value < min || (max !== undefined && value > max)) {
        found[key] = max !== undefined ? `A whole number from ${min} to ${max}.` : `A whole number, at least ${min}.`;
      } else written[key] = value;
    }
    const start = quietStart.trim();
    const end = quietEnd.trim();
    if (start && !HHMM.test(start)) found.start = 'A time as HH:MM (24-hour).';
    if (end && !HHMM.test(end)) found.end = 'A time as HH:MM (24-hour).';
    if (Boolean(start) !== Boolean(end)) found[start ? 'end' : 'start'] = 'Give both Start and End, or neither.';
    setErrors(found);
    if (Object.keys(found).length) return null;
    return { Limits: written, QuietTime: start ? { Start: start, End: end } : {} };
  }

  async function save(event: FormEvent) {
    event.preventDefault();
    const body = request();
    if (!body) return;
    await saving.run('Could not save the settings', async () => {
      fill(await api.updateSettings(appId, body));
      flash.success('Settings saved');
    });
  }

  async function remove() {
    setDeleting('busy');
    setDeleteError(undefined);
    try {
      await api.deleteApp(appId);
      setLastAppId(null);
      apps.reload();
      navigate('/apps', { state: { success: `Deleted application ${name}` } });
    } catch (e) {
      setDeleteError(errorText(e));
      setDeleting('open');
    }
  }

  return (
    <ContentLayout
      header={
        <Header
          variant="h1"
          description="Application details and settings"
          actions={
            <SpaceBetween direction="horizontal" size="xs">
              <Button href={`#/endpoints/${encodeURIComponent(appId)}`} onFollow={follow}>
                Endpoints
              </Button>
              <Button onClick={() => setDeleting('open')} disabled={!app.data}>
                Delete application
              </Button>
            </SpaceBetween>
          }
        >
          {app.loading ? 'Application' : name}
        </Header>
      }
    >
      <SpaceBetween size="l">
        <Container header={<Header variant="h2">Details</Header>}>
          {app.loading ? (
            <Spinner />
          ) : (
            <KeyValuePairs
              columns={3}
              items={[
                { label: 'Name', value: app.data?.Name ?? '-' },
                { label: 'Id', value: appId },
                { label: 'Arn', value: app.data?.Arn ?? '-' },
                { label: 'CreationDate', value: formatDate(app.data?.CreationDate) },
                { label: 'Settings last modified', value: formatDate(settings.data?.LastModifiedDate) },
              ]}
            />
          )}
        </Container>
        <form onSubmit={save}>
          <Form
            actions={
              <SpaceBetween direction="horizontal" size="xs">
                <Button formAction="none" onClick={() => fill(settings.data)} disabled={saving.busy}>
                  Reset
                </Button>
                <Button variant="primary" loading={saving.busy} disabled={settings.loading || !!settings.error}>
                  Save
                </Button>
              </SpaceBetween>
            }
          >
            <SpaceBetween size="l">
              <Container header={<Header variant="h2" description="Defaults for every campaign of the application; leave a field empty for none.">Limits</Header>}>
                <ColumnLayout columns={4}>
                  {LIMITS.map(({ key, label, constraint }) => (
                    <FormField key={key} label={label} constraintText={constraint} errorText={errors[key]}>
                      <Input
                        type="number"
                        inputMode="numeric"
                        value={limits[key] ?? ''}
                        onChange={(e) => setLimits({ ...limits, [key]: e.detail.value })}
                        disabled={settings.loading}
                      />
                    </FormField>
                  ))}
                </ColumnLayout>
              </Container>
              <Container header={<Header variant="h2" description="Hours in the endpoint's own time zone when no message is sent; leave both empty for none.">Quiet time</Header>}>
                <ColumnLayout columns={2}>
                  <FormField label="Start" constraintText="HH:MM, 24-hour." errorText={errors.start}>
                    <TimeInput format="hh:mm" placeholder="hh:mm" value={quietStart} onChange={(e) => setQuietStart(e.detail.value)} disabled={settings.loading} />
                  </FormField>
                  <FormField label="End" constraintText="HH:MM, 24-hour." errorText={errors.end}>
                    <TimeInput format="hh:mm" placeholder="hh:mm" value={quietEnd} onChange={(e) => setQuietEnd(e.detail.value)} disabled={settings.loading} />
                  </FormField>
                </ColumnLayout>
              </Container>
            </SpaceBetween>
          </Form>
        </form>
      </SpaceBetween>
      <ConfirmModal
        visible={deleting !== 'closed'}
        header="Delete application"
        actionLabel="Delete application"
        confirmText={name}
        busy={deleting === 'busy'}
        error={deleteError}
        onConfirm={() => void remove()}
        onDismiss={() => {
          setDeleting('closed');
          setDeleteError(undefined);
        }}
      >
        Deleting <b>{name}</b> ({appId}) permanently deletes the application and the data it holds. This cannot
        be undone.
      </ConfirmModal>
    </ContentLayout>
  );
}

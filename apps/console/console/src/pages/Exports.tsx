// Export jobs of one application: the list (GET /v1/apps/{id}/jobs/export) with Refresh, and a
// form that starts one (POST, ExportJobRequest) writing the application's endpoints, or one
// segment's, to files under an S3 prefix with the given role. Export files hold endpoint
// addresses, so only FullAccess roles may start one: IAM refuses the others (403), shown as any
// other API error.
import Alert from '@cloudscape-design/components/alert';
import Button from '@cloudscape-design/components/button';
import ColumnLayout from '@cloudscape-design/components/column-layout';
import Container from '@cloudscape-design/components/container';
import ContentLayout from '@cloudscape-design/components/content-layout';
import Form from '@cloudscape-design/components/form';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import ProgressBar from '@cloudscape-design/components/progress-bar';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator, { type StatusIndicatorProps } from '@cloudscape-design/components/status-indicator';
import { useEffect, useState, type FormEvent } from 'react';
import { AppPicker, useSelectedApp } from '../components/AppPicker';
import { ListTable } from '../components/ListTable';
import { usePage } from '../components/Shell';
import { useConsole } from '../context';
import { formatDate, useLoad } from '../hooks';
import { useFlash } from '../components/notifications';
import type { ExportJobRequest, ExportJobResponse } from '../types';

const STATUS: Record<string, StatusIndicatorProps.Type> = {
  CREATED: 'pending',
  PREPARING_FOR_INITIALIZATION: 'pending',
  INITIALIZING: 'in-progress',
  PROCESSING: 'in-progress',
  PENDING_JOB: 'pending',
  COMPLETING: 'in-progress',
  COMPLETED: 'success',
  FAILING: 'warning',
  FAILED: 'error',
};

export default function ExportsPage() {
  const selected = useSelectedApp('exports');
  const { api, session } = useConsole();
  const flash = useFlash();
  const appId = selected.appId;
  const appLabel = selected.appName ?? appId;
  const fullAccess = session.access === 'FullAccess';
  usePage(appLabel ? `Exports of ${appLabel}` : 'Exports', [
    { text: 'Applications', href: '#/apps' },
    ...(appId ? [{ text: appLabel ?? appId, href: `#/apps/${encodeURIComponent(appId)}` }] : []),
    { text: 'Exports', href: `#/exports${appId ? `/${encodeURIComponent(appId)}` : ''}` },
  ]);
  const jobs = useLoad(
    async () => (await api.allExportJobs(appId ?? '')).sort((a, b) => b.CreationDate.localeCompare(a.CreationDate)),
    [api, appId],
    Boolean(appId),
  );

  const [s3UrlPrefix, setS3UrlPrefix] = useState('');
  const [roleArn, setRoleArn] = useState('');
  const [segmentId, setSegmentId] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [creating, setCreating] = useState(false);

  useEffect(() => {
    if (jobs.error) flash.error(jobs.error, 'Could not load export jobs');
  }, [jobs.error, flash.error]);

  async function create(event: FormEvent) {
    event.preventDefault();
    if (!appId) return;
    const found: Record<string, string> = {};
    if (!/^s3:\/\/[^/]+/.test(s3UrlPrefix.trim())) found.s3UrlPrefix = 'An S3 URL prefix, e.g. s3://bucket/exports/.';
    if (!/^arn:aws[\w-]*:iam::\d{12}:role\/.+/.test(roleArn.trim())) found.roleArn = 'An IAM role ARN, e.g. arn:aws:iam::123456789012:role/Export.';
    setErrors(found);
    if (Object.keys(found).length) return;
    const job: ExportJobRequest = {
      S3UrlPrefix: s3UrlPrefix.trim(),
      RoleArn: roleArn.trim(),
      ...(segmentId.trim() ? { SegmentId: segmentId.trim() } : {}),
    };
    setCreating(true);
    try {
      const created = await api.createExportJob(appId, job);
      flash.success(`Started export job ${created.Id}`, `Status: ${created.JobStatus}`);
      jobs.reload();
    } catch (e) {
      flash.error(e, 'Could not start the export job');
    } finally {
      setCreating(false);
    }
  }

  return (
    <ContentLayout header={<Header variant="h1" description="Endpoints exported to files in Amazon S3.">Exports</Header>}>
      <SpaceBetween size="l">
        <Container>
          <AppPicker selected={selected} />
        </Container>
        {!fullAccess && (
          <Alert type="info" header="Exports need FullAccess" data-testid="exports-fullaccess-note">
            Export files hold the endpoints' addresses, so only FullAccess users may start an export. Your role
            ({session.access}) can list export jobs; a request to start one is refused.
          </Alert>
        )}
        {appId && (
          <>
            <ListTable<ExportJobResponse>
              title="Export jobs"
              noun="export jobs"
              items={jobs.data ?? []}
              loading={jobs.loading}
              trackBy="Id"
              actions={<Button iconName="refresh" onClick={jobs.reload} ariaLabel="Refresh export jobs">Refresh</Button>}
              columns={[
                { id: 'id', header: 'Id', cell: (j) => j.Id, sortingField: 'Id', isRowHeader: true },
                {
                  id: 'status',
                  header: 'JobStatus',
                  cell: (j) => <StatusIndicator type={STATUS[j.JobStatus] ?? 'info'}>{j.JobStatus}</StatusIndicator>,
                  sortingField: 'JobStatus',
                },
                { id: 's3', header: 'Definition.S3UrlPrefix', cell: (j) => j.Definition?.S3UrlPrefix ?? '-' },
                { id: 'segment', header: 'Definition.SegmentId', cell: (j) => j.Definition?.SegmentId || 'All endpoints' },
                { id: 'processed', header: 'TotalProcessed', cell: (j) => j.TotalProcessed ?? 0, sortingField: 'TotalProcessed' },
                { id: 'progress', header: 'Progress', cell: (j) => <Progress job={j} />, minWidth: 160 },
                { id: 'failures', header: 'Failures', cell: (j) => (j.Failures?.length ? j.Failures.join('; ') : '-') },
                { id: 'created', header: 'CreationDate', cell: (j) => formatDate(j.CreationDate), sortingField: 'CreationDate' },
              ]}
            />
            <form onSubmit={create}>
              <Form actions={<Button variant="primary" loading={creating}>Start export</Button>}>
                <Container
                  header={
                    <Header variant="h2" description="Writes the application's endpoints, or one segment's, as files under the prefix.">
                      Create export job
                    </Header>
                  }
                >
                  <SpaceBetween size="m">
                    <ColumnLayout columns={2}>
                      <FormField label="S3UrlPrefix" description="The folder the export files are written to." errorText={errors.s3UrlPrefix}>
                        <Input value={s3UrlPrefix} onChange={(e) => setS3UrlPrefix(e.detail.value)} placeholder="s3://bucket/exports/" />
                      </FormField>
                      <FormField label="RoleArn" description="A role the service assumes to write the files." errorText={errors.roleArn}>
                        <Input value={roleArn} onChange={(e) => setRoleArn(e.detail.value)} placeholder="arn:aws:iam::123456789012:role/Export" />
                      </FormField>
                    </ColumnLayout>
                    <FormField label="SegmentId (optional)" description="Export only this segment's endpoints; leave empty for all of them.">
                      <Input value={segmentId} onChange={(e) => setSegmentId(e.detail.value)} />
                    </FormField>
                  </SpaceBetween>
                </Container>
              </Form>
            </form>
          </>
        )}
      </SpaceBetween>
    </ContentLayout>
  );
}

/** "CompletedPieces of TotalPieces" as text, under a bar once the job knows its pieces. */
function Progress({ job }: { job: ExportJobResponse }) {
  const total = job.TotalPieces ?? 0;
  const done = job.CompletedPieces ?? 0;
  const text = <span data-testid="export-progress">{`${done} of ${total}`}</span>;
  if (!total) return text;
  return (
    <ProgressBar
      value={Math.min(100, Math.round((done / total) * 100))}
      additionalInfo={text}
      ariaLabel={`Progress of export job ${job.Id}`}
    />
  );
}

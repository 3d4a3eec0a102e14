// Export jobs of one application: the list (GET /v1/apps/{id}/jobs/export) with Refresh, and a
// form that starts one (POST, ExportJobRequest) writing the application's endpoints, or one
// segment's, to files under an S3 prefix with the given role. Export files hold endpoint
// addresses, so only FullAccess roles may start one: IAM refuses the others (403), shown as any
// other API error.
import Alert from '@cloudscape-design/components/alert';
import ColumnLayout from '@cloudscape-design/components/column-layout';
import ProgressBar from '@cloudscape-design/components/progress-bar';
import { useState, type FormEvent } from 'react';
import { AppPage, useAppPage } from '../components/AppPage';
import { CreateForm } from '../components/CreateForm';
import { JobsTable, ROLE_ARN, S3_URL, useJobs } from '../components/jobs';
import { TextField } from '../components/TextField';
import { useConsole } from '../context';
import type { ExportJobRequest, ExportJobResponse } from '../types';

export default function ExportsPage() {
  const selected = useAppPage('exports', 'Exports');
  const { session } = useConsole();
  const fullAccess = session.access === 'FullAccess';
  const jobs = useJobs<ExportJobResponse>('export', selected.appId, (api, appId) => api.allExportJobs(appId));

  const [s3UrlPrefix, setS3UrlPrefix] = useState('');
  const [roleArn, setRoleArn] = useState('');
  const [segmentId, setSegmentId] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});

  async function create(event: FormEvent) {
    event.preventDefault();
    const found: Record<string, string> = {};
    if (!S3_URL.test(s3UrlPrefix.trim())) found.s3UrlPrefix = 'An S3 URL prefix, e.g. s3://bucket/exports/.';
    if (!ROLE_ARN.test(roleArn.trim())) found.roleArn = 'An IAM role ARN, e.g. arn:aws:iam::123456789012:role/Export.';
    setErrors(found);
    if (Object.keys(found).length) return;
    const job: ExportJobRequest = {
      S3UrlPrefix: s3UrlPrefix.trim(),
      RoleArn: roleArn.trim(),
      ...(segmentId.trim() ? { SegmentId: segmentId.trim() } : {}),
    };
    await jobs.start((api, appId) => api.createExportJob(appId, job));
  }

  return (
    <AppPage
      title="Exports"
      description="Endpoints exported to files in Amazon S3."
      selected={selected}
      notice={
        !fullAccess && (
          <Alert type="info" header="Exports need FullAccess" data-testid="exports-fullaccess-note">
            Export files hold the endpoints' addresses, so only FullAccess users may start an export. Your role
            ({session.access}) can list export jobs; a request to start one is refused.
          </Alert>
        )
      }
    >
      <JobsTable
        kind="export"
        jobs={jobs}
        columns={[
          { id: 's3', header: 'Definition.S3UrlPrefix', cell: (j) => j.Definition?.S3UrlPrefix ?? '-' },
          { id: 'segment', header: 'Definition.SegmentId', cell: (j) => j.Definition?.SegmentId || 'All endpoints' },
          { id: 'processed', header: 'TotalProcessed', cell: (j) => j.TotalProcessed ?? 0, sortingField: 'TotalProcessed' },
          { id: 'progress', header: 'Progress', cell: (j) => <Progress job={j} />, minWidth: 160 },
          { id: 'failures', header: 'Failures', cell: (j) => (j.Failures?.length ? j.Failures.join('; ') : '-') },
        ]}
      />
      <CreateForm
        title="Create export job"
        description="Writes the application's endpoints, or one segment's, as files under the prefix."
        submit="Start export"
        busy={jobs.starting}
        onSubmit={create}
      >
        <ColumnLayout columns={2}>
          <TextField label="S3UrlPrefix" description="The folder the export files are written to." error={errors.s3UrlPrefix} value={s3UrlPrefix} onChange={setS3UrlPrefix} placeholder="s3://bucket/exports/" />
          <TextField label="RoleArn" description="A role the service assumes to write the files." error={errors.roleArn} value={roleArn} onChange={setRoleArn} placeholder="arn:aws:iam::123456789012:role/Export" />
        </ColumnLayout>
        <TextField
          label="SegmentId (optional)"
          description="Export only this segment's endpoints; leave empty for all of them."
          value={segmentId}
          onChange={setSegmentId}
        />
      </CreateForm>
    </AppPage>
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

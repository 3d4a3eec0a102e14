// Import jobs of one application: the list (GET /v1/apps/{id}/jobs/import) with Refresh, and a
// form that starts one (POST, ImportJobRequest) from a file in S3 read with the given role.
import Button from '@cloudscape-design/components/button';
import Checkbox from '@cloudscape-design/components/checkbox';
import ColumnLayout from '@cloudscape-design/components/column-layout';
import Container from '@cloudscape-design/components/container';
import ContentLayout from '@cloudscape-design/components/content-layout';
import Form from '@cloudscape-design/components/form';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import RadioGroup from '@cloudscape-design/components/radio-group';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator, { type StatusIndicatorProps } from '@cloudscape-design/components/status-indicator';
import { useEffect, useState, type FormEvent } from 'react';
import { AppPicker, useSelectedApp } from '../components/AppPicker';
import { ListTable } from '../components/ListTable';
import { usePage } from '../components/Shell';
import { useConsole } from '../context';
import { formatDate, useLoad } from '../hooks';
import { useFlash } from '../components/notifications';
import type { ImportFormat, ImportJobRequest, ImportJobResponse } from '../types';

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

export default function ImportsPage() {
  const selected = useSelectedApp('imports');
  const { api } = useConsole();
  const flash = useFlash();
  const appId = selected.appId;
  const appLabel = selected.appName ?? appId;
  usePage(appLabel ? `Imports of ${appLabel}` : 'Imports', [
    { text: 'Applications', href: '#/apps' },
    ...(appId ? [{ text: appLabel ?? appId, href: `#/apps/${encodeURIComponent(appId)}` }] : []),
    { text: 'Imports', href: `#/imports${appId ? `/${encodeURIComponent(appId)}` : ''}` },
  ]);
  const jobs = useLoad(
    async () => (await api.allImportJobs(appId ?? '')).sort((a, b) => b.CreationDate.localeCompare(a.CreationDate)),
    [api, appId],
    Boolean(appId),
  );

  const [s3Url, setS3Url] = useState('');
  const [roleArn, setRoleArn] = useState('');
  const [format, setFormat] = useState<ImportFormat>('CSV');
  const [register, setRegister] = useState(true);
  const [defineSegment, setDefineSegment] = useState(false);
  const [segmentName, setSegmentName] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [creating, setCreating] = useState(false);

  useEffect(() => {
    if (jobs.error) flash.error(jobs.error, 'Could not load import jobs');
  }, [jobs.error, flash.error]);

  async function create(event: FormEvent) {
    event.preventDefault();
    if (!appId) return;
    const found: Record<string, string> = {};
    if (!/^s3:\/\/[^/]+/.test(s3Url.trim())) found.s3Url = 'An S3 URL, e.g. s3://bucket/path/file.csv.';
    if (!/^arn:aws[\w-]*:iam::\d{12}:role\/.+/.test(roleArn.trim())) found.roleArn = 'An IAM role ARN, e.g. arn:aws:iam::123456789012:role/Import.';
    if (defineSegment && !segmentName.trim()) found.segmentName = 'Enter the segment\'s name.';
    setErrors(found);
    if (Object.keys(found).length) return;
    const job: ImportJobRequest = {
      S3Url: s3Url.trim(),
      RoleArn: roleArn.trim(),
      Format: format,
      RegisterEndpoints: register,
      DefineSegment: defineSegment,
      ...(defineSegment ? { SegmentName: segmentName.trim() } : {}),
    };
    setCreating(true);
    try {
      const created = await api.createImportJob(appId, job);
      flash.success(`Started import job ${created.Id}`, `Status: ${created.JobStatus}`);
      jobs.reload();
    } catch (e) {
      flash.error(e, 'Could not start the import job');
    } finally {
      setCreating(false);
    }
  }

  return (
    <ContentLayout header={<Header variant="h1" description="Endpoints imported from files in Amazon S3.">Imports</Header>}>
      <SpaceBetween size="l">
        <Container>
          <AppPicker selected={selected} />
        </Container>
        {appId && (
          <>
            <ListTable<ImportJobResponse>
              title="Import jobs"
              noun="import jobs"
              items={jobs.data ?? []}
              loading={jobs.loading}
              trackBy="Id"
              actions={<Button iconName="refresh" onClick={jobs.reload} ariaLabel="Refresh import jobs">Refresh</Button>}
              columns={[
                { id: 'id', header: 'Id', cell: (j) => j.Id, sortingField: 'Id', isRowHeader: true },
                {
                  id: 'status',
                  header: 'JobStatus',
                  cell: (j) => <StatusIndicator type={STATUS[j.JobStatus] ?? 'info'}>{j.JobStatus}</StatusIndicator>,
                  sortingField: 'JobStatus',
                },
                { id: 's3', header: 'Definition.S3Url', cell: (j) => j.Definition?.S3Url ?? '-' },
                { id: 'processed', header: 'TotalProcessed', cell: (j) => j.TotalProcessed ?? 0, sortingField: 'TotalProcessed' },
                { id: 'failures', header: 'TotalFailures', cell: (j) => j.TotalFailures ?? 0, sortingField: 'TotalFailures' },
                { id: 'created', header: 'CreationDate', cell: (j) => formatDate(j.CreationDate), sortingField: 'CreationDate' },
              ]}
            />
            <form onSubmit={create}>
              <Form actions={<Button variant="primary" loading={creating}>Start import</Button>}>
                <Container header={<Header variant="h2">Create import job</Header>}>
                  <SpaceBetween size="m">
                    <ColumnLayout columns={2}>
                      <FormField label="S3Url" description="The file, or a folder of files, to import." errorText={errors.s3Url}>
                        <Input value={s3Url} onChange={(e) => setS3Url(e.detail.value)} placeholder="s3://bucket/path/endpoints.csv" />
                      </FormField>
                      <FormField label="RoleArn" description="A role the service assumes to read the file." errorText={errors.roleArn}>
                        <Input value={roleArn} onChange={(e) => setRoleArn(e.detail.value)} placeholder="arn:aws:iam::123456789012:role/Import" />
                      </FormField>
                    </ColumnLayout>
                    <FormField label="Format">
                      <RadioGroup
                        value={format}
                        onChange={(e) => setFormat(e.detail.value as ImportFormat)}
                        items={[
                          { value: 'CSV', label: 'CSV' },
                          { value: 'JSON', label: 'JSON', description: 'One endpoint per line' },
                        ]}
                      />
                    </FormField>
                    <FormField label="Options">
                      <SpaceBetween size="xs">
                        <Checkbox checked={register} onChange={(e) => setRegister(e.detail.checked)} description="Write the imported endpoints to the application.">
                          RegisterEndpoints
                        </Checkbox>
                        <Checkbox checked={defineSegment} onChange={(e) => setDefineSegment(e.detail.checked)} description="Make an import segment of the imported endpoints.">
                          DefineSegment
                        </Checkbox>
                      </SpaceBetween>
                    </FormField>
                    {defineSegment && (
                      <FormField label="SegmentName" errorText={errors.segmentName}>
                        <Input value={segmentName} onChange={(e) => setSegmentName(e.detail.value)} />
                      </FormField>
                    )}
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

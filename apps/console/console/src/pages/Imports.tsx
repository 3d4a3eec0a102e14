// Import jobs of one application: the list (GET /v1/apps/{id}/jobs/import) with Refresh, and a
// form that starts one (POST, ImportJobRequest) from a file in S3 read with the given role.
import Checkbox from '@cloudscape-design/components/checkbox';
import ColumnLayout from '@cloudscape-design/components/column-layout';
import FormField from '@cloudscape-design/components/form-field';
import RadioGroup from '@cloudscape-design/components/radio-group';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { useState, type FormEvent } from 'react';
import { AppPage, useAppPage } from '../components/AppPage';
import { CreateForm } from '../components/CreateForm';
import { JobsTable, ROLE_ARN, S3_URL, useJobs } from '../components/jobs';
import { TextField } from '../components/TextField';
import type { ImportFormat, ImportJobRequest, ImportJobResponse } from '../types';

export default function ImportsPage() {
  const selected = useAppPage('imports', 'Imports');
  const jobs = useJobs<ImportJobResponse>('import', selected.appId, (api, appId) => api.allImportJobs(appId));

  const [s3Url, setS3Url] = useState('');
  const [roleArn, setRoleArn] = useState('');
  const [format, setFormat] = useState<ImportFormat>('CSV');
  const [register, setRegister] = useState(true);
  const [defineSegment, setDefineSegment] = useState(false);
  const [segmentName, setSegmentName] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});

  async function create(event: FormEvent) {
    event.preventDefault();
    const found: Record<string, string> = {};
    if (!S3_URL.test(s3Url.trim())) found.s3Url = 'An S3 URL, e.g. s3://bucket/path/file.csv.';
    if (!ROLE_ARN.test(roleArn.trim())) found.roleArn = 'An IAM role ARN, e.g. arn:aws:iam::123456789012:role/Import.';
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
    await jobs.start((api, appId) => api.createImportJob(appId, job));
  }

  return (
    <AppPage title="Imports" description="Endpoints imported from files in Amazon S3." selected={selected}>
      <JobsTable
        kind="import"
        jobs={jobs}
        columns={[
          { id: 's3', header: 'Definition.S3Url', cell: (j) => j.Definition?.S3Url ?? '-' },
          { id: 'processed', header: 'TotalProcessed', cell: (j) => j.TotalProcessed ?? 0, sortingField: 'TotalProcessed' },
          { id: 'failures', header: 'TotalFailures', cell: (j) => j.TotalFailures ?? 0, sortingField: 'TotalFailures' },
        ]}
      />
      <CreateForm title="Create import job" submit="Start import" busy={jobs.starting} onSubmit={create}>
        <ColumnLayout columns={2}>
          <TextField label="S3Url" description="The file, or a folder of files, to import." error={errors.s3Url} value={s3Url} onChange={setS3Url} placeholder="s3://bucket/path/endpoints.csv" />
          <TextField label="RoleArn" description="A role the service assumes to read the file." error={errors.roleArn} value={roleArn} onChange={setRoleArn} placeholder="arn:aws:iam::123456789012:role/Import" />
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
        {defineSegment && <TextField label="SegmentName" error={errors.segmentName} value={segmentName} onChange={setSegmentName} />}
      </CreateForm>
    </AppPage>
  );
}

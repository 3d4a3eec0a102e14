// What the Imports and Exports pages share: the application's jobs of one kind, newest first, in a
// list whose first columns (Id, JobStatus) and last (CreationDate) are the same for both kinds, and
// starting one more (the list is loaded again once it has started).
import type { TableProps } from '@cloudscape-design/components/table';
import StatusIndicator, { type StatusIndicatorProps } from '@cloudscape-design/components/status-indicator';
import type { PinpointApi } from '../api';
import { useConsole } from '../context';
import { formatDate, useLoad, type Loaded } from '../hooks';
import type { JobResponse } from '../types';
import { useBusyAction } from './busyAction';
import { ListTable } from './ListTable';
import { useFlash, useLoadErrorFlash } from './notifications';

export type JobKind = 'import' | 'export';

/** A job's location, as the create request names it: s3://bucket/... */
export const S3_URL = /^s3:\/\/[^/]+/;
/** The role the service assumes to read or write the files. */
export const ROLE_ARN = /^arn:aws[\w-]*:iam::\d{12}:role\/.+/;

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

export interface Jobs<J extends JobResponse> {
  list: Loaded<J[]>;
  starting: boolean;
  /** Posts a job (`post`), says it started and reloads the list; a failure is the page's message. */
  start: (post: (api: PinpointApi, appId: string) => Promise<JobResponse>) => Promise<void>;
}

export function useJobs<J extends JobResponse>(
  kind: JobKind,
  appId: string | undefined,
  load: (api: PinpointApi, appId: string) => Promise<J[]>,
): Jobs<J> {
  const { api } = useConsole();
  const flash = useFlash();
  const list = useLoad(
    async () => (await load(api, appId ?? '')).sort((a, b) => b.CreationDate.localeCompare(a.CreationDate)),
    [api, appId],
    Boolean(appId),
  );
  const action = useBusyAction(list.reload);
  useLoadErrorFlash(list.error, `Could not load ${kind} jobs`);

  async function start(post: (api: PinpointApi, appId: string) => Promise<JobResponse>) {
    if (!appId) return;
    await action.run(`Could not start the ${kind} job`, async () => {
      const created = await post(api, appId);
      flash.success(`Started ${kind} job ${created.Id}`, `Status: ${created.JobStatus}`);
    });
  }
  return { list, starting: action.busy, start };
}

/** The jobs: Id and JobStatus, then `columns` (what the kind's jobs tell), then CreationDate. */
export function JobsTable<J extends JobResponse>(props: { kind: JobKind; jobs: Jobs<J>; columns: TableProps.ColumnDefinition<J>[] }) {
  const { kind } = props;
  return (
    <ListTable<J>
      title={kind === 'import' ? 'Import jobs' : 'Export jobs'}
      list={props.jobs.list}
      trackBy="Id"
      columns={[
        { id: 'id', header: 'Id', cell: (j) => j.Id, sortingField: 'Id', isRowHeader: true },
        {
          id: 'status',
          header: 'JobStatus',
          cell: (j) => <StatusIndicator type={STATUS[j.JobStatus] ?? 'info'}>{j.JobStatus}</StatusIndicator>,
          sortingField: 'JobStatus',
        },
        ...props.columns,
        { id: 'created', header: 'CreationDate', cell: (j) => formatDate(j.CreationDate), sortingField: 'CreationDate' },
      ]}
    />
  );
}

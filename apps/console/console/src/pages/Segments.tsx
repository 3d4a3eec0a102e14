// Segments of one application: the list (GET /v1/apps/{id}/segments), each row's size on demand
// (the project's GET /v1/apps/{id}/segment-sizes/{segmentId}, exact or estimated from a sample of
// shards) and a form that creates a dimensional segment on one endpoint attribute (POST,
// WriteSegmentRequest).
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import ColumnLayout from '@cloudscape-design/components/column-layout';
import FormField from '@cloudscape-design/components/form-field';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import RadioGroup from '@cloudscape-design/components/radio-group';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import { useState, type FormEvent } from 'react';
import { AppPage, useAppPage } from '../components/AppPage';
import { useBusyAction } from '../components/busyAction';
import { CreateForm } from '../components/CreateForm';
import { ListTable } from '../components/ListTable';
import { Section } from '../components/Section';
import { TextField } from '../components/TextField';
import { useConsole } from '../context';
import { formatDate, useLoad } from '../hooks';
import { useFlash, useLoadErrorFlash } from '../components/notifications';
import type { AttributeType, SegmentResponse, SegmentSize } from '../types';

export default function SegmentsPage() {
  const selected = useAppPage('segments', 'Segments');
  const { api } = useConsole();
  const flash = useFlash();
  const appId = selected.appId;
  const segments = useLoad(() => api.allSegments(appId ?? ''), [api, appId], Boolean(appId));
  useLoadErrorFlash(segments.error, 'Could not load segments');

  const [name, setName] = useState('');
  const [attribute, setAttribute] = useState('');
  const [type, setType] = useState<AttributeType>('INCLUSIVE');
  const [values, setValues] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const creation = useBusyAction(segments.reload);

  const [sampleShards, setSampleShards] = useState('');
  const [sampleError, setSampleError] = useState<string>();
  const [sizing, setSizing] = useState<string>();
  const [size, setSize] = useState<SegmentSize>();

  async function readSize(segment: SegmentResponse) {
    if (!appId) return;
    const sample = sampleShards.trim();
    if (sample && !/^[1-9]\d*$/.test(sample)) {
      setSampleError('A whole number of shards, 1 or more; leave empty to count exactly.');
      return;
    }
    setSampleError(undefined);
    setSizing(segment.Id);
    try {
      setSize(await api.getSegmentSize(appId, segment.Id, sample ? Number(sample) : undefined));
    } catch (e) {
      flash.error(e, `Could not read the size of segment ${segment.Name ?? segment.Id}`);
    } finally {
      setSizing(undefined);
    }
  }

  async function create(event: FormEvent) {
    event.preventDefault();
    if (!appId) return;
    const list = values.split(',').map((v) => v.trim()).filter(Boolean);
    const found: Record<string, string> = {};
    if (!name.trim()) found.name = 'Enter a name.';
    if (!attribute.trim()) found.attribute = 'Enter the attribute\'s name.';
    if (!list.length) found.values = 'Enter at least one value.';
    setErrors(found);
    if (Object.keys(found).length) return;
    await creation.run('Could not create the segment', async () => {
      const segment = await api.createSegment(appId, {
        Name: name.trim(),
        Dimensions: { Attributes: { [attribute.trim()]: { AttributeType: type, Values: list } } },
      });
      flash.success(`Created segment ${segment.Name ?? segment.Id}`, `Its id is ${segment.Id}.`);
      setName('');
      setAttribute('');
      setValues('');
    });
  }

  return (
    <AppPage title="Segments" description="The audiences campaigns and journeys send to." selected={selected}>
      <ListTable<SegmentResponse>
        title="Segments"
        list={segments}
        trackBy="Id"
        columns={[
          { id: 'name', header: 'Name', cell: (s) => s.Name ?? '-', sortingField: 'Name', isRowHeader: true },
          { id: 'id', header: 'Id', cell: (s) => s.Id, sortingField: 'Id' },
          { id: 'type', header: 'SegmentType', cell: (s) => s.SegmentType, sortingField: 'SegmentType' },
          { id: 'version', header: 'Version', cell: (s) => s.Version ?? '-', sortingField: 'Version' },
          { id: 'modified', header: 'LastModifiedDate', cell: (s) => formatDate(s.LastModifiedDate ?? s.CreationDate) },
          {
            id: 'size',
            header: 'Size',
            cell: (s) => (
              <Button
                variant="inline-link"
                onClick={() => void readSize(s)}
                loading={sizing === s.Id}
                disabled={sizing !== undefined && sizing !== s.Id}
                ariaLabel={`Size of ${s.Name || s.Id}`}
                data-testid="segment-size-button"
              >
                Size
              </Button>
            ),
          },
        ]}
      />
      <Section
        title="Segment size"
        description="Choose Size on a segment's row to count its endpoints, in all and per channel."
        testId="segment-size-panel"
      >
        <SpaceBetween size="l">
          <TextField
            label="Sample shards (optional)"
            description="Read only this many shards for a faster estimate; leave empty to count exactly."
            error={sampleError}
            type="number"
            inputMode="numeric"
            value={sampleShards}
            onChange={setSampleShards}
            placeholder="All shards"
          />
          {size && <SizeView size={size} />}
        </SpaceBetween>
      </Section>
      <CreateForm
        title="Create segment"
        description="A dimensional segment: the endpoints whose attribute has (or has not) one of the values."
        submit="Create segment"
        busy={creation.busy}
        onSubmit={create}
      >
        <TextField label="Segment name" error={errors.name} value={name} onChange={setName} />
        <ColumnLayout columns={2}>
          <TextField label="Attribute name" description="An endpoint attribute (Attributes), e.g. Interests." error={errors.attribute} value={attribute} onChange={setAttribute} />
          <FormField label="Attribute type">
            <RadioGroup
              value={type}
              onChange={(e) => setType(e.detail.value as AttributeType)}
              items={[
                { value: 'INCLUSIVE', label: 'INCLUSIVE', description: 'Endpoints with one of the values' },
                { value: 'EXCLUSIVE', label: 'EXCLUSIVE', description: 'Endpoints with none of the values' },
              ]}
            />
          </FormField>
        </ColumnLayout>
        <TextField label="Values" constraintText="Separate values with commas." error={errors.values} value={values} onChange={setValues} placeholder="Music, Film" />
      </CreateForm>
    </AppPage>
  );
}

/** A segment's size: the total, exact or estimated, and the endpoints per channel. */
function SizeView({ size }: { size: SegmentSize }) {
  const channels = Object.entries(size.ChannelCounts ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return (
    <SpaceBetween size="m">
      <KeyValuePairs
        columns={4}
        ariaLabel={`Size of segment ${size.Name || size.SegmentId}`}
        items={[
          { label: 'Segment', value: <span data-testid="segment-size-name">{size.Name || size.SegmentId}</span> },
          { label: 'Size', value: <span data-testid="segment-size">{String(size.Size)}</span> },
          {
            label: 'Count',
            value: (
              <StatusIndicator type={size.Exact ? 'success' : 'info'}>
                <span data-testid="segment-size-exact">{size.Exact ? 'Exact' : 'Estimated'}</span>
              </StatusIndicator>
            ),
          },
          { label: 'ShardsRead', value: <span data-testid="segment-size-shards">{size.ShardsRead ?? '-'}</span> },
          { label: 'SegmentId', value: size.SegmentId },
          { label: 'SegmentType', value: size.SegmentType ?? '-' },
          { label: 'Seconds', value: size.Seconds === undefined ? '-' : size.Seconds.toFixed(3) },
        ]}
      />
      <Box variant="h3" padding="n">
        Endpoints per channel
      </Box>
      {channels.length ? (
        <KeyValuePairs
          columns={4}
          ariaLabel="ChannelCounts"
          data-testid="segment-size-channels"
          items={channels.map(([channel, count]) => ({
            label: channel,
            value: <span data-testid={`segment-size-channel-${channel}`}>{String(count)}</span>,
          }))}
        />
      ) : (
        <Box color="text-status-inactive">No endpoints on any channel</Box>
      )}
    </SpaceBetween>
  );
}

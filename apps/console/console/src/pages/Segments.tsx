// Segments of one application: the list (GET /v1/apps/{id}/segments) and a form that creates a
// dimensional segment on one endpoint attribute (POST, WriteSegmentRequest).
import Button from '@cloudscape-design/components/button';
import ColumnLayout from '@cloudscape-design/components/column-layout';
import Container from '@cloudscape-design/components/container';
import ContentLayout from '@cloudscape-design/components/content-layout';
import Form from '@cloudscape-design/components/form';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import RadioGroup from '@cloudscape-design/components/radio-group';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { useEffect, useState, type FormEvent } from 'react';
import { AppPicker, useSelectedApp } from '../components/AppPicker';
import { ListTable } from '../components/ListTable';
import { usePage } from '../components/Shell';
import { useConsole } from '../context';
import { formatDate, useLoad } from '../hooks';
import { useFlash } from '../components/notifications';
import type { AttributeType, SegmentResponse } from '../types';

export default function SegmentsPage() {
  const selected = useSelectedApp('segments');
  const { api } = useConsole();
  const flash = useFlash();
  const appId = selected.appId;
  const appLabel = selected.appName ?? appId;
  usePage(appLabel ? `Segments of ${appLabel}` : 'Segments', [
    { text: 'Applications', href: '#/apps' },
    ...(appId ? [{ text: appLabel ?? appId, href: `#/apps/${encodeURIComponent(appId)}` }] : []),
    { text: 'Segments', href: `#/segments${appId ? `/${encodeURIComponent(appId)}` : ''}` },
  ]);
  const segments = useLoad(() => api.allSegments(appId ?? ''), [api, appId], Boolean(appId));

  const [name, setName] = useState('');
  const [attribute, setAttribute] = useState('');
  const [type, setType] = useState<AttributeType>('INCLUSIVE');
  const [values, setValues] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [creating, setCreating] = useState(false);

  useEffect(() => {
    if (segments.error) flash.error(segments.error, 'Could not load segments');
  }, [segments.error, flash.error]);

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
    setCreating(true);
    try {
      const segment = await api.createSegment(appId, {
        Name: name.trim(),
        Dimensions: { Attributes: { [attribute.trim()]: { AttributeType: type, Values: list } } },
      });
      flash.success(`Created segment ${segment.Name ?? segment.Id}`, `Its id is ${segment.Id}.`);
      setName('');
      setAttribute('');
      setValues('');
      segments.reload();
    } catch (e) {
      flash.error(e, 'Could not create the segment');
    } finally {
      setCreating(false);
    }
  }

  return (
    <ContentLayout header={<Header variant="h1" description="The audiences campaigns and journeys send to.">Segments</Header>}>
      <SpaceBetween size="l">
        <Container>
          <AppPicker selected={selected} />
        </Container>
        {appId && (
          <>
            <ListTable<SegmentResponse>
              title="Segments"
              noun="segments"
              items={segments.data ?? []}
              loading={segments.loading}
              trackBy="Id"
              actions={<Button iconName="refresh" onClick={segments.reload} ariaLabel="Refresh segments">Refresh</Button>}
              columns={[
                { id: 'name', header: 'Name', cell: (s) => s.Name ?? '-', sortingField: 'Name', isRowHeader: true },
                { id: 'id', header: 'Id', cell: (s) => s.Id, sortingField: 'Id' },
                { id: 'type', header: 'SegmentType', cell: (s) => s.SegmentType, sortingField: 'SegmentType' },
                { id: 'version', header: 'Version', cell: (s) => s.Version ?? '-', sortingField: 'Version' },
                { id: 'modified', header: 'LastModifiedDate', cell: (s) => formatDate(s.LastModifiedDate ?? s.CreationDate) },
              ]}
            />
            <form onSubmit={create}>
              <Form actions={<Button variant="primary" loading={creating}>Create segment</Button>}>
                <Container
                  header={
                    <Header variant="h2" description="A dimensional segment: the endpoints whose attribute has (or has not) one of the values.">
                      Create segment
                    </Header>
                  }
                >
                  <SpaceBetween size="m">
                    <FormField label="Segment name" errorText={errors.name}>
                      <Input value={name} onChange={(e) => setName(e.detail.value)} />
                    </FormField>
                    <ColumnLayout columns={2}>
                      <FormField label="Attribute name" description="An endpoint attribute (Attributes), e.g. Interests." errorText={errors.attribute}>
                        <Input value={attribute} onChange={(e) => setAttribute(e.detail.value)} />
                      </FormField>
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
                    <FormField label="Values" constraintText="Separate values with commas." errorText={errors.values}>
                      <Input value={values} onChange={(e) => setValues(e.detail.value)} placeholder="Music, Film" />
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

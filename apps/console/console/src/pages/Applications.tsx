// Applications: the list (GET /v1/apps, every page), and a form to create one (POST /v1/apps).
import Button from '@cloudscape-design/components/button';
import Container from '@cloudscape-design/components/container';
import ContentLayout from '@cloudscape-design/components/content-layout';
import Form from '@cloudscape-design/components/form';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import Link from '@cloudscape-design/components/link';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { useEffect, useState, type FormEvent } from 'react';
import { useLocation, useNavigate } from 'react-router-dom';
import { ListTable } from '../components/ListTable';
import { useFollow, usePage } from '../components/Shell';
import { useConsole } from '../context';
import { formatDate } from '../hooks';
import { useFlash } from '../components/notifications';
import type { ApplicationResponse } from '../types';

export default function ApplicationsPage() {
  usePage('Applications', [{ text: 'Applications', href: '#/apps' }]);
  const { api, apps } = useConsole();
  const flash = useFlash();
  const follow = useFollow();
  const location = useLocation();
  const navigate = useNavigate();
  const [name, setName] = useState('');
  const [nameError, setNameError] = useState<string>();
  const [creating, setCreating] = useState(false);

  // A message handed over by the page that sent us here (e.g. after a delete).
  const handedOver = (location.state as { success?: string } | null)?.success;
  useEffect(() => {
    if (!handedOver) return;
    flash.success(handedOver);
    navigate(location.pathname, { replace: true, state: null }); // shown once, not on reload
  }, [handedOver, flash.success, navigate, location.pathname]);

  useEffect(() => {
    if (apps.error) flash.error(apps.error, 'Could not load applications');
  }, [apps.error, flash.error]);

  async function create(event: FormEvent) {
    event.preventDefault();
    if (!name.trim()) return setNameError('Enter a name.');
    setNameError(undefined);
    setCreating(true);
    try {
      const app = await api.createApp(name.trim());
      flash.success(`Created application ${app.Name}`, `Its id is ${app.Id}.`);
      setName('');
      apps.reload();
    } catch (e) {
      flash.error(e, 'Could not create the application');
    } finally {
      setCreating(false);
    }
  }

  return (
    <ContentLayout header={<Header variant="h1" description="The projects that hold endpoints, segments and campaigns.">Applications</Header>}>
      <SpaceBetween size="l">
        <ListTable<ApplicationResponse>
          title="Applications"
          noun="applications"
          items={apps.data ?? []}
          loading={apps.loading}
          trackBy="Id"
          actions={
            <Button iconName="refresh" onClick={apps.reload} ariaLabel="Refresh applications">
              Refresh
            </Button>
          }
          columns={[
            {
              id: 'name',
              header: 'Name',
              cell: (app) => (
                <Link href={`#/apps/${encodeURIComponent(app.Id)}`} onFollow={follow}>
                  {app.Name || app.Id}
                </Link>
              ),
              sortingField: 'Name',
              isRowHeader: true,
            },
            { id: 'id', header: 'Id', cell: (app) => app.Id, sortingField: 'Id' },
            { id: 'created', header: 'CreationDate', cell: (app) => formatDate(app.CreationDate), sortingField: 'CreationDate' },
          ]}
        />
        <form onSubmit={create}>
          <Form
            actions={
              <Button variant="primary" loading={creating}>
                Create application
              </Button>
            }
          >
            <Container header={<Header variant="h2">Create application</Header>}>
              <FormField label="Name" errorText={nameError} constraintText="Up to 64 characters.">
                <Input value={name} onChange={(e) => setName(e.detail.value)} placeholder="My project" />
              </FormField>
            </Container>
          </Form>
        </form>
      </SpaceBetween>
    </ContentLayout>
  );
}

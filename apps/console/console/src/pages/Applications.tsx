// Applications: the list (GET /v1/apps, every page), and a form to create one (POST /v1/apps).
import Link from '@cloudscape-design/components/link';
import { useEffect, useState, type FormEvent } from 'react';
import { useLocation, useNavigate } from 'react-router-dom';
import { useBusyAction } from '../components/busyAction';
import { CreateForm } from '../components/CreateForm';
import { ListTable } from '../components/ListTable';
import { Page } from '../components/Page';
import { useFollow, usePage } from '../components/Shell';
import { TextField } from '../components/TextField';
import { useConsole } from '../context';
import { formatDate } from '../hooks';
import { useFlash, useLoadErrorFlash } from '../components/notifications';
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
  const creation = useBusyAction(apps.reload);

  // A message handed over by the page that sent us here (e.g. after a delete).
  const handedOver = (location.state as { success?: string } | null)?.success;
  useEffect(() => {
    if (!handedOver) return;
    flash.success(handedOver);
    navigate(location.pathname, { replace: true, state: null }); // shown once, not on reload
  }, [handedOver, flash.success, navigate, location.pathname]);

  useLoadErrorFlash(apps.error, 'Could not load applications');

  async function create(event: FormEvent) {
    event.preventDefault();
    if (!name.trim()) return setNameError('Enter a name.');
    setNameError(undefined);
    await creation.run('Could not create the application', async () => {
      const app = await api.createApp(name.trim());
      flash.success(`Created application ${app.Name}`, `Its id is ${app.Id}.`);
      setName('');
    });
  }

  return (
    <Page title="Applications" description="The projects that hold endpoints, segments and campaigns.">
      <ListTable<ApplicationResponse>
        title="Applications"
        list={apps}
        trackBy="Id"
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
      <CreateForm title="Create application" submit="Create application" busy={creation.busy} onSubmit={create}>
        <TextField label="Name" error={nameError} constraintText="Up to 64 characters." value={name} onChange={setName} placeholder="My project" />
      </CreateForm>
    </Page>
  );
}

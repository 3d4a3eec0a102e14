// Dashboards of one application: charts of its KPIs over a chosen range (at most 31 days; by
// default the API's own, the 31 days to the service's now), for the application, one campaign or
// one journey, each chart beside a table of the same figures. Every figure is the KPI operation's
// (GetApplicationDateRangeKpi, GetCampaignDateRangeKpi, GetJourneyDateRangeKpi) as it answered.
import BarChart from '@cloudscape-design/components/bar-chart';
import Box from '@cloudscape-design/components/box';
import ColumnLayout from '@cloudscape-design/components/column-layout';
import Container from '@cloudscape-design/components/container';
import DateRangePicker, { type DateRangePickerProps } from '@cloudscape-design/components/date-range-picker';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import { I18nProvider } from '@cloudscape-design/components/i18n';
import messages from '@cloudscape-design/components/i18n/messages/all.en';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import LineChart from '@cloudscape-design/components/line-chart';
import SegmentedControl from '@cloudscape-design/components/segmented-control';
import Select from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Table from '@cloudscape-design/components/table';
import { useMemo, useState } from 'react';
import type { PinpointApi } from '../api';
import { AppPage, useAppPage } from '../components/AppPage';
import { useLoadErrorFlash } from '../components/notifications';
import { useConsole } from '../context';
import { useLoad } from '../hooks';
import type { DateRangeKpi, KpiScope } from '../types';
import { chartsFor, type ChartSpec } from './dashboardCharts';

type Range = { start: string; end: string };
const DAY = 24 * 3600 * 1000;
const MAX_DAYS = 31;

/** The picker's value as the API's start-time and end-time: whole UTC days, both included. */
function rangeOf(value: DateRangePickerProps.Value | null): Range | undefined {
  if (value?.type !== 'absolute') return undefined;
  return { start: `${value.startDate.slice(0, 10)}T00:00:00Z`, end: `${value.endDate.slice(0, 10)}T23:59:59Z` };
}

function validRange(value: DateRangePickerProps.Value | null): DateRangePickerProps.ValidationResult {
  if (value?.type !== 'absolute' || !value.startDate || !value.endDate) {
    return { valid: false, errorMessage: 'Choose the first and the last day.' };
  }
  const days = (Date.parse(value.endDate.slice(0, 10)) - Date.parse(value.startDate.slice(0, 10))) / DAY + 1;
  if (days < 1) return { valid: false, errorMessage: 'The last day comes before the first.' };
  if (days > MAX_DAYS) return { valid: false, errorMessage: `A metric's range spans at most ${MAX_DAYS} days.` };
  return { valid: true };
}

type Figures = { answers: DateRangeKpi[]; groups: string[]; values: Map<string, number>[] };

/** Each metric's figures by group (one map per metric), and every group any of them has, sorted. */
async function loadFigures(api: PinpointApi, appId: string, scope: KpiScope, spec: ChartSpec, range?: Range): Promise<Figures> {
  const answers = await Promise.all(spec.metrics.map((m) => api.getDateRangeKpi(appId, scope, m.kpi, range)));
  const values = answers.map((answer) => {
    const found = new Map<string, number>();
    for (const row of answer.KpiResult.Rows) {
      found.set(row.GroupedBys[0]?.Value ?? '', Number(row.Values[0]?.Value));
    }
    return found;
  });
  const groups = [...new Set(values.flatMap((found) => [...found.keys()]))].sort();
  return { answers, groups, values };
}

function shown(value: number | undefined, unit: ChartSpec['unit']): string {
  if (value === undefined || Number.isNaN(value)) return '-';
  if (unit === 'rate') return `${(value * 100).toFixed(1)}%`;
  return value.toLocaleString('en-US', { maximumFractionDigits: 3 });
}

const UNIT_TITLE: Record<ChartSpec['unit'], string> = { count: 'Count', rate: 'Rate', millicents: 'Millicents' };

function KpiChart(props: { appId: string; scope: KpiScope; range?: Range; spec: ChartSpec }) {
  const { api } = useConsole();
  const { appId, scope, range, spec } = props;
  const scopeKey = scope.kind === 'application' ? 'application' : `${scope.kind}:${scope.id}`;
  const loaded = useLoad(() => loadFigures(api, appId, scope, spec, range), [api, appId, scopeKey, range?.start, range?.end, spec.id]);
  useLoadErrorFlash(loaded.error, `Could not load ${spec.title.toLowerCase()}`);
  const figures = loaded.data;
  const kpis = spec.metrics.map((m) => m.kpi).join(' ');
  const header = (
    <Header variant="h2" description={spec.description}>
      {spec.title}
    </Header>
  );
  if (!spec.groupedBy) {
    return (
      <div data-testid={`chart-${spec.id}`} data-kpis={kpis} data-loaded={loaded.loading ? undefined : 'true'} data-range={range?.start ?? 'default'}>
        <Container header={header}>
          <KeyValuePairs
            columns={spec.metrics.length}
            ariaLabel={spec.title}
            items={spec.metrics.map((m, index) => ({
              label: m.label,
              value: (
                <span data-testid={`figure-${m.kpi}@`}>
                  {loaded.loading ? '…' : shown(figures?.values[index].get(''), spec.unit)}
                </span>
              ),
            }))}
          />
        </Container>
      </div>
    );
  }
  const groups = figures?.groups ?? [];
  const series = spec.metrics.map((m, index) => ({
    title: m.label,
    data: groups.map((group) => ({ x: group, y: figures?.values[index].get(group) ?? 0 })),
  }));
  const highest = Math.max(0, ...series.flatMap((s) => s.data.map((d) => d.y)));
  const chartProps = {
    xDomain: groups,
    xScaleType: 'categorical' as const,
    xTitle: spec.groupedBy,
    yTitle: UNIT_TITLE[spec.unit],
    height: 220,
    hideFilter: true,
    statusType: loaded.loading ? ('loading' as const) : loaded.error ? ('error' as const) : ('finished' as const),
    ariaLabel: spec.title,
    empty: <Box textAlign="center" color="inherit">No data in the range</Box>,
    valueFormatter: (y: number) => shown(y, spec.unit),
  };
  return (
    <div data-testid={`chart-${spec.id}`} data-kpis={kpis} data-loaded={loaded.loading ? undefined : 'true'} data-range={range?.start ?? 'default'}>
      <Container header={header}>
        <ColumnLayout columns={2}>
          {spec.unit === 'rate' ? (
            <LineChart {...chartProps} yDomain={[0, 1]} series={series.map((s) => ({ ...s, type: 'line' as const }))} />
          ) : (
            // At least 0 to 5, so that a few messages get whole-number ticks.
            <BarChart {...chartProps} yDomain={[0, Math.max(5, Math.ceil(highest))]} series={series.map((s) => ({ ...s, type: 'bar' as const }))} />
          )}
          <Table
            variant="embedded"
            ariaLabels={{ tableLabel: `${spec.title}: figures` }}
            loading={loaded.loading}
            loadingText="Loading figures"
            items={groups}
            trackBy={(group) => group}
            empty={<Box color="text-body-secondary">No data in the range</Box>}
            columnDefinitions={[
              { id: 'group', header: spec.groupedBy, isRowHeader: true, cell: (group) => group },
              ...spec.metrics.map((m, index) => ({
                id: m.kpi,
                header: m.label,
                cell: (group: string) => <span data-testid={`figure-${m.kpi}@${group}`}>{shown(figures?.values[index].get(group), spec.unit)}</span>,
              })),
            ]}
          />
        </ColumnLayout>
      </Container>
    </div>
  );
}

const SCOPES = [
  { id: 'application', text: 'Application' },
  { id: 'campaign', text: 'Campaign' },
  { id: 'journey', text: 'Journey' },
];

export default function DashboardsPage() {
  const selected = useAppPage('dashboards', 'Dashboards');
  const { api } = useConsole();
  const appId = selected.appId ?? '';
  const [kind, setKind] = useState<KpiScope['kind']>('application');
  const [ownerId, setOwnerId] = useState<string>();
  const [picked, setPicked] = useState<DateRangePickerProps.Value | null>(null);
  const campaigns = useLoad(() => api.allCampaigns(appId), [api, appId], Boolean(appId) && kind === 'campaign');
  const journeys = useLoad(() => api.allJourneys(appId), [api, appId], Boolean(appId) && kind === 'journey');
  useLoadErrorFlash(campaigns.error ?? journeys.error, `Could not load the application's ${kind}s`);

  const owners = (kind === 'campaign' ? campaigns.data : kind === 'journey' ? journeys.data : undefined) ?? [];
  const options = owners.map((o) => ({ value: o.Id, label: o.Name ?? o.Id, description: o.Id }));
  const scope = useMemo<KpiScope | undefined>(
    () => (kind === 'application' ? { kind } : ownerId ? { kind, id: ownerId } : undefined),
    [kind, ownerId],
  );
  const range = rangeOf(picked);

  return (
    <I18nProvider locale="en" messages={[messages]}>
      <AppPage title="Dashboards" description="Deliveries, opens, clicks, bounces, complaints, opt-outs and SMS cost over a range." selected={selected}>
        <Container header={<Header variant="h2">Whose metrics, and when</Header>}>
          <SpaceBetween size="m" direction="horizontal">
            <FormField label="Metrics of">
              <SegmentedControl
                label="Metrics of"
                selectedId={kind}
                options={SCOPES}
                onChange={({ detail }) => {
                  setKind(detail.selectedId as KpiScope['kind']);
                  setOwnerId(undefined);
                }}
              />
            </FormField>
            {kind !== 'application' && (
              <FormField label={kind === 'campaign' ? 'Campaign' : 'Journey'}>
                <Select
                  selectedOption={options.find((o) => o.value === ownerId) ?? null}
                  options={options}
                  placeholder={`Choose a ${kind}`}
                  statusType={(kind === 'campaign' ? campaigns : journeys).loading ? 'loading' : 'finished'}
                  loadingText={`Loading ${kind}s`}
                  empty={`No ${kind}s`}
                  onChange={({ detail }) => setOwnerId(detail.selectedOption.value)}
                />
              </FormField>
            )}
            <FormField label="Range" description={range ? 'Whole UTC days, both included.' : 'By default the 31 days to now.'}>
              <div data-testid="range">
                <DateRangePicker
                  value={picked}
                  onChange={({ detail }) => setPicked(detail.value)}
                  rangeSelectorMode="absolute-only"
                  dateOnly
                  relativeOptions={[]}
                  isValidRange={validRange}
                  placeholder="The last 31 days"
                />
              </div>
            </FormField>
          </SpaceBetween>
        </Container>
        {scope ? (
          chartsFor(scope).map((spec) => <KpiChart key={`${kind}-${spec.id}`} appId={appId} scope={scope} range={range} spec={spec} />)
        ) : (
          <Box color="text-body-secondary">Choose a {kind} to see its metrics.</Box>
        )}
      </AppPage>
    </I18nProvider>
  );
}

// What the dashboards draw: for each scope (the application, a campaign, a journey), charts of
// Pinpoint's KPI operations' metrics. A chart's metrics share one grouping (by day, by campaign
// activity, by journey activity, by country, by error code), so its bars line up; a metric that is
// not grouped is a single figure. Names are the KPI names the API takes (engage.api.kpis,
// engage.journeys.kpis); nothing here is computed in the browser but the chart's layout.
import type { KpiScope } from '../types';

export interface ChartMetric {
  kpi: string;
  label: string;
}

export interface ChartSpec {
  id: string;
  title: string;
  description: string;
  /** The GroupedBys key the metrics share; absent for single figures. */
  groupedBy?: string;
  /** How the figures read: counts, fractions of 1, or millicents (thousandths of a US cent). */
  unit: 'count' | 'rate' | 'millicents';
  metrics: ChartMetric[];
}

const APPLICATION: ChartSpec[] = [
  {
    id: 'campaign-deliveries',
    title: 'Campaign deliveries by day',
    description: 'Endpoints the application\'s campaigns reached, by the day each message was sent.',
    groupedBy: 'Date',
    unit: 'count',
    metrics: [{ kpi: 'unique-deliveries-grouped-by-date', label: 'Unique deliveries' }],
  },
  {
    id: 'campaign-delivery-rate',
    title: 'Campaign delivery rate by day',
    description: 'Messages delivered of those sent, by day (hard bounces and carriers\' final failures are not delivered).',
    groupedBy: 'Date',
    unit: 'rate',
    metrics: [{ kpi: 'successful-delivery-rate-grouped-by-date', label: 'Delivery rate' }],
  },
  {
    id: 'txn-email',
    title: 'Transactional email by day',
    description: 'Email sent outside campaigns and journeys: deliveries, opens, clicks, bounces and complaints.',
    groupedBy: 'Date',
    unit: 'count',
    metrics: [
      { kpi: 'txn-emails-sent-grouped-by-date', label: 'Sent' },
      { kpi: 'txn-emails-delivered-grouped-by-date', label: 'Delivered' },
      { kpi: 'txn-emails-opened-grouped-by-date', label: 'Opens' },
      { kpi: 'txn-emails-clicked-grouped-by-date', label: 'Clicks' },
      { kpi: 'txn-emails-hard-bounced-grouped-by-date', label: 'Hard bounces' },
      { kpi: 'txn-emails-with-complaints-grouped-by-date', label: 'Complaints' },
    ],
  },
  {
    id: 'txn-sms',
    title: 'Transactional SMS by day',
    description: 'Texts sent outside campaigns and journeys, and those the carrier reported delivered.',
    groupedBy: 'Date',
    unit: 'count',
    metrics: [
      { kpi: 'txn-sms-sent-grouped-by-date', label: 'Sent' },
      { kpi: 'txn-sms-delivered-grouped-by-date', label: 'Delivered' },
    ],
  },
  {
    id: 'sms-cost',
    title: 'SMS cost by country',
    description: 'What the transactional texts cost, in millicents (thousandths of a US cent), by destination.',
    groupedBy: 'Country',
    unit: 'millicents',
    metrics: [{ kpi: 'txn-sms-total-price-grouped-by-country', label: 'Total price' }],
  },
  {
    id: 'sms-failures',
    title: 'SMS failures and opt-outs',
    description: 'Transactional texts that failed for good, by the carrier\'s status: OPTED_OUT is a number that had opted out.',
    groupedBy: 'ErrorCode',
    unit: 'count',
    metrics: [{ kpi: 'txn-sms-error-distribution', label: 'Texts' }],
  },
];

const CAMPAIGN: ChartSpec[] = [
  {
    id: 'deliveries',
    title: 'Deliveries by day',
    description: 'Endpoints the campaign reached, by the day each message was sent.',
    groupedBy: 'Date',
    unit: 'count',
    metrics: [{ kpi: 'unique-deliveries-grouped-by-date', label: 'Unique deliveries' }],
  },
  {
    id: 'delivery-rate',
    title: 'Delivery rate by day',
    description: 'Messages delivered of those sent, by day.',
    groupedBy: 'Date',
    unit: 'rate',
    metrics: [{ kpi: 'successful-delivery-rate-grouped-by-date', label: 'Delivery rate' }],
  },
  {
    id: 'activities',
    title: 'Messages by run',
    description: 'Each run (activity) of the campaign: messages attempted and delivered, email opens and clicks.',
    groupedBy: 'CampaignActivityId',
    unit: 'count',
    metrics: [
      { kpi: 'attempted-deliveries-grouped-by-campaign-activity', label: 'Attempted' },
      { kpi: 'successful-deliveries-grouped-by-campaign-activity', label: 'Delivered' },
      { kpi: 'direct-email-opens-grouped-by-campaign-activity', label: 'Email opens' },
      { kpi: 'clicks-grouped-by-campaign-activity', label: 'Clicks' },
    ],
  },
  {
    id: 'bounces',
    title: 'Hard bounce rate by run',
    description: 'Email that bounced for good, of the email each run sent.',
    groupedBy: 'CampaignActivityId',
    unit: 'rate',
    metrics: [{ kpi: 'hard-bounce-rate-grouped-by-campaign-activity', label: 'Hard bounce rate' }],
  },
  {
    id: 'sms-spend',
    title: 'SMS spend',
    description: 'What the campaign\'s texts cost, in millicents (thousandths of a US cent).',
    unit: 'millicents',
    metrics: [{ kpi: 'sms-spend', label: 'Spend' }],
  },
];

const JOURNEY: ChartSpec[] = [
  {
    id: 'email',
    title: 'Email by activity',
    description: 'Each email activity of the journey: messages sent, delivered, opened and clicked.',
    groupedBy: 'JourneyActivityId',
    unit: 'count',
    metrics: [
      { kpi: 'emails-sent-grouped-by-journey-activity', label: 'Sent' },
      { kpi: 'emails-delivered-grouped-by-journey-activity', label: 'Delivered' },
      { kpi: 'emails-opened-grouped-by-journey-activity', label: 'Opens' },
      { kpi: 'emails-clicked-grouped-by-journey-activity', label: 'Clicks' },
    ],
  },
  {
    id: 'problems',
    title: 'Bounces, complaints and opt-outs by activity',
    description: 'Each email activity\'s hard and soft bounces, complaints, and unsubscribes.',
    groupedBy: 'JourneyActivityId',
    unit: 'count',
    metrics: [
      { kpi: 'emails-hardbounced-grouped-by-journey-activity', label: 'Hard bounces' },
      { kpi: 'emails-softbounced-grouped-by-journey-activity', label: 'Soft bounces' },
      { kpi: 'emails-complained-grouped-by-journey-activity', label: 'Complaints' },
      { kpi: 'emails-unsubscribed-grouped-by-journey-activity', label: 'Opt-outs' },
    ],
  },
];

export function chartsFor(scope: KpiScope): ChartSpec[] {
  return scope.kind === 'application' ? APPLICATION : scope.kind === 'campaign' ? CAMPAIGN : JOURNEY;
}

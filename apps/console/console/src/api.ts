// The API client: every call to `${apiUrl}${path}` is signed with SigV4 for `execute-api` with the
// signed-in person's temporary credentials (session token included), so API Gateway's AWS_IAM
// authorizer and the role's policy decide what is allowed. Errors of both kinds the API answers —
// Pinpoint's `{"Message", "RequestID"}` and API Gateway's own `{"message"}` with its type in the
// `x-amzn-ErrorType` header — become one ApiError with status, type and message.
//
// Cross-origin note: when the console is served from another origin than the API, the API's CORS
// configuration must allow the headers sent here (authorization, content-type, x-amz-date,
// x-amz-security-token) and expose x-amzn-ErrorType and x-amzn-RequestId.
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentials } from './auth';
import type {
  ActivitiesResponse,
  ActivityResponse,
  ApplicationResponse,
  ApplicationsResponse,
  ApplicationSettingsResource,
  CampaignResponse,
  CampaignsResponse,
  CreateTemplateMessageBody,
  EmailTemplateRequest,
  EndpointResponse,
  EndpointsResponse,
  EndpointStanding,
  ErasureResponse,
  ErasureTarget,
  ExportJobRequest,
  ExportJobResponse,
  ExportJobsResponse,
  ImportJobRequest,
  ImportJobResponse,
  ImportJobsResponse,
  DateRangeKpi,
  JourneyCanvas,
  KpiScope,
  JourneyExecutionMetricsResponse,
  JourneyResponse,
  JourneysResponse,
  PushNotificationTemplateRequest,
  SegmentResponse,
  SegmentSize,
  SegmentsResponse,
  SMSTemplateRequest,
  TemplatePreview,
  TemplatePreviewRequest,
  TemplateResponse,
  TemplatesResponse,
  VoiceTemplateRequest,
  WriteApplicationSettingsRequest,
  WriteCampaignRequest,
  WriteSegmentRequest,
} from './types';

export class ApiError extends Error {
  readonly status: number;
  readonly type: string;
  readonly requestId?: string;

  constructor(status: number, type: string, message: string, requestId?: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.type = type;
    this.requestId = requestId;
  }
}

type Query = Record<string, string | undefined>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
}

export class ApiClient {
  private readonly signer: SignatureV4;

  constructor(
    private readonly apiUrl: string,
    region: string,
    credentials: () => Promise<AwsCredentials>,
  ) {
    this.signer = new SignatureV4({
      service: 'execute-api',
      region,
      credentials,
      sha256: Sha256,
      applyChecksum: false, // execute-api needs no x-amz-content-sha256 (one header fewer for CORS)
    });
  }

  /** A signed call; resolves to the parsed JSON body (undefined when empty). */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const url = new URL(this.apiUrl + path);
    const query: Record<string, string> = {};
    for (const [name, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined && value !== '') {
        query[name] = value;
        url.searchParams.set(name, value);
      }
    }
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const headers: Record<string, string> = { host: url.host, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';

    let signed;
    try {
      signed = await this.signer.sign({
        method,
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port ? Number(url.port) : undefined,
        path: url.pathname,
        query,
        headers,
        body,
      });
    } catch (error) {
      const e = error as Error;
      throw new ApiError(0, e.name || 'SigningError', e.message);
    }
    const sent = { ...signed.headers };
    delete sent.host; // the browser sets Host itself (the same value that was signed)

    let response: Response;
    try {
      response = await fetch(url.toString(), { method, headers: sent, body, mode: 'cors', credentials: 'omit' });
    } catch (error) {
      throw new ApiError(
        0,
        'NetworkError',
        `Could not reach the API at ${url.origin} (${(error as Error).message}). ` +
          'Check the network, the configured apiUrl and the API\'s CORS settings.',
      );
    }
    const text = await response.text();
    if (!response.ok) throw errorFrom(response, text);
    if (!text) return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ApiError(response.status, 'InvalidResponse', 'The API answered with a body that is not JSON.');
    }
  }
}

/** The ApiError of a failed response, whichever of the two error shapes it carries. */
export function errorFrom(response: Response, text: string): ApiError {
  let parsed: Record<string, unknown> = {};
  try {
    const value: unknown = text ? JSON.parse(text) : {};
    if (value && typeof value === 'object') parsed = value as Record<string, unknown>;
  } catch {
    parsed = {};
  }
  const header = response.headers.get('x-amzn-ErrorType');
  const type =
    header?.split(':')[0] ||
    (typeof parsed.__type === 'string' ? parsed.__type.split('#').pop() : undefined) ||
    statusType(response.status);
  const message =
    (typeof parsed.Message === 'string' && parsed.Message) ||
    (typeof parsed.message === 'string' && parsed.message) ||
    (text && !text.trimStart().startsWith('{') ? text.slice(0, 300) : '') ||
    `${response.status} ${response.statusText || type}`;
  const requestId =
    (typeof parsed.RequestID === 'string' ? parsed.RequestID : undefined) ??
    response.headers.get('x-amzn-RequestId') ??
    undefined;
  return new ApiError(response.status, type, message, requestId);
}

function statusType(status: number): string {
  const names: Record<number, string> = {
    400: 'BadRequestException',
    403: 'ForbiddenException',
    404: 'NotFoundException',
    405: 'MethodNotAllowedException',
    409: 'ConflictException',
    429: 'TooManyRequestsException',
    500: 'InternalServerErrorException',
    503: 'ServiceUnavailable',
  };
  return names[status] ?? `HTTP${status}`;
}

const seg = encodeURIComponent;
const PAGE = { 'page-size': '100' };
const MAX_PAGES = 50;

/** The items of every page of a Pinpoint list (`Item`, `NextToken`), in order. */
async function allPages<T>(fetchPage: (token?: string) => Promise<{ Item?: T[]; NextToken?: string }>): Promise<T[]> {
  const items: T[] = [];
  let token: string | undefined;
  for (let pages = 0; pages < MAX_PAGES; pages++) {
    const page = await fetchPage(token);
    items.push(...(page?.Item ?? []));
    token = page?.NextToken || undefined;
    if (!token) break;
  }
  return items;
}

/** The operations the pages use, one method per route. */
export class PinpointApi {
  constructor(readonly client: ApiClient) {}

  /** Every application, following NextToken. */
  allApps(): Promise<ApplicationResponse[]> {
    return allPages((token) => this.client.request<ApplicationsResponse>('GET', '/v1/apps', { query: { ...PAGE, token } }));
  }

  getApp(appId: string): Promise<ApplicationResponse> {
    return this.client.request('GET', `/v1/apps/${seg(appId)}`);
  }

  createApp(name: string): Promise<ApplicationResponse> {
    return this.client.request('POST', '/v1/apps', { body: { Name: name } });
  }

  deleteApp(appId: string): Promise<ApplicationResponse> {
    return this.client.request('DELETE', `/v1/apps/${seg(appId)}`);
  }

  getSettings(appId: string): Promise<ApplicationSettingsResource> {
    return this.client.request('GET', `/v1/apps/${seg(appId)}/settings`);
  }

  updateSettings(appId: string, settings: WriteApplicationSettingsRequest): Promise<ApplicationSettingsResource> {
    return this.client.request('PUT', `/v1/apps/${seg(appId)}/settings`, { body: settings });
  }

  getEndpoint(appId: string, endpointId: string): Promise<EndpointResponse> {
    return this.client.request('GET', `/v1/apps/${seg(appId)}/endpoints/${seg(endpointId)}`);
  }

  /** The project's route: the endpoint with its Address masked (for roles without FullAccess). */
  getMaskedEndpoint(appId: string, endpointId: string): Promise<EndpointResponse> {
    return this.client.request('GET', `/v1/apps/${seg(appId)}/masked-endpoints/${seg(endpointId)}`);
  }

  /** The project's route: a user's endpoints with their Address masked (for roles without FullAccess). */
  getMaskedUserEndpoints(appId: string, userId: string): Promise<EndpointsResponse> {
    return this.client.request('GET', `/v1/apps/${seg(appId)}/masked-users/${seg(userId)}`);
  }

  getUserEndpoints(appId: string, userId: string): Promise<EndpointsResponse> {
    return this.client.request('GET', `/v1/apps/${seg(appId)}/users/${seg(userId)}`);
  }

  /** The project's route (FullAccess only): the endpoints with this address. */
  searchEndpoints(appId: string, address: string): Promise<EndpointsResponse> {
    return this.client.request('GET', `/v1/apps/${seg(appId)}/endpoint-search`, { query: { address } });
  }

  /** The project's route (both roles): the endpoint's consent and suppressions, and whether a
   * message to it would go out now; no address. */
  getEndpointStanding(appId: string, endpointId: string): Promise<EndpointStanding> {
    return this.client.request('GET', `/v1/apps/${seg(appId)}/endpoint-standing/${seg(endpointId)}`);
  }

  /** The project's route (FullAccess only): erase a person, by address, user id or endpoint id. */
  erase(appId: string, target: ErasureTarget): Promise<ErasureResponse> {
    return this.client.request('POST', `/v1/apps/${seg(appId)}/erasures`, { body: target });
  }

  allSegments(appId: string): Promise<SegmentResponse[]> {
    return allPages((token) =>
      this.client.request<SegmentsResponse>('GET', `/v1/apps/${seg(appId)}/segments`, { query: { ...PAGE, token } }),
    );
  }

  createSegment(appId: string, segment: WriteSegmentRequest): Promise<SegmentResponse> {
    return this.client.request('POST', `/v1/apps/${seg(appId)}/segments`, { body: segment });
  }

  /** The project's route: the segment's size, per channel too; with `sampleShards`, an estimate
   * from that many shards (faster, `Exact` false). */
  getSegmentSize(appId: string, segmentId: string, sampleShards?: number): Promise<SegmentSize> {
    return this.client.request('GET', `/v1/apps/${seg(appId)}/segment-sizes/${seg(segmentId)}`, {
      query: { 'sample-shards': sampleShards === undefined ? undefined : String(sampleShards) },
    });
  }

  allCampaigns(appId: string): Promise<CampaignResponse[]> {
    return allPages((token) =>
      this.client.request<CampaignsResponse>('GET', `/v1/apps/${seg(appId)}/campaigns`, { query: { ...PAGE, token } }),
    );
  }

  createCampaign(appId: string, campaign: WriteCampaignRequest): Promise<CampaignResponse> {
    return this.client.request('POST', `/v1/apps/${seg(appId)}/campaigns`, { body: campaign });
  }

  updateCampaign(appId: string, campaignId: string, campaign: WriteCampaignRequest): Promise<CampaignResponse> {
    return this.client.request('PUT', `/v1/apps/${seg(appId)}/campaigns/${seg(campaignId)}`, { body: campaign });
  }

  deleteCampaign(appId: string, campaignId: string): Promise<CampaignResponse> {
    return this.client.request('DELETE', `/v1/apps/${seg(appId)}/campaigns/${seg(campaignId)}`);
  }

  allActivities(appId: string, campaignId: string): Promise<ActivityResponse[]> {
    return allPages((token) =>
      this.client.request<ActivitiesResponse>('GET', `/v1/apps/${seg(appId)}/campaigns/${seg(campaignId)}/activities`, {
        query: { ...PAGE, token },
      }),
    );
  }

  /** The project's route: the application's chained runs that wait on approval. */
  allRunsAwaitingApproval(appId: string): Promise<ActivityResponse[]> {
    return allPages((token) =>
      this.client.request<ActivitiesResponse>('GET', `/v1/apps/${seg(appId)}/campaign-runs`, {
        query: { ...PAGE, awaiting: 'approval', token },
      }),
    );
  }

  /** The project's route: a person's answer to a chained run that waits on approval. */
  decideApproval(appId: string, runId: string, approved: boolean, reason?: string): Promise<ActivityResponse> {
    return this.client.request('POST', `/v1/apps/${seg(appId)}/campaign-runs/${seg(runId)}/approval`, {
      body: approved ? { Approved: true } : { Approved: false, Reason: reason },
    });
  }

  allJourneys(appId: string): Promise<JourneyResponse[]> {
    return allPages((token) =>
      this.client.request<JourneysResponse>('GET', `/v1/apps/${seg(appId)}/journeys`, { query: { ...PAGE, token } }),
    );
  }

  /** UpdateJourneyState: ACTIVE (activate, or resume a paused journey), PAUSED or CANCELLED. */
  updateJourneyState(appId: string, journeyId: string, state: string): Promise<JourneyResponse> {
    return this.client.request('PUT', `/v1/apps/${seg(appId)}/journeys/${seg(journeyId)}/state`, { body: { State: state } });
  }

  getJourneyMetrics(appId: string, journeyId: string): Promise<JourneyExecutionMetricsResponse> {
    return this.client.request('GET', `/v1/apps/${seg(appId)}/journeys/${seg(journeyId)}/execution-metrics`);
  }

  /** GetApplicationDateRangeKpi, GetCampaignDateRangeKpi or GetJourneyDateRangeKpi, by `scope`;
   * without a range, the API's own: the 31 days to the service's now. */
  getDateRangeKpi(appId: string, scope: KpiScope, kpiName: string, range?: { start: string; end: string }): Promise<DateRangeKpi> {
    const owner = scope.kind === 'application' ? '' : `/${scope.kind}s/${seg(scope.id)}`;
    return this.client.request('GET', `/v1/apps/${seg(appId)}${owner}/kpis/daterange/${seg(kpiName)}`, {
      query: { 'start-time': range?.start, 'end-time': range?.end },
    });
  }

  /** The project's route: the journey's activities in columns with their figures (the report's). */
  getJourneyCanvas(appId: string, journeyId: string): Promise<JourneyCanvas> {
    return this.client.request('GET', `/v1/apps/${seg(appId)}/journey-canvases/${seg(journeyId)}`);
  }

  allImportJobs(appId: string): Promise<ImportJobResponse[]> {
    return allPages((token) =>
      this.client.request<ImportJobsResponse>('GET', `/v1/apps/${seg(appId)}/jobs/import`, {
        query: { ...PAGE, token },
      }),
    );
  }

  createImportJob(appId: string, job: ImportJobRequest): Promise<ImportJobResponse> {
    return this.client.request('POST', `/v1/apps/${seg(appId)}/jobs/import`, { body: job });
  }

  allExportJobs(appId: string): Promise<ExportJobResponse[]> {
    return allPages((token) =>
      this.client.request<ExportJobsResponse>('GET', `/v1/apps/${seg(appId)}/jobs/export`, {
        query: { ...PAGE, token },
      }),
    );
  }

  createExportJob(appId: string, job: ExportJobRequest): Promise<ExportJobResponse> {
    return this.client.request('POST', `/v1/apps/${seg(appId)}/jobs/export`, { body: job });
  }

  /** The project's route: a stored template, or one being written, rendered for one endpoint of the
   * application (address masked). */
  previewTemplate(appId: string, preview: TemplatePreviewRequest): Promise<TemplatePreview> {
    return this.client.request('POST', `/v1/apps/${seg(appId)}/template-previews`, { body: preview });
  }

  allTemplates(): Promise<TemplateResponse[]> {
    return allPages((token) =>
      this.client.request<TemplatesResponse>('GET', '/v1/templates', { query: { ...PAGE, 'next-token': token } }),
    );
  }

  createEmailTemplate(name: string, template: EmailTemplateRequest): Promise<CreateTemplateMessageBody> {
    return this.client.request('POST', `/v1/templates/${seg(name)}/email`, { body: template });
  }

  createSmsTemplate(name: string, template: SMSTemplateRequest): Promise<CreateTemplateMessageBody> {
    return this.client.request('POST', `/v1/templates/${seg(name)}/sms`, { body: template });
  }

  createVoiceTemplate(name: string, template: VoiceTemplateRequest): Promise<CreateTemplateMessageBody> {
    return this.client.request('POST', `/v1/templates/${seg(name)}/voice`, { body: template });
  }

  createPushTemplate(name: string, template: PushNotificationTemplateRequest): Promise<CreateTemplateMessageBody> {
    return this.client.request('POST', `/v1/templates/${seg(name)}/push`, { body: template });
  }
}

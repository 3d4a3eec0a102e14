// The shapes of Amazon Pinpoint's REST API that the console reads and writes (botocore's
// `pinpoint` 2016-12-01 model), trimmed to the members the pages use. In the REST-JSON protocol
// the response body is the payload member itself, e.g. GET /v1/apps answers ApplicationsResponse.

export interface ApplicationResponse {
  Id: string;
  Arn: string;
  Name: string;
  CreationDate?: string;
  tags?: Record<string, string>;
}

export interface ApplicationsResponse {
  Item?: ApplicationResponse[];
  NextToken?: string;
}

export interface CampaignLimits {
  Daily?: number;
  Total?: number;
  MessagesPerSecond?: number;
  MaximumDuration?: number;
  Session?: number;
}

export interface QuietTime {
  Start?: string;
  End?: string;
}

export interface ApplicationSettingsResource {
  ApplicationId: string;
  LastModifiedDate?: string;
  Limits?: CampaignLimits;
  QuietTime?: QuietTime;
}

export interface WriteApplicationSettingsRequest {
  Limits?: CampaignLimits;
  QuietTime?: QuietTime;
}

export interface EndpointResponse {
  Id?: string;
  ApplicationId?: string;
  Address?: string;
  ChannelType?: string;
  OptOut?: string;
  EndpointStatus?: string;
  Attributes?: Record<string, string[]>;
  Demographic?: { Timezone?: string; Locale?: string; Platform?: string };
  User?: { UserId?: string; UserAttributes?: Record<string, string[]> };
  CreationDate?: string;
  EffectiveDate?: string;
}

export interface EndpointsResponse {
  Item: EndpointResponse[];
}

export interface ErasureResponse {
  ErasureId: string;
  State: string;
}

export type ErasureTarget = { Address: string } | { UserId: string } | { EndpointId: string };

export type AttributeType = 'INCLUSIVE' | 'EXCLUSIVE';

export interface AttributeDimension {
  AttributeType?: AttributeType;
  Values: string[];
}

export interface SegmentResponse {
  Id: string;
  ApplicationId: string;
  Arn: string;
  Name?: string;
  SegmentType: 'DIMENSIONAL' | 'IMPORT' | string;
  Version?: number;
  CreationDate: string;
  LastModifiedDate?: string;
}

export interface SegmentsResponse {
  Item: SegmentResponse[];
  NextToken?: string;
}

export interface WriteSegmentRequest {
  Name: string;
  Dimensions: { Attributes: Record<string, AttributeDimension> };
}

export type ImportFormat = 'CSV' | 'JSON';

export interface ImportJobRequest {
  S3Url: string;
  RoleArn: string;
  Format: ImportFormat;
  RegisterEndpoints?: boolean;
  DefineSegment?: boolean;
  SegmentName?: string;
}

/** What an import job and an export job both report (botocore's ImportJobResponse and
 * ExportJobResponse without their Definition). */
export interface JobResponse {
  Id: string;
  ApplicationId: string;
  JobStatus: string;
  Type: string;
  CreationDate: string;
  CompletionDate?: string;
  TotalProcessed?: number;
  TotalFailures?: number;
  Failures?: string[];
}

export interface ImportJobResponse extends JobResponse {
  Definition: ImportJobRequest & { SegmentId?: string };
}

export interface ImportJobsResponse {
  Item: ImportJobResponse[];
  NextToken?: string;
}

export interface ExportJobRequest {
  S3UrlPrefix: string;
  RoleArn: string;
  SegmentId?: string;
  SegmentVersion?: number;
}

export interface ExportJobResponse extends JobResponse {
  Definition: ExportJobRequest;
  TotalPieces?: number;
  CompletedPieces?: number;
  FailedPieces?: number;
}

export interface ExportJobsResponse {
  Item: ExportJobResponse[];
  NextToken?: string;
}

/** The project's route GET /v1/apps/{id}/segment-sizes/{segmentId}: how many endpoints a segment
 * holds, in all and per channel; `Exact` is false when only a sample of the shards was read. */
export interface SegmentSize {
  ApplicationId: string;
  SegmentId: string;
  Name?: string;
  SegmentType?: string;
  Size: number;
  ChannelCounts?: Record<string, number>;
  Exact: boolean;
  ShardsRead?: string;
  Seconds?: number;
}

export type TemplateType = 'EMAIL' | 'SMS' | 'PUSH' | 'VOICE' | 'INAPP';

/** The project's route POST /v1/apps/{id}/template-previews: a stored template (TemplateName, and
 * Version or the active one), or one being written (Template: its parts, as its type's create
 * request carries them), rendered for one endpoint. */
export type TemplatePreviewRequest = {
  TemplateType: TemplateType;
  EndpointId: string;
} & ({ TemplateName: string; Version?: string } | { Template: TemplateRequest });

/** The template's text parts rendered for the endpoint (EMAIL: Subject, HtmlPart, TextPart; SMS and
 * VOICE: Body; others their own parts), the endpoint's address always masked. */
export type TemplatePreview = Record<string, unknown> & {
  Subject?: string;
  HtmlPart?: string;
  TextPart?: string;
  Body?: string;
};

export interface TemplateResponse {
  TemplateName: string;
  TemplateType: string;
  CreationDate: string;
  LastModifiedDate: string;
  TemplateDescription?: string;
  Version?: string;
}

export interface TemplatesResponse {
  Item: TemplateResponse[];
  NextToken?: string;
}

export interface EmailTemplateRequest {
  Subject?: string;
  HtmlPart?: string;
  TextPart?: string;
  DefaultSubstitutions?: string;
  TemplateDescription?: string;
}

export interface SMSTemplateRequest {
  Body?: string;
  DefaultSubstitutions?: string;
  TemplateDescription?: string;
}

export interface VoiceTemplateRequest {
  Body?: string;
  LanguageCode?: string;
  VoiceId?: string;
  DefaultSubstitutions?: string;
  TemplateDescription?: string;
}

export type PushAction = 'OPEN_APP' | 'DEEP_LINK' | 'URL';

/** The message every push platform gets unless the template names one of its own. */
export interface DefaultPushNotificationTemplate {
  Title?: string;
  Body?: string;
  Action?: PushAction;
  Url?: string;
  Sound?: string;
}

export interface PushNotificationTemplateRequest {
  Default?: DefaultPushNotificationTemplate;
  DefaultSubstitutions?: string;
  TemplateDescription?: string;
}

export type TemplateRequest =
  | EmailTemplateRequest
  | SMSTemplateRequest
  | VoiceTemplateRequest
  | PushNotificationTemplateRequest;

export interface CreateTemplateMessageBody {
  Arn?: string;
  Message?: string;
  RequestID?: string;
}

export type ConsentStatus = 'OPTED_OUT' | 'OPTED_IN';

/** The project's route GET /v1/apps/{id}/endpoint-standing/{endpointId}: the consent recorded for
 * an endpoint's address, its suppressions, and whether a promotional message to it would go out now
 * (the sender's own check; NotSentBecause and Detail say why not). No address is answered. */
export interface EndpointStanding {
  EndpointId: string;
  ChannelType?: string;
  EndpointStatus?: string;
  OptOut?: string;
  Consent: null | { Status: ConsentStatus | string; RecordedAt?: string; Source?: string };
  Suppressions: { Reason: string; SuppressedAt?: string; Source?: string }[];
  Sendable: boolean;
  NotSentBecause?: string;
  Detail?: string;
}

/** Campaigns (botocore's pinpoint model: CampaignResponse, WriteCampaignRequest, ActivityResponse). */
export interface CampaignSmsMessage {
  Body?: string;
  MessageType?: 'TRANSACTIONAL' | 'PROMOTIONAL';
}

export interface CampaignEmailMessage {
  FromAddress?: string;
  Title?: string;
  HtmlBody?: string;
  Body?: string;
}

export interface CampaignMessageConfiguration {
  SMSMessage?: CampaignSmsMessage;
  EmailMessage?: CampaignEmailMessage;
}

/** A campaign's message from stored templates (TemplateConfiguration): one per channel. */
export interface TemplateConfiguration {
  EmailTemplate?: { Name: string; Version?: string };
  SMSTemplate?: { Name: string; Version?: string };
}

export interface CampaignSchedule {
  StartTime: string; // ISO 8601, or IMMEDIATE
  Frequency?: 'ONCE' | 'HOURLY' | 'DAILY' | 'WEEKLY' | 'MONTHLY' | 'EVENT' | 'IN_APP_EVENT';
  Timezone?: string;
  IsLocalTime?: boolean;
  EndTime?: string;
}

export interface TreatmentResource {
  Id: string;
  SizePercent: number;
  TreatmentName?: string;
  MessageConfiguration?: CampaignMessageConfiguration;
}

export interface WriteTreatmentResource {
  SizePercent: number;
  TreatmentName?: string;
  MessageConfiguration?: CampaignMessageConfiguration;
  TemplateConfiguration?: TemplateConfiguration;
}

export interface CampaignResponse {
  Id: string;
  ApplicationId: string;
  Arn: string;
  Name?: string;
  SegmentId: string;
  SegmentVersion: number;
  Version?: number;
  HoldoutPercent?: number;
  IsPaused?: boolean;
  Schedule?: CampaignSchedule;
  MessageConfiguration?: CampaignMessageConfiguration;
  AdditionalTreatments?: TreatmentResource[];
  TreatmentName?: string;
  State?: { CampaignStatus?: string };
  DefaultState?: { CampaignStatus?: string };
  CreationDate: string;
  LastModifiedDate: string;
}

export interface CampaignsResponse {
  Item: CampaignResponse[];
  NextToken?: string;
}

export interface WriteCampaignRequest {
  Name?: string;
  SegmentId?: string;
  SegmentVersion?: number;
  HoldoutPercent?: number;
  IsPaused?: boolean;
  Schedule?: CampaignSchedule;
  MessageConfiguration?: CampaignMessageConfiguration;
  TemplateConfiguration?: TemplateConfiguration;
  AdditionalTreatments?: WriteTreatmentResource[];
  TreatmentName?: string;
}

/** A run of a campaign (ActivityResponse), with the project's counts by reason and, for a chained
 * run, whether it waits on a person's approval. */
export interface ActivityResponse {
  Id: string;
  ApplicationId: string;
  CampaignId: string;
  State?: string;
  Result?: string;
  Start?: string;
  End?: string;
  ScheduledStart?: string;
  TreatmentId?: string;
  TotalEndpointCount?: number;
  SuccessfulEndpointCount?: number;
  Counts?: Record<string, number>;
  AwaitingApproval?: boolean;
}

export interface ActivitiesResponse {
  Item: ActivityResponse[];
  NextToken?: string;
}

/** Journeys (botocore's pinpoint model: JourneyResponse, JourneyExecutionMetricsResponse). */
export interface JourneyResponse {
  Id: string;
  ApplicationId: string;
  Name: string;
  State?: string;
  StartActivity?: string;
  CreationDate?: string;
  LastModifiedDate?: string;
  Schedule?: { StartTime?: string; EndTime?: string; Timezone?: string };
}

export interface JourneysResponse {
  Item: JourneyResponse[];
  NextToken?: string;
}

export interface JourneyExecutionMetricsResponse {
  ApplicationId: string;
  JourneyId: string;
  LastEvaluatedTime: string;
  Metrics: Record<string, string>;
}

/** One activity on the project's canvas (GET /v1/apps/{app}/journey-canvases/{journey}). */
export interface CanvasNode {
  ActivityId: string;
  Kind: string;
  Entered: number;
  Waiting: number;
  MovedOn: number;
  Sent: number;
  Skipped: Record<string, number>;
  Failed: Record<string, number>;
  Branches: Record<string, number>;
  HeldOut: number;
  Next: string[];
}

export interface JourneyCanvas {
  ApplicationId: string;
  JourneyId: string;
  Name?: string;
  State?: string;
  StartActivity?: string;
  LastEvaluatedTime: string;
  Columns: CanvasNode[][];
}

/** BaseKpiResult's rows (GetApplicationDateRangeKpi, GetCampaignDateRangeKpi, GetJourneyDateRangeKpi). */
export interface KpiValue {
  Key: string;
  Type: string;
  Value: string;
}

export interface KpiRow {
  GroupedBys: KpiValue[];
  Values: KpiValue[];
}

/** What the three DateRangeKpi responses share. */
export interface DateRangeKpi {
  ApplicationId: string;
  KpiName: string;
  KpiResult: { Rows: KpiRow[] };
  StartTime: string;
  EndTime: string;
}

/** Whose metrics: the application's, one campaign's or one journey's. */
export type KpiScope = { kind: 'application' } | { kind: 'campaign'; id: string } | { kind: 'journey'; id: string };

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

export interface ImportJobResponse {
  Id: string;
  ApplicationId: string;
  JobStatus: string;
  Type: string;
  CreationDate: string;
  CompletionDate?: string;
  Definition: ImportJobRequest & { SegmentId?: string };
  TotalProcessed?: number;
  TotalFailures?: number;
  Failures?: string[];
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

export interface ExportJobResponse {
  Id: string;
  ApplicationId: string;
  JobStatus: string;
  Type: string;
  CreationDate: string;
  CompletionDate?: string;
  Definition: ExportJobRequest;
  TotalProcessed?: number;
  TotalFailures?: number;
  TotalPieces?: number;
  CompletedPieces?: number;
  FailedPieces?: number;
  Failures?: string[];
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

/** The project's route POST /v1/apps/{id}/template-previews: a template rendered for one endpoint. */
export interface TemplatePreviewRequest {
  TemplateName: string;
  TemplateType: TemplateType;
  EndpointId: string;
}

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
  TemplateDescription?: string;
}

export interface CreateTemplateMessageBody {
  Arn?: string;
  Message?: string;
  RequestID?: string;
}

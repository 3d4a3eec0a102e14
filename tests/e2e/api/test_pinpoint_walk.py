"""A walk through Pinpoint's operations with valid input, as a migrating customer's code would call
them, through a real boto3 pinpoint client on the local stack: each call answers 2xx, each answer
has every member botocore's model marks required (and none it lacks), and each write is read back
through its Get. Resources are made earlier in the walk and used later, as in real code."""

from __future__ import annotations

import uuid

import pytest

from engage_local.api import wait_until
from tests.e2e.conftest import PUSH_PROJECT
from tests.support.model_shapes import model, problems

pytestmark = pytest.mark.e2e

ROLE = "arn:aws:iam::123456789012:role/engage-walk"
APNS_KEY = (
    "-----BEGIN PRIVATE KEY-----\nMIGTAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBHkwdwIBAQQg\n-----END PRIVATE KEY-----"
)
CERTIFICATE = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"
PRIVATE_KEY = "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----"


class Walk:
    """Calls through the client, checking each answer against the operation's output shape."""

    def __init__(self, client) -> None:
        self.client = client
        self.walked: list[str] = []

    def __call__(self, method: str, **params):
        operation = model("pinpoint").operation_model(self.client.meta.method_to_api_mapping[method])
        answer = getattr(self.client, method)(**params)
        status = answer["ResponseMetadata"]["HTTPStatusCode"]
        assert 200 <= status < 300, (operation.name, status)
        body = {k: v for k, v in answer.items() if k != "ResponseMetadata"}
        if operation.output_shape is None:
            assert body == {}, operation.name
        else:
            assert problems("pinpoint", operation.output_shape.name, body) == [], operation.name
        self.walked.append(operation.name)
        return body


def test_a_migrating_customers_calls_each_answer_as_botocore_expects(pinpoint, local_stack):
    walk = Walk(pinpoint)
    bucket = local_stack.stacks["engage"].outputs["ImportBucketName"]
    app = walk("create_app", CreateApplicationRequest={"Name": "walk", "tags": {"team": "growth"}})
    app_id, app_arn = app["ApplicationResponse"]["Id"], app["ApplicationResponse"]["Arn"]
    assert walk("get_app", ApplicationId=app_id)["ApplicationResponse"]["Name"] == "walk"
    assert app_id in [a["Id"] for a in walk("get_apps", PageSize="100")["ApplicationsResponse"]["Item"]]
    walk(
        "update_application_settings",
        ApplicationId=app_id,
        WriteApplicationSettingsRequest={"Limits": {"Daily": 5}},
    )
    settings = walk("get_application_settings", ApplicationId=app_id)["ApplicationSettingsResource"]
    assert settings["Limits"]["Daily"] == 5

    # Channels: each one set, read and listed; one of each kind deleted at the end.
    channels = {
        "email": ("EmailChannelRequest", {"FromAddress": "news@example.com", "Identity": "example.com"}),
        "sms": ("SMSChannelRequest", {"SenderId": "ENGAGE"}),
        "voice": ("VoiceChannelRequest", {"Enabled": True}),
        "apns_sandbox": (
            "APNSSandboxChannelRequest",
            {"BundleId": "com.example", "TeamId": "T1", "TokenKeyId": "K1", "TokenKey": APNS_KEY},
        ),
        "apns_voip_sandbox": (
            "APNSVoipSandboxChannelRequest",
            {"Certificate": CERTIFICATE, "PrivateKey": PRIVATE_KEY},
        ),
        "apns": (
            "APNSChannelRequest",
            {"BundleId": "com.example", "TeamId": "T1", "TokenKeyId": "K1", "TokenKey": APNS_KEY},
        ),
        "apns_voip": ("APNSVoipChannelRequest", {"Certificate": CERTIFICATE, "PrivateKey": PRIVATE_KEY}),
        "gcm": ("GCMChannelRequest", {"ApiKey": "local-fcm-server-key"}),
        "adm": ("ADMChannelRequest", {"ClientId": "amzn1.client", "ClientSecret": "secret"}),
        "baidu": ("BaiduChannelRequest", {"ApiKey": "baidu-key", "SecretKey": "baidu-secret"}),
    }
    for path, (member, request) in channels.items():
        walk(f"update_{path}_channel", ApplicationId=app_id, **{member: request})
        assert walk(f"get_{path}_channel", ApplicationId=app_id)
    listed = walk("get_channels", ApplicationId=app_id)["ChannelsResponse"]["Channels"]
    assert set(listed) == {path.upper() for path in channels}

    # Endpoints.
    walk(
        "update_endpoint",
        ApplicationId=app_id,
        EndpointId="walk-1",
        EndpointRequest={
            "ChannelType": "EMAIL",
            "Address": "success@simulator.amazonses.com",
            "Attributes": {"Plan": ["gold"]},
            "User": {"UserId": "walker"},
        },
    )
    walk(
        "update_endpoints_batch",
        ApplicationId=app_id,
        EndpointBatchRequest={
            "Item": [
                {
                    "Id": "walk-2",
                    "ChannelType": "SMS",
                    "Address": "+12065550180",
                    "User": {"UserId": "walker"},
                }
            ]
        },
    )
    assert walk("get_endpoint", ApplicationId=app_id, EndpointId="walk-1")["EndpointResponse"]["Address"]
    users = walk("get_user_endpoints", ApplicationId=app_id, UserId="walker")["EndpointsResponse"]["Item"]
    assert {e["Id"] for e in users} == {"walk-1", "walk-2"}

    # Segments and their versions.
    gold = {"Attributes": {"Plan": {"AttributeType": "INCLUSIVE", "Values": ["gold"]}}}
    segment = walk(
        "create_segment", ApplicationId=app_id, WriteSegmentRequest={"Name": "gold", "Dimensions": gold}
    )
    segment_id = segment["SegmentResponse"]["Id"]
    walk(
        "update_segment",
        ApplicationId=app_id,
        SegmentId=segment_id,
        WriteSegmentRequest={"Name": "gold plan"},
    )
    assert walk("get_segment", ApplicationId=app_id, SegmentId=segment_id)["SegmentResponse"]["Version"] == 2
    assert walk("get_segments", ApplicationId=app_id)["SegmentsResponse"]["Item"]
    first = walk("get_segment_version", ApplicationId=app_id, SegmentId=segment_id, Version="1")
    assert first["SegmentResponse"]["Name"] == "gold"
    assert (
        len(
            walk("get_segment_versions", ApplicationId=app_id, SegmentId=segment_id)["SegmentsResponse"][
                "Item"
            ]
        )
        == 2
    )

    # An import job (the file in the import bucket) and an export job of the segment.
    key = f"walk/{app_id}.csv"
    local_stack.client("s3").put_object(
        Bucket=bucket,
        Key=key,
        Body=b"Id,ChannelType,Address,Attributes.Plan\nwalk-3,EMAIL,w3@example.com,gold\n",
    )
    imported = walk(
        "create_import_job",
        ApplicationId=app_id,
        ImportJobRequest={
            "S3Url": f"s3://{bucket}/{key}",
            "Format": "CSV",
            "RoleArn": ROLE,
            "DefineSegment": True,
        },
    )["ImportJobResponse"]

    def import_done():
        job = walk("get_import_job", ApplicationId=app_id, JobId=imported["Id"])["ImportJobResponse"]
        return job["JobStatus"] in ("COMPLETED", "FAILED") and job

    assert wait_until(import_done, 60, 0.5) and import_done()["JobStatus"] == "COMPLETED"
    assert walk("get_import_jobs", ApplicationId=app_id)["ImportJobsResponse"]["Item"]
    walk("get_segment_import_jobs", ApplicationId=app_id, SegmentId=imported["Id"])
    exported = walk(
        "create_export_job",
        ApplicationId=app_id,
        ExportJobRequest={
            "S3UrlPrefix": f"s3://{bucket}/exports/walk/",
            "SegmentId": segment_id,
            "RoleArn": ROLE,
        },
    )["ExportJobResponse"]

    def export_done():
        job = walk("get_export_job", ApplicationId=app_id, JobId=exported["Id"])["ExportJobResponse"]
        return job["JobStatus"] in ("COMPLETED", "FAILED") and job

    assert wait_until(export_done, 60, 0.5) and export_done()["JobStatus"] == "COMPLETED"
    assert walk("get_export_jobs", ApplicationId=app_id)["ExportJobsResponse"]["Item"]
    assert walk("get_segment_export_jobs", ApplicationId=app_id, SegmentId=segment_id)["ExportJobsResponse"][
        "Item"
    ]

    # Templates, with their versions and tags.
    name = f"walk-{uuid.uuid4().hex[:8]}"
    walk(
        "create_email_template",
        TemplateName=name,
        EmailTemplateRequest={"Subject": "Hi", "TextPart": "Hello"},
    )
    walk(
        "update_email_template",
        TemplateName=name,
        CreateNewVersion=True,
        EmailTemplateRequest={"Subject": "Hi again", "TextPart": "Hello"},
    )
    # A new version is not active until it is made so.
    template = walk("get_email_template", TemplateName=name)["EmailTemplateResponse"]
    assert template["Subject"] == "Hi" and template["Arn"].endswith(f":templates/{name}/EMAIL")
    walk(
        "update_template_active_version",
        TemplateName=name,
        TemplateType="EMAIL",
        TemplateActiveVersionRequest={"Version": "2"},
    )
    assert walk("get_email_template", TemplateName=name)["EmailTemplateResponse"]["Subject"] == "Hi again"
    assert walk("list_template_versions", TemplateName=name, TemplateType="EMAIL")[
        "TemplateVersionsResponse"
    ]["Item"]
    assert name in [
        t["TemplateName"] for t in walk("list_templates", PageSize="100")["TemplatesResponse"]["Item"]
    ]
    walk("create_sms_template", TemplateName=name, SMSTemplateRequest={"Body": "Hi {{User.UserId}}"})
    assert walk("get_sms_template", TemplateName=name)["SMSTemplateResponse"]["Body"]

    # A campaign: created immediate, its run visible at once, paused with IsPaused alone, versioned.
    campaign = walk(
        "create_campaign",
        ApplicationId=app_id,
        WriteCampaignRequest={
            "Name": "walk",
            "SegmentId": segment_id,
            "Schedule": {"StartTime": "IMMEDIATE"},
            "MessageConfiguration": {
                "EmailMessage": {"FromAddress": "news@example.com", "Title": "Hi", "HtmlBody": "<p>Hi</p>"}
            },
        },
    )["CampaignResponse"]
    campaign_id = campaign["Id"]
    assert campaign["SegmentVersion"] == 2
    assert walk("get_campaign_activities", ApplicationId=app_id, CampaignId=campaign_id)[
        "ActivitiesResponse"
    ]["Item"]
    walk(
        "update_campaign",
        ApplicationId=app_id,
        CampaignId=campaign_id,
        WriteCampaignRequest={"IsPaused": True},
    )
    assert (
        walk("get_campaign", ApplicationId=app_id, CampaignId=campaign_id)["CampaignResponse"]["IsPaused"]
        is True
    )
    assert walk("get_campaigns", ApplicationId=app_id)["CampaignsResponse"]["Item"]
    assert walk("get_campaign_version", ApplicationId=app_id, CampaignId=campaign_id, Version="1")
    assert (
        len(
            walk("get_campaign_versions", ApplicationId=app_id, CampaignId=campaign_id)["CampaignsResponse"][
                "Item"
            ]
        )
        == 2
    )

    # Custom attributes removed; a one-time password sent and verified; the event stream set.
    removed = walk(
        "remove_attributes",
        ApplicationId=app_id,
        AttributeType="endpoint-custom-attributes",
        UpdateAttributesRequest={"Blacklist": ["Plan"]},
    )
    assert removed["AttributesResource"]["Attributes"] == ["Plan"]
    otp = {
        "BrandName": "Walk",
        "Channel": "SMS",
        "DestinationIdentity": "+12065550181",
        "OriginationIdentity": "+18005550100",
        "ReferenceId": "walk",
    }
    walk("send_otp_message", ApplicationId=app_id, SendOTPMessageRequestParameters=otp)
    texted = local_stack.emulated.outbox.entries("pinpoint", "OTP delivery")[-1]["request"]["MessageBody"]
    code = texted.split(": ")[1].split(" ")[0]
    check = {"DestinationIdentity": "+12065550181", "Otp": code, "ReferenceId": "walk"}
    assert walk("verify_otp_message", ApplicationId=app_id, VerifyOTPMessageRequestParameters=check)[
        "VerificationResponse"
    ]["Valid"]
    stream = f"arn:aws:kinesis:us-east-1:123456789012:stream/walk-{app_id[:8]}"
    walk(
        "put_event_stream",
        ApplicationId=app_id,
        WriteEventStream={"DestinationStreamArn": stream, "RoleArn": ROLE},
    )
    assert walk("get_event_stream", ApplicationId=app_id)["EventStream"]["DestinationStreamArn"] == stream
    walk("delete_event_stream", ApplicationId=app_id)

    # Tags on the application.
    walk("tag_resource", ResourceArn=app_arn, TagsModel={"tags": {"cost": "mkt"}})
    walk("untag_resource", ResourceArn=app_arn, TagKeys=["team"])
    assert walk("list_tags_for_resource", ResourceArn=app_arn)["TagsModel"]["tags"] == {"cost": "mkt"}

    # Deletes, each answering the resource as it was.
    for path in channels:
        deleted = walk(f"delete_{path}_channel", ApplicationId=app_id)
        assert path.upper() not in walk("get_channels", ApplicationId=app_id)["ChannelsResponse"]["Channels"]
        assert deleted
    walk("delete_campaign", ApplicationId=app_id, CampaignId=campaign_id)
    walk("delete_email_template", TemplateName=name)
    walk("delete_sms_template", TemplateName=name)
    walk("delete_endpoint", ApplicationId=app_id, EndpointId="walk-2")
    walk("delete_user_endpoints", ApplicationId=app_id, UserId="walker")
    walk("delete_app", ApplicationId=app_id)
    # No other application had the FCM channel, so its deletion left the push project: set it up
    # again as the stack's owner did (tests/e2e/conftest.py), for the push tests that follow.
    local_stack.client("pinpoint").update_gcm_channel(
        ApplicationId=PUSH_PROJECT, GCMChannelRequest={"ApiKey": "local-fcm-server-key", "Enabled": True}
    )

    channel_operations = {
        f"{verb}{name}Channel"
        for verb in ("Update", "Get", "Delete")
        for name in (
            "Email",
            "Sms",
            "Voice",
            "Apns",
            "ApnsSandbox",
            "ApnsVoip",
            "ApnsVoipSandbox",
            "Adm",
            "Baidu",
        )
    } | {"UpdateGcmChannel", "GetGcmChannel", "DeleteGcmChannel", "GetChannels"}
    expected = channel_operations | {
        "CreateApp",
        "GetApp",
        "GetApps",
        "DeleteApp",
        "UpdateApplicationSettings",
        "GetApplicationSettings",
        "UpdateEndpoint",
        "UpdateEndpointsBatch",
        "GetEndpoint",
        "GetUserEndpoints",
        "DeleteEndpoint",
        "DeleteUserEndpoints",
        "CreateSegment",
        "UpdateSegment",
        "GetSegment",
        "GetSegments",
        "GetSegmentVersion",
        "GetSegmentVersions",
        "CreateImportJob",
        "GetImportJob",
        "GetImportJobs",
        "GetSegmentImportJobs",
        "CreateExportJob",
        "GetExportJob",
        "GetExportJobs",
        "GetSegmentExportJobs",
        "CreateEmailTemplate",
        "UpdateEmailTemplate",
        "GetEmailTemplate",
        "DeleteEmailTemplate",
        "ListTemplateVersions",
        "UpdateTemplateActiveVersion",
        "ListTemplates",
        "CreateSmsTemplate",
        "GetSmsTemplate",
        "DeleteSmsTemplate",
        "CreateCampaign",
        "GetCampaignActivities",
        "UpdateCampaign",
        "GetCampaign",
        "GetCampaigns",
        "GetCampaignVersion",
        "GetCampaignVersions",
        "DeleteCampaign",
        "TagResource",
        "UntagResource",
        "ListTagsForResource",
        "RemoveAttributes",
        "SendOTPMessage",
        "VerifyOTPMessage",
        "PutEventStream",
        "GetEventStream",
        "DeleteEventStream",
    }
    assert set(walk.walked) == expected

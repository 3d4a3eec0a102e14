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
                    "Address": "+12065550629",
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

    _walk_templates(walk, name)
    _walk_recommenders(walk)
    _walk_journey(walk, app_id, segment_id, name)
    _walk_messages_events_and_kpis(walk, app_id, campaign_id)
    throwaway = walk(
        "create_segment", ApplicationId=app_id, WriteSegmentRequest={"Name": "throwaway", "Dimensions": gold}
    )["SegmentResponse"]["Id"]
    walk("delete_segment", ApplicationId=app_id, SegmentId=throwaway)

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

    assert set(walk.walked) == set(model("pinpoint").operation_names)  # all 122 of them


def _walk_templates(walk: Walk, name: str) -> None:
    """The SMS template updated; voice, push and in-app templates made, changed, read and deleted."""
    walk("update_sms_template", TemplateName=name, SMSTemplateRequest={"Body": "Hello {{User.UserId}}"})
    assert (
        walk("get_sms_template", TemplateName=name)["SMSTemplateResponse"]["Body"] == "Hello {{User.UserId}}"
    )
    kinds = {
        "voice": ("VoiceTemplateRequest", {"Body": "Hi", "LanguageCode": "en-US", "VoiceId": "Joanna"}),
        "push": ("PushNotificationTemplateRequest", {"Default": {"Title": "Hi", "Body": "Hello"}}),
        "in_app": (
            "InAppTemplateRequest",
            {
                "Layout": "BOTTOM_BANNER",
                "Content": [{"BodyConfig": {"Alignment": "LEFT", "Body": "Hello", "TextColor": "#000000"}}],
            },
        ),
    }
    responses = {"voice": "VoiceTemplateResponse", "push": "PushNotificationTemplateResponse"}
    for kind, (member, request) in kinds.items():
        walk(f"create_{kind}_template", TemplateName=name, **{member: request})
        walk(f"update_{kind}_template", TemplateName=name, CreateNewVersion=True, **{member: request})
        found = walk(f"get_{kind}_template", TemplateName=name, Version="2")
        assert found[responses.get(kind, "InAppTemplateResponse")]["Version"] == "2"
        walk(f"delete_{kind}_template", TemplateName=name)


def _walk_recommenders(walk: Walk) -> None:
    request = {
        "RecommendationProviderUri": "arn:aws:personalize:us-east-1:123456789012:campaign/walk",
        "RecommendationProviderRoleArn": ROLE,
        "RecommendationsDisplayName": "Picks",
    }
    made = walk("create_recommender_configuration", CreateRecommenderConfiguration=request)
    recommender_id = made["RecommenderConfigurationResponse"]["Id"]
    walk(
        "update_recommender_configuration",
        RecommenderId=recommender_id,
        UpdateRecommenderConfiguration={**request, "RecommendationsPerMessage": 3},
    )
    found = walk("get_recommender_configuration", RecommenderId=recommender_id)
    assert found["RecommenderConfigurationResponse"]["RecommendationsPerMessage"] == 3
    listed = walk("get_recommender_configurations")["ListRecommenderConfigurationsResponse"]["Item"]
    assert recommender_id in [c["Id"] for c in listed]
    walk("delete_recommender_configuration", RecommenderId=recommender_id)


def _walk_journey(walk: Walk, app_id: str, segment_id: str, template: str) -> None:
    """A journey made, published, paused and resumed, its metrics and runs read, then deleted."""
    request = {
        "Name": "walk",
        "StartActivity": "mail",
        "StartCondition": {"SegmentStartCondition": {"SegmentId": segment_id}},
        "Activities": {"mail": {"EMAIL": {"TemplateName": template}}},
        "RefreshFrequency": "PT1H",  # a journey that may be paused re-reads its segment
        "State": "DRAFT",
    }
    journey_id = walk("create_journey", ApplicationId=app_id, WriteJourneyRequest=request)["JourneyResponse"][
        "Id"
    ]
    assert (
        walk("get_journey", ApplicationId=app_id, JourneyId=journey_id)["JourneyResponse"]["Name"] == "walk"
    )
    assert journey_id in [
        j["Id"] for j in walk("list_journeys", ApplicationId=app_id)["JourneysResponse"]["Item"]
    ]
    published = walk(
        "update_journey",
        ApplicationId=app_id,
        JourneyId=journey_id,
        WriteJourneyRequest={**request, "State": "ACTIVE"},
    )
    assert published["JourneyResponse"]["State"] == "ACTIVE"
    for state in ("PAUSED", "ACTIVE"):
        changed = walk(
            "update_journey_state",
            ApplicationId=app_id,
            JourneyId=journey_id,
            JourneyStateRequest={"State": state},
        )
        assert changed["JourneyResponse"]["State"] == state
    ids = {"ApplicationId": app_id, "JourneyId": journey_id}
    walk("get_journey_execution_metrics", **ids)
    walk("get_journey_execution_activity_metrics", **ids, JourneyActivityId="mail")

    def runs() -> list[dict]:
        return walk("get_journey_runs", **ids)["JourneyRunsResponse"]["Item"]

    assert wait_until(runs, 30, 0.5)
    run_id = runs()[0]["RunId"]
    assert walk("get_journey_run_execution_metrics", **ids, RunId=run_id)[
        "JourneyRunExecutionMetricsResponse"
    ]
    walk("get_journey_run_execution_activity_metrics", **ids, RunId=run_id, JourneyActivityId="mail")
    walk("get_journey_date_range_kpi", **ids, KpiName="journey-emails-sent")
    walk("delete_journey", **ids)


def _walk_messages_events_and_kpis(walk: Walk, app_id: str, campaign_id: str) -> None:
    """Direct sends, an event, a number validated, in-app messages fetched, and the KPIs read."""
    email = {
        "FromAddress": "news@example.com",
        "SimpleEmail": {"Subject": {"Data": "Hi"}, "TextPart": {"Data": "Hello"}},
    }
    sent = walk(
        "send_messages",
        ApplicationId=app_id,
        MessageRequest={"Endpoints": {"walk-1": {}}, "MessageConfiguration": {"EmailMessage": email}},
    )
    assert sent["MessageResponse"]["EndpointResult"]["walk-1"]["DeliveryStatus"] == "SUCCESSFUL"
    texted = walk(
        "send_users_messages",
        ApplicationId=app_id,
        SendUsersMessageRequest={
            "Users": {"walker": {}},
            "MessageConfiguration": {"SMSMessage": {"Body": "Hi", "MessageType": "TRANSACTIONAL"}},
        },
    )
    assert texted["SendUsersMessageResponse"]["Result"]["walker"]
    event = {"EventType": "walk.step", "Timestamp": "2026-12-07T08:00:00Z"}
    walk(
        "put_events",
        ApplicationId=app_id,
        EventsRequest={"BatchItem": {"walk-1": {"Endpoint": {}, "Events": {"step-1": event}}}},
    )
    number = walk("phone_number_validate", NumberValidateRequest={"PhoneNumber": "+12065550100"})
    assert number["NumberValidateResponse"]["CountryCodeIso2"] == "US"
    walk("get_in_app_messages", ApplicationId=app_id, EndpointId="walk-1")
    walk("get_application_date_range_kpi", ApplicationId=app_id, KpiName="unique-deliveries")
    walk(
        "get_campaign_date_range_kpi",
        ApplicationId=app_id,
        CampaignId=campaign_id,
        KpiName="unique-deliveries",
    )

"""The sample events of the handlers built on engage.runtime's services, each driven through its
handler(event, context) in-process: moto's in-memory AWS with the resources the function names
created from the templates' own definitions, the function's environment as its template gives it
(tests.support.stack), the services rebuilt for that environment, and the state a sample assumes
seeded through the domain's own stores. End User Messaging SMS v2 and the parts of SES v2 moto lacks
are botocore Stubbers put in where the services get those clients."""

from __future__ import annotations

import gzip
import io
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from botocore.stub import ANY, Stubber
from engage.adapters.dynamodb.applications import DynamoApplicationStore
from engage.applications import KEEP_ID_TAG
from engage.audience import wiring as audience_wiring
from engage.audience.imports.job import imported_segment, members_prefix, requested_import
from engage.audience.phone.runs import new_run
from engage.campaigns import wiring as campaigns_wiring
from engage.campaigns.start import CampaignStart
from engage.config import Settings
from engage.runtime import Services
from engage.sending import archive
from moto import mock_aws

from tests.support.apps import SAMPLE_APP
from tests.support.stack import MotoFactory, Stack, function_services, session
from tests.support.thin_handlers import ROOT, Context, handler, handler_folder, sample

APP = SAMPLE_APP
NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


@dataclass
class Deployed:
    """A function of the in-memory stack: its handler, its services, its environment."""

    name: str
    handler: Callable[[dict[str, Any], Any], Any]
    services: Services
    env: dict[str, str]


class Aws:
    """moto for one test: the stack, the client factory, and the functions deployed on them."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, exits: ExitStack) -> None:
        self.monkeypatch = monkeypatch
        self.exits = exits
        self.factory = MotoFactory()
        self.stack = Stack(self.factory)

    def client(self, service: str) -> Any:
        return self.factory.client(service)

    def deploy(self, name: str) -> Deployed:
        env = self.stack.environment(name)
        for key, value in env.items():
            self.monkeypatch.setenv(key, value)
        services = self.exits.enter_context(function_services(env, self.factory))
        folder = handler_folder(name)
        if any(p.name != "app.py" for p in folder.glob("*.py")):  # the function's own modules beside app.py
            self.monkeypatch.syspath_prepend(str(folder))
            self.exits.callback(_forget_modules_of, folder)
        return Deployed(name, handler(name), services, env)

    def stand_in(self, service: str) -> Stubber:
        """A Stubber on `service`'s client, answering for it wherever the services ask for one."""
        client = session().client(service, region_name="us-east-1")
        self.factory.standins[service] = client
        stubber = Stubber(client)
        stubber.activate()
        self.exits.callback(stubber.deactivate)
        return stubber

    # --- reading what the handlers left --------------------------------------------------------
    def messages(self, queue_url: str) -> list[dict[str, Any]]:
        sqs, found = self.client("sqs"), []
        while batch := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages"):
            found += [json.loads(m["Body"]) for m in batch]
        return found

    def events(self, stream: str) -> list[dict[str, Any]]:
        kinesis, found = self.client("kinesis"), []
        for shard in kinesis.list_shards(StreamName=stream)["Shards"]:
            iterator = kinesis.get_shard_iterator(
                StreamName=stream, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
            )["ShardIterator"]
            found += [json.loads(r["Data"]) for r in kinesis.get_records(ShardIterator=iterator)["Records"]]
        return found


def _forget_modules_of(folder: Path) -> None:
    for name, module in list(sys.modules.items()):
        if str(getattr(module, "__file__", "") or "").startswith(str(folder)):
            del sys.modules[name]


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Aws]:
    with mock_aws(), ExitStack() as exits:
        yield Aws(monkeypatch, exits)


def application(aws: Aws, app_id: str = APP) -> None:
    """The application the samples name, created as CreateApp creates it (the API's services, which
    know the account) with its id kept (as a migrated Pinpoint project's is)."""
    api = Services(Settings.from_env(aws.stack.environment("pinpoint_api")), aws.factory)
    api.applications.create({"Name": "sample", "tags": {KEEP_ID_TAG: app_id}})


def api_answer(answer: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    return answer["statusCode"], json.loads(answer["body"])


def sms_sent(stubber: Stubber, destination: str, body: str, message_id: str, **more: Any) -> None:
    """One SendTextMessage the test expects (End User Messaging SMS v2, which moto lacks)."""
    expected = {
        "DestinationPhoneNumber": destination,
        "MessageBody": body,
        "ConfigurationSetName": "smsconfigurationset",  # the events app's, as the template passes it
        "Context": ANY,
        **more,
    }
    stubber.add_response("send_text_message", {"MessageId": message_id}, expected)


SES_ACCOUNT = {
    "SendQuota": {"Max24HourSend": 50000.0, "MaxSendRate": 14.0, "SentLast24Hours": 0.0},
    "SendingEnabled": True,
    "DedicatedIpAutoWarmupEnabled": False,
    "EnforcementStatus": "HEALTHY",
    "ProductionAccessEnabled": True,
}


def email_sent(stubber: Stubber, address: str, message_id: str, tags: Any) -> None:
    """The account read and one SendEmail the test expects (the parts of SES v2 moto lacks)."""
    stubber.add_response("get_account", SES_ACCOUNT, {})
    expected = {
        "FromEmailAddress": "news@example.com",  # the display name is in the raw message's From
        "Destination": {"ToAddresses": [address]},
        "Content": {"Raw": {"Data": ANY}},
        "EmailTags": tags,
        "ConfigurationSetName": "sesconfigurationset",
    }
    stubber.add_response("send_email", {"MessageId": message_id}, expected)


# --- pinpoint_api: the Pinpoint-compatible REST API --------------------------------------------------
def test_pinpoint_api_create_app_creates_the_application(aws):
    api = aws.deploy("pinpoint_api")
    status, body = api_answer(api.handler(sample("api/pinpoint_api/create_app.json"), Context()))
    assert status == 201
    assert body["Name"] == "ExampleCorp" and body["tags"] == {"Stack": "Test"} and len(body["Id"]) == 32
    assert body["Arn"] == f"arn:aws:mobiletargeting:us-east-1:123456789012:apps/{body['Id']}"
    assert api.services.applications.require(body["Id"])["application"]["Name"] == "ExampleCorp"


def test_pinpoint_api_create_journey_keeps_the_journey_whole(aws):
    api = aws.deploy("pinpoint_api")
    application(aws)
    event = sample("api/pinpoint_api/create_journey.json", SEGMENT_ID="seg-1")
    status, body = api_answer(api.handler(event, Context()))
    assert status == 201 and body["State"] == "DRAFT" and body["ApplicationId"] == APP
    written = json.loads(event["body"])
    assert {k: body[k] for k in written} == written  # every member kept as written
    assert api.services.journeys.get(APP, body["Id"]) == body


def test_pinpoint_api_answers_a_journey_activitys_execution_metrics(aws):
    api = aws.deploy("pinpoint_api")
    application(aws)
    _, journey = api_answer(
        api.handler(sample("api/pinpoint_api/create_journey.json", SEGMENT_ID="seg-1"), Context())
    )
    event = sample("api/pinpoint_api/get_journey_execution_activity_metrics.json", JOURNEY_ID=journey["Id"])
    status, body = api_answer(api.handler(event, Context()))
    assert status == 200
    assert (body["ActivityType"], body["JourneyActivityId"], body["Metrics"]) == (
        "MESSAGE",
        "welcomeEmail",
        {},
    )
    missing = sample("api/pinpoint_api/get_journey_execution_activity_metrics.json", JOURNEY_ID="nope")
    assert api_answer(api.handler(missing, Context()))[0] == 404


def test_pinpoint_api_update_endpoint_writes_the_endpoint(aws):
    api = aws.deploy("pinpoint_api")
    application(aws)
    status, body = api_answer(api.handler(sample("api/pinpoint_api/update_endpoint.json"), Context()))
    assert (status, body) == (202, {"Message": "Accepted", "RequestID": "sample-request-1"})
    endpoint = api.services.contacts.get(APP, "sample-endpoint")
    assert (endpoint["ChannelType"], endpoint["Address"], endpoint["User"]["UserId"]) == (
        "SMS",
        "+12065550123",
        "sample-user",
    )
    assert endpoint["Attributes"] == {"MyCustomAttribute": ["Custom Attribute Value 1"]}


def test_pinpoint_api_get_user_endpoints_answers_the_users_endpoints(aws):
    api = aws.deploy("pinpoint_api")
    application(aws)
    api.services.contacts.upsert(
        APP,
        "sample-endpoint",
        {"ChannelType": "SMS", "Address": "+12065550123", "User": {"UserId": "sample-user"}},
    )
    api.services.contacts.upsert(APP, "someone-else", {"ChannelType": "SMS", "Address": "+12065550124"})
    status, body = api_answer(api.handler(sample("api/pinpoint_api/get_user_endpoints.json"), Context()))
    assert status == 200
    assert [(e["Id"], e["Address"]) for e in body["Item"]] == [("sample-endpoint", "+12065550123")]


def test_pinpoint_api_put_events_answers_item_by_item_and_streams_the_accepted_event(aws):
    api = aws.deploy("pinpoint_api")
    application(aws)
    status, body = api_answer(api.handler(sample("api/pinpoint_api/put_events.json"), Context()))
    assert status == 202
    result = body["Results"]["sample-endpoint"]
    assert result["EndpointItemResponse"]["StatusCode"] == 202
    assert result["EventsItemResponse"]["sample-event-1"]["StatusCode"] == 202
    assert result["EventsItemResponse"]["sample-event-2"]["StatusCode"] == 400  # "yesterday" is no time
    (event,) = aws.events(api.env["EVENT_STREAM"])
    assert (event["event_type"], event["event_id"], event["application"]["app_id"]) == (
        "purchase_success",
        "sample-event-1",
        APP,
    )
    assert event["attributes"]["sku"] == "A-1" and event["metrics"]["price"] == 25.0


class InProcessLambda:
    """Stands for the Lambda client the API invokes the direct send function with: runs that
    function's handler here, in its own environment and services, on the same stack."""

    def __init__(self, aws: Aws) -> None:
        self.aws = aws
        self.invoked: list[str] = []

    def invoke(self, FunctionName: str, Payload: bytes, **_: Any) -> dict[str, Any]:
        self.invoked.append(FunctionName)
        name = {"DirectSendFunction": "direct_send"}[FunctionName]
        with pytest.MonkeyPatch.context() as env, ExitStack() as exits:  # its environment, then the API's
            inner = Aws(env, exits)
            inner.factory, inner.stack = self.aws.factory, self.aws.stack
            answer = inner.deploy(name).handler(json.loads(Payload), Context())
        return {"StatusCode": 200, "Payload": io.BytesIO(json.dumps(answer).encode())}


def test_pinpoint_api_send_messages_answers_what_the_direct_send_function_sent(aws):
    sms = aws.stand_in("pinpoint-sms-voice-v2")
    sms_sent(sms, "+12065550135", "Your code is 654321", "sms-1", MessageType="TRANSACTIONAL")
    aws.factory.standins["lambda"] = direct = InProcessLambda(aws)
    api = aws.deploy("pinpoint_api")
    application(aws)
    status, body = api_answer(api.handler(sample("api/pinpoint_api/send_messages.json"), Context()))
    assert direct.invoked == ["DirectSendFunction"]
    assert status == 200 and body["RequestId"] == "sample-trace"
    sent = body["Result"]["+12065550135"]
    assert (sent["DeliveryStatus"], sent["StatusCode"], sent["MessageId"]) == ("SUCCESSFUL", 200, "sms-1")
    sms.assert_no_pending_responses()


# --- direct_send: SendMessages made by the function the API invokes -----------------------------------
def test_direct_send_sends_the_text_and_the_email_and_answers_pinpoints_result(aws):
    sms, ses = aws.stand_in("pinpoint-sms-voice-v2"), aws.stand_in("sesv2")
    sms_sent(sms, "+12065550136", "Your code is 123456", "sms-1", MessageType="TRANSACTIONAL")
    email_sent(
        ses,
        "sample-email-endpoint@example.org",
        "ses-1",
        [
            {"Name": "application_id", "Value": APP},
            {"Name": "request_id", "Value": "sample-direct-trace"},
            {"Name": "endpoint_id", "Value": "sample-email-endpoint"},
        ],
    )
    direct = aws.deploy("direct_send")
    application(aws)
    direct.services.contacts.upsert(
        APP, "sample-email-endpoint", {"ChannelType": "EMAIL", "Address": "sample-email-endpoint@example.org"}
    )
    answer = direct.handler(sample("sending/direct_send/send_messages.json"), Context())["Response"]
    assert answer["ApplicationId"] == APP and answer["RequestId"] == "sample-direct-trace"
    texted = answer["Result"]["+12065550136"]
    assert (texted["DeliveryStatus"], texted["MessageId"]) == ("SUCCESSFUL", "sms-1")
    emailed = answer["EndpointResult"]["sample-email-endpoint"]
    assert (emailed["DeliveryStatus"], emailed["MessageId"]) == ("SUCCESSFUL", "ses-1")
    sms.assert_no_pending_responses()
    ses.assert_no_pending_responses()
    sent = {(e["event_type"], e["client"]["client_id"]) for e in aws.events(direct.env["EVENT_STREAM"])}
    assert ("_email.send", "sample-email-endpoint") in sent


def test_direct_send_answers_an_unknown_operation_with_pinpoints_bad_request(aws):
    direct = aws.deploy("direct_send")
    application(aws)
    answer = direct.handler(sample("sending/direct_send/unknown_operation.json"), Context())
    assert answer["Error"]["Type"] == "BadRequestException" and "Operation" in answer["Error"]["Message"]
    assert aws.events(direct.env["EVENT_STREAM"]) == []  # nothing was sent


# --- campaign_batch: one part of a campaign run ------------------------------------------------------
def test_campaign_batch_queues_the_parts_sends_and_counts_the_part_once(aws):
    batch = aws.deploy("campaign_batch")
    services = batch.services
    application(aws)
    for i in range(2):
        services.contacts.upsert(
            APP,
            f"seed-sms-{i}",
            {"ChannelType": "SMS", "Address": f"+1206555300{i}", "Attributes": {"Seed": ["yes"]}},
        )
    segment = services.segment_service.create(
        APP,
        {
            "Name": "seeded",
            "Dimensions": {"Attributes": {"Seed": {"AttributeType": "INCLUSIVE", "Values": ["yes"]}}},
        },
    )
    started = CampaignStart(
        services.applications,
        services.campaigns,
        services.segment_service,
        services.objects,
        campaigns_wiring.zone_snapshots(),
        services.jobs,
        batch.env["WORK_BUCKET"],
        1000,
        4,
    ).start({"ApplicationId": APP, "SegmentId": segment["Id"], "SmsTemplateName": "welcome"}, "run-1")
    (part,) = json.loads(services.objects.read(started["bucket"], started["manifest"]))
    event = sample(
        "campaigns/campaign_batch/part.json",
        CAMPAIGN_ID=started["campaign_id"],
        RUN_ID="run-1",
        WORK_BUCKET=started["bucket"],
        PART_KEY=part["key"],
    )
    answer = batch.handler(event, Context())
    assert (answer["Queued"], answer["NotQueued"], answer["counted"]) == (2, 0, True)
    queued = aws.messages(batch.env["SEND_QUEUE_URL"])
    assert sorted(m["EndpointId"] for m in queued) == ["seed-sms-0", "seed-sms-1"]
    assert {
        (m["CampaignId"], m["ActivityId"], m["ChannelType"], m["Message"]["TemplateName"]) for m in queued
    } == {(started["campaign_id"], "run-1", "SMS", "welcome")}
    run = services.jobs.get(APP, "run-1")
    assert (run["CompletedPieces"], run["TotalProcessed"]) == (1, 2)
    assert batch.handler(event, Context())["counted"] is False  # a retried part is not counted twice


# --- sms_retry_send: a due SMS retry onto the send queue ---------------------------------------------
def test_sms_retry_send_puts_the_archived_text_back_on_the_send_queue(aws):
    retry = aws.deploy("sms_retry_send")
    services = retry.services
    application(aws)
    services.contacts.upsert(APP, "sample-phone", {"ChannelType": "SMS", "Address": "+12065550177"})
    sent = archive.text(APP, "sample-phone", NOW, "sample-original", "SMS", "Your code is 111111", {})
    services.archive.put(sent.key, sent.body, sent.content_type)  # as the sender archived the original
    event = sample(
        "sms/sms_retry_send/request.json",
        APP_ID=APP,
        ENDPOINT_ID="sample-phone",
        ORIGINAL_ID="sample-original",
        DESTINATION="+12065550177",
    )
    assert retry.handler(event, Context()) == {"batchItemFailures": []}
    (queued,) = aws.messages(retry.env["SEND_QUEUE_URL"])
    assert queued["EndpointId"] == "sample-phone" and queued["ApplicationId"] == APP
    assert queued["Message"]["Body"] == "Your code is 111111"


# --- the campaigns area ------------------------------------------------------------------------------
def seeded_segment(aws: Aws, services: Services, *endpoint_ids: str) -> dict[str, Any]:
    """SMS endpoints with Seed=yes and the dimensional segment of them."""
    application(aws)
    for n, endpoint_id in enumerate(endpoint_ids):
        services.contacts.upsert(
            APP,
            endpoint_id,
            {"ChannelType": "SMS", "Address": f"+1206555300{n}", "Attributes": {"Seed": ["yes"]}},
        )
    return services.segment_service.create(
        APP,
        {
            "Name": "seeded",
            "Dimensions": {"Attributes": {"Seed": {"AttributeType": "INCLUSIVE", "Values": ["yes"]}}},
        },
    )


def test_campaign_schedule_starts_the_run_of_the_scheduled_minute_once(aws):
    schedule = aws.deploy("campaign_schedule")
    segment = seeded_segment(aws, schedule.services, "seed-sms-1")
    campaign = schedule.services.campaigns.create(
        APP,
        {
            "Name": "new year",
            "SegmentId": segment["Id"],
            "MessageConfiguration": {"SMSMessage": {"Body": "Happy new year"}},
            "Schedule": {"StartTime": "2030-01-01T09:00:00Z", "Frequency": "ONCE"},
        },
    )
    fired = sample("campaigns/campaign_schedule/fired.json", CAMPAIGN_ID=campaign["Id"])
    run_id = f"{campaign['Id']}-20300101T0900"
    assert schedule.handler(fired, Context()) == {"started": True, "run_id": run_id}
    workflow = schedule.env["CAMPAIGN_WORKFLOW_ARN"]
    (execution,) = aws.client("stepfunctions").list_executions(stateMachineArn=workflow)["executions"]
    assert execution["name"] == run_id
    started = aws.client("stepfunctions").describe_execution(executionArn=execution["executionArn"])
    assert json.loads(started["input"]) == {"ApplicationId": APP, "CampaignId": campaign["Id"]}


def test_campaign_events_answers_a_late_purchase_without_failures_and_sends_nothing(aws, capsys):
    events = aws.deploy("campaign_events")
    segment = seeded_segment(aws, events.services, "seed-sms-1")
    events.services.campaigns.create(
        APP,
        {
            "Name": "thanks",
            "SegmentId": segment["Id"],
            "MessageConfiguration": {"SMSMessage": {"Body": "Thanks"}},
            "Schedule": {
                "StartTime": "IMMEDIATE",
                "Frequency": "EVENT",
                "EventFilter": {
                    "FilterType": "ENDPOINT",
                    "Dimensions": {
                        "EventType": {"DimensionType": "INCLUSIVE", "Values": ["purchase_success"]}
                    },
                },
            },
        },
    )
    capsys.readouterr()
    answer = events.handler(sample("campaigns/campaign_events/purchase_late.json"), Context())
    assert answer == {"batchItemFailures": []}
    printed = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    (counted,) = [line for line in printed if "_aws" in line]  # the invocation's metrics (EMF)
    assert counted["EventCampaignEventsLate"] == [1.0] and "EventCampaignMessagesQueued" not in counted
    assert aws.messages(events.env["SEND_QUEUE_URL"]) == []  # a late event sends nothing


def test_chain_approval_records_the_pending_run_and_asks_once_on_the_topic(aws):
    approval = aws.deploy("chain_approval")
    sqs, sns = aws.client("sqs"), aws.client("sns")
    inbox = sqs.create_queue(QueueName="approvals")["QueueUrl"]
    inbox_arn = sqs.get_queue_attributes(QueueUrl=inbox, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(TopicArn=approval.env["CAMPAIGN_TOPIC_ARN"], Protocol="sqs", Endpoint=inbox_arn)
    awaiting = sample(
        "campaigns/chain_approval/awaiting.json",
        TASK_TOKEN="sample-token",
        RUN_ID="chain-run-1",
        SEGMENT_ID="seg-1",
    )
    assert approval.handler(awaiting, Context()) == {"run_id": "chain-run-1", "requested": True}
    run = approval.services.jobs.get(APP, "chain-run-1")
    assert run["JobStatus"] == "PENDING" and run["Approval"]["Token"] == "sample-token"
    (notice,) = aws.messages(inbox)
    asked = json.loads(notice["Message"])
    assert notice["MessageAttributes"]["notification_type"]["Value"] == "approval_requested"
    assert (
        asked["Campaign"]["SegmentId"],
        asked["Validation"]["invalid"],
        asked["ApprovalTimeoutSeconds"],
    ) == (
        "seg-1",
        1,
        86400,
    )
    again = sample(
        "campaigns/chain_approval/awaiting.json",
        TASK_TOKEN="token-2",
        RUN_ID="chain-run-1",
        SEGMENT_ID="seg-1",
    )
    assert approval.handler(again, Context()) == {"run_id": "chain-run-1", "requested": False}  # asked once
    assert aws.messages(inbox) == []
    assert approval.services.jobs.get(APP, "chain-run-1")["Approval"]["Token"] == "token-2"


# --- the audience area -------------------------------------------------------------------------------
CHUNK = [
    {"line": 2, "id": "imp-1", "request": {"ChannelType": "SMS", "Address": "+12065550101"}, "error": None},
    {
        "line": 3,
        "id": "imp-2",
        "request": {"ChannelType": "EMAIL", "Address": "imp-2@example.com"},
        "error": None,
    },
    {"line": 4, "id": None, "request": None, "error": "Address: is required"},
]


def imported_job(env: dict[str, str], services: Services) -> dict[str, Any]:
    """An import job as CreateImportJob records it."""
    job, _workflow = requested_import(
        APP,
        {
            "S3Url": f"s3://{env['WORK_BUCKET']}/uploads/phones.csv",
            "Format": "CSV",
            "DefineSegment": True,
            "RoleArn": "arn:aws:iam::123456789012:role/PinpointImport",
        },
        env["WORK_BUCKET"],
        4,
    )
    services.jobs.create(job)
    services.jobs.start_processing(APP, job["Id"], 1)
    return job


def test_import_chunk_writes_the_chunks_endpoints_and_members_and_counts_it_once(aws):
    chunk = aws.deploy("import_chunk")
    services, bucket = chunk.services, chunk.env["WORK_BUCKET"]
    application(aws)
    job = imported_job(chunk.env, services)
    key = f"import-work/{job['Id']}/chunk-00000.jsonl"
    services.objects.write(bucket, key, "".join(json.dumps(r) + "\n" for r in CHUNK).encode())
    event = sample("audience/import_chunk/chunk.json", IMPORT_BUCKET=bucket, JOB_ID=job["Id"])
    answer = chunk.handler(event, Context())
    assert answer == {"index": 0, "accepted": 2, "rejected": 1, "counted": True}
    assert services.contacts.get(APP, "imp-1")["Address"] == "+12065550101"
    members = json.loads(services.objects.read(bucket, f"{members_prefix(APP, job['Id'])}part-00000.json"))
    assert members == ["imp-1", "imp-2"]
    recorded = services.jobs.get(APP, job["Id"])
    assert (recorded["CompletedPieces"], recorded["TotalProcessed"], recorded["TotalFailures"]) == (1, 3, 1)
    assert chunk.handler(event, Context())["counted"] is False


def test_import_chunk_reads_its_piece_of_the_dropped_file_and_imports_its_records(aws):
    chunk = aws.deploy("import_chunk")
    services, bucket = chunk.services, chunk.env["WORK_BUCKET"]
    application(aws)
    job = imported_job(chunk.env, services)
    event = sample("audience/import_chunk/piece.json", IMPORT_BUCKET=bucket, JOB_ID=job["Id"])
    services.objects.write(
        bucket, event["key"], (ROOT / "events/audience/import_files/clean.csv").read_bytes()
    )
    answer = chunk.handler(event, Context())
    assert answer == {"index": 0, "accepted": 3, "rejected": 0, "counted": True}
    assert services.contacts.get(APP, "ep-1")["Address"] == "ana@example.com"
    members = json.loads(services.objects.read(bucket, f"{members_prefix(APP, job['Id'])}part-00000.json"))
    assert members == ["ep-1", "ep-2", "ep-3"]


def test_segment_export_writes_the_segments_endpoints_and_completes_the_job(aws):
    export = aws.deploy("segment_export")
    services, bucket = export.services, export.env["WORK_BUCKET"]
    segment = seeded_segment(aws, services, "seed-sms-1", "seed-sms-2")
    job = sample("audience/segment_export/export_job.json", WORK_BUCKET=bucket, SEGMENT_ID=segment["Id"])
    services.jobs.create(job)  # CreateExportJob records it before invoking the function
    answer = export.handler(job, Context())
    assert (answer["JobStatus"], answer["TotalProcessed"], answer["TotalFailures"]) == ("COMPLETED", 2, 0)
    assert services.jobs.get(APP, "sample-export-job")["JobStatus"] == "COMPLETED"
    (key,) = services.objects.keys(bucket, f"exports/{APP}/")
    exported = [json.loads(line) for line in gzip.decompress(services.objects.read(bucket, key)).splitlines()]
    assert sorted(e["Id"] for e in exported) == ["seed-sms-1", "seed-sms-2"]


def phones(aws: Aws, services: Services, count: int) -> list[str]:
    application(aws)
    numbers = [f"+1206555010{n}" for n in range(count)]
    for n, number in enumerate(numbers):
        services.contacts.upsert(APP, f"phone-{n}", {"ChannelType": "SMS", "Address": number})
    return numbers


def test_validation_select_writes_the_runs_parts_and_records_the_run(aws):
    select = aws.deploy("validation_select")
    phones(aws, select.services, 3)
    answer = select.handler(sample("audience/validation_select/start.json"), Context())
    bucket = select.env["WORK_BUCKET"]
    assert answer == {
        "app_id": APP,
        "run_id": "sample-run",
        "bucket": bucket,
        "manifest": "validation-work/sample-run/manifest.json",
        "parts": 1,
        "concurrency": 1,
    }
    (part,) = json.loads(select.services.objects.read(bucket, answer["manifest"]))
    assert (part["key"], part["records"], part["rate"]) == (
        "validation-work/sample-run/parts/part-00000.gz",
        3,
        20.0,
    )
    run = select.services.jobs.get(APP, "sample-run")
    assert (run["JobStatus"], run["TotalPieces"]) == ("PROCESSING", 1)


def test_validation_select_after_an_import_validates_the_segment_the_import_defined(aws):
    chunk = aws.deploy("import_chunk")
    bucket = chunk.env["WORK_BUCKET"]
    application(aws)
    job = imported_job(chunk.env, chunk.services)
    chunk.services.objects.write(
        bucket,
        f"import-work/{job['Id']}/chunk-00000.jsonl",
        "".join(json.dumps(r) + "\n" for r in CHUNK).encode(),
    )
    chunk.handler(
        sample("audience/import_chunk/chunk.json", IMPORT_BUCKET=bucket, JOB_ID=job["Id"]), Context()
    )
    finished = {**chunk.services.jobs.get(APP, job["Id"]), "JobStatus": "COMPLETED"}
    segment = imported_segment(finished, 2, None)  # as the import's finish defines it
    chunk.services.segments.put(segment, f"s3://{bucket}/{members_prefix(APP, job['Id'])}")
    select = aws.deploy("validation_select")
    event = sample(
        "audience/validation_select/after_import.json", IMPORT_JOB_ID=job["Id"], WORK_BUCKET=bucket
    )
    answer = select.handler(event, Context())
    assert (answer["run_id"], answer["parts"]) == ("sample-run-after-import", 1)
    (part,) = json.loads(select.services.objects.read(bucket, answer["manifest"]))
    assert part["records"] == 1  # the import's one phone endpoint (its email endpoint needs no validation)
    assert select.services.jobs.get(APP, "sample-run-after-import")["Definition"]["SegmentId"] == job["Id"]


def test_validation_part_validates_the_parts_numbers_and_counts_the_part(aws):
    select = aws.deploy("validation_select")
    numbers = phones(aws, select.services, 3)
    select.handler(sample("audience/validation_select/start.json"), Context())
    bucket = select.env["WORK_BUCKET"]
    written = gzip.decompress(
        select.services.objects.read(bucket, "validation-work/sample-run/parts/part-00000.gz")
    )
    pinpoint = aws.stand_in("pinpoint")  # PhoneNumberValidate, which moto lacks
    for number in [json.loads(line)["Address"] for line in written.splitlines()]:  # in the part's order
        pinpoint.add_response(
            "phone_number_validate",
            {
                "NumberValidateResponse": {
                    "CleansedPhoneNumberE164": number,
                    "CountryCodeIso2": "US",
                    "PhoneType": "MOBILE",
                    "PhoneTypeCode": 0,
                }
            },
            {"NumberValidateRequest": {"PhoneNumber": number, "IsoCountryCode": "US"}},
        )
    part = aws.deploy("validation_part")
    answer = part.handler(
        sample("audience/validation_part/part.json", WORK_BUCKET=part.env["WORK_BUCKET"]), Context()
    )
    assert answer["counted"] is True and answer["index"] == 0
    pinpoint.assert_no_pending_responses()
    run = part.services.jobs.get(APP, "sample-run")
    assert (run["CompletedPieces"], run["TotalProcessed"]) == (1, 3)
    assert numbers[0] in audience_wiring.validation_part().cache.answers(numbers)  # kept for the next run


# --- the application's removal, the extensions, the pixel's queue and SMS drops -----------------------
def test_app_removal_removes_the_deleted_applications_data(aws):
    removal = aws.deploy("app_removal")
    services = removal.services
    application(aws)
    services.contacts.upsert(APP, "sample-endpoint", {"ChannelType": "SMS", "Address": "+12065550123"})
    services.jobs.create(new_run("sample-run", APP, None, {"ApplicationId": APP}))
    services.applications.delete(APP)  # DeleteApp: its removal is asked for, the application marked deleted
    event = sample("api/app_removal/removal.json", APP_ID=APP)
    assert removal.handler(event, Context()) == {"batchItemFailures": []}
    dynamodb = aws.client("dynamodb")
    for table in ("CONTACTS_TABLE", "JOBS_TABLE"):
        assert dynamodb.scan(TableName=removal.env[table])["Items"] == [], table
    store = DynamoApplicationStore(removal.env["APPLICATIONS_TABLE"], dynamodb)
    assert store.removal(APP)["Status"] == "COMPLETED"


def test_attachments_channel_queues_each_email_endpoints_email(aws):
    channel = aws.deploy("attachments_channel")
    channel.services.templates.create(
        "EMAIL", "sample-invoice", {"Subject": "Your invoice", "TextPart": "Hi {{Attributes.Name}}"}
    )
    event = sample("extensions/attachments_channel/batch.json", TEMPLATE="sample-invoice", APP_ID=APP)
    assert channel.handler(event, Context()) == {}  # every endpoint handed over
    queued = {m["EndpointId"]: m for m in aws.messages(channel.env["SEND_QUEUE_URL"])}
    assert sorted(queued) == ["sample-customer", "sample-no-file"]
    customer = queued["sample-customer"]
    assert (customer["ChannelType"], customer["ActivityId"], customer["Context"]["campaign_id"]) == (
        "EMAIL",
        "sample-run",
        "sample-invoices",
    )
    message = customer["Message"]
    assert (message["TemplateName"], message["FromAddress"]) == ("sample-invoice", "billing@example.com")
    assert message["Attachments"]["files"] == [{"key": "samples/{{EndpointId}}.pdf", "name": "invoice.pdf"}]


def test_pixel_events_ingests_the_hit_drops_the_refused_one_and_fails_the_malformed_one(aws):
    pixel = aws.deploy("pixel_events")
    application(aws)
    pixel.services.contacts.upsert(
        APP, "pixel-visitor", {"ChannelType": "EMAIL", "Address": "visitor@example.com"}
    )
    event = sample(
        "pixel/pixel_events/batch.json",
        APP_ID=APP,
        ENDPOINT_ID="pixel-visitor",
        TIMESTAMP="2026-11-26T09:00:00Z",
    )
    assert pixel.handler(event, Context()) == {"batchItemFailures": [{"itemIdentifier": "pixel-msg-3"}]}
    (ingested,) = aws.events(pixel.env["EVENT_STREAM"])
    assert (ingested["event_id"], ingested["event_type"], ingested["client"]["client_id"]) == (
        "pixel-sample-batch-1",
        "purchase_success",
        "pixel-visitor",
    )
    assert ingested["attributes"]["order_id"] == "o-1001"
    assert pixel.services.contacts.get(APP, "pixel-visitor")["User"]["UserAttributes"] == {"plan": ["gold"]}


def test_sms_drop_send_sends_a_row_once_however_often_it_comes(aws):
    sms = aws.stand_in("pinpoint-sms-voice-v2")
    body = "Black Friday: 20% off everything today. Reply STOP to opt out"
    sms_sent(sms, "+14255550199", body, "sms-drop-1", MessageType="PROMOTIONAL")
    drop = aws.deploy("sms_drop_send")
    application(aws)
    row = sample("sms/sms_drop_send/row.json", DESTINATION="+14255550199")
    assert drop.handler(row, Context()) == {"batchItemFailures": []}
    sms.assert_no_pending_responses()
    assert drop.handler(row, Context()) == {"batchItemFailures": []}  # the ledger sends it once
    # The stubber has no second answer: a second SendTextMessage would have failed the record.
    sent = aws.events(drop.env["EVENT_STREAM"])
    assert {
        (e["event_type"], e["attributes"]["record_status"], e["attributes"]["message_id"]) for e in sent
    } == {("_SMS.BUFFERED", "SENT", "sms-drop-1")}
    assert sent[0]["attributes"]["request_id"] == "drop-0123456789abcdef0123456789abcdef"


def test_sms_drop_send_fails_a_body_that_is_not_a_drops_row(aws):
    drop = aws.deploy("sms_drop_send")
    application(aws)
    with pytest.raises(BatchProcessingError, match=r"a queued SMS drop row carries its Drop\.Line"):
        drop.handler(sample("sms/sms_drop_send/not_a_row.json"), Context())  # the whole batch comes back


# --- files dropped in the import bucket (S3 through EventBridge) -------------------------------------
def dropped(aws: Aws, bucket: str, key: str, body: bytes, **metadata: str) -> dict[str, str]:
    """Puts the file where the sample says it was dropped; its version id and ETag."""
    put = aws.client("s3").put_object(Bucket=bucket, Key=key, Body=body, Metadata=metadata)
    return {"VERSION_ID": put.get("VersionId", "null"), "ETAG": put["ETag"].strip('"')}


def test_import_start_starts_one_import_of_the_dropped_file(aws):
    start = aws.deploy("import_start")
    bucket = start.env["WORK_BUCKET"]
    event = sample(
        "audience/import_start/object_created.json", IMPORT_BUCKET=bucket, VERSION_ID="sample-version"
    )
    answer = start.handler(event, Context())
    assert answer["started"] is True
    sfn = aws.client("stepfunctions")
    (execution,) = sfn.list_executions(stateMachineArn=start.env["IMPORT_WORKFLOW_ARN"])["executions"]
    document = json.loads(sfn.describe_execution(executionArn=execution["executionArn"])["input"])
    assert execution["name"] == f"import-{answer['job_id']}"
    assert (document["bucket"], document["key"], document["app_id"], document["job_id"]) == (
        bucket,
        f"imports/{APP}/clean list.csv",  # S3 writes a space as + in the event
        APP,
        answer["job_id"],
    )
    assert document["version"] == "sample-version/9dd4e461268c8034f5c8564e155c67a6"


def test_chain_start_starts_the_chain_the_dropped_files_metadata_asks_for(aws):
    chain = aws.deploy("chain_start")
    bucket = chain.env["WORK_BUCKET"]
    application(aws)
    key = f"campaign-imports/{APP}/spring leads.csv"
    put = dropped(
        aws, bucket, key, b"Id,ChannelType,Address\nl-1,SMS,+12065550101\n", **{"sms-template": "welcome"}
    )
    answer = chain.handler(
        sample("campaigns/chain_start/file_dropped.json", IMPORT_BUCKET=bucket, ETAG=put["ETAG"]), Context()
    )
    assert answer["started"] is True
    sfn = aws.client("stepfunctions")
    (execution,) = sfn.list_executions(stateMachineArn=chain.env["CHAIN_WORKFLOW_ARN"])["executions"]
    started = json.loads(sfn.describe_execution(executionArn=execution["executionArn"])["input"])
    assert execution["name"] == answer["run_id"] == started["run_id"]
    assert (
        started["import"]["bucket"],
        started["import"]["key"],
        started["campaign"]["SmsTemplateName"],
    ) == (
        bucket,
        key,
        "welcome",
    )


def test_sms_drop_read_queues_the_files_good_rows_and_records_the_rejected(aws):
    read = aws.deploy("sms_drop_read")
    bucket = aws.stack.ref("WorkBucketName", "sms")  # the import bucket, where drops are dropped
    application(aws)
    key = f"sms-drops/{APP}/black friday.csv"
    put = dropped(aws, bucket, key, (ROOT / "events" / "sms" / "sms_drop_files" / "mixed.csv").read_bytes())
    event = sample(
        "sms/sms_drop_read/file_dropped.json",
        IMPORT_BUCKET=bucket,
        VERSION_ID=put["VERSION_ID"],
        ETAG=put["ETAG"],
    )
    answer = read.handler(event, Context())
    assert (answer["rows"], answer["rejected"], answer["queued"], answer["file_error"]) == (9, 6, 3, None)
    queued = aws.messages(read.env["SMS_DROP_QUEUE_URL"])
    assert sorted(row["Drop"]["Line"] for row in queued) == [2, 3, 4]
    assert {row["RequestId"] for row in queued} == {answer["drop_id"]}


# --- sender: the send queue's consumer ---------------------------------------------------------------
def test_sender_sends_the_email_and_the_text_and_returns_the_malformed_request(aws):
    sms, ses = aws.stand_in("pinpoint-sms-voice-v2"), aws.stand_in("sesv2")
    sms_sent(sms, "+12065550134", "Your code is 123456", "sms-1", MessageType="TRANSACTIONAL")
    email_sent(ses, "sample-email-endpoint@example.org", "ses-1", ANY)
    sender = aws.deploy("sender")
    application(aws)
    sender.services.contacts.upsert(
        APP,
        "sample-email-endpoint",
        {
            "ChannelType": "EMAIL",
            "Address": "sample-email-endpoint@example.org",
            "User": {"UserId": "sample-erased-user", "UserAttributes": {"FirstName": ["Sam"]}},
        },
    )
    answer = sender.handler(sample("sending/sender/send_batch.json"), Context())
    assert answer == {"batchItemFailures": [{"itemIdentifier": "sample-malformed"}]}
    sms.assert_no_pending_responses()
    ses.assert_no_pending_responses()
    archive_bucket = sender.env["ARCHIVE_BUCKET"]
    (email,) = [k for k in sender.services.objects.keys(archive_bucket, "archive/") if k.endswith(".eml")]
    raw = sender.services.objects.read(archive_bucket, email)
    assert b"Hello Sam" in raw and b"Your offer: 2 for 1" in raw
    sent = {e["event_type"] for e in aws.events(sender.env["EVENT_STREAM"])}
    assert {"_email.send", "_SMS.BUFFERED"} <= sent

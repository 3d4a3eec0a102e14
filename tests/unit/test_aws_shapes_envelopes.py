"""AWS's documented event envelopes (events/aws/envelopes/, events/aws/dms/; where each comes from in
their sources.json) fed to the code that reads them, and the local stack's producers held to them:
what the local pollers, SNS, S3 and Scheduler hand a function has the same keys at every level and
the same JSON types as AWS's sample (values may differ)."""

from __future__ import annotations

import base64
import copy
import hashlib
import io
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.batch import EventType
from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent, SNSEvent
from engage.audience import wiring as audience_wiring
from engage.audience.optin_sync import Columns, OptInSync, parse_change
from engage.batch import partial_batch_handler
from engage.campaigns import wiring as campaigns_wiring
from engage.campaigns.schedule import schedule_input, scheduled_run_id
from engage.campaigns.steps import ChainStart
from engage.campaigns.triggers import instant
from engage.config import Settings
from engage.envelopes import sns_document
from engage.runtime import services
from engage.sms import wiring as sms_wiring
from engage.sms.drop import DropIntake
from engage.sms.inbound import parse_inbound
from engage.vdm.model import previous_month
from moto import mock_aws

from engage_local import routing
from engage_local.pollers import kinesis_record, sqs_record
from tests.support.fakes import MemoryConsent, MemoryEndpoints, MemoryTombstones
from tests.support.shapes import EVENTS, assert_shaped_like, sample
from tests.support.thin_handlers import Context, forget_wiring, function_module

ROOT = Path(__file__).resolve().parents[2]
REGION = "us-east-1"
ACCOUNT = "123456789012"
APP = "0123456789abcdef0123456789abcdef"
FUNCTION = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:consumer"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/consumer-role"
SAMPLE_DIRECTORIES = ("aws/envelopes", "aws/dms")


@pytest.fixture
def fake_services(monkeypatch: pytest.MonkeyPatch):
    """Sets what a handler takes from engage.runtime.services (cached on first use) for this test;
    the use cases the wirings built on other services before are dropped, before and after."""

    def install(**parts: Any) -> None:
        for name, part in parts.items():
            monkeypatch.setitem(services.__dict__, name, part)
        forget_wiring()

    yield install
    forget_wiring()


# --- the samples and their sources -------------------------------------------------------------------
@pytest.mark.parametrize("directory", SAMPLE_DIRECTORIES)
def test_every_sample_names_its_source_and_is_read_here(directory):
    folder = EVENTS / directory
    sources = json.loads((folder / "sources.json").read_text())
    files = {p.name for p in folder.glob("*.json")} - {"sources.json"}
    assert set(sources) == files
    this_module = Path(__file__).read_text()
    for name, entry in sources.items():
        assert set(entry) == {"source", "kind", "changed"}, name
        assert entry["source"].startswith(("https://", "aws-sam-cli:")), name
        assert entry["kind"] in ("verbatim", "derived"), name
        assert bool(entry["changed"]) is (entry["kind"] == "derived"), name  # a derived sample says how
        assert f'"{directory}/{name}"' in this_module, f"{directory}/{name} is fed to nothing here"


# --- SQS, Kinesis and SNS envelopes through the layer's consumers -------------------------------------
def test_the_sqs_event_reaches_the_record_handler_and_a_failure_names_the_message():
    event = sample("aws/envelopes/sqs_record.json")
    seen = []

    def record_handler(record):
        seen.append((record.body, record.attributes.sent_timestamp, record.event_source_arn))
        if record.message_attributes.get("myAttribute") is None:
            raise ValueError("no attribute")
        assert record.message_attributes["myAttribute"].string_value == "myValue"

    answer = partial_batch_handler(EventType.SQS, record_handler)(event, Context())
    assert seen == [
        ("Test message.", "1545082649183", "arn:aws:sqs:us-east-2:123456789012:my-queue"),
        ("Test message.", "1545082650636", "arn:aws:sqs:us-east-2:123456789012:my-queue"),
    ]
    assert answer == {"batchItemFailures": [{"itemIdentifier": "2e1424d4-f796-459a-8184-9c92662be6da"}]}


def test_a_fifo_record_carries_its_group_and_sequence():
    event = sample("aws/envelopes/sqs_fifo_record.json")
    seen = []
    handler = partial_batch_handler(
        EventType.SQS,
        lambda r: seen.append((r.attributes.message_group_id, r.attributes.sequence_number)),
    )
    assert handler(event, Context()) == {"batchItemFailures": []}
    assert seen == [("1", "18849496460467696128")]


def test_the_kinesis_event_reaches_the_record_handler_and_a_failure_names_the_sequence_number():
    event = sample("aws/envelopes/kinesis_record.json")
    seen = []

    def record_handler(record):
        seen.append(record.kinesis.data_as_text())
        if "only" in seen[-1]:
            raise ValueError("a test")

    answer = partial_batch_handler(EventType.KinesisDataStreams, record_handler)(event, Context())
    assert seen == ["Hello, this is a test.", "This is only a test."]
    assert answer == {
        "batchItemFailures": [{"itemIdentifier": "49590338271490256608559692540925702759324208523137515618"}]
    }


def test_raw_and_enveloped_sns_deliveries_give_the_consumer_the_same_message():
    enveloped = sample("aws/envelopes/sqs_sns_notification_record.json")["Records"][0]["body"]
    raw = sample("aws/envelopes/sqs_sns_raw_record.json")["Records"][0]["body"]
    assert sns_document(enveloped) == sns_document(raw)
    inbound = parse_inbound(sns_document(enveloped), "2026-11-20T10:00:00.000Z")
    assert (inbound.message_id, inbound.customer, inbound.our_number, inbound.body, inbound.keyword) == (
        "cae173d2-66b9-564c-8309-21f858e9fb84",
        "+14255550182",
        "+12125550101",
        "EXAMPLE",
        "JOIN",
    )


def test_an_sns_notification_whose_message_is_not_json_fails_its_record():
    notification = sample("aws/envelopes/sns_notification.json")  # "Message": "Hello world!"
    with pytest.raises(json.JSONDecodeError):
        sns_document(json.dumps(notification))
    event = sample("aws/envelopes/sqs_sns_notification_record.json")  # beside a notification that reads
    bad = copy.deepcopy(event["Records"][0])
    bad.update(messageId="059f36b4-87a3-44ab-83d2-661975830a7d", body=json.dumps(notification))
    event["Records"].append(bad)
    answer = partial_batch_handler(EventType.SQS, lambda r: sns_document(r.body))(event, Context())
    assert answer == {"batchItemFailures": [{"itemIdentifier": "059f36b4-87a3-44ab-83d2-661975830a7d"}]}


def test_the_sns_lambda_event_reads_with_powertools():
    record = next(SNSEvent(sample("aws/envelopes/sns_lambda_record.json")).records)
    assert (record.sns.message, record.sns.subject, record.sns.message_attributes["Test"].value) == (
        "Hello from SNS!",
        "TestInvoke",
        "TestString",
    )


# --- EventBridge "Object Created" through the three handlers that take it -----------------------------
def object_created(key: str) -> dict[str, Any]:
    event = sample("aws/envelopes/eventbridge_s3_object_created.json")
    event["detail"]["object"]["key"] = key  # the key each rule lets through; the rest is AWS's sample
    return event


BUCKET = "DOC-EXAMPLE-BUCKET1"
VERSION = "IYV3p45BT0ac8hjHg1houSdS1a.Mro8e"
ETAG = "b1946ac92492d2347c6235b4d2611184"


class Starter:
    def __init__(self) -> None:
        self.started: list[tuple[str, dict]] = []

    def start(self, name: str, document: dict) -> bool:
        self.started.append((name, document))
        return True


def test_import_start_starts_one_import_named_after_the_object_version(fake_services):
    workflow = Starter()
    fake_services(import_workflow=workflow, settings=Settings())
    key = f"imports/{APP}/spring+customers.csv"  # S3 encodes a space as +
    answer = function_module("import_start").handler(object_created(key), Context())
    assert answer["started"] is True
    name, document = workflow.started[0]
    assert (document["bucket"], document["key"], document["received_key"], document["version"]) == (
        BUCKET,
        f"imports/{APP}/spring customers.csv",
        key,
        f"{VERSION}/{ETAG}",
    )
    assert (name, document["app_id"]) == (f"import-{answer['job_id']}", APP)


def test_chain_start_starts_the_chain_for_the_object_it_names(monkeypatch):
    workflow, heads = Starter(), []

    def existing(bucket, key, *spellings):
        heads.append((bucket, key, spellings))
        return key, {"sms-template": "welcome"}

    defaults = Settings()
    start = ChainStart(
        SimpleNamespace(existing=existing),
        SimpleNamespace(require=lambda app_id: None),
        workflow,
        defaults.chain_approval,
        int(defaults.import_concurrency),
        int(defaults.chain_approval_timeout),
    )
    monkeypatch.setattr(campaigns_wiring, "chain_start", lambda: start)
    key = f"campaign-imports/{APP}/spring.csv"
    answer = function_module("chain_start").handler(object_created(key), Context())
    assert heads == [(BUCKET, key, (key,))]
    name, chain = workflow.started[0]
    assert name == answer["run_id"]
    assert (chain["import"]["bucket"], chain["import"]["version"], chain["campaign"]["SmsTemplateName"]) == (
        BUCKET,
        f"{VERSION}/{ETAG}",
        "welcome",
    )


def test_sms_drop_read_reads_the_version_the_event_names(monkeypatch):
    reads, opened = [], []

    def read(drop, stream, now):
        reads.append((drop.bucket, drop.key, drop.version, stream.read()))
        return SimpleNamespace(rows=1, rejected=0, queued=1, file_error=None, reported=True)

    def open_object(bucket, key, version):
        opened.append((bucket, key, version))
        return io.BytesIO(b"number,message\n")

    files = SimpleNamespace(existing=lambda bucket, key, *spellings: (key, {}), open=open_object)
    intake = DropIntake(SimpleNamespace(read=read), files, lambda app_id: None)
    monkeypatch.setattr(sms_wiring, "drop_intake", lambda: intake)
    key = f"sms-drops/{APP}/november.csv"
    answer = function_module("sms_drop_read").handler(object_created(key), Context())
    assert opened == [(BUCKET, key, VERSION)]
    assert reads == [(BUCKET, key, VERSION, b"number,message\n")]
    assert (answer["rows"], answer["queued"]) == (1, 1)


def test_the_s3_event_reads_with_powertools_eventbridge_class():
    event = EventBridgeEvent(sample("aws/envelopes/eventbridge_s3_object_created.json"))
    assert (event.detail_type, event.source, event.detail["object"]["version-id"]) == (
        "Object Created",
        "aws.s3",
        VERSION,
    )


# --- what Scheduler hands the schedules' targets ------------------------------------------------------
def test_a_campaign_schedule_firing_names_its_run_after_the_scheduled_minute():
    event = sample("aws/envelopes/scheduler_campaign_schedule.json")
    assert instant(event["ScheduledTime"]) == datetime(2022, 3, 22, 18, 59, 43, tzinfo=UTC)
    assert scheduled_run_id(event["CampaignId"], event["ScheduledTime"]) == "CAMPAIGN_ID-20220322T1859"


def test_the_vdm_schedule_covers_the_month_before_its_firing():
    event = sample("aws/envelopes/scheduler_vdm_plan.json")
    assert previous_month(datetime.fromisoformat(event["ScheduledTime"])).label == "2022-02"


# --- DMS change records on Kinesis through the opt-in sync ---------------------------------------------
DMS_SAMPLES = (
    "aws/dms/insert.json",
    "aws/dms/update.json",
    "aws/dms/delete.json",
    "aws/dms/control_create_table.json",
    "aws/dms/ddl_drop_table.json",
)


def dms_batch(*relatives: str) -> dict[str, Any]:
    """The Kinesis event carrying DMS records, each in the Lambda guide's record."""
    template = sample("aws/envelopes/kinesis_record.json")["Records"][0]
    records = []
    for n, relative in enumerate(relatives):
        record = copy.deepcopy(template)
        record["kinesis"]["data"] = base64.b64encode((EVENTS / relative).read_bytes()).decode()
        record["kinesis"]["partitionKey"] = "public.customers"
        record["kinesis"]["sequenceNumber"] = sequence = (
            f"4959033827149025660855969253836157109592157598913658{n:04d}"
        )
        record["eventID"] = f"shardId-000000000006:{sequence}"
        records.append(record)
    return {"Records": records}


@pytest.mark.parametrize("relative", DMS_SAMPLES)
def test_each_dms_record_parses(relative):
    change = parse_change((EVENTS / relative).read_bytes())
    if sample(relative)["metadata"]["record-type"] == "control":
        assert change is None  # a table's definition or DDL changes no customer
    else:
        assert (change.operation, change.endpoint_id) == (relative.split("/")[-1][:-5], "cdc-9001")


def test_the_opt_in_sync_applies_dms_changes_in_order(monkeypatch):
    endpoints, consents, tombstones = MemoryEndpoints(), MemoryConsent(), MemoryTombstones()
    sync = OptInSync(
        APP,
        Columns(),
        None,
        SimpleNamespace(require=lambda app_id: None),
        endpoints,
        consents,
        tombstones,
        SimpleNamespace(send=lambda body, delay_seconds=None: pytest.fail(f"rejected: {body}")),
    )
    monkeypatch.setattr(audience_wiring, "opt_in_sync", lambda: sync)
    handler = function_module("optin_sync").handler
    batch = dms_batch("aws/dms/control_create_table.json", "aws/dms/insert.json")
    assert handler(batch, Context()) == {"batchItemFailures": []}
    endpoint = endpoints.get(APP, "cdc-9001")
    assert (endpoint["Address"], endpoint["OptOut"], endpoint["Attributes"]["firstname"]) == (
        "+12065550111",
        "NONE",
        ["Ana"],
    )
    assert handler(dms_batch("aws/dms/update.json"), Context()) == {"batchItemFailures": []}
    assert endpoints.get(APP, "cdc-9001")["OptOut"] == "ALL"
    assert consents.get(APP, "SMS", "+12065550111").status.value == "OPTED_OUT"
    batch = dms_batch("aws/dms/delete.json", "aws/dms/ddl_drop_table.json", "aws/dms/insert.json")
    assert handler(batch, Context()) == {"batchItemFailures": []}
    assert (APP, "cdc-9001") not in endpoints.by_id  # the older insert replayed after the delete stays out
    assert tombstones.buried_at(APP, "cdc-9001") == "2026-11-20T11:00:00.000Z"  # the row's own lastupdate


# --- the local stack's producers emit AWS's shapes ----------------------------------------------------
class Invoker:
    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def submit(self, arn: str, event: Any) -> str:
        self.calls.append((arn, event))
        return "request"


@pytest.fixture
def local_aws():
    """moto in process with the local stack's delivery (SNS, EventBridge targets, S3's events)."""
    with mock_aws():
        invoker = Invoker()
        router = routing.Router(invoker, None, REGION)  # type: ignore[arg-type]
        originals = routing.patch_targets(router)
        try:
            yield SimpleNamespace(invoker=invoker, router=router, client=lambda s: boto3.client(s, REGION))
        finally:
            routing.unpatch_targets(originals)


def queue(sqs: Any, name: str, **attributes: str) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def received(sqs: Any, url: str) -> list[dict]:
    """What the local SQS poller receives (its own request)."""
    return sqs.receive_message(
        QueueUrl=url,
        MaxNumberOfMessages=10,
        AttributeNames=["All"],
        MessageAttributeNames=["All"],
        MessageSystemAttributeNames=["All"],
        WaitTimeSeconds=0,
    )["Messages"]


def test_the_local_sqs_poller_builds_the_documented_records(local_aws):
    sqs = local_aws.client("sqs")
    url, arn = queue(sqs, "shapes")
    attribute = {"myAttribute": {"DataType": "String", "StringValue": "myValue"}}
    sqs.send_message(QueueUrl=url, MessageBody="Test message.", MessageAttributes=attribute)
    sqs.send_message(QueueUrl=url, MessageBody="Test message.")
    records = sorted(
        (sqs_record(m, arn) for m in received(sqs, url)), key=lambda r: not r["messageAttributes"]
    )
    expected = sample("aws/envelopes/sqs_record.json")["Records"]
    assert_shaped_like(records[0], expected[0])
    assert_shaped_like(records[1], expected[1])
    assert (records[0]["md5OfBody"], records[0]["awsRegion"], records[0]["eventSourceARN"]) == (
        hashlib.md5(b"Test message.").hexdigest(),  # SQS's own digest
        REGION,
        arn,
    )


def test_local_sqs_binary_and_number_attributes_take_lambdas_spelling(local_aws):
    sqs = local_aws.client("sqs")
    url, arn = queue(sqs, "attributes")
    sqs.send_message(
        QueueUrl=url,
        MessageBody="x",
        MessageAttributes={
            "n": {"DataType": "Number", "StringValue": "3"},
            "b": {"DataType": "Binary", "BinaryValue": b"\x00\x01"},
        },
    )
    attributes = sqs_record(received(sqs, url)[0], arn)["messageAttributes"]
    assert attributes["n"] == {
        "stringValue": "3",
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": "Number",
    }
    assert attributes["b"] == {
        "binaryValue": base64.b64encode(b"\x00\x01").decode(),
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": "Binary",
    }
    json.dumps(attributes)  # the invocation's payload is JSON


def test_the_local_sqs_poller_builds_the_documented_fifo_record(local_aws):
    sqs = local_aws.client("sqs")
    url, arn = queue(sqs, "shapes.fifo", FifoQueue="true", ContentBasedDeduplication="true")
    sqs.send_message(QueueUrl=url, MessageBody="Test message.", MessageGroupId="1")
    (message,) = received(sqs, url)
    record = sqs_record(message, arn)
    assert_shaped_like(record, sample("aws/envelopes/sqs_fifo_record.json")["Records"][0])
    assert re.fullmatch(r"\d{20}", record["attributes"]["SequenceNumber"])
    assert sqs_record(message, arn)["attributes"]["SequenceNumber"] == record["attributes"]["SequenceNumber"]


def test_the_local_kinesis_poller_builds_the_documented_record(local_aws):
    kinesis = local_aws.client("kinesis")
    kinesis.create_stream(StreamName="shapes", ShardCount=1)
    arn = kinesis.describe_stream(StreamName="shapes")["StreamDescription"]["StreamARN"]
    kinesis.put_record(StreamName="shapes", Data=b"Hello, this is a test.", PartitionKey="1")
    shard = kinesis.list_shards(StreamName="shapes")["Shards"][0]["ShardId"]
    iterator = kinesis.get_shard_iterator(
        StreamName="shapes", ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )
    (got,) = kinesis.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
    record = kinesis_record(got, shard, arn, ROLE)
    assert_shaped_like(record, sample("aws/envelopes/kinesis_record.json")["Records"][0])
    assert (record["eventID"], record["invokeIdentityArn"], record["awsRegion"]) == (
        f"{shard}:{got['SequenceNumber']}",
        ROLE,
        REGION,
    )
    assert base64.b64decode(record["kinesis"]["data"]) == b"Hello, this is a test."


def topic_with_queue(local_aws: Any, raw: bool) -> tuple[Any, str, Any, str, str]:
    sns, sqs = local_aws.client("sns"), local_aws.client("sqs")
    topic = sns.create_topic(Name="shapes")["TopicArn"]
    url, arn = queue(sqs, "raw" if raw else "enveloped")
    sns.subscribe(
        TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": str(raw).lower()}
    )
    return sns, topic, sqs, url, arn


def test_sns_delivers_the_documented_notification_to_a_queue(local_aws):
    sns, topic, sqs, url, arn = topic_with_queue(local_aws, raw=False)
    message = json.dumps({"originationNumber": "+14255550182"})
    sns.publish(TopicArn=topic, Message=message, Subject="My First Message")
    record = sqs_record(received(sqs, url)[0], arn)
    assert_shaped_like(record, sample("aws/envelopes/sqs_sns_notification_record.json")["Records"][0])
    notification = json.loads(record["body"])
    assert_shaped_like(notification, sample("aws/envelopes/sns_notification.json"))
    assert (notification["TopicArn"], sns_document(record["body"])) == (topic, json.loads(message))


def test_sns_message_attributes_in_the_envelope_take_the_documented_shape(local_aws):
    sns, topic, sqs, url, _ = topic_with_queue(local_aws, raw=False)
    sns.publish(
        TopicArn=topic,
        Message="{}",
        MessageAttributes={
            "Test": {"DataType": "String", "StringValue": "TestString"},
            "TestBinary": {"DataType": "Binary", "BinaryValue": b"TestBinary"},
        },
    )
    notification = json.loads(received(sqs, url)[0]["Body"])
    documented = sample("aws/envelopes/sns_lambda_record.json")["Records"][0]["Sns"]["MessageAttributes"]
    assert_shaped_like(notification["MessageAttributes"], documented)


def test_sns_raw_delivery_puts_the_message_itself_and_its_attributes_on_the_queue(local_aws):
    sns, topic, sqs, url, arn = topic_with_queue(local_aws, raw=True)
    message = json.dumps({"originationNumber": "+14255550182"})
    sns.publish(TopicArn=topic, Message=message)
    sns.publish(
        TopicArn=topic,
        Message=message,
        MessageAttributes={"myAttribute": {"DataType": "String", "StringValue": "myValue"}},
    )
    records = sorted(
        (sqs_record(m, arn) for m in received(sqs, url)), key=lambda r: bool(r["messageAttributes"])
    )
    assert_shaped_like(records[0], sample("aws/envelopes/sqs_sns_raw_record.json")["Records"][0])
    assert_shaped_like(records[1], sample("aws/envelopes/sqs_record.json")["Records"][0])
    assert records[0]["body"] == records[1]["body"] == message


def test_sns_invokes_a_subscribed_function_with_the_documented_event(local_aws):
    sns = local_aws.client("sns")
    topic = sns.create_topic(Name="shapes")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=FUNCTION)
    sns.publish(
        TopicArn=topic,
        Message="Hello from SNS!",
        Subject="TestInvoke",
        MessageAttributes={
            "Test": {"DataType": "String", "StringValue": "TestString"},
            "TestBinary": {"DataType": "Binary", "BinaryValue": b"TestBinary"},
        },
    )
    ((arn, event),) = local_aws.invoker.calls
    assert arn == FUNCTION
    assert_shaped_like(event, sample("aws/envelopes/sns_lambda_record.json"))


def test_s3_sends_the_documented_object_created_event_to_the_default_bus(local_aws):
    s3, events = local_aws.client("s3"), local_aws.client("events")
    s3.create_bucket(Bucket="imports-shapes")
    s3.put_bucket_versioning(Bucket="imports-shapes", VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_notification_configuration(
        Bucket="imports-shapes", NotificationConfiguration={"EventBridgeConfiguration": {}}
    )
    pattern = {"source": ["aws.s3"], "detail-type": ["Object Created"]}
    events.put_rule(Name="object-created", EventPattern=json.dumps(pattern))
    events.put_targets(Rule="object-created", Targets=[{"Id": "1", "Arn": FUNCTION}])
    events.create_event_bus(Name="other")
    events.put_rule(Name="elsewhere", EventBusName="other", EventPattern=json.dumps(pattern))
    events.put_targets(
        Rule="elsewhere", EventBusName="other", Targets=[{"Id": "1", "Arn": f"{FUNCTION}-other"}]
    )
    put = s3.put_object(Bucket="imports-shapes", Key=f"imports/{APP}/people.csv", Body=b"hello")
    s3.put_object(Bucket="imports-shapes", Key=f"imports/{APP}/more.csv", Body=b"hello")
    calls = local_aws.invoker.calls
    assert [arn for arn, _ in calls] == [FUNCTION, FUNCTION]  # S3 publishes on the default bus only
    event = calls[0][1]
    assert_shaped_like(event, sample("aws/envelopes/eventbridge_s3_object_created.json"))
    obj = event["detail"]["object"]
    assert (obj["etag"], obj["version-id"], obj["size"], event["detail"]["reason"]) == (
        put["ETag"].strip('"'),
        put["VersionId"],
        5,
        "PutObject",
    )
    assert calls[0][1]["id"] != calls[1][1]["id"]  # one id per event


def test_an_unversioned_buckets_event_has_no_version_id(local_aws):
    s3, events = local_aws.client("s3"), local_aws.client("events")
    s3.create_bucket(Bucket="plain-shapes")
    s3.put_bucket_notification_configuration(
        Bucket="plain-shapes", NotificationConfiguration={"EventBridgeConfiguration": {}}
    )
    events.put_rule(Name="any-s3", EventPattern=json.dumps({"source": ["aws.s3"]}))
    events.put_targets(Rule="any-s3", Targets=[{"Id": "1", "Arn": FUNCTION}])
    s3.put_object(Bucket="plain-shapes", Key="a.csv", Body=b"x")  # no "Object Tags Added" for it
    s3.put_object_tagging(
        Bucket="plain-shapes", Key="a.csv", Tagging={"TagSet": [{"Key": "k", "Value": "v"}]}
    )
    s3.delete_object(Bucket="plain-shapes", Key="a.csv")
    created, tagged, deleted = (event for _, event in local_aws.invoker.calls)
    assert "version-id" not in created["detail"]["object"]
    assert tagged["detail-type"] == "Object Tags Added"
    assert (deleted["detail-type"], deleted["detail"]["reason"], deleted["detail"]["deletion-type"]) == (
        "Object Deleted",
        "DeleteObject",
        "Permanently Deleted",
    )


def fire(local_aws: Any, name: str, target_input: str, at: datetime) -> Any:
    """Creates a one-time schedule for `at` and lets the local Scheduler fire it; what its target got."""
    local_aws.client("scheduler").create_schedule(
        Name=name,
        ScheduleExpression=f"at({at:%Y-%m-%dT%H:%M:%S})",
        FlexibleTimeWindow={"Mode": "OFF"},
        Target={"Arn": FUNCTION, "RoleArn": ROLE, "Input": target_input},
    )
    local_aws.router.tick(at)
    ((arn, payload),) = local_aws.invoker.calls
    assert arn == FUNCTION
    return payload


def test_the_local_scheduler_hands_a_campaign_schedule_its_input_with_the_time_filled_in(local_aws):
    at = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)
    payload = fire(local_aws, "campaign", json.dumps(schedule_input(APP, "spring")), at)
    assert_shaped_like(payload, sample("aws/envelopes/scheduler_campaign_schedule.json"))
    assert payload == {"ApplicationId": APP, "CampaignId": "spring", "ScheduledTime": "2030-01-01T09:00:00Z"}


def test_the_local_scheduler_hands_the_vdm_plan_the_templates_input(local_aws):
    template = (ROOT / "apps" / "vdm" / "template.yaml").read_text()
    target_input = re.search(
        r"Input: '(\{\"ScheduledTime\": \"<aws\.scheduler\.scheduled-time>\"\})'", template
    )
    assert target_input is not None, "the VDM schedule's Input changed"
    payload = fire(local_aws, "vdm", target_input.group(1), datetime(2030, 11, 1, 6, 0, tzinfo=UTC))
    assert_shaped_like(payload, sample("aws/envelopes/scheduler_vdm_plan.json"))
    assert previous_month(datetime.fromisoformat(payload["ScheduledTime"])).label == "2030-10"

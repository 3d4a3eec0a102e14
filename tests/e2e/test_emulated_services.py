"""The services moto lacks, emulated behind its port: contract tests through real botocore clients
(requests built and responses parsed by botocore; every answer checked against the operation's
output shape by the emulator itself), the events they publish, the outbox, and fault injection."""

from __future__ import annotations

import base64
import bisect
import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import requests
from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError

from engage_local.api import wait_until
from engage_local.state import local_clients
from tests.support.cli import engage
from tests.support.policies import let_deliver, let_publish

pytestmark = pytest.mark.e2e


def control(local_stack, action, **body):
    response = requests.post(f"{local_stack.control.url}/{action}", json=body, timeout=30)
    response.raise_for_status()
    return response.json()


def operations_answered(local_stack, service):
    return {e["operation"] for e in local_stack.emulated.outbox.entries(service) if "response" in e}


def test_every_sms_voice_operation_answers_in_its_model(local_stack):
    sms = local_stack.client("pinpoint-sms-voice-v2")
    name = f"cs-{uuid.uuid4().hex[:8]}"
    sms.create_opt_out_list(OptOutListName=f"{name}-list")
    sms.describe_opt_out_lists(OptOutListNames=[f"{name}-list"])
    sms.put_opted_out_number(OptOutListName=f"{name}-list", OptedOutNumber="+14255550150")
    assert (
        sms.describe_opted_out_numbers(OptOutListName=f"{name}-list")["OptedOutNumbers"][0]["OptedOutNumber"]
        == "+14255550150"
    )
    sms.delete_opted_out_number(OptOutListName=f"{name}-list", OptedOutNumber="+14255550150")
    sms.create_configuration_set(ConfigurationSetName=name)
    sms.create_event_destination(
        ConfigurationSetName=name,
        EventDestinationName="all",
        MatchingEventTypes=["ALL"],
        SnsDestination={"TopicArn": "arn:aws:sns:us-east-1:123456789012:none"},
    )
    sms.update_event_destination(ConfigurationSetName=name, EventDestinationName="all", Enabled=False)
    assert sms.describe_configuration_sets(ConfigurationSetNames=[name])["ConfigurationSets"][0][
        "EventDestinations"
    ]
    sms.delete_event_destination(ConfigurationSetName=name, EventDestinationName="all")
    number = sms.request_phone_number(
        IsoCountryCode="US",
        MessageType="TRANSACTIONAL",
        NumberCapabilities=["SMS", "VOICE"],
        NumberType="TOLL_FREE",
    )
    updated = sms.update_phone_number(
        PhoneNumberId=number["PhoneNumberId"], SelfManagedOptOutsEnabled=True, OptOutListName=f"{name}-list"
    )
    assert updated["SelfManagedOptOutsEnabled"] is True
    assert (
        sms.describe_phone_numbers(PhoneNumberIds=[number["PhoneNumberId"]])["PhoneNumbers"][0][
            "OptOutListName"
        ]
        == f"{name}-list"
    )
    pool = sms.create_pool(
        OriginationIdentity=number["PhoneNumberId"], IsoCountryCode="US", MessageType="TRANSACTIONAL"
    )
    second = sms.request_phone_number(
        IsoCountryCode="US", MessageType="TRANSACTIONAL", NumberCapabilities=["SMS"], NumberType="TOLL_FREE"
    )
    sms.associate_origination_identity(
        PoolId=pool["PoolId"], OriginationIdentity=second["PhoneNumberArn"], IsoCountryCode="US"
    )
    assert len(sms.list_pool_origination_identities(PoolId=pool["PoolId"])["OriginationIdentities"]) == 2
    sms.update_pool(PoolId=pool["PoolId"], SelfManagedOptOutsEnabled=True)
    assert sms.describe_pools(PoolIds=[pool["PoolId"]])["Pools"][0]["SelfManagedOptOutsEnabled"] is True
    sms.send_text_message(
        DestinationPhoneNumber="+14255550100",
        OriginationIdentity=pool["PoolId"],
        MessageBody="hello",
        MessageType="TRANSACTIONAL",
        ConfigurationSetName=name,
    )
    sms.send_voice_message(
        DestinationPhoneNumber="+14255550100",
        OriginationIdentity=number["PhoneNumber"],
        MessageBody="hello",
        ConfigurationSetName=name,
    )
    arn = second["PhoneNumberArn"]  # a brand's number carries its tag (engage:ApplicationId)
    sms.tag_resource(ResourceArn=arn, Tags=[{"Key": "engage:ApplicationId", "Value": "brand"}])
    assert sms.list_tags_for_resource(ResourceArn=arn)["Tags"] == [
        {"Key": "engage:ApplicationId", "Value": "brand"}
    ]
    sms.untag_resource(ResourceArn=arn, TagKeys=["engage:ApplicationId"])
    assert sms.list_tags_for_resource(ResourceArn=arn)["Tags"] == []
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        sms.list_tags_for_resource(ResourceArn=arn.replace("phone-", "phone-nope-"))
    sms.delete_pool(PoolId=pool["PoolId"])
    sms.release_phone_number(PhoneNumberId=second["PhoneNumberId"])
    sms.delete_configuration_set(ConfigurationSetName=name)
    sms.delete_opt_out_list(OptOutListName=f"{name}-list")
    emulator = next(e for e in local_stack.emulated.emulators if e.service == "pinpoint-sms-voice-v2")
    assert set(emulator.handlers) <= operations_answered(local_stack, "pinpoint-sms-voice-v2")


def test_sending_to_an_opted_out_number_is_refused_as_the_service_refuses_it(local_stack):
    sms = local_stack.client("pinpoint-sms-voice-v2")
    sms.put_opted_out_number(OptOutListName="Default", OptedOutNumber="+14255550177")
    with pytest.raises(ClientError) as caught:
        sms.send_text_message(DestinationPhoneNumber="+14255550177", MessageBody="promo")
    assert caught.value.response["Error"]["Code"] == "ConflictException"
    assert caught.value.response["Reason"] == "DESTINATION_PHONE_NUMBER_OPTED_OUT"


def test_every_ses_operation_answers_in_its_model(local_stack):
    ses = local_stack.client("sesv2")
    name = f"mail-{uuid.uuid4().hex[:8]}"
    ses.create_configuration_set(ConfigurationSetName=name)
    account = ses.get_account()
    assert account["SendQuota"]["MaxSendRate"] == 14.0
    ses.put_account_suppression_attributes(SuppressedReasons=["BOUNCE", "COMPLAINT"])
    ses.put_account_vdm_attributes(VdmAttributes={"VdmEnabled": "ENABLED"})
    ses.put_suppressed_destination(EmailAddress="Someone@Example.com", Reason="COMPLAINT")
    assert (
        ses.get_suppressed_destination(EmailAddress="someone@example.com")["SuppressedDestination"]["Reason"]
        == "COMPLAINT"
    )
    assert any(
        s["EmailAddress"] == "someone@example.com"
        for s in ses.list_suppressed_destinations()["SuppressedDestinationSummaries"]
    )
    ses.delete_suppressed_destination(EmailAddress="someone@example.com")
    destination = {
        "Enabled": True,
        "MatchingEventTypes": ["SEND"],
        "SnsDestination": {"TopicArn": "arn:aws:sns:us-east-1:123456789012:none"},
    }
    ses.create_configuration_set_event_destination(
        ConfigurationSetName=name, EventDestinationName="d", EventDestination=destination
    )
    ses.update_configuration_set_event_destination(
        ConfigurationSetName=name,
        EventDestinationName="d",
        EventDestination={**destination, "Enabled": False},
    )
    assert (
        ses.get_configuration_set_event_destinations(ConfigurationSetName=name)["EventDestinations"][0][
            "Enabled"
        ]
        is False
    )
    ses.delete_configuration_set_event_destination(ConfigurationSetName=name, EventDestinationName="d")
    ses.send_email(
        FromEmailAddress="news@example.com",
        Destination={"ToAddresses": ["success@simulator.amazonses.com"]},
        Content={"Simple": {"Subject": {"Data": "hi"}, "Body": {"Text": {"Data": "hello"}}}},
        ConfigurationSetName=name,
    )
    ses.put_configuration_set_sending_options(ConfigurationSetName=name, SendingEnabled=False)
    with pytest.raises(ses.exceptions.SendingPausedException):
        ses.send_email(
            FromEmailAddress="news@example.com",
            Destination={"ToAddresses": ["success@simulator.amazonses.com"]},
            Content={"Simple": {"Subject": {"Data": "hi"}, "Body": {"Text": {"Data": "hello"}}}},
            ConfigurationSetName=name,
        )
    ses.put_configuration_set_sending_options(ConfigurationSetName=name, SendingEnabled=True)
    ses.put_account_sending_attributes(SendingEnabled=False)
    assert ses.get_account()["SendingEnabled"] is False
    ses.put_account_sending_attributes(SendingEnabled=True)
    job = ses.create_export_job(**_metrics_export())
    ses.get_export_job(JobId=job["JobId"])
    assert any(j["JobId"] == job["JobId"] for j in ses.list_export_jobs()["ExportJobs"])
    ses.cancel_export_job(JobId=job["JobId"])
    emulator = next(e for e in local_stack.emulated.emulators if e.service == "sesv2")
    assert set(emulator.handlers) <= operations_answered(local_stack, "sesv2")


def test_phone_number_validate_answers_from_phonenumbers_data(local_stack):
    pinpoint = local_stack.client("pinpoint")
    valid = pinpoint.phone_number_validate(
        NumberValidateRequest={"PhoneNumber": "(206) 555-0100", "IsoCountryCode": "US"}
    )["NumberValidateResponse"]
    assert valid["CleansedPhoneNumberE164"] == "+12065550100"
    assert valid["CountryCodeIso2"] == "US"
    assert "Timezone" not in valid and "ZipCode" not in valid, "AWS no longer places US and Canadian numbers"
    london = pinpoint.phone_number_validate(NumberValidateRequest={"PhoneNumber": "+442071838750"})[
        "NumberValidateResponse"
    ]
    assert london["Timezone"] == "Europe/London"
    assert valid["PhoneType"] in ("MOBILE", "LANDLINE")
    invalid = pinpoint.phone_number_validate(NumberValidateRequest={"PhoneNumber": "12345"})[
        "NumberValidateResponse"
    ]
    assert invalid["PhoneType"] == "INVALID" and invalid["PhoneTypeCode"] == 3


def test_connect_outbound_calls_are_recorded_and_bad_numbers_refused(local_stack):
    connect = local_stack.client("connect")
    contact = connect.start_outbound_voice_contact(
        DestinationPhoneNumber="+14255550100",
        ContactFlowId="flow",
        InstanceId="instance",
        QueueId="queue",
        Attributes={"offer": "spring"},
    )
    recorded = local_stack.emulated.outbox.entries("connect", "StartOutboundVoiceContact")[-1]
    assert recorded["response"]["ContactId"] == contact["ContactId"]
    assert recorded["request"]["Attributes"] == {"offer": "spring"}
    with pytest.raises(ClientError, match="DestinationNotAllowedException"):
        connect.start_outbound_voice_contact(DestinationPhoneNumber="+1", ContactFlowId="f", InstanceId="i")


# --- events the real services would publish ---------------------------------------------------


@pytest.fixture(scope="module")
def feedback_queue(local_stack):
    """An SNS topic subscribed by an SQS queue: the SES and SMS configuration sets publish to it."""
    sns, sqs = local_stack.client("sns"), local_stack.client("sqs")
    topic = sns.create_topic(Name="emulated-feedback")["TopicArn"]
    queue = sqs.create_queue(QueueName="emulated-feedback")["QueueUrl"]
    arn = let_deliver(sqs, queue, topic)
    let_publish(sns, topic, "ses.amazonaws.com", "sms-voice.amazonaws.com")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
    ses = local_stack.client("sesv2")
    ses.create_configuration_set(ConfigurationSetName="feedback")
    ses.create_configuration_set_event_destination(
        ConfigurationSetName="feedback",
        EventDestinationName="to-sns",
        EventDestination={
            "Enabled": True,
            "SnsDestination": {"TopicArn": topic},
            "MatchingEventTypes": [
                "SEND",
                "DELIVERY",
                "BOUNCE",
                "COMPLAINT",
                "OPEN",
                "CLICK",
                "DELIVERY_DELAY",
            ],
        },
    )
    sms = local_stack.client("pinpoint-sms-voice-v2")
    sms.create_configuration_set(ConfigurationSetName="feedback")
    sms.create_event_destination(
        ConfigurationSetName="feedback",
        EventDestinationName="to-sns",
        MatchingEventTypes=["ALL"],
        SnsDestination={"TopicArn": topic},
    )
    return queue


def received(local_stack, queue, predicate, expect, timeout=10):
    sqs, found = local_stack.client("sqs"), []

    def poll():
        for message in sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", []):
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
            body = json.loads(message["Body"])
            if predicate(body):
                found.append(body)
        return found

    wait_until(lambda: len(poll()) >= expect, timeout=timeout)
    return found


def send(local_stack, to):
    return local_stack.client("sesv2").send_email(
        FromEmailAddress="news@example.com",
        Destination={"ToAddresses": [to]},
        ConfigurationSetName="feedback",
        Content={"Simple": {"Subject": {"Data": "Offer"}, "Body": {"Text": {"Data": "hello"}}}},
    )["MessageId"]


def test_a_send_to_the_bounce_simulator_publishes_a_permanent_bounce(local_stack, feedback_queue):
    message_id = send(local_stack, "bounce@simulator.amazonses.com")
    events = received(
        local_stack, feedback_queue, lambda e: e.get("mail", {}).get("messageId") == message_id, 2
    )
    assert [e["eventType"] for e in events] == ["Send", "Bounce"]
    bounce = events[1]["bounce"]
    assert bounce["bounceType"] == "Permanent" and bounce["bounceSubType"] == "General"
    assert bounce["bouncedRecipients"][0]["emailAddress"] == "bounce@simulator.amazonses.com"
    assert events[1]["mail"]["tags"]["ses:configuration-set"] == ["feedback"]
    again = send(local_stack, "bounce@simulator.amazonses.com")
    retry = received(local_stack, feedback_queue, lambda e: e.get("mail", {}).get("messageId") == again, 2)
    assert retry[1]["bounce"]["bounceSubType"] == "General", (
        "the simulator's addresses never join the account's suppression list (SES's developer guide)"
    )
    local_stack.client("sesv2").put_suppressed_destination(EmailAddress="gone@example.org", Reason="BOUNCE")
    listed = send(local_stack, "Gone@Example.org")
    events = received(local_stack, feedback_queue, lambda e: e.get("mail", {}).get("messageId") == listed, 2)
    assert events[1]["bounce"]["bounceSubType"] == "OnAccountSuppressionList"


def test_a_send_to_the_complaint_simulator_publishes_delivery_then_complaint(local_stack, feedback_queue):
    message_id = send(local_stack, "complaint@simulator.amazonses.com")
    events = received(
        local_stack, feedback_queue, lambda e: e.get("mail", {}).get("messageId") == message_id, 3
    )
    assert [e["eventType"] for e in events] == ["Send", "Delivery", "Complaint"]
    assert events[2]["complaint"]["complaintFeedbackType"] == "abuse"


def test_an_sms_to_a_blocked_simulator_number_publishes_a_final_failure(local_stack, feedback_queue):
    sms = local_stack.client("pinpoint-sms-voice-v2")
    message_id = sms.send_text_message(
        DestinationPhoneNumber="+14255550101",
        MessageBody="code 1234",
        ConfigurationSetName="feedback",
        Context={"campaign": "c1"},
    )["MessageId"]
    events = received(local_stack, feedback_queue, lambda e: e.get("messageId") == message_id, 2)
    assert [(e["eventType"], e["isFinal"]) for e in events] == [
        ("TEXT_SUCCESSFUL", False),
        ("TEXT_BLOCKED", True),
    ]
    assert events[1]["messageStatus"] == "BLOCKED"
    assert events[1]["context"] == {"campaign": "c1"}


def _metrics_export(start=None, end=None):
    end = end or datetime.now(UTC) + timedelta(days=1)
    start = start or end - timedelta(days=31)
    return {
        "ExportDataSource": {
            "MetricsDataSource": {
                "Namespace": "VDM",
                "Dimensions": {"EMAIL_IDENTITY": ["example.com"]},
                "Metrics": [
                    {"Name": "SEND", "Aggregation": "VOLUME"},
                    {"Name": "PERMANENT_BOUNCE", "Aggregation": "VOLUME"},
                    {"Name": "COMPLAINT", "Aggregation": "RATE"},
                ],
                "StartDate": start,
                "EndDate": end,
            }
        },
        "ExportDestination": {"DataFormat": "CSV"},
    }


def test_an_export_job_moves_through_its_life_cycle_on_the_emulators_clock(local_stack, feedback_queue):
    ses = local_stack.client("sesv2")
    ses.put_account_vdm_attributes(VdmAttributes={"VdmEnabled": "ENABLED"})
    send(local_stack, "success@simulator.amazonses.com")
    job = ses.create_export_job(**_metrics_export())["JobId"]
    assert ses.get_export_job(JobId=job)["JobStatus"] == "CREATED"
    control(local_stack, "clock", advance_seconds=30)
    assert ses.get_export_job(JobId=job)["JobStatus"] == "PROCESSING"
    control(local_stack, "clock", advance_seconds=30)
    done = ses.get_export_job(JobId=job)
    assert done["JobStatus"] == "COMPLETED"
    assert done["Statistics"]["ExportedRecordsCount"] >= 1
    export = requests.get(done["ExportDestination"]["S3Url"], timeout=10).text.splitlines()
    assert export[0] == "Timestamp,EMAIL_IDENTITY,Name,Aggregation,Value"  # as events/aws/vdm/metrics.csv
    metrics = {tuple(line.split(",")[2:4]) for line in export[1:]}
    assert {("SEND", "VOLUME"), ("COMPLAINT", "RATE")} <= metrics


def test_an_export_job_fails_when_vdm_is_not_enabled_and_can_be_cancelled_before_it_runs(local_stack):
    ses = local_stack.client("sesv2")
    ses.put_account_vdm_attributes(VdmAttributes={"VdmEnabled": "DISABLED"})
    failing = ses.create_export_job(**_metrics_export())["JobId"]
    cancelled = ses.create_export_job(**_metrics_export())["JobId"]
    ses.cancel_export_job(JobId=cancelled)
    control(local_stack, "clock", advance_seconds=61)
    failed = ses.get_export_job(JobId=failing)
    assert failed["JobStatus"] == "FAILED"
    assert "not enabled" in failed["FailureInfo"]["ErrorMessage"]
    assert ses.get_export_job(JobId=cancelled)["JobStatus"] == "CANCELLED"
    with pytest.raises(ClientError, match="ConflictException"):
        ses.cancel_export_job(JobId=failing)
    ses.put_account_vdm_attributes(VdmAttributes={"VdmEnabled": "ENABLED"})


def test_the_account_send_rate_is_enforced(local_stack):
    from concurrent.futures import ThreadPoolExecutor

    ses = local_clients(local_stack.endpoint_url, local_stack.region, max_attempts=1).client("sesv2")
    sender = f"bulk-{uuid.uuid4().hex[:6]}@example.com"

    def send(_n):
        try:
            ses.send_email(
                FromEmailAddress=sender,
                Destination={"ToAddresses": ["a@example.com"]},
                Content={"Simple": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}}},
            )
            return "sent"
        except ClientError as exc:
            return exc.response["Error"]["Code"]

    with ThreadPoolExecutor(max_workers=30) as pool:  # at once: a slow machine can't spread them out
        outcomes = list(pool.map(send, range(30)))
    assert "TooManyRequestsException" in outcomes
    answered = [
        e
        for e in local_stack.emulated.outbox.entries("sesv2", "SendEmail")
        if e["request"].get("FromEmailAddress") == sender and "response" in e
    ]
    assert len(answered) == outcomes.count("sent")
    # However the calls spread over time, no second held more than MaxSendRate (14) accepted sends,
    # whoever sent them (the quota is the account's). Judged on when SES accepted each one: the
    # outbox notes a call when it is answered, which a busy machine can delay and bunch up.
    ses = local_stack.emulated.ses
    with ses.lock:
        accepted = sorted(at for at, count in ses.sent for _ in range(count))
    assert max(bisect.bisect_left(accepted, start + 1) - i for i, start in enumerate(accepted)) <= 14


# --- the outbox and fault injection --------------------------------------------------------------


def test_the_outbox_holds_requests_as_the_api_received_them(local_stack):
    raw = b"From: news@example.com\r\nTo: success@simulator.amazonses.com\r\nSubject: raw\r\n\r\nbody\r\n"
    local_stack.client("sesv2").send_email(
        Content={"Raw": {"Data": raw}}, Destination={"ToAddresses": ["success@simulator.amazonses.com"]}
    )
    entry = local_stack.emulated.outbox.entries("sesv2", "SendEmail")[-1]
    assert entry["request"]["Content"]["Raw"]["Data"] == raw, "the exact bytes the API received"
    done = engage(
        "outbox",
        "list",
        "--service",
        "sesv2",
        "--operation",
        "SendEmail",
        "--json",
        state_dir=local_stack.state_dir,
    )
    assert done.returncode == 0, done.stderr
    listed = json.loads(done.stdout)
    assert listed[-1]["request"]["Content"]["Raw"]["Data"] == {"base64": base64.b64encode(raw).decode()}
    assert all(e["service"] == "sesv2" for e in listed)


def test_the_fault_switch_throttles_the_chosen_operation(local_stack):
    sms = local_clients(local_stack.endpoint_url, local_stack.region, max_attempts=1).client(
        "pinpoint-sms-voice-v2"
    )
    control(
        local_stack,
        "faults",
        rules=[
            {
                "service": "pinpoint-sms-voice-v2",
                "operation": "SendTextMessage",
                "kind": "throttle",
                "rate": 0.5,
                "seed": 3,
            }
        ],
    )
    try:
        outcomes = []
        for _ in range(40):
            try:
                sms.send_text_message(DestinationPhoneNumber="+14255550100", MessageBody="x")
                outcomes.append("sent")
            except ClientError as exc:
                outcomes.append(exc.response["Error"]["Code"])
        rules = control(local_stack, "faults")["rules"]
    finally:
        control(local_stack, "faults", rules=[])
    throttled = outcomes.count("ThrottlingException")
    assert 10 <= throttled <= 30 and throttled + outcomes.count("sent") == 40
    assert rules[0]["injected"] == throttled and rules[0]["seen"] == 40
    assert sms.describe_opt_out_lists()["OptOutLists"], "other operations are untouched"


def test_an_accepted_then_timed_out_request_was_carried_out(local_stack):
    ses = local_clients(local_stack.endpoint_url, local_stack.region, max_attempts=1).client("sesv2")
    control(
        local_stack,
        "faults",
        rules=[{"service": "sesv2", "operation": "PutSuppressedDestination", "kind": "timeout", "rate": 1.0}],
    )
    try:
        with pytest.raises((ConnectionClosedError, EndpointConnectionError)):
            ses.put_suppressed_destination(EmailAddress="lost@example.com", Reason="BOUNCE")
    finally:
        control(local_stack, "faults", rules=[])
    assert ses.get_suppressed_destination(EmailAddress="lost@example.com")["SuppressedDestination"]


def test_engagement_and_delay_simulators_and_a_firehose_destination(local_stack, feedback_queue):
    s3, firehose, iam = local_stack.client("s3"), local_stack.client("firehose"), local_stack.client("iam")
    s3.create_bucket(Bucket="emulated-ses-events")
    role = iam.create_role(RoleName="ses-firehose", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    iam.put_role_policy(  # Firehose writes to the bucket as this role
        RoleName="ses-firehose",
        PolicyName="deliver",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "s3:PutObject",
                        "Resource": "arn:aws:s3:::emulated-ses-events/*",
                    }
                ],
            }
        ),
    )
    stream = firehose.create_delivery_stream(
        DeliveryStreamName="ses-events",
        DeliveryStreamType="DirectPut",
        ExtendedS3DestinationConfiguration={"BucketARN": "arn:aws:s3:::emulated-ses-events", "RoleARN": role},
    )
    local_stack.client("sesv2").create_configuration_set_event_destination(
        ConfigurationSetName="feedback",
        EventDestinationName="to-firehose",
        EventDestination={
            "Enabled": True,
            "MatchingEventTypes": ["OPEN", "CLICK"],
            "KinesisFirehoseDestination": {
                "IamRoleArn": role,
                "DeliveryStreamArn": stream["DeliveryStreamARN"],
            },
        },
    )
    clicked = send(local_stack, "success+click@simulator.amazonses.com")
    events = received(local_stack, feedback_queue, lambda e: e.get("mail", {}).get("messageId") == clicked, 4)
    assert [e["eventType"] for e in events] == ["Send", "Delivery", "Open", "Click"]
    delayed = send(local_stack, "delay@simulator.amazonses.com")
    events = received(local_stack, feedback_queue, lambda e: e.get("mail", {}).get("messageId") == delayed, 3)
    assert [e["eventType"] for e in events] == ["Send", "DeliveryDelay", "Delivery"]
    objects = s3.list_objects_v2(Bucket="emulated-ses-events").get("Contents", [])
    lines = [
        json.loads(line)
        for o in objects
        for line in s3.get_object(Bucket="emulated-ses-events", Key=o["Key"])["Body"].read().splitlines()
        if line
    ]
    assert {e["eventType"] for e in lines if e["mail"]["messageId"] == clicked} == {"Open", "Click"}

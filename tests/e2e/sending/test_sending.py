"""Sending from the outside: requests put on the deployed send queue are sent by the sender Lambda
through the local SES and End User Messaging emulators; the outbox, the archive bucket, the ledger
and the event stream are read back. Redelivered batches, throttling, ineligible recipients,
one-click unsubscribe and the archive's bytes."""

from __future__ import annotations

import base64
import json
import re
import time
import uuid

import pytest
import requests
from engage.adapters.dynamodb.consent import DynamoConsentStore
from engage.adapters.dynamodb.contacts import DynamoEndpointRepository
from engage.adapters.dynamodb.suppression import DynamoSuppressionList
from engage.contacts import ContactStore
from engage.sending.request import SendRequest
from engage.suppression import suppression

from engage_local.api import wait_until
from tests.support.apps import SAMPLE_APP

pytestmark = pytest.mark.e2e
FROM = "news@example.com"


class Sending:
    def __init__(self, local_stack, app_id):
        self.stack = local_stack
        self.outputs = local_stack.stacks["engage"].outputs
        dynamodb = local_stack.client("dynamodb")
        self.contacts = ContactStore(DynamoEndpointRepository(self.outputs["ContactsTableName"], dynamodb))
        self.consent = DynamoConsentStore(self.outputs["ConsentTableName"], dynamodb)
        self.suppression = DynamoSuppressionList(self.outputs["SuppressionTableName"], dynamodb)
        self.sqs = local_stack.client("sqs")
        self.s3 = local_stack.client("s3")
        self.app = app_id

    def endpoint(self, endpoint_id, channel="EMAIL", address=None, **extra):
        address = address or (f"{endpoint_id}@example.org" if channel == "EMAIL" else "+12065550199")
        body = {
            "ChannelType": channel,
            "Address": address,
            "User": {"UserAttributes": {"FirstName": ["Ana"]}},
        }
        return self.contacts.upsert(self.app, endpoint_id, {**body, **extra})

    def request(self, endpoint_id, request_id="c-1", channel="EMAIL", **extra):
        message = (
            {
                "Subject": "Hello {{User.UserAttributes.FirstName}}",
                "HtmlPart": "<p>{{Offer}}</p>",
                "FromAddress": FROM,
            }
            if channel == "EMAIL"
            else {"Body": "Hi {{User.UserAttributes.FirstName}}"}
        )
        return SendRequest(
            self.app,
            request_id,
            channel,
            message,
            endpoint_id=endpoint_id,
            campaign_id=request_id,
            activity_id="a-1",
            substitutions={"Offer": ["2 for 1"]},
            **extra,
        )

    def enqueue(self, *send_requests):
        for start in range(0, len(send_requests), 10):
            self.sqs.send_message_batch(
                QueueUrl=self.outputs["SendQueueUrl"],
                Entries=[
                    {"Id": str(i), "MessageBody": r.to_body()}
                    for i, r in enumerate(send_requests[start : start + 10])
                ],
            )

    def emails_to(self, address):
        return [
            e
            for e in self.stack.emulated.outbox.entries("sesv2", "SendEmail")
            if e["request"]["Destination"]["ToAddresses"] == [address] and "response" in e
        ]

    def ledger(self, send_request):
        item = self.stack.client("dynamodb").get_item(
            TableName=self.outputs["SendsTableName"], Key={"pk": {"S": send_request.key}}, ConsistentRead=True
        )
        return item.get("Item")

    def settled(self, *send_requests, timeout=60):
        def done():
            items = [self.ledger(r) for r in send_requests]
            return all(i and i["status"]["S"] != "SENDING" for i in items)

        assert wait_until(done, timeout, 0.2), [self.ledger(r) for r in send_requests]
        return [self.ledger(r)["status"]["S"] for r in send_requests]

    def archived(self, endpoint_id):
        listed = self.s3.list_objects_v2(
            Bucket=self.outputs["ArchiveBucketName"], Prefix=f"archive/{self.app}/{endpoint_id}/"
        )
        return {
            o["Key"]: self.s3.get_object(Bucket=self.outputs["ArchiveBucketName"], Key=o["Key"])[
                "Body"
            ].read()
            for o in listed.get("Contents", [])
        }


@pytest.fixture
def sending(local_stack, new_app):
    return Sending(local_stack, new_app("sending"))


def raw_of(entry):
    data = entry["request"]["Content"]["Raw"]["Data"]
    return data if isinstance(data, bytes) else base64.b64decode(data)


def test_a_queued_email_is_sent_once_archived_as_sent_and_a_redelivery_sends_nothing(sending):
    sending.endpoint("ep-1")
    request = sending.request("ep-1")
    sending.enqueue(request)
    assert sending.settled(request) == ["SENT"]
    (entry,) = sending.emails_to("ep-1@example.org")
    raw = raw_of(entry)
    assert b"Subject: Hello Ana" in raw and b"2 for 1" in raw
    assert (
        entry["request"]["EmailTags"]
        and {"Name": "campaign_id", "Value": "c-1"} in entry["request"]["EmailTags"]
    )
    (archived,) = sending.archived("ep-1").values()
    assert archived == raw  # the archive holds exactly the bytes the outbox received
    # The same batch delivered again (SQS at-least-once): nothing is sent twice.
    sending.enqueue(request, request)
    time.sleep(1.5)
    assert sending.stack.settle(30)
    assert len(sending.emails_to("ep-1@example.org")) == 1
    assert len(sending.archived("ep-1")) == 1


def test_ineligible_recipients_are_skipped_with_their_reason(sending):
    sending.endpoint("opted", OptOut="ALL")
    sending.endpoint("inactive", EndpointStatus="INACTIVE")
    sending.endpoint("bounced")
    sending.suppression.suppress(
        suppression(sending.app, "EMAIL", "BOUNCED@example.org", "HARD_BOUNCE", "ses-feedback")
    )
    sending.endpoint("fine")
    batch = [sending.request(e) for e in ("opted", "inactive", "bounced", "fine", "missing")]
    sending.enqueue(*batch)
    assert sending.settled(*batch) == ["REFUSED", "REFUSED", "REFUSED", "SENT", "REFUSED"]
    reasons = [sending.ledger(r)["reason"]["S"] for r in batch[:3]] + [
        sending.ledger(batch[4])["reason"]["S"]
    ]
    assert reasons == ["OPTED_OUT", "INACTIVE_ENDPOINT", "SUPPRESSED_HARD_BOUNCE", "ENDPOINT_NOT_FOUND"]
    for endpoint_id in ("opted", "inactive", "bounced"):
        assert sending.emails_to(f"{endpoint_id}@example.org") == []
        assert sending.archived(endpoint_id) == {}


def test_a_one_click_post_stops_the_next_send(sending):
    sending.endpoint("reader")
    first = sending.request("reader", "c-news-1")
    sending.enqueue(first)
    assert sending.settled(first) == ["SENT"]
    raw = raw_of(sending.emails_to("reader@example.org")[0]).decode()
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in raw
    link = re.search(r"List-Unsubscribe: <(https://[^>]+)>", raw).group(1)
    token = link.split("token=", 1)[1]
    api = sending.stack.api.url
    page = requests.get(f"{api}/unsubscribe", params={"token": requests.utils.unquote(token)}, timeout=30)
    assert page.status_code == 200 and "<form method=post" in page.text
    assert sending.contacts.get(sending.app, "reader").get("OptOut", "NONE") == "NONE"  # GET changes nothing
    forged = requests.post(
        f"{api}/unsubscribe?token={token[:-3]}abc", data="List-Unsubscribe=One-Click", timeout=30
    )
    assert forged.status_code == 400
    clicked = requests.post(
        f"{api}/unsubscribe?token={token}",
        data="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=30,
    )
    assert clicked.status_code == 200, clicked.text
    assert sending.contacts.get(sending.app, "reader")["OptOut"] == "ALL"
    assert sending.consent.get(sending.app, "EMAIL", "reader@example.org").status.value == "OPTED_OUT"
    following = sending.request("reader", "c-news-2")
    sending.enqueue(following)
    assert sending.settled(following) == ["REFUSED"]
    assert sending.ledger(following)["reason"]["S"] == "OPTED_OUT"
    assert len(sending.emails_to("reader@example.org")) == 1


def test_throttled_sends_all_go_out_once_within_the_rate(sending, faults):
    count = 40
    for i in range(count):
        sending.endpoint(f"t-{i}")
    faults({"service": "sesv2", "operation": "SendEmail", "kind": "throttle", "rate": 0.2})
    batch = [sending.request(f"t-{i}", "c-burst") for i in range(count)]
    started = time.monotonic()
    sending.enqueue(*batch)
    assert set(sending.settled(*batch, timeout=120)) == {"SENT"}
    rules = requests.post(f"{sending.stack.control.url}/faults", json={}, timeout=30).json()["rules"]
    assert rules[0]["injected"] > 0  # SES did throttle, and every throttled send still went out
    sent = [e for i in range(count) for e in sending.emails_to(f"t-{i}@example.org")]
    assert len(sent) == count  # none lost, none twice
    rate = sending.stack.client("sesv2").get_account()["SendQuota"]["MaxSendRate"]
    # Within the rate as SES measures it: the emulator refused no call for exceeding MaxSendRate
    # (every refusal was an injected fault); retries of those take tokens like any other call.
    recipients = {f"t-{i}@example.org" for i in range(count)}
    over_rate = [
        e
        for e in sending.stack.emulated.outbox.entries("sesv2", "SendEmail")
        if e["request"]["Destination"]["ToAddresses"][0] in recipients
        and e.get("error")
        and not e.get("fault")
    ]
    assert over_rate == []
    assert time.monotonic() - started >= (count - rate) / rate * 0.9


def test_a_send_while_ses_sending_is_paused_waits_on_the_queue_instead_of_dying(sending):
    """SES answers SendingPausedException while the stack's configuration set is paused: the send
    is held as a new, delayed message (no receive spent), nothing is sent or put in the DLQ."""
    sending.endpoint("paused-1")
    assert sending.stack.settle(60)
    sesv2, sqs = sending.stack.client("sesv2"), sending.sqs
    from engage_local.state import read_state

    sender = read_state(sending.stack.state_dir).physical_id("Sending/SenderFunction", "engage")
    configuration_set = sending.stack.client("lambda").get_function_configuration(FunctionName=sender)[
        "Environment"
    ]["Variables"]["SES_CONFIGURATION_SET"]

    def counts(url):
        names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesDelayed"]
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
        return [int(attributes[name]) for name in names]

    sesv2.put_configuration_set_sending_options(ConfigurationSetName=configuration_set, SendingEnabled=False)
    try:
        request = sending.request("paused-1", f"c-paused-{uuid.uuid4().hex[:6]}")
        sending.enqueue(request)
        assert wait_until(lambda: counts(sending.outputs["SendQueueUrl"])[1] == 1, 60, 0.2)
        assert sending.ledger(request) is None, "the claim was given back: a later delivery sends it"
        assert counts(sending.outputs["SendDeadLetterQueueUrl"]) == [0, 0]
        assert sending.emails_to("paused-1@example.org") == []
    finally:
        sesv2.put_configuration_set_sending_options(
            ConfigurationSetName=configuration_set, SendingEnabled=True
        )
        sqs.purge_queue(QueueUrl=sending.outputs["SendQueueUrl"])  # the held send would wait 15 minutes


def test_sms_and_voice_are_sent_archived_as_text_and_reported(sending):
    sending.endpoint("sms-1", "SMS", "+12065550188")
    sending.endpoint("voice-1", "VOICE", "+12065550177")
    number = sending.stack.client("pinpoint-sms-voice-v2").request_phone_number(
        IsoCountryCode="US", MessageType="TRANSACTIONAL", NumberCapabilities=["VOICE"], NumberType="TOLL_FREE"
    )["PhoneNumber"]
    voice = sending.request("voice-1", "call-1", "VOICE")
    voice = SendRequest(**{**voice.__dict__, "message": {**voice.message, "OriginationNumber": number}})
    batch = [sending.request("sms-1", "otp-1", "SMS", transactional=True), voice]
    sending.enqueue(*batch)
    assert sending.settled(*batch) == ["SENT", "SENT"]
    outbox = sending.stack.emulated.outbox
    (text,) = [
        e
        for e in outbox.entries("pinpoint-sms-voice-v2", "SendTextMessage")
        if e["request"]["DestinationPhoneNumber"] == "+12065550188"
    ]
    assert text["request"]["MessageBody"] == "Hi Ana" and text["request"]["MessageType"] == "TRANSACTIONAL"
    (voice,) = [
        e
        for e in outbox.entries("pinpoint-sms-voice-v2", "SendVoiceMessage")
        if e["request"]["DestinationPhoneNumber"] == "+12065550177"
    ]
    assert voice["request"]["MessageBody"] == "Hi Ana" and voice["request"]["OriginationIdentity"] == number
    (archived,) = sending.archived("sms-1").values()
    document = json.loads(archived)
    assert document["Body"] == "Hi Ana" and document["ChannelType"] == "SMS"
    assert document["MessageId"] == text["request"]["Context"]["message_id"]


def test_templates_are_created_versioned_activated_and_listed_through_the_pinpoint_api(pinpoint):
    name = f"welcome-{uuid.uuid4().hex[:6]}"
    created = pinpoint.create_email_template(
        TemplateName=name,
        EmailTemplateRequest={"Subject": "Hi {{User.UserAttributes.FirstName}}", "HtmlPart": "<p>v1</p>"},
    )
    assert created["CreateTemplateMessageBody"]["Message"] == "Created"
    pinpoint.update_email_template(
        TemplateName=name,
        CreateNewVersion=True,
        EmailTemplateRequest={"Subject": "Hi", "HtmlPart": "<p>v2</p>"},
    )
    assert pinpoint.get_email_template(TemplateName=name)["EmailTemplateResponse"]["HtmlPart"] == "<p>v1</p>"
    pinpoint.update_template_active_version(
        TemplateName=name, TemplateType="EMAIL", TemplateActiveVersionRequest={"Version": "2"}
    )
    assert pinpoint.get_email_template(TemplateName=name)["EmailTemplateResponse"]["HtmlPart"] == "<p>v2</p>"
    versions = pinpoint.list_template_versions(TemplateName=name, TemplateType="EMAIL")
    assert [v["Version"] for v in versions["TemplateVersionsResponse"]["Item"]] == ["1", "2"]
    listed = pinpoint.list_templates(Prefix=name)["TemplatesResponse"]["Item"]
    assert [(t["TemplateName"], t["TemplateType"]) for t in listed] == [(name, "EMAIL")]
    pinpoint.delete_email_template(TemplateName=name)
    with pytest.raises(pinpoint.exceptions.NotFoundException):
        pinpoint.get_email_template(TemplateName=name)


def test_send_messages_sends_to_eligible_recipients_and_answers_the_others(sending, pinpoint):
    sending.endpoint("api-1")
    sending.endpoint("api-out", OptOut="ALL")
    name = f"otp-{uuid.uuid4().hex[:6]}"
    pinpoint.create_sms_template(TemplateName=name, SMSTemplateRequest={"Body": "Code {{Code}}"})
    request = {
        "Addresses": {"+12065550166": {"ChannelType": "SMS", "Substitutions": {"Code": ["4711"]}}},
        "Endpoints": {"api-1": {}, "api-out": {}, "api-missing": {}},
        "MessageConfiguration": {
            "EmailMessage": {
                "FromAddress": FROM,
                "SimpleEmail": {
                    "Subject": {"Data": "Receipt"},
                    "TextPart": {"Data": "Thanks {{User.UserAttributes.FirstName}}"},
                },
            }
        },
        "TemplateConfiguration": {"SMSTemplate": {"Name": name}},
        "TraceId": f"trace-{uuid.uuid4().hex[:8]}",
    }
    response = pinpoint.send_messages(ApplicationId=sending.app, MessageRequest=request)["MessageResponse"]
    assert response["Result"]["+12065550166"]["DeliveryStatus"] == "SUCCESSFUL"
    results = response["EndpointResult"]
    assert (
        results["api-1"]["DeliveryStatus"] == "SUCCESSFUL"
        and results["api-1"]["Address"] == "api-1@example.org"
    )
    assert results["api-out"]["DeliveryStatus"] == "OPT_OUT"
    assert results["api-missing"]["DeliveryStatus"] == "PERMANENT_FAILURE"

    def delivered():
        texts = [
            e
            for e in sending.stack.emulated.outbox.entries("pinpoint-sms-voice-v2", "SendTextMessage")
            if e["request"]["DestinationPhoneNumber"] == "+12065550166"
        ]
        return texts and sending.emails_to("api-1@example.org")

    assert wait_until(delivered, 60, 0.2)
    # The same call again (a client retry with the same TraceId) sends nothing more.
    pinpoint.send_messages(ApplicationId=sending.app, MessageRequest=request)
    time.sleep(1.5)
    assert sending.stack.settle(30)
    assert len(sending.emails_to("api-1@example.org")) == 1
    (text,) = [
        e
        for e in sending.stack.emulated.outbox.entries("pinpoint-sms-voice-v2", "SendTextMessage")
        if e["request"]["DestinationPhoneNumber"] == "+12065550166"
    ]
    assert text["request"]["MessageBody"] == "Code 4711" and text["request"]["MessageType"] == "TRANSACTIONAL"


def test_send_messages_answers_what_the_channel_did_with_the_id_its_events_carry(sending, pinpoint):
    from tests.support.streams import stream_records

    sending.endpoint("direct-1")
    request = {
        "Addresses": {
            "walk-in@example.org": {"ChannelType": "EMAIL"},
            "+12065550144": {"ChannelType": "SMS"},  # the request has no SMS message for it
        },
        "Endpoints": {"direct-1": {}},
        "MessageConfiguration": {
            "EmailMessage": {
                "FromAddress": f"Shop <{FROM}>",  # a display name, as Pinpoint and SES accept it
                "SimpleEmail": {"Subject": {"Data": "Receipt"}, "TextPart": {"Data": "Thanks"}},
            }
        },
    }
    response = pinpoint.send_messages(ApplicationId=sending.app, MessageRequest=request)["MessageResponse"]
    endpoint, address = response["EndpointResult"]["direct-1"], response["Result"]["walk-in@example.org"]
    for answer in (endpoint, address):
        assert (answer["DeliveryStatus"], answer["StatusCode"]) == ("SUCCESSFUL", 200)
        assert answer["StatusMessage"] == f"MessageId: {answer['MessageId']}"
    sms = response["Result"]["+12065550144"]
    assert (sms["DeliveryStatus"], sms["StatusCode"]) == ("PERMANENT_FAILURE", 400)
    assert "SMSMessage" in sms["StatusMessage"]
    # Sent before the answer: the outbox has it, from the display name, under the id answered.
    (email,) = sending.emails_to("direct-1@example.org")
    raw = raw_of(email)
    assert b"From: Shop <news@example.com>" in raw
    assert email["response"]["MessageId"] == endpoint["MessageId"]
    key = f"{sending.app}#{response['RequestId']}#-#direct-1"
    ledger = sending.stack.client("dynamodb").get_item(
        TableName=sending.outputs["SendsTableName"], Key={"pk": {"S": key}}, ConsistentRead=True
    )["Item"]
    assert (ledger["status"]["S"], ledger["message_id"]["S"]) == ("SENT", endpoint["MessageId"])
    sent = [
        r
        for r in stream_records(sending.stack.client("kinesis"), sending.outputs["EventStreamName"])
        if r["application"]["app_id"] == sending.app and r["event_type"] == "_email.send"
    ]
    assert {r["attributes"]["message_id"] for r in sent} == {endpoint["MessageId"], address["MessageId"]}

    missing = {
        "Endpoints": {"direct-1": {}},
        "TemplateConfiguration": {"EmailTemplate": {"Name": f"no-such-{uuid.uuid4().hex[:6]}"}},
        "MessageConfiguration": {"EmailMessage": {"FromAddress": FROM}},
    }
    answer = pinpoint.send_messages(ApplicationId=sending.app, MessageRequest=missing)["MessageResponse"]
    refused = answer["EndpointResult"]["direct-1"]
    assert (refused["DeliveryStatus"], refused["StatusCode"]) == ("PERMANENT_FAILURE", 400)
    assert "no-such-" in refused["StatusMessage"] and "MessageId" not in refused
    assert len(sending.emails_to("direct-1@example.org")) == 1


def test_send_users_messages_reaches_every_endpoint_of_the_user(sending, pinpoint):
    sending.endpoint("u-mail", User={"UserId": "user-7", "UserAttributes": {"FirstName": ["Bo"]}})
    sending.endpoint("u-sms", "SMS", "+12065550155", User={"UserId": "user-7"})
    request = {
        "Users": {"user-7": {}},
        "MessageConfiguration": {
            "EmailMessage": {
                "FromAddress": FROM,
                "SimpleEmail": {
                    "Subject": {"Data": "Hi"},
                    "TextPart": {"Data": "Hi {{User.UserAttributes.FirstName}}"},
                },
            },
            "SMSMessage": {"Body": "Hi"},
        },
    }
    response = pinpoint.send_users_messages(ApplicationId=sending.app, SendUsersMessageRequest=request)
    result = response["SendUsersMessageResponse"]["Result"]["user-7"]
    assert {k: v["DeliveryStatus"] for k, v in result.items()} == {
        "u-mail": "SUCCESSFUL",
        "u-sms": "SUCCESSFUL",
    }
    assert wait_until(lambda: sending.emails_to("u-mail@example.org"), 60, 0.2)


def test_erasure_leaves_no_trace_but_the_hash(sending, tmp_path):
    from tests.support.cli import engage

    sending.endpoint("gone-1", User={"UserId": "user-gone"})
    sending.endpoint("gone-2", "SMS", "+12065550144", User={"UserId": "user-gone"})
    sending.consent.record(
        __import__("engage.consent", fromlist=["consent_record"]).consent_record(
            sending.app, "SMS", "+12065550144", "OPTED_IN", "import"
        )
    )
    sending.suppression.suppress(
        suppression(sending.app, "EMAIL", "gone-1@example.org", "COMPLAINT", "ses-feedback")
    )
    first = [sending.request("gone-1", "c-before"), sending.request("gone-2", "c-before", "SMS")]
    sending.suppression.remove(sending.app, "EMAIL", "gone-1@example.org")  # deliverable until now
    sending.enqueue(*first)
    assert sending.settled(*first) == ["SENT", "SENT"]
    assert sending.archived("gone-1") and sending.archived("gone-2")
    sending.suppression.suppress(
        suppression(sending.app, "EMAIL", "gone-1@example.org", "COMPLAINT", "ses-feedback")
    )

    erased = engage(
        "erase", "--app", sending.app, "--user", "user-gone", "--json", state_dir=sending.stack.state_dir
    )
    assert erased.returncode == 0, erased.stderr
    report = json.loads(erased.stdout)
    assert (
        sorted(report["ErasedEndpoints"]) == ["gone-1", "gone-2"] and report["ArchivedMessagesDeleted"] == 2
    )

    assert sending.archived("gone-1") == {} and sending.archived("gone-2") == {}
    assert sending.contacts.get_user_endpoints(sending.app, "user-gone") == []
    assert sending.consent.history(sending.app, "SMS", "+12065550144") == []
    # What stays in the application's suppression list: keyed hashes, never the addresses.
    table = sending.stack.client("dynamodb").scan(TableName=sending.outputs["SuppressionTableName"])["Items"]
    mine = json.dumps([i for i in table if i["app_id"]["S"] == sending.app])
    assert "gone-1@example.org" not in mine and "2065550144" not in mine
    assert {i["reason"]["S"] for i in table if i["app_id"]["S"] == sending.app} == {"ERASED"}
    # The address comes back (a new sign-up): it is still not written to.
    sending.endpoint("again", address="Gone-1@Example.org")
    later = sending.request("again", "c-after")
    sending.enqueue(later)
    assert sending.settled(later) == ["REFUSED"]
    assert sending.ledger(later)["reason"]["S"] == "SUPPRESSED_ERASED"
    assert len(sending.emails_to("gone-1@example.org")) == 1


def test_the_sample_events_drive_the_sending_functions(sending):
    """events/sending/sender, events/email/unsubscribe, events/audience/erasure, events/sending/direct_send
    and
    events/api/pinpoint_api/send_messages.json:
    what `sam local invoke` sends, through the deployed functions."""
    from engage.adapters.secretsmanager.secrets import parse_keys
    from engage.sending import unsubscribe

    from tests.e2e.audience.test_imports import _sample
    from tests.e2e.conftest import invoke

    sending.app = SAMPLE_APP
    sending.endpoint(
        "sample-email-endpoint",
        User={"UserId": "sample-erased-user", "UserAttributes": {"FirstName": ["Sam"]}},
    )
    batch = invoke(
        sending.stack, "Sending/SenderFunction", _sample("sending/sender/send_batch.json"), stack="engage"
    )
    assert batch["error"] is None
    assert batch["payload"]["batchItemFailures"] == [{"itemIdentifier": "sample-malformed"}]
    (email,) = sending.emails_to("sample-email-endpoint@example.org")
    assert b"Hello Sam" in raw_of(email)
    assert [
        e
        for e in sending.stack.emulated.outbox.entries("pinpoint-sms-voice-v2", "SendTextMessage")
        if e["request"]["DestinationPhoneNumber"] == "+12065550134"
    ]

    secret = sending.stack.client("secretsmanager").get_secret_value(
        SecretId=sending.outputs["UnsubscribeSecretArn"]
    )
    token = unsubscribe.mint(
        parse_keys(secret["SecretString"]), SAMPLE_APP, "sample-email-endpoint", "sample-campaign"
    )
    page = invoke(
        sending.stack,
        "Email/UnsubscribeFunction",
        _sample("email/unsubscribe/confirm_get.json", TOKEN=token),
        stack="engage",
    )
    assert page["payload"]["statusCode"] == 200 and "<form" in page["payload"]["body"]
    posted = invoke(
        sending.stack,
        "Email/UnsubscribeFunction",
        _sample("email/unsubscribe/one_click_post.json", TOKEN=token),
        stack="engage",
    )
    assert posted["payload"]["statusCode"] == 200
    assert sending.contacts.get(SAMPLE_APP, "sample-email-endpoint")["OptOut"] == "ALL"

    sent = invoke(
        sending.stack,
        "PinpointApi/PinpointApiFunction",
        _sample("api/pinpoint_api/send_messages.json"),
        stack="engage",
    )
    assert json.loads(sent["payload"]["body"])["Result"]["+12065550135"]["DeliveryStatus"] == "SUCCESSFUL"
    direct = invoke(
        sending.stack,
        "Sending/DirectSendFunction",
        _sample("sending/direct_send/send_messages.json"),
        stack="engage",
    )["payload"]["Response"]
    assert direct["RequestId"] == "sample-direct-trace"
    texted = direct["Result"]["+12065550136"]
    assert texted["StatusMessage"] == f"MessageId: {texted['MessageId']}"
    # The unsubscribe sample above opted the endpoint out: checked as the message goes out.
    assert direct["EndpointResult"]["sample-email-endpoint"]["DeliveryStatus"] == "OPT_OUT"
    refused = invoke(
        sending.stack,
        "Sending/DirectSendFunction",
        _sample("sending/direct_send/unknown_operation.json"),
        stack="engage",
    )["payload"]
    assert refused["Error"]["Type"] == "BadRequestException" and "Operation" in refused["Error"]["Message"]

    erased = invoke(
        sending.stack,
        "Audience/ErasureFunction",
        _sample("audience/erasure/erase_user.json"),
        stack="engage",
    )
    assert erased["payload"]["ErasedEndpoints"] == ["sample-email-endpoint"]
    assert sending.archived("sample-email-endpoint") == {}


def test_push_goes_to_the_device_token_through_the_surviving_send_messages(sending):
    sending.endpoint("phone-1", "GCM", "device-token-1")
    sending.endpoint("phone-dead", "APNS", "invalid-token")
    name = f"push-{uuid.uuid4().hex[:6]}"
    sending.stack.client("dynamodb")  # templates are written through the API in real use; here directly:
    from engage.adapters.dynamodb.templates import DynamoTemplateStore
    from engage.templates.model import Templates

    templates = Templates(
        DynamoTemplateStore(sending.outputs["TemplatesTableName"], sending.stack.client("dynamodb"))
    )
    templates.create(
        "PUSH",
        name,
        {
            "Default": {"Title": "Hi {{User.UserAttributes.FirstName}}", "Body": "Default"},
            "GCM": {
                "Title": "Hey {{User.UserAttributes.FirstName}}",
                "Body": "Android",
                "Action": "OPEN_APP",
            },
        },
    )
    batch = [
        SendRequest(sending.app, "c-push", "PUSH", {"TemplateName": name}, endpoint_id="phone-1"),
        SendRequest(sending.app, "c-push", "PUSH", {"TemplateName": name}, endpoint_id="phone-dead"),
    ]
    sending.enqueue(*batch)
    assert sending.settled(*batch) == ["SENT", "REFUSED"]
    assert sending.ledger(batch[1])["reason"]["S"] == "PERMANENT_FAILURE"
    (call,) = [
        e
        for e in sending.stack.emulated.outbox.entries("pinpoint", "SendMessages")
        if "device-token-1" in e["request"]["MessageRequest"]["Addresses"]
    ]
    assert call["request"]["ApplicationId"] == "local-push-project"
    assert call["request"]["MessageRequest"]["MessageConfiguration"]["GCMMessage"] == {
        "Title": "Hey Ana",
        "Body": "Android",
        "Action": "OPEN_APP",
    }
    assert sending.archived("phone-1") and sending.archived("phone-dead") == {}


def test_custom_channels_deliver_batches_to_a_function_and_a_signed_webhook(sending):
    import hashlib
    import hmac
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from engage.adapters.secretsmanager.secrets import parse_keys

    from engage_local.state import read_state

    received = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((dict(self.headers), body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        for i in range(3):
            sending.endpoint(f"crm-{i}", "CUSTOM", f"crm-contact-{i}")
        function = read_state(sending.stack.state_dir).physical_id(
            "AlphaFunction", "runtime-test", "AWS::Lambda::Function"
        )
        url = f"http://127.0.0.1:{server.server_address[1]}/hook"

        def custom(request_id, uri, data):
            message = {"DeliveryUri": uri, "Data": data}
            return [
                SendRequest(sending.app, request_id, "CUSTOM", message, endpoint_id=f"crm-{i}")
                for i in range(3)
            ]

        to_function, to_hook = custom("c-crm", function, "spring"), custom("c-hook", url, "summer")
        sending.enqueue(*to_function, *to_hook)
        # Neither answers about the endpoints: handed over, as Pinpoint's custom channel was.
        assert set(sending.settled(*to_function, *to_hook)) == {"HANDED_OVER"}
        logs = "".join(
            p.read_text() for p in (sending.stack.state_dir / "logs").rglob("*.log") if function in str(p)
        )
        delivered = [
            endpoint_id
            for line in logs.splitlines()
            if line.startswith("custom delivery of ") and line.endswith(" with data spring")
            for endpoint_id in line.removeprefix("custom delivery of ").split(" with data")[0].split(",")
        ]
        assert sorted(delivered) == ["crm-0", "crm-1", "crm-2"]  # each once, however the queue batched them
        secret = sending.stack.client("secretsmanager").get_secret_value(
            SecretId=sending.outputs["WebhookSecretArn"]
        )
        key = parse_keys(secret["SecretString"])[0]
        hooked = []
        for headers, body in received:
            timestamp, given = headers["X-Engage-Signature"].removeprefix("t=").split(",v1=")
            expected = hmac.new(key, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
            assert hmac.compare_digest(given, expected)
            payload = json.loads(body)
            assert payload["Data"] == "summer" and payload["ApplicationId"] == sending.app
            hooked.extend(payload["Endpoints"])
        assert sorted(hooked) == ["crm-0", "crm-1", "crm-2"]
        assert len(sending.archived("crm-0")) == 2  # one archived message per channel call
    finally:
        server.shutdown()


def test_a_custom_channel_is_sent_only_for_the_endpoints_its_function_confirms(sending):
    from engage_local.state import read_state
    from tests.support.streams import stream_records

    function = read_state(sending.stack.state_dir).physical_id(
        "AlphaFunction", "runtime-test", "AWS::Lambda::Function"
    )
    ids = [f"crm-{i}" for i in range(5)]
    for endpoint_id in ids:
        sending.endpoint(endpoint_id, "CUSTOM", f"contact-{endpoint_id}")
    answer = {
        "crm-0": "SENT",
        "crm-1": {"DeliveryStatus": "NOT_SENT", "StatusMessage": "no such contact"},
        "crm-2": f"THROTTLED_ONCE:{uuid.uuid4().hex}",  # asks for the endpoint again, then confirms it
        "crm-3": {"DeliveryStatus": "UNCERTAIN", "StatusMessage": "the carrier did not answer"},
        # crm-4: not in the answer, so only handed over
    }
    confirming = [
        SendRequest(
            sending.app,
            "c-answers",
            "CUSTOM",
            {"DeliveryUri": function, "Data": json.dumps({"answer": answer})},
            endpoint_id=endpoint_id,
            campaign_id="c-answers",
            activity_id="a-1",
        )
        for endpoint_id in ids
    ]
    silent = [  # a Pinpoint-era function: it answers nothing about the endpoints
        SendRequest(
            sending.app,
            "c-silent",
            "CUSTOM",
            {"DeliveryUri": function, "Data": "spring"},
            endpoint_id=endpoint_id,
            campaign_id="c-silent",
            activity_id="a-1",
        )
        for endpoint_id in ids[:2]
    ]
    sending.enqueue(*confirming, *silent)
    assert sending.settled(*confirming, *silent, timeout=90) == [
        "SENT",
        "REFUSED",
        "SENT",
        "UNCERTAIN",
        "HANDED_OVER",
        "HANDED_OVER",
        "HANDED_OVER",
    ]
    assert sending.ledger(confirming[1])["reason"]["S"] == "NOT_SENT: no such contact"
    outputs = sending.outputs

    def reported():
        return {
            (r["client"]["client_id"], r["attributes"].get("campaign_id"), r["event_type"])
            + ((r["attributes"].get("campaign_send_status"),) if r["event_type"] == "_campaign.send" else ())
            for r in stream_records(sending.stack.client("kinesis"), outputs["EventStreamName"])
            if r["application"]["app_id"] == sending.app
        }

    assert wait_until(lambda: len(reported()) >= 14, 30, 0.2)
    assert reported() == {
        ("crm-0", "c-answers", "_custom.send"),
        ("crm-0", "c-answers", "_campaign.send", "SUCCESS"),
        ("crm-1", "c-answers", "_custom.failure"),
        ("crm-1", "c-answers", "_campaign.send", "NOT_SENT: no such contact"),
        ("crm-2", "c-answers", "_custom.send"),
        ("crm-2", "c-answers", "_campaign.send", "SUCCESS"),
        ("crm-3", "c-answers", "_custom.uncertain"),
        ("crm-3", "c-answers", "_campaign.send", "UNCERTAIN: the carrier did not answer"),
        # Handed over: reported as Pinpoint reported every custom delivery, and never `_custom.send`
        ("crm-4", "c-answers", "_custom.handed_over"),
        ("crm-4", "c-answers", "_campaign.send", "SUCCESS"),
        ("crm-0", "c-silent", "_custom.handed_over"),
        ("crm-0", "c-silent", "_campaign.send", "SUCCESS"),
        ("crm-1", "c-silent", "_custom.handed_over"),
        ("crm-1", "c-silent", "_campaign.send", "SUCCESS"),
    }


def test_a_custom_channel_that_times_out_leaves_its_batch_uncertain_never_sent(sending):
    """The function is slower than its timeout: it may have acted on some endpoints, so nothing is
    recorded sent and nothing is handed over again; after the lease the sends are UNCERTAIN."""
    from engage_local.state import read_state
    from tests.support.streams import stream_records

    function = read_state(sending.stack.state_dir).physical_id(
        "SlowFunction", "runtime-test", "AWS::Lambda::Function"
    )
    for endpoint_id in ("slow-0", "slow-1"):
        sending.endpoint(endpoint_id, "CUSTOM", f"contact-{endpoint_id}")
    requests = [
        SendRequest(
            sending.app,
            "c-slow",
            "CUSTOM",
            {"DeliveryUri": function, "Data": json.dumps({"sleep": 3})},  # its timeout is 1 s
            endpoint_id=endpoint_id,
            campaign_id="c-slow",
            activity_id="a-1",
        )
        for endpoint_id in ("slow-0", "slow-1")
    ]

    def invocations():
        logs = (
            p.read_text() for p in (sending.stack.state_dir / "logs").rglob("*.log") if function in str(p)
        )
        return sum(log.count("START RequestId") for log in logs)

    before = invocations()
    sending.enqueue(*requests)
    assert sending.settled(*requests, timeout=90) == ["UNCERTAIN", "UNCERTAIN"]
    assert invocations() - before == 1, "handed over once, never again"

    def reported():
        return {
            r["event_type"]
            for r in stream_records(sending.stack.client("kinesis"), sending.outputs["EventStreamName"])
            if r["application"]["app_id"] == sending.app
        }

    assert wait_until(lambda: "_custom.uncertain" in reported(), 30, 0.2)
    assert "_custom.send" not in reported() and "_custom.handed_over" not in reported()


def test_erasing_an_address_removes_what_was_sent_to_it_without_an_endpoint(sending, pinpoint):
    from tests.support.cli import engage

    request = {
        "Addresses": {"walk-in@example.org": {"ChannelType": "EMAIL"}},
        "MessageConfiguration": {
            "EmailMessage": {
                "FromAddress": FROM,
                "SimpleEmail": {"Subject": {"Data": "Receipt"}, "TextPart": {"Data": "Thanks"}},
            }
        },
    }
    pinpoint.send_messages(ApplicationId=sending.app, MessageRequest=request)
    assert wait_until(lambda: sending.emails_to("walk-in@example.org"), 60, 0.2)
    listed = sending.s3.list_objects_v2(
        Bucket=sending.outputs["ArchiveBucketName"], Prefix=f"archive/{sending.app}/address-"
    )
    mine = [
        o["Key"]
        for o in listed.get("Contents", [])
        if b"walk-in@example.org"
        in sending.s3.get_object(Bucket=sending.outputs["ArchiveBucketName"], Key=o["Key"])["Body"].read()
    ]
    assert len(mine) == 1 and "walk-in" not in mine[0]
    erased = engage(
        "erase",
        "--app",
        sending.app,
        "--address",
        "Walk-In@example.org",
        "--json",
        state_dir=sending.stack.state_dir,
    )
    assert erased.returncode == 0, erased.stderr
    assert json.loads(erased.stdout)["ArchivedMessagesDeleted"] == 1
    assert "Contents" not in sending.s3.list_objects_v2(
        Bucket=sending.outputs["ArchiveBucketName"], Prefix=mine[0]
    )
    again = pinpoint.send_messages(ApplicationId=sending.app, MessageRequest=request)["MessageResponse"]
    assert again["Result"]["walk-in@example.org"]["DeliveryStatus"] == "PERMANENT_FAILURE"
    assert "SUPPRESSED_ERASED" in again["Result"]["walk-in@example.org"]["StatusMessage"]

"""The extensibility hooks from a campaign run on the local stack: send-time offers read from the
offers table (and an endpoint without one left out), and external email content read from the
work bucket once per run, the fallback from a content system (served here) when a campaign has
none, and the run's batches skipped when the fallback is too slow as well."""

from __future__ import annotations

import json
import time
from datetime import datetime
from urllib.parse import urlsplit

import pytest

from engage_local.api import wait_until
from tests.e2e.audience.test_imports import _sample
from tests.e2e.conftest import CONTENT_FALLBACK, invoke
from tests.e2e.sending.test_sending import raw_of
from tests.support.campaigns import Campaigning
from tests.support.http import QuietHandler, serving

pytestmark = pytest.mark.e2e
FALLBACK = {"subject": "News from the shop", "html": "<p>Our latest news</p>"}
LATER = {"StartTime": "2030-01-01T09:00:00Z", "Frequency": "ONCE"}  # started by hand below


class _ContentSystem(QuietHandler):
    delay = 0.0

    def do_GET(self) -> None:
        time.sleep(type(self).delay)
        self.reply(200, json.dumps(FALLBACK).encode())


@pytest.fixture(scope="module")
def content_system():
    with serving(_ContentSystem, urlsplit(CONTENT_FALLBACK).port):
        yield _ContentSystem


def emails(c: Campaigning, campaign_id: str) -> list[bytes]:
    return [
        raw_of(e)
        for e in c.stack.emulated.outbox.entries("sesv2", "SendEmail")
        if {"Name": "campaign_id", "Value": campaign_id} in (e["request"].get("EmailTags") or [])
        and "response" in e
    ]


def test_send_time_offers_reach_the_message_and_an_endpoint_without_one_is_left_out(campaigning):
    c = campaigning
    c.people(["with-offer", "without-offer"], Attributes={"Plan": ["gold"]})
    c.stack.client("dynamodb").put_item(
        TableName=c.outputs["OffersTableName"],
        Item={
            "ApplicationId": {"S": c.app},
            "EndpointId": {"S": "with-offer"},
            "Offer": {"S": "20% off boots"},
        },
    )
    campaign = c.campaign(
        SegmentId=c.segment()["Id"],
        MessageConfiguration={"SMSMessage": {"Body": "Your offer today: {{Attributes.Offer}}"}},
        Hook={"LambdaFunctionName": c.outputs["SendTimeHookName"], "Mode": "FILTER"},
    )
    kind, summary = c.notified(c.started(campaign))
    assert kind == "success" and summary["Counts"]["FILTERED_BY_HOOK"] == 1, summary
    (text,) = c.all_texts(campaign["Id"], 1)
    assert text["request"]["DestinationPhoneNumber"] == c.number("with-offer")
    assert text["request"]["MessageBody"] == "Your offer today: 20% off boots"


def content_campaign(c: Campaigning) -> dict:
    return c.campaign(
        SegmentId=c.segment()["Id"],
        MessageConfiguration={
            "EmailMessage": {
                "FromAddress": "news@example.com",
                "Title": "{{Attributes.subject}}",
                "HtmlBody": "<html><body>{{{Attributes.html}}}</body></html>",
            }
        },
        Hook={"LambdaFunctionName": c.outputs["ContentHookName"], "Mode": "FILTER"},
        Schedule=LATER,
    )


def test_external_content_is_read_once_per_run_with_a_fallback_and_skipped_when_that_fails(
    campaigning, content_system
):
    c = campaigning
    c.readers({f"r{n}": f"reader{n}-{c.app}@example.com" for n in range(3)})
    own = content_campaign(c)
    c.stack.client("s3").put_object(
        Bucket=c.outputs["ImportBucketName"],
        Key=f"campaign-content/{own['Id']}.json",
        Body=json.dumps({"subject": "Winter sale", "html": "<h1>Winter sale</h1><p>Boots &amp; coats</p>"}),
    )
    assert c.notified(c.start(own["Id"]))[0] == "success"
    assert wait_until(lambda: len(emails(c, own["Id"])) == 3, 60, 0.3)
    for raw in emails(c, own["Id"]):
        assert b"Subject: Winter sale" in raw and b"<h1>Winter sale</h1><p>Boots &amp; coats</p>" in raw

    content_system.delay = 0.0
    without = content_campaign(c)  # nothing in the bucket for it: the fallback stands in
    assert c.notified(c.start(without["Id"]))[0] == "success"
    assert wait_until(lambda: len(emails(c, without["Id"])) == 3, 60, 0.3)
    assert all(b"Subject: News from the shop" in raw for raw in emails(c, without["Id"]))

    content_system.delay = 5.0  # slower than the hook's 3 s timeout: no content at all
    try:
        failing = content_campaign(c)
        _, summary = c.notified(c.start(failing["Id"]))
    finally:
        content_system.delay = 0.0
    assert summary["Counts"]["HOOK_FAILED"] == 3 and summary["Counts"]["Queued"] == 0, summary
    time.sleep(1)
    assert emails(c, failing["Id"]) == [], "nobody gets an email without its content"


def test_the_hook_samples(local_stack, content_system, new_app):
    """events/extensions/send_time_hook/ and events/extensions/content_hook/, through the deployed hooks."""
    outputs = local_stack.stacks["engage"].outputs
    app = new_app("hooks")
    local_stack.client("dynamodb").put_item(
        TableName=outputs["OffersTableName"],
        Item={"ApplicationId": {"S": app}, "EndpointId": {"S": "sample-1"}, "Offer": {"S": "2 for 1"}},
    )
    offers = invoke(
        local_stack,
        "Extensions/SendTimeHookFunction",
        _sample("extensions/send_time_hook/batch.json", APP_ID=app),
        "engage",
    )
    assert offers["error"] is None and list(offers["payload"]) == ["sample-1"]
    assert offers["payload"]["sample-1"]["Attributes"]["Offer"] == ["2 for 1"]
    content = invoke(
        local_stack,
        "Extensions/ContentHookFunction",
        _sample("extensions/content_hook/batch.json", APP_ID=app),
        "engage",
    )
    assert content["error"] is None
    assert {e["Attributes"]["subject"][0] for e in content["payload"].values()} == {FALLBACK["subject"]}


def test_a_campaign_calls_people_through_connect_within_its_rate_and_honours_voice_opt_outs(campaigning):
    from engage.consent import consent_record

    from tests.support.streams import stream_records

    c = campaigning
    c.people([f"patient-{n}" for n in range(5)], Attributes={"Plan": ["gold"], "Doctor": ["Ana"]})
    c.consent.record(consent_record(c.app, "VOICE", c.number("patient-4"), "OPTED_OUT", "ivr"))
    message = f"Your appointment is tomorrow at 10 ({c.app})"
    campaign = c.campaign(
        SegmentId=c.segment()["Id"],
        MessageConfiguration={"CustomMessage": {"Data": message}},
        CustomDeliveryConfiguration={
            "DeliveryUri": c.outputs["ConnectChannelName"],
            "EndpointTypes": ["SMS"],
        },
    )
    assert c.notified(c.started(campaign))[0] == "success"

    def calls():
        return [
            e
            for e in c.stack.emulated.outbox.entries("connect", "StartOutboundVoiceContact")
            if "response" in e and (e["request"].get("Attributes") or {}).get("Message") == message
        ]

    def events():
        return sorted(
            (r["event_type"], r["client"]["client_id"])
            for r in stream_records(c.stack.client("kinesis"), c.outputs["EventStreamName"])
            if r["application"]["app_id"] == c.app and r["event_type"].startswith("_connect.")
        )

    assert wait_until(lambda: len(events()) == 5, 60, 0.3), events()
    assert events() == [("_connect.call_skipped", "patient-4")] + [
        ("_connect.call_started", f"patient-{n}") for n in range(4)
    ]
    placed = calls()
    assert sorted(e["request"]["DestinationPhoneNumber"] for e in placed) == sorted(
        c.number(f"patient-{n}") for n in range(4)
    ), "the VOICE opt-out is not called"
    first = placed[0]["request"]
    assert (first["InstanceId"], first["ContactFlowId"], first["Attributes"]["Attributes.Doctor"]) == (
        "local-instance",
        "local-reminder-flow",
        "Ana",
    )
    times = sorted(datetime.fromisoformat(e["time"]).timestamp() for e in placed)
    # The outbox notes a call when the emulator answers it (after IAM has judged it), which may trail
    # the call's paced start by a fraction of a second, and the first call also waits on the
    # function's clients being made: the three after it, at two a second, span at least ~0.75 s
    # (unpaced, a few hundredths).
    assert times[-1] - times[1] >= (3 - 1) / 2 * 0.75, "two calls a second"


def test_the_connect_sample_places_its_calls_once(local_stack, new_app):
    from engage.extensions.connect import client_token

    """events/extensions/connect_channel/: a custom delivery batch, delivered twice: the send ledger keeps
    each call to one."""
    batch = _sample("extensions/connect_channel/batch.json", APP_ID=new_app("calls"))
    first = invoke(local_stack, "Extensions/ConnectChannelFunction", batch, "engage")
    again = invoke(local_stack, "Extensions/ConnectChannelFunction", batch, "engage")
    # Each endpoint's answer, as a custom channel may give it (engage.sending.custom_answers).
    assert first["error"] is None and first["payload"] == {
        "sample-caller": {"DeliveryStatus": "SENT"},
        "sample-reader": {"DeliveryStatus": "NOT_SENT", "StatusMessage": "NOT_A_PHONE_ENDPOINT"},
    }
    assert again["payload"] == first["payload"]
    placed = [
        e
        for e in local_stack.emulated.outbox.entries("connect", "StartOutboundVoiceContact")
        if "response" in e
        and (e["request"].get("Attributes") or {}).get("EndpointId") == "sample-caller"
        and e["request"]["ClientToken"] == client_token(batch, "sample-caller")
    ]
    assert len(placed) == 1, "the second delivery called nobody (the send ledger)"


def attachment_template(c: Campaigning) -> str:
    name = f"invoice-{c.app}"
    c.pinpoint.create_email_template(
        TemplateName=name,
        EmailTemplateRequest={
            "Subject": "Your invoice, {{Attributes.Name}}",
            "HtmlPart": "<html><body><p>Hello {{Attributes.Name}}, here is your invoice.</p></body></html>",
            "TextPart": "Hello {{Attributes.Name}}, your invoice is attached.",
        },
    )
    return name


def test_a_campaign_emails_each_reader_their_files_links_what_is_too_large_and_reports_a_missing_one(
    campaigning,
):
    import email

    c = campaigning
    readers = {name: f"{name}-{c.app}@example.com" for name in ("ana", "bo", "cy")}
    for name, address in readers.items():
        c.contacts.upsert(
            c.app,
            name,
            {
                "ChannelType": "EMAIL",
                "Address": address,
                "Attributes": {"Plan": ["gold"], "Name": [name.title()]},
            },
        )
    s3, bucket = c.stack.client("s3"), c.outputs["ImportBucketName"]
    s3.put_object(Bucket=bucket, Key=f"attachments/{c.app}/ana.pdf", Body=b"%PDF-1.7 ana")
    s3.put_object(Bucket=bucket, Key=f"attachments/{c.app}/bo.pdf", Body=b"%PDF-1.7 " + b"b" * 1_200_000)
    s3.put_object(Bucket=bucket, Key=f"attachments/{c.app}/terms.txt", Body=b"Our terms")
    order = {
        "template": attachment_template(c),
        "from": "billing@example.com",
        "attachments": [
            {"key": f"{c.app}/{{{{EndpointId}}}}.pdf", "name": "invoice.pdf"},
            {"key": f"{c.app}/terms.txt"},
        ],
    }
    campaign = c.campaign(
        SegmentId=c.segment()["Id"],
        MessageConfiguration={"CustomMessage": {"Data": json.dumps(order)}},
        CustomDeliveryConfiguration={
            "DeliveryUri": c.outputs["AttachmentsChannelName"],
            "EndpointTypes": ["EMAIL"],
        },
    )
    assert c.notified(c.started(campaign))[0] == "success"

    def sent():
        return {
            e["request"]["Destination"]["ToAddresses"][0]: email.message_from_bytes(raw_of(e))
            for e in c.stack.emulated.outbox.entries("sesv2", "SendEmail")
            if "response" in e
            and {"Name": "campaign_id", "Value": campaign["Id"]} in (e["request"].get("EmailTags") or [])
        }

    assert wait_until(lambda: len(sent()) == 2, 60, 0.3), sorted(sent())
    messages = sent()
    assert sorted(messages) == sorted([readers["ana"], readers["bo"]]), "cy has no invoice: not sent"
    ana = messages[readers["ana"]]
    files = {p.get_filename(): p.get_payload(decode=True) for p in ana.walk() if p.get_filename()}
    assert files == {"invoice.pdf": b"%PDF-1.7 ana", "terms.txt": b"Our terms"}
    assert ana["Subject"] == "Your invoice, Ana"
    bo = messages[readers["bo"]]
    assert not [p for p in bo.walk() if p.get_filename()], "1.2 MB is over the stack's limit: linked"
    html = next(p.get_payload(decode=True).decode() for p in bo.walk() if p.get_content_type() == "text/html")
    assert f"/attachments/{c.app}/bo.pdf?" in html and "X-Amz-Signature=" in html, "a SigV4 pre-signed link"

    from tests.support.streams import stream_records

    def failures():  # the sender's refusal of cy's email: its file is missing
        return [
            (r["client"]["client_id"], r["attributes"]["record_status"])
            for r in stream_records(c.stack.client("kinesis"), c.outputs["EventStreamName"])
            if r["application"]["app_id"] == c.app and r["event_type"] == "_email.rejected"
        ]

    assert wait_until(lambda: failures() == [("cy", "ATTACHMENT_MISSING")], 30, 0.3), failures()


def test_the_attachments_sample_sends_one_and_reports_the_missing_file(local_stack, pinpoint):
    """events/extensions/attachments_channel/: one customer with a file, one without; the emails go through
    the send queue's sender."""
    c = Campaigning(local_stack, pinpoint)
    local_stack.client("s3").put_object(
        Bucket=c.outputs["ImportBucketName"],
        Key="attachments/samples/sample-customer.pdf",
        Body=b"%PDF sample",
    )
    batch = _sample(
        "extensions/attachments_channel/batch.json", APP_ID=c.app, TEMPLATE=attachment_template(c)
    )
    for endpoint_id, endpoint in batch["Endpoints"].items():  # the sender reads them as they are now
        c.contacts.upsert(c.app, endpoint_id, endpoint)
    for _ in range(2):  # delivered twice: the sender sends each email once
        answer = invoke(local_stack, "Extensions/AttachmentsChannelFunction", batch, "engage")
        assert answer["error"] is None and answer["payload"] == {}, "both queued for the sender: handed over"
    keys = [f"{c.app}#attachments-sample-invoices#sample-run#{e}" for e in batch["Endpoints"]]
    sends = c.stack.client("dynamodb")

    def ledger():
        items = [
            sends.get_item(TableName=c.outputs["SendsTableName"], Key={"pk": {"S": k}}).get("Item")
            for k in keys
        ]
        return [(i["status"]["S"], i.get("reason", {}).get("S")) if i else None for i in items]

    assert wait_until(lambda: None not in ledger() and ("SENDING", None) not in ledger(), 60, 0.3), ledger()
    assert ledger() == [("SENT", None), ("REFUSED", "ATTACHMENT_MISSING")]
    assert local_stack.settle(60)
    sent = [
        e
        for e in local_stack.emulated.outbox.entries("sesv2", "SendEmail")
        if e["request"]["Destination"]["ToAddresses"] == ["sample-customer@example.com"] and "response" in e
    ]
    assert len(sent) == 1, "sent once however often the batch came"

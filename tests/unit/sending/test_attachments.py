"""Email attachments as a channel (engage.extensions.attachments): the order checked and each email endpoint's
email queued for the one sender (hand_over), and the sender attaching the files, or linking them
when the message would be too large (AttachmentMaker), with everything every email gets."""

import email
import json

import pytest
from engage.errors import ThrottledError
from engage.extensions.attachments import AttachmentMaker, hand_over
from engage.sending.ledger import Status
from engage.sending.request import parse_request

from tests.support.fakes import MemoryQueue
from tests.unit.sending.test_sender import make, reported

APP = "sendapp"  # test_sender's application
FILES = {"invoices/ana.pdf": b"%PDF-ana", "invoices/bo.pdf": b"%PDF-bo", "shared/terms.txt": b"terms"}
TEMPLATE = {
    "Subject": "Your invoice, {{Attributes.Name}}",
    "HtmlPart": "<html><body><p>Hello {{Attributes.Name}}</p></body></html>",
    "TextPart": "Hello {{Attributes.Name}}",
}


class Files:
    def __init__(self, files):
        self.files = files

    def size(self, key):
        return len(self.files[key]) if key in self.files else None

    def read(self, key):
        return self.files[key]

    def link(self, key, seconds):
        return f"https://files.example.com/{key}?expires={seconds}"


class Templates:
    def get(self, kind, name, version=None):
        from engage.errors import ValidationError

        if name != "invoice-mail":
            raise ValidationError("template", f"{name} does not exist")
        return {"TemplateType": kind, "TemplateName": name, **TEMPLATE}


def order(**changes):
    base = {
        "template": "invoice-mail",
        "from": "billing@example.com",
        "attachments": [
            {"key": "invoices/{{EndpointId}}.pdf", "name": "invoice.pdf"},
            {"key": "shared/terms.txt"},
        ],
    }
    return json.dumps({**base, **changes})


def batch(data, **endpoints):
    return {
        "ApplicationId": APP,
        "CampaignId": "invoices",
        "ActivityId": "run-1",
        "TreatmentId": "0",
        "Data": data,
        "Endpoints": endpoints
        or {
            "ana": {"ChannelType": "EMAIL", "Address": "ana@example.com", "Attributes": {"Name": ["Ana"]}},
            "bo": {"ChannelType": "EMAIL", "Address": "bo@example.com", "Attributes": {"Name": ["Bo"]}},
            "cy": {"ChannelType": "SMS", "Address": "+14255550100"},
        },
    }


def test_each_email_endpoint_is_queued_for_the_sender_and_the_rest_answered():
    queue = MemoryQueue()
    answer = hand_over(batch(order()), Templates(), queue)
    assert answer == {"cy": {"DeliveryStatus": "NOT_SENT", "StatusMessage": "NOT_AN_EMAIL_ENDPOINT"}}
    ana, _bo = (parse_request(b) for b in queue.bodies)
    assert (ana.endpoint_id, ana.channel, ana.message["TemplateName"]) == ("ana", "EMAIL", "invoice-mail")
    assert (
        ana.message["FromAddress"] == "billing@example.com" and ana.message["Attachments"]["mode"] == "AUTO"
    )
    assert ana.context == {"campaign_id": "invoices", "campaign_activity_id": "run-1", "treatment_id": "0"}
    assert ana.key == f"{APP}#attachments-invoices#run-1#ana", "apart from the batch's own custom sends"
    refused = hand_over(batch(order()), Templates(), MemoryQueue(refuse=[0]))
    assert refused["ana"]["DeliveryStatus"] == "THROTTLED" and "bo" not in refused


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ("not json", "Data"),
        (json.dumps(["a"]), "Data"),
        (order(template=""), "Data.template"),
        (order(**{"from": "nobody"}), "Data.from"),
        (order(attachments=[]), "Data.attachments"),
        (order(attachments=[{"key": "../secrets.txt"}]), "Data.attachments[0].key"),
        (order(attachments=[{"key": "a.pdf", "name": 'x"y'}]), "Data.attachments[0].name"),
        (order(mode="FAX"), "Data.mode"),
        (order(link_hours=0), "Data.link_hours"),
        (order(link_hours=7), "Data.link_hours"),
        (order(extra=1), "Data.extra"),
        (order(template="no-such-template"), "template"),
    ],
)
def test_a_malformed_order_fails_every_endpoint_with_the_field(data, field):
    queue = MemoryQueue()
    answer = hand_over(batch(data), Templates(), queue)
    assert set(answer) == {"ana", "bo", "cy"} and queue.bodies == []
    assert all(
        a["DeliveryStatus"] == "NOT_SENT" and a["StatusMessage"].startswith(f"{field}:")
        for a in answer.values()
    )


def sender_for(files, max_bytes=40 * 1024 * 1024, **make_args):
    eps = [
        {"ApplicationId": APP, "Id": name, "ChannelType": "EMAIL", "Address": f"{name}@example.com",
         "Attributes": {"Name": [name.title()]}}
        for name in ("ana", "bo")
    ]  # fmt: skip
    sender, clock = make(eps, **make_args)
    sender.templates.create("EMAIL", "invoice-mail", TEMPLATE)
    sender.attachments = AttachmentMaker(Files(files), max_bytes)
    return sender, clock


def queued(data=None):
    queue = MemoryQueue()
    hand_over(batch(data or order()), Templates(), queue)
    return [parse_request(b) for b in queue.bodies]


def files_of(raw):
    parsed = email.message_from_bytes(raw)
    return parsed, {p.get_filename(): p.get_payload(decode=True) for p in parsed.walk() if p.get_filename()}


def test_the_sender_attaches_each_recipients_file_once_with_everything_an_email_gets():
    sender, clock = sender_for(FILES)
    requests = queued()
    results = sender.send_batch(requests, clock.now + 30)
    assert [r.error for r in results] == [None, None]
    assert [r.outcome.status for r in results] == [Status.SENT, Status.SENT]
    sent = next(s for s in sender.email.sent if s["to"] == "ana@example.com")
    parsed, files = files_of(sent["raw"])
    assert files == {"invoice.pdf": b"%PDF-ana", "terms.txt": b"terms"}
    assert parsed["Subject"] == "Your invoice, Ana" and parsed["List-Unsubscribe-Post"]
    assert sent["tags"]["campaign_id"] == "invoices" and sent["tags"]["endpoint_id"] == "ana"
    ana = next(r for r in results if r.request.endpoint_id == "ana")
    assert sender.archive_store.objects[ana.archive_key] == sent["raw"], "archived as sent"
    assert {r["event_type"] for r in reported(sender)} == {"_email.send"}
    again = sender.send_batch(queued(), clock.now + 30)
    assert all(r.outcome.duplicate for r in again) and len(sender.email.sent) == 2


def test_files_too_large_to_attach_are_linked_or_fail_as_asked():
    big = {**FILES, "invoices/ana.pdf": b"x" * 30000}
    sender, clock = sender_for(big, max_bytes=20000)
    sender.send_batch(queued(), clock.now + 30)
    parsed, files = files_of(next(s["raw"] for s in sender.email.sent if s["to"] == "ana@example.com"))
    bodies = [p.get_payload(decode=True).decode() for p in parsed.walk() if not p.is_multipart()]
    assert all("https://files.example.com/invoices/ana.pdf?expires=21600" in b for b in bodies)
    assert files == {}, "nothing attached"
    strict, clock = sender_for(big, max_bytes=20000)
    ana, bo = strict.send_batch(queued(order(mode="ATTACH")), clock.now + 30)
    assert (ana.outcome.status, ana.outcome.reason, bo.outcome.status) == (
        Status.REFUSED,
        "ATTACHMENT_TOO_LARGE",
        Status.SENT,
    )
    links, clock = sender_for(FILES)
    links.send_batch(queued(order(mode="LINK", link_hours=1)), clock.now + 30)
    assert all(files_of(s["raw"])[1] == {} for s in links.email.sent) and len(links.email.sent) == 2


def test_a_missing_file_refuses_its_recipient_only():
    sender, clock = sender_for({k: v for k, v in FILES.items() if k != "invoices/bo.pdf"})
    ana, bo = sender.send_batch(queued(), clock.now + 30)
    assert ana.outcome.status == Status.SENT and (bo.outcome.status, bo.outcome.reason) == (
        Status.REFUSED,
        "ATTACHMENT_MISSING",
    )


def test_files_that_cannot_be_read_are_not_sent_and_a_later_delivery_sends_them():
    class Broken(Files):
        def size(self, key):
            raise ConnectionError("S3 is away")

    sender, clock = sender_for(FILES)
    sender.attachments.files = Broken(FILES)
    first = sender.send_batch(queued(), clock.now + 30)
    assert all(r.outcome is None and r.error is not None for r in first) and sender.email.sent == []
    sender.attachments.files = Files(FILES)
    assert [r.outcome.status for r in sender.send_batch(queued(), clock.now + 30)] == [Status.SENT] * 2


def test_a_throttled_attachment_email_is_retried_within_the_rate():
    sender, clock = sender_for(FILES, email_script=[ThrottledError("SendEmail: TooManyRequestsException")])
    results = sender.send_batch(queued(), clock.now + 30)
    assert [r.outcome.status for r in results] == [Status.SENT] * 2 and len(sender.email.sent) == 2

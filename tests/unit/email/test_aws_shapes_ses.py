"""Amazon SES's documented event shapes (events/aws/ses/, each file's page in sources.json) read by
the project's consumers, and the local SES emulator held to the same shapes.

The samples are AWS's: the developer guide's examples copied as they are ("verbatim"), or changed
only in documented fields ("derived", each change listed in sources.json). Event publishing records
reach the channel-events normaliser (engage.lake.channel_events) and, for bounces and complaints, the
feedback processor (engage.email.feedback); identity notifications reach the feedback processor; a
receipt rule's Lambda action event reaches the auto-reply (engage.email.auto_reply). The SNS and SQS
envelopes the handlers unwrap (engage.envelopes.sns_document) are built here from the samples.

The contract tests drive the emulator (engage_local.emulators.ses) and compare each record it
emits with AWS's sample structurally: the same keys at every level (lists by their first
element), the same JSON types; values may differ."""

from __future__ import annotations

import copy
import email
import email.policy
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from engage.email.auto_reply import compose, decide, inbound
from engage.email.feedback import Kind, apply, parse
from engage.envelopes import sns_document
from engage.lake.channel_events import normalise
from engage.sending.mime import build_email

from engage_local.emulators.framework import Clock
from engage_local.emulators.ses import SesState
from tests.support.fakes import MemoryEndpoints
from tests.support.shapes import EVENTS, differences, sample

APP = "0123456789abcdef0123456789abcdef"

SEND = "aws/ses/event_publishing_send.json"
DELIVERY = "aws/ses/event_publishing_delivery.json"
BOUNCE = "aws/ses/event_publishing_bounce.json"
BOUNCE_TRANSIENT = "aws/ses/event_publishing_bounce_transient.json"
COMPLAINT = "aws/ses/event_publishing_complaint.json"
OPEN = "aws/ses/event_publishing_open.json"
CLICK = "aws/ses/event_publishing_click.json"
REJECT = "aws/ses/event_publishing_reject.json"
RENDERING_FAILURE = "aws/ses/event_publishing_rendering_failure.json"
DELIVERY_DELAY = "aws/ses/event_publishing_delivery_delay.json"
SUBSCRIPTION = "aws/ses/event_publishing_subscription.json"
NOTIFICATION_BOUNCE = "aws/ses/notification_bounce.json"
NOTIFICATION_BOUNCE_NO_DSN = "aws/ses/notification_bounce_no_dsn.json"
NOTIFICATION_COMPLAINT = "aws/ses/notification_complaint.json"
NOTIFICATION_COMPLAINT_NO_REPORT = "aws/ses/notification_complaint_no_report.json"
NOTIFICATION_DELIVERY = "aws/ses/notification_delivery.json"
RECEIPT_LAMBDA = "aws/ses/receipt_lambda.json"
SOURCES = "aws/ses/sources.json"

EVENT_PUBLISHING = [SEND, DELIVERY, BOUNCE, BOUNCE_TRANSIENT, COMPLAINT, OPEN, CLICK, REJECT,
                    RENDERING_FAILURE, DELIVERY_DELAY, SUBSCRIPTION]  # fmt: skip
NOTIFICATIONS = [NOTIFICATION_BOUNCE, NOTIFICATION_BOUNCE_NO_DSN, NOTIFICATION_COMPLAINT,
                 NOTIFICATION_COMPLAINT_NO_REPORT, NOTIFICATION_DELIVERY]  # fmt: skip


def ours(record: dict[str, Any], **tags: str) -> dict[str, Any]:
    """The record of a message we sent: the sender's message tags added to AWS's own."""
    tagged = copy.deepcopy(record)
    own = {"application_id": APP, "endpoint_id": "ep-1", "campaign_id": "c-spring", **tags}
    tagged["mail"].setdefault("tags", {}).update({name: [value] for name, value in own.items()})
    return tagged


def queued(document: dict[str, Any], raw: bool) -> str:
    """An SQS message's body as an SNS subscription delivers the document: raw, or in SNS's
    notification envelope."""
    if raw:
        return json.dumps(document)
    return json.dumps(
        {
            "Type": "Notification",
            "MessageId": "95df01b4-ee98-5cb9-9903-4c221d41eb5e",
            "TopicArn": "arn:aws:sns:us-east-1:123456789012:ses-events",
            "Message": json.dumps(document),
            "Timestamp": "2017-08-05T00:41:03.000Z",
            "SignatureVersion": "1",
            "Signature": "EXAMPLE==",
            "SigningCertURL": "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-example.pem",
            "UnsubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe",
        }
    )


def epoch_ms(iso: str) -> int:
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000)


# --- the samples and their sources ---------------------------------------------------------------
def test_every_sample_names_its_aws_page_and_a_derived_one_what_it_changed():
    sources = sample(SOURCES)
    files = {p.name for p in (EVENTS / "aws/ses").iterdir() if p.name != "sources.json"}
    named = {Path(p).name for p in EVENT_PUBLISHING + NOTIFICATIONS + [RECEIPT_LAMBDA]}
    assert set(sources) == files == named
    for name, entry in sources.items():
        assert entry["source"].startswith("https://docs.aws.amazon.com/ses/"), name
        assert entry["kind"] in ("verbatim", "derived"), name
        assert bool(entry["changed"]) == (entry["kind"] == "derived"), name


# --- event publishing: the channel-events normaliser ----------------------------------------------
@pytest.mark.parametrize("path", EVENT_PUBLISHING)
def test_a_record_that_names_no_application_is_kept_raw_only(path):
    outcome = normalise(sns_document(queued(sample(path), raw=True)))
    assert outcome.event is None and "no application_id" in outcome.reason


@pytest.mark.parametrize(
    ("path", "event_type", "facet", "field", "value"),
    [
        (SEND, "_email.send", "send", None, {}),
        (DELIVERY, "_email.delivered", "delivery", "smtp_response", "250 2.6.0 Message received"),
        (BOUNCE, "_email.hardbounce", "bounce", "reporting_mta", "dsn; mta.example.com"),
        (BOUNCE_TRANSIENT, "_email.softbounce", "bounce", "bounce_sub_type", "MailboxFull"),
        (COMPLAINT, "_email.complaint", "complaint", "complaint_feedback_type", "abuse"),
        (OPEN, "_email.open", "open", "ip_address", "192.0.2.1"),
        (CLICK, "_email.click", "click", "link",
         "http://docs.aws.amazon.com/ses/latest/DeveloperGuide/send-email-smtp.html"),
        (REJECT, "_email.rejected", "reject", "reason", "Bad content"),
        (RENDERING_FAILURE, "_email.rendering_failure", "rendering_failure", "template_name", "MyTemplate"),
        (DELIVERY_DELAY, "_email.delivery_delay", "delivery_delay", "delay_type",
         "TransientCommunicationFailure"),
        (SUBSCRIPTION, "_email.unsubscribe", "subscription", "contact_list", "ContactListName"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("raw", [True, False])
def test_each_documented_record_of_ours_becomes_its_event(path, event_type, facet, field, value, raw):
    record = ours(sample(path))
    event = normalise(sns_document(queued(record, raw))).event
    assert (event.event_type, event.app_id, event.endpoint_id) == (event_type, APP, "ep-1")
    mail = record["mail"]
    assert event.attributes["message_id"] == mail["messageId"]
    assert event.attributes["campaign_id"] == "c-spring"
    assert not any(name.startswith("ses:") for name in event.attributes)
    detail = next(v for k, v in record.items() if k not in ("eventType", "mail"))
    assert event.timestamp_ms == epoch_ms(detail.get("timestamp") or mail["timestamp"])
    mail_event = event.facets["email_channel"]["mail_event"]
    assert mail_event["mail"]["message_id"] == mail["messageId"]
    assert mail_event["mail"]["from_address"] == mail["source"]
    assert (mail_event[facet][field] if field else mail_event[facet]) == value


def test_the_records_own_tags_become_attributes_and_the_link_tags_stay_as_sent():
    delivered = normalise(ours(sample(DELIVERY))).event
    assert delivered.attributes["myCustomTag1"] == "myCustomTagValue1"
    clicked = normalise(ours(sample(CLICK))).event.facets["email_channel"]["mail_event"]["click"]
    assert clicked["link_tags"] == {"samplekey0": ["samplevalue0"], "samplekey1": ["samplevalue1"]}
    bounced = normalise(ours(sample(BOUNCE))).event.facets["email_channel"]["mail_event"]["bounce"]
    assert bounced["bounced_recipients"] == [
        {"email_address": "recipient@example.com", "action": "failed", "status": "5.1.1",
         "diagnostic_code": "smtp; 550 5.1.1 user unknown"}
    ]  # fmt: skip


def test_a_subscription_record_spells_its_statuses_optout_and_optin_as_the_guide_shows():
    """AWS's Subscription record spells a topic's status `OptOut` (the API: `OPT_OUT`); leaving one
    topic, without unsubscribing from everything, is an unsubscribe all the same."""
    record = ours(sample(SUBSCRIPTION))
    facet = normalise(record).event.facets["email_channel"]["mail_event"]["subscription"]
    assert facet == {
        "contact_list": "ContactListName",
        "source": "UnsubscribeHeader",
        "unsubscribe_all": True,
        "topics": {"ExampleTopicName": "OPT_OUT"},
        "previous_topics": {"ExampleTopicName": "OPT_OUT"},
    }
    detail = record["subscription"]
    detail["newTopicPreferences"]["unsubscribeAll"] = False
    assert normalise(record).event.event_type == "_email.subscription"  # was out, is still out
    detail["oldTopicPreferences"]["topicSubscriptionStatus"][0]["subscriptionStatus"] = "OptIn"
    assert normalise(record).event.event_type == "_email.unsubscribe"  # was in, is out


# --- bounce and complaint feedback ----------------------------------------------------------------
class Suppressions:
    def __init__(self):
        self.entries, self.transients = [], {}

    def suppress(self, entry):
        self.entries.append(entry)

    def count_transient(self, app_id, address, feedback_id, at, window):
        self.transients[(app_id, address.lower(), feedback_id)] = at
        return sum(1 for (app, addr, _f) in self.transients if (app, addr) == (app_id, address.lower()))


class Account:
    def __init__(self):
        self.listed = []

    def suppress(self, address, reason):
        self.listed.append((address, reason))


def reader(endpoint_id, address):
    return {"ApplicationId": APP, "Id": endpoint_id, "ChannelType": "EMAIL", "Address": address}


def world(*addresses):
    endpoints = MemoryEndpoints([reader(f"ep-{a.split('@')[0]}", a) for a in addresses])
    return Suppressions(), endpoints, Account()


@pytest.mark.parametrize("raw", [True, False])
def test_an_event_publishing_bounce_of_ours_suppresses_the_address_in_its_application(raw):
    record = ours(sample(BOUNCE))
    feedback = parse(sns_document(queued(record, raw)))
    assert (feedback.kind, feedback.source, feedback.app_id, feedback.addresses) == (
        Kind.HARD_BOUNCE, "ses-event", APP, ("recipient@example.com",),
    )  # fmt: skip
    assert feedback.feedback_id == record["bounce"]["feedbackId"]
    assert feedback.at == record["bounce"]["timestamp"]
    suppressions, endpoints, account = world("recipient@example.com")
    decision = apply(feedback, suppressions, endpoints, account)
    assert decision.suppressed == ["HARD_BOUNCE"] and decision.opted_out == ["ep-recipient"]
    assert account.listed == [("recipient@example.com", "BOUNCE")]
    assert endpoints.get(APP, "ep-recipient")["OptOut"] == "ALL"


def test_an_event_publishing_transient_bounce_is_counted_not_suppressed():
    feedback = parse(ours(sample(BOUNCE_TRANSIENT)))
    assert feedback.kind == Kind.SOFT_BOUNCE
    suppressions, endpoints, account = world("recipient@example.com")
    decision = apply(feedback, suppressions, endpoints, account)
    assert (decision.transient_counted, decision.suppressed, account.listed) == (1, [], [])


def test_an_event_publishing_complaint_of_ours_suppresses_in_its_application_only():
    feedback = parse(ours(sample(COMPLAINT)))
    assert (feedback.kind, feedback.addresses) == (Kind.COMPLAINT, ("recipient@example.com",))
    suppressions, endpoints, account = world("recipient@example.com")
    decision = apply(feedback, suppressions, endpoints, account)
    assert decision.suppressed == ["COMPLAINT"] and account.listed == []


def test_a_bounce_of_another_senders_mail_reaches_the_account_list_and_every_application_holding_it():
    feedback = parse(sample(BOUNCE))  # AWS's record as it is: none of our tags
    assert feedback.app_id is None
    suppressions, endpoints, account = world("recipient@example.com")
    decision = apply(feedback, suppressions, endpoints, account, applications=lambda: [APP])
    assert (decision.unattributed, decision.suppressed) == (1, ["HARD_BOUNCE"])
    assert account.listed == [("recipient@example.com", "BOUNCE")]


@pytest.mark.parametrize(
    "path", [SEND, DELIVERY, OPEN, CLICK, REJECT, RENDERING_FAILURE, DELIVERY_DELAY, SUBSCRIPTION]
)
def test_event_publishing_records_other_than_bounces_and_complaints_are_not_feedback(path):
    assert parse(ours(sample(path))) is None


@pytest.mark.parametrize(
    ("path", "kind", "addresses", "reason"),
    [
        (NOTIFICATION_BOUNCE, Kind.HARD_BOUNCE, ("jane@example.com",), "BOUNCE"),
        (NOTIFICATION_BOUNCE_NO_DSN, Kind.HARD_BOUNCE, ("jane@example.com", "richard@example.com"), "BOUNCE"),
        (NOTIFICATION_COMPLAINT, Kind.COMPLAINT, ("richard@example.com",), "COMPLAINT"),
        (NOTIFICATION_COMPLAINT_NO_REPORT, Kind.COMPLAINT, ("richard@example.com",), "COMPLAINT"),
    ],
)
@pytest.mark.parametrize("raw", [True, False])
def test_an_identity_notification_lists_the_address_and_acts_in_every_application_holding_it(
    path, kind, addresses, reason, raw
):
    notification = sample(path)
    feedback = parse(sns_document(queued(notification, raw)))
    assert (feedback.kind, feedback.source, feedback.app_id) == (kind, "ses-notification", None)
    assert feedback.addresses == addresses
    assert feedback.feedback_id == notification[kind.name.split("_")[-1].lower()]["feedbackId"]
    suppressions, endpoints, account = world("jane@example.com", "richard@example.com", "mary@example.com")
    decision = apply(feedback, suppressions, endpoints, account, applications=lambda: [APP])
    assert account.listed == [(address, reason) for address in addresses]
    assert decision.unattributed == len(addresses)
    assert sorted(decision.opted_out) == sorted(f"ep-{a.split('@')[0]}" for a in addresses)
    assert "OptOut" not in endpoints.get(APP, "ep-mary")  # a recipient who neither bounced nor complained


@pytest.mark.parametrize("raw", [True, False])
def test_a_delivery_notification_is_not_feedback(raw):
    assert parse(sns_document(queued(sample(NOTIFICATION_DELIVERY), raw))) is None


# --- email receiving: the auto-reply ---------------------------------------------------------------
def test_the_receipt_rules_lambda_event_is_read_with_its_verdicts_and_the_from_address():
    message = inbound(sample(RECEIPT_LAMBDA))
    assert message.message_id == "EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000"
    assert message.sender == "sender@example.com"  # the From header's, not the envelope's prvs= address
    assert (message.subject, message.recipients) == ("This is a test", ("recipient@example.com",))
    verdicts = (message.spam_verdict, message.virus_verdict, message.spf_verdict, message.dkim_verdict,
                message.dmarc_verdict)  # fmt: skip
    assert verdicts == ("PASS", "PASS", "PASS", "PASS", "GRAY")


def test_awss_sample_message_is_bulk_mail_and_without_its_precedence_it_is_answered_in_its_thread():
    event = sample(RECEIPT_LAMBDA)
    assert decide(inbound(event), ["recipient@example.com"], lambda _s: True) == "bulk or list mail"
    mail = event["Records"][0]["ses"]["mail"]
    mail["headers"] = [h for h in mail["headers"] if h["name"] != "Precedence"]
    message = inbound(event)
    assert decide(message, ["recipient@example.com"], lambda _s: True) is None  # DMARC GRAY is no fail
    answer = email.message_from_bytes(
        compose(message, {"Subject": "Re:", "TextPart": "Hello %%NAME%%"}, "recipient@example.com"),
        policy=email.policy.default,
    )
    assert answer["To"] == "sender@example.com" and answer["Subject"] == "Re: This is a test"
    assert answer["In-Reply-To"] == "<F8098FDD-49A3-442D-9935-F6112example@example.com>"
    assert answer["Auto-Submitted"] == "auto-replied"


# --- the emulator's records against AWS's ------------------------------------------------------------
DATA_MAPS = {"mail.tags", "click.linkTags"}  # their keys are data (tag names); values: lists of strings

# Fields the page's attribute table documents for an object but its example leaves out: the emulator
# may send them or not. Mail object table: sourceArn, headers, commonHeaders; DeliveryDelay object
# table: reportingMTA (event-publishing-retrieving-sns-contents.html).
DOCUMENTED_BUT_NOT_IN_THE_EXAMPLE = {
    OPEN: {"mail.sourceArn"},
    CLICK: {"mail.sourceArn"},
    DELIVERY_DELAY: {"mail.headers", "mail.commonHeaders", "deliveryDelay.reportingMTA"},
}
SAMPLE_OF = {
    "Send": SEND,
    "Delivery": DELIVERY,
    "Bounce": BOUNCE,
    "Complaint": COMPLAINT,
    "Open": OPEN,
    "Click": CLICK,
    "Reject": REJECT,
    "Rendering Failure": RENDERING_FAILURE,
    "DeliveryDelay": DELIVERY_DELAY,
    "Subscription": SUBSCRIPTION,
}
EMULATED = ["Send", "Delivery", "Bounce", "Complaint", "Open", "Click", "DeliveryDelay"]


def test_the_comparison_finds_a_wrong_casing_a_stray_key_and_a_wrong_type():
    documented = {"action": {"type": "Lambda", "functionArn": "arn"}, "recipients": ["a"], "n": 1}
    emitted = {"action": {"type": "Lambda", "FunctionArn": "arn"}, "recipients": [1], "n": 1, "x": True}
    assert differences(emitted, documented) == [
        "action.FunctionArn: AWS never sends it",
        "action.functionArn: missing (AWS sends it)",
        "recipients[]: number where AWS sends string",
        "x: AWS never sends it",
    ]


def test_the_allowances_are_fields_the_examples_leave_out():
    for path, allowed in DOCUMENTED_BUT_NOT_IN_THE_EXAMPLE.items():
        record = sample(path)
        for dotted in allowed:
            parent, _, key = dotted.rpartition(".")
            assert key not in record[parent], (path, dotted)


class FakeClients:
    """What the emulator asks of other services: the configuration set exists, the active receipt
    rule set, and the Lambda invocations its rules' actions make."""

    def __init__(self, rules=()):
        self.rules, self.invoked = list(rules), []

    def client(self, name):
        return self

    def get_configuration_set(self, ConfigurationSetName):  # boto3's argument names
        return {"ConfigurationSetName": ConfigurationSetName}

    def describe_active_receipt_rule_set(self):
        return {"Metadata": {"Name": "inbound"}, "Rules": self.rules}

    def invoke(self, FunctionName, InvocationType, Payload):
        self.invoked.append(json.loads(Payload))
        return {"StatusCode": 202}


ALL_EVENT_TYPES = ["SEND", "REJECT", "BOUNCE", "COMPLAINT", "DELIVERY", "OPEN", "CLICK", "RENDERING_FAILURE",
                   "DELIVERY_DELAY", "SUBSCRIPTION"]  # fmt: skip


def emulated_ses(rules=()):
    published, clients = [], FakeClients(rules)

    def publish(_destination, record, _source=None):  # as engage_local's publish_json puts it on SNS
        published.append(json.loads(json.dumps(record, default=str)))

    state = SesState("us-east-1", Clock(), publish, clients)
    state.create_configuration_set_event_destination(
        {
            "ConfigurationSetName": "engage-events",
            "EventDestinationName": "to-sns",
            "EventDestination": {
                "Enabled": True,
                "MatchingEventTypes": ALL_EVENT_TYPES,
                "SnsDestination": {"TopicArn": "arn:aws:sns:us-east-1:123456789012:channel-events"},
            },
        }
    )
    return state, published, clients


def send(state, to, raw=False):
    params = {
        "FromEmailAddress": "news@example.com",
        "Destination": {"ToAddresses": [to]},
        "ConfigurationSetName": "engage-events",
        "EmailTags": [{"Name": "application_id", "Value": APP}, {"Name": "endpoint_id", "Value": "ep-1"}],
    }
    if raw:
        params["Content"] = {"Raw": {"Data": build_email("news@example.com", to, "Spring offers", text="Hi")}}
    else:
        params["Content"] = {
            "Simple": {"Subject": {"Data": "Spring offers"}, "Body": {"Text": {"Data": "Hi"}}}
        }
    return state.send_email(params)["MessageId"]


@pytest.fixture(scope="module")
def emitted():
    """Every record the emulator publishes for the mailbox simulator's outcomes, simple and raw."""
    state, published, _clients = emulated_ses()
    state.put_suppressed_destination({"EmailAddress": "gone@example.org", "Reason": "BOUNCE"})
    send(state, "success+click@simulator.amazonses.com", raw=True)
    send(state, "success+open@simulator.amazonses.com")
    send(state, "bounce@simulator.amazonses.com")
    send(state, "complaint@simulator.amazonses.com", raw=True)
    send(state, "delay@simulator.amazonses.com")
    send(state, "gone@example.org")
    send(state, "reader@example.org", raw=True)
    return published


def test_the_emulator_emits_only_event_types_the_contract_covers(emitted):
    assert {record["eventType"] for record in emitted} == set(EMULATED)


@pytest.mark.parametrize("event_type", EMULATED)
def test_the_emulators_records_have_awss_documented_shape(emitted, event_type):
    records = [r for r in emitted if r["eventType"] == event_type]
    path = SAMPLE_OF[event_type]
    optional = frozenset(DOCUMENTED_BUT_NOT_IN_THE_EXAMPLE.get(path, ()))
    assert records
    for record in records:
        assert differences(record, sample(path), optional=optional, data_maps=DATA_MAPS) == [], record


def test_the_emulators_records_read_as_awss_do(emitted):
    """What the consumers make of the emulator's records is what they make of AWS's."""
    kinds = {r["eventType"]: normalise(r).event.event_type for r in emitted}
    assert kinds == {
        "Send": "_email.send", "Delivery": "_email.delivered", "Bounce": "_email.hardbounce",
        "Complaint": "_email.complaint", "Open": "_email.open", "Click": "_email.click",
        "DeliveryDelay": "_email.delivery_delay",
    }  # fmt: skip
    bounces = [parse(r) for r in emitted if r["eventType"] == "Bounce"]
    assert {b.addresses for b in bounces} == {("bounce@simulator.amazonses.com",), ("gone@example.org",)}


def test_the_emulators_receipt_event_has_awss_documented_shape():
    rule = {
        "Name": "answer",
        "Enabled": True,
        "ScanEnabled": True,
        "Recipients": ["support@example.com"],
        "Actions": [
            {
                "LambdaAction": {
                    "FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:AutoReply",
                    "InvocationType": "Event",
                }
            }
        ],
    }
    for raw in (True, False):
        state, _published, clients = emulated_ses([rule])
        clients.invoked.clear()
        send(state, "support@example.com", raw=raw)
        (event,) = clients.invoked
        assert differences(event, sample(RECEIPT_LAMBDA), data_maps=DATA_MAPS) == [], event
        action = event["Records"][0]["ses"]["receipt"]["action"]
        assert action == {
            "type": "Lambda",
            "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:AutoReply",
            "invocationType": "Event",
        }
        message = inbound(event)
        assert (message.sender, message.subject, message.recipients) == (
            "news@example.com", "Spring offers", ("support@example.com",),
        )  # fmt: skip

"""Inbound SMS on the local stack, from the outside: a phone texts one of our numbers (the SMS
emulator publishes it to the number's two-way SNS channel, as End User Messaging does), and the
consent store, the endpoints, the brand's opt-out list, the outbox and the engagement bus show the
outcome. Answers go through the send queue and the sender, so the outbox is read until they come."""

from __future__ import annotations

import itertools
import json
import time
import uuid

import pytest
from botocore.exceptions import ClientError
from engage.adapters.dynamodb.consent import DynamoConsentStore
from engage.consent import ConsentStatus

from engage_local.api import wait_until
from tests.e2e.audience.test_imports import _sample
from tests.e2e.conftest import SMS_BRAND_B_APP, SMS_BRAND_B_HELP, SMS_REPLIES_APP, invoke
from tests.e2e.test_emulated_services import control
from tests.support.cli import engage
from tests.support.policies import let_deliver
from tests.support.streams import stream_records

pytestmark = pytest.mark.e2e
CUSTOMER_NUMBERS = itertools.count(1)

APP = SMS_REPLIES_APP  # the e2e stack's SmsInboundApplications: {"*": SMS_REPLIES_APP}


class Phone:
    """One of our numbers set up as docs/sms.md says (two-way to InboundSmsTopicArn, self-managed
    opt-outs; tagged with its brand, or answering for the stack's "*" application), and what the
    stack did with the texts it got."""

    def __init__(self, local_stack, pinpoint, brand: str | None = None) -> None:
        self.stack, self.pinpoint = local_stack, pinpoint
        self.app = brand or APP
        self.outputs = local_stack.stacks["engage"].outputs
        self.sms = local_stack.client("pinpoint-sms-voice-v2")
        tags = [{"Key": "engage:ApplicationId", "Value": brand}] if brand else []
        number = self.sms.request_phone_number(
            IsoCountryCode="US",
            MessageType="TRANSACTIONAL",
            NumberCapabilities=["SMS"],
            NumberType="TOLL_FREE",
            Tags=tags,
        )
        self.sms.update_phone_number(
            PhoneNumberId=number["PhoneNumberId"],
            TwoWayEnabled=True,
            TwoWayChannelArn=self.outputs["InboundSmsTopicArn"],
            SelfManagedOptOutsEnabled=True,
        )
        self.number = number["PhoneNumber"]
        self.consent = DynamoConsentStore(self.outputs["ConsentTableName"], local_stack.client("dynamodb"))
        sqs, events = local_stack.client("sqs"), local_stack.client("events")
        bus = self.outputs["EngagementBusName"]
        self.bus_queue = sqs.create_queue(QueueName=f"sms-bus-{uuid.uuid4().hex[:6]}")["QueueUrl"]
        rule = f"sms-inbound-test-{uuid.uuid4().hex[:6]}"
        pattern = json.dumps({"source": ["engage.sms"]})
        rule_arn = events.put_rule(Name=rule, EventBusName=bus, EventPattern=pattern)["RuleArn"]
        arn = let_deliver(sqs, self.bus_queue, rule_arn)  # as a rule's queue needs on AWS
        events.put_targets(Rule=rule, EventBusName=bus, Targets=[{"Id": "q", "Arn": arn}])
        self.sqs, self.seen = sqs, []

    def customer(self, endpoint_prefix: str, number: str | None = None) -> str:
        """A new customer of this brand with an SMS and a VOICE endpoint for their number."""
        # An exchange (557) no other test texts, one number per customer: replies are counted by number.
        number = number or f"+1206557{next(CUSTOMER_NUMBERS):04d}"
        for channel in ("SMS", "VOICE"):
            self.pinpoint.update_endpoint(
                ApplicationId=self.app,
                EndpointId=f"{endpoint_prefix}-{channel.lower()}",
                EndpointRequest={"ChannelType": channel, "Address": number},
            )
        return number

    def text(self, sender: str, body: str) -> str:
        return control(self.stack, "sms-inbound", **{"from": sender, "to": self.number, "body": body})[
            "InboundMessageId"
        ]

    def replies(self, customer: str) -> list[str]:
        """What this number sent the customer (sent, not refused)."""
        return [
            e["request"]["MessageBody"]
            for e in self.stack.emulated.outbox.entries("pinpoint-sms-voice-v2", "SendTextMessage")
            if e["request"]["DestinationPhoneNumber"] == customer
            and e["request"].get("OriginationIdentity") == self.number
            and "response" in e
        ]

    def answered(self, customer: str, count: int) -> list[str]:
        """The replies once `count` have come through the send queue, and a moment more for any
        that should not come."""
        assert wait_until(lambda: len(self.replies(customer)) >= count, 30, 0.2), self.replies(customer)
        time.sleep(1.5)  # a second answer would be on its way by now (the queue's 1 s visibility)
        return self.replies(customer)

    def events(self, message_id: str) -> list[dict]:
        for message in self.sqs.receive_message(QueueUrl=self.bus_queue, MaxNumberOfMessages=10).get(
            "Messages", []
        ):
            self.sqs.delete_message(QueueUrl=self.bus_queue, ReceiptHandle=message["ReceiptHandle"])
            self.seen.append(json.loads(message["Body"]))
        return [e for e in self.seen if e["detail"]["inbound_message_id"] == message_id]

    def published(self, message_id: str) -> dict:
        assert wait_until(lambda: self.events(message_id), 30, 0.2), f"nothing published for {message_id}"
        return self.events(message_id)[0]

    def listed(self, customer: str) -> bool:
        """Whether the customer is on this brand's opt-out list (created with the first opt-out)."""
        name = f"{self.outputs['SmsOptOutListPrefix']}-{self.app}"
        try:
            numbers = self.sms.describe_opted_out_numbers(OptOutListName=name)["OptedOutNumbers"]
        except self.sms.exceptions.ResourceNotFoundException:
            return False
        return customer in {n["OptedOutNumber"] for n in numbers}

    def eventually_listed(self, customer: str) -> bool:
        return bool(wait_until(lambda: self.listed(customer), 30, 0.2))

    def opt_out(self, endpoint_id: str) -> str | None:
        answer = self.pinpoint.get_endpoint(ApplicationId=self.app, EndpointId=endpoint_id)
        return answer["EndpointResponse"].get("OptOut")


@pytest.fixture(scope="module")
def phone(local_stack, pinpoint):
    return Phone(local_stack, pinpoint)


@pytest.fixture(scope="module")
def brand_b(local_stack, pinpoint):
    return Phone(local_stack, pinpoint, brand=SMS_BRAND_B_APP)


def test_stop_in_a_sentence_opts_the_number_out_everywhere_with_one_confirmation(phone):
    customer = phone.customer("stopper")
    help_id = phone.text(customer, "HELP")
    phone.published(help_id)
    (help_answer,) = phone.answered(customer, 1)
    assert help_answer.startswith("Reply STOP to unsubscribe")
    message_id = phone.text(customer, "please stop texting me")
    event = phone.published(message_id)
    assert event["detail-type"] == "SMS Opt Out" and event["detail"]["application_id"] == APP
    for channel in ("SMS", "VOICE"):
        assert phone.consent.get(APP, channel, customer).status == ConsentStatus.OPTED_OUT
    assert phone.opt_out("stopper-sms") == phone.opt_out("stopper-voice") == "ALL"
    _help, reply = phone.answered(customer, 2)
    assert reply.startswith("You are unsubscribed") and "START" in reply
    assert phone.eventually_listed(customer), "listed once the confirmation went out"
    with pytest.raises(ClientError, match=r"opt-out list"):
        phone.sms.send_text_message(
            DestinationPhoneNumber=customer, OriginationIdentity=phone.number, MessageBody="Big sale!"
        )
    shown = engage(
        "consent", "get", "--app", APP, "--address", customer, "--json", state_dir=phone.stack.state_dir
    )
    assert shown.returncode == 0, shown.stderr
    decisions = {d["ChannelType"]: d for d in json.loads(shown.stdout)}
    assert {c: (d["Status"], d["Source"]) for c, d in decisions.items()} == {
        "SMS": ("OPTED_OUT", "sms-keyword"),
        "VOICE": ("OPTED_OUT", "sms-keyword"),
    }
    assert decisions["SMS"]["SourceMessageId"] == message_id and len(decisions["SMS"]["History"]) == 1
    again = phone.text(customer, "STOP")
    phone.published(again)
    help_id = phone.text(customer, "HELP")
    phone.published(help_id)
    assert len(phone.answered(customer, 2)) == 2, "one HELP answer, one confirmation; opted out: no more"
    sent = [
        r
        for r in stream_records(phone.stack.client("kinesis"), phone.outputs["EventStreamName"])
        if r["attributes"].get("inbound_message_id") == message_id
    ]
    assert {r["event_type"] for r in sent} >= {"_SMS.BUFFERED"}, "the confirmation went through the sender"


def test_stop_to_one_brand_and_start_to_another_change_only_their_own_brand(phone, brand_b):
    customer = phone.customer("two-brands-a")
    brand_b.customer("two-brands-b", customer)
    phone.published(phone.text(customer, "STOP"))
    assert phone.answered(customer, 1)[0].startswith("You are unsubscribed")
    assert phone.eventually_listed(customer) and not brand_b.listed(customer)
    assert phone.consent.get(APP, "SMS", customer).status == ConsentStatus.OPTED_OUT
    assert brand_b.consent.get(SMS_BRAND_B_APP, "SMS", customer) is None, "brand B's audience is untouched"
    brand_b.published(brand_b.text(customer, "HELP"))
    assert brand_b.answered(customer, 1) == [SMS_BRAND_B_HELP], "brand B still answers, with its own text"
    brand_b.published(brand_b.text(customer, "STOP"))
    assert brand_b.eventually_listed(customer)
    event = brand_b.published(brand_b.text(customer, "START"))
    assert event["detail"]["application_id"] == SMS_BRAND_B_APP and event["detail"]["outcome"]["opted_in"]
    assert brand_b.consent.get(SMS_BRAND_B_APP, "SMS", customer).status == ConsentStatus.OPTED_IN
    assert not brand_b.listed(customer) and brand_b.opt_out("two-brands-b-sms") == "NONE"
    assert phone.listed(customer) and phone.opt_out("two-brands-a-sms") == "ALL", "brand A's STOP stands"
    assert phone.consent.get(APP, "SMS", customer).status == ConsentStatus.OPTED_OUT
    assert brand_b.answered(customer, 3)[-1].startswith("You are subscribed again")
    with pytest.raises(ClientError, match=r"opt-out list"):
        phone.sms.send_text_message(
            DestinationPhoneNumber=customer, OriginationIdentity=phone.number, MessageBody="Brand A sale"
        )
    brand_b.sms.send_text_message(
        DestinationPhoneNumber=customer, OriginationIdentity=brand_b.number, MessageBody="Brand B news"
    )


def test_weekend_opts_nobody_out_and_reaches_the_conversation_handler(phone):
    customer = phone.customer("weekender")
    message_id = phone.text(customer, "See you this WEEKEND")
    event = phone.published(message_id)
    assert event["detail-type"] == "SMS Conversation Message"
    assert event["detail"]["message_body"] == "See you this WEEKEND"
    assert phone.consent.get(APP, "SMS", customer) is None and phone.opt_out("weekender-sms") == "NONE"
    assert not phone.listed(customer) and phone.replies(customer) == []
    shown = engage("consent", "get", "--app", APP, "--address", customer, state_dir=phone.stack.state_dir)
    assert shown.stdout.count("NO_DECISION") == 2 and customer not in shown.stdout, (
        "masked, as every log line"
    )


def test_only_an_explicit_opt_in_reinstates(phone):
    customer = phone.customer("returner")
    phone.published(phone.text(customer, "Cancel"))
    phone.published(phone.text(customer, "yes I am here"))
    assert phone.consent.get(APP, "SMS", customer).status == ConsentStatus.OPTED_OUT
    event = phone.published(phone.text(customer, "  start "))
    assert event["detail-type"] == "SMS Opt In" and event["detail"]["outcome"]["opted_in"]
    assert phone.consent.get(APP, "VOICE", customer).status == ConsentStatus.OPTED_IN
    assert phone.opt_out("returner-sms") == "NONE" and not phone.listed(customer)
    replies = phone.answered(customer, 2)
    assert len(replies) == 2 and replies[1].startswith("You are subscribed again")


def test_a_probable_revocation_opts_out_and_is_queued_for_audit(phone):
    customer = phone.customer("unsure")
    phone.published(phone.text(customer, "wrong number, who is this"))
    assert phone.consent.get(APP, "SMS", customer).status == ConsentStatus.OPTED_OUT

    audited: list[dict] = []

    def read_audit_queue():
        messages = phone.sqs.receive_message(QueueUrl=phone.outputs["SmsAuditQueueUrl"]).get("Messages", [])
        audited.extend(json.loads(m["Body"]) for m in messages if customer in m["Body"])
        return audited

    assert wait_until(read_audit_queue, 30, 0.2)
    assert audited[0]["message_body"] == "wrong number, who is this"


def test_the_sample_batch_fails_only_its_poison_message_and_a_replay_sends_nothing_twice(local_stack, phone):
    """events/sms/sms_inbound/: the batch `sam local invoke` uses, through the deployed function, twice."""
    customer, other = phone.customer("sampled"), phone.customer("sample-other")
    batch = _sample(
        "sms/sms_inbound/batch.json",
        OUR_NUMBER=phone.number,
        CUSTOMER_NUMBER=customer,
        OTHER_NUMBER=other,
        SAMPLE_ID=uuid.uuid4().hex,
    )
    for _ in range(2):
        answered = invoke(local_stack, "Sms/SmsInboundFunction", batch, "engage")["payload"]
        assert answered == {"batchItemFailures": [{"itemIdentifier": "poison"}]}
    assert phone.consent.get(APP, "SMS", customer).status == ConsentStatus.OPTED_OUT
    assert len(phone.answered(customer, 1)) == 1, "the replayed batch sent no second confirmation"
    assert phone.consent.get(APP, "SMS", other) is None and phone.replies(other) == []


def test_a_number_without_self_managed_opt_outs_is_answered_by_the_service_itself(local_stack, phone):
    """Why docs/sms.md has every number use self-managed opt-outs: otherwise the service handles STOP
    on its own list, and the stack never hears of it (the local SMS emulator does as the service)."""
    sms = phone.sms
    plain = sms.request_phone_number(
        IsoCountryCode="US", MessageType="TRANSACTIONAL", NumberCapabilities=["SMS"], NumberType="TOLL_FREE"
    )
    received = control(
        local_stack, "sms-inbound", **{"from": "+12065550142", "to": plain["PhoneNumber"], "body": "stop"}
    )
    assert received["OptedOutByService"] and not received["Published"]
    listed = sms.describe_opted_out_numbers(OptOutListName=plain["OptOutListName"])["OptedOutNumbers"]
    assert {"+12065550142"} <= {n["OptedOutNumber"] for n in listed}
    assert phone.consent.get(APP, "SMS", "+12065550142") is None


@pytest.mark.parametrize(
    "body",
    ["ARRET", "CANCEL", "END", "OPT-OUT", "OPTOUT", "QUIT", "REMOVE", "STOP", "TD", "UNSUBSCRIBE"],
)
def test_each_of_aws_required_opt_out_keywords_at_the_start_of_a_message_opts_out(phone, body):
    customer = phone.customer(f"aws-{body.lower()}")
    event = phone.published(phone.text(customer, f"{body} thanks"))
    assert event["detail-type"] == "SMS Opt Out"
    assert phone.consent.get(APP, "SMS", customer).status == ConsentStatus.OPTED_OUT


def test_td_inside_a_sentence_opts_nobody_out_and_an_fcc_word_anywhere_does(phone):
    customer = phone.customer("td-in-sentence")
    event = phone.published(phone.text(customer, "I pay with my TD card, remove the old one"))
    assert event["detail-type"] != "SMS Opt Out" and phone.consent.get(APP, "SMS", customer) is None
    event = phone.published(phone.text(customer, "honestly I want to revoke my consent"))
    assert event["detail-type"] == "SMS Opt Out"

"""The extensibility hooks' domain: send-time attributes (batched reads, the missing-data policy)
and external content (once per run, size and timeout failures, the fallback)."""

from __future__ import annotations

import pytest
from engage.errors import DeliveryRefusedError, NotSentError, ThrottledError, ValidationError
from engage.extensions.content import (
    ContentRules,
    ContentUnavailableError,
    ExternalContent,
    parse_content,
    with_content,
)
from engage.extensions.send_time import MissingPolicy, SendTimeRules, add_attributes

ENDPOINTS = {
    "a": {"ChannelType": "EMAIL", "Address": "a@example.com", "Attributes": {"Plan": ["gold"]}},
    "b": {"ChannelType": "EMAIL", "Address": "b@example.com"},
    "c": {"ChannelType": "EMAIL", "Address": "c@example.com"},
}


class Offers:
    def __init__(self, values):
        self.values_by_id, self.calls = values, []

    def values(self, app_id, endpoint_ids):
        self.calls.append((app_id, list(endpoint_ids)))
        return {e: self.values_by_id[e] for e in endpoint_ids if e in self.values_by_id}


def test_offers_are_added_in_one_read_and_endpoints_without_one_are_left_out():
    offers = Offers({"a": "20% off", "c": "free shipping"})
    answer, missing = add_attributes(
        {"ApplicationId": "shop", "Endpoints": ENDPOINTS}, offers, SendTimeRules()
    )
    assert offers.calls == [("shop", ["a", "b", "c"])]
    assert answer["a"]["Attributes"] == {"Plan": ["gold"], "Offer": ["20% off"]}
    assert answer["c"]["Attributes"] == {"Offer": ["free shipping"]} and missing == ["b"]


def test_a_default_stands_in_for_missing_data():
    rules = SendTimeRules("Deal", MissingPolicy.DEFAULT, "10% off")
    answer, missing = add_attributes({"ApplicationId": "shop", "Endpoints": ENDPOINTS}, Offers({}), rules)
    assert missing == [] and {e["Attributes"]["Deal"][0] for e in answer.values()} == {"10% off"}
    with pytest.raises(ValidationError):
        SendTimeRules(missing=MissingPolicy.DEFAULT)


class Fetcher:
    def __init__(self, documents):
        self.documents, self.calls = documents, []

    def fetch(self, location, max_bytes, timeout_seconds):
        self.calls.append(location)
        found = self.documents.get(location)
        if isinstance(found, Exception):
            raise found
        if found is None:
            raise ContentUnavailableError(f"{location}: NoSuchKey")
        return found


def payload(run="run-1", campaign="camp-1"):
    return {"ActivityId": run, "CampaignId": campaign, "TreatmentId": "0", "Endpoints": ENDPOINTS}


GOOD = b'{"subject": "Winter sale", "html": "<h1>Winter sale</h1>"}'


def test_content_is_fetched_once_per_run_and_given_to_every_endpoint():
    fetcher = Fetcher({"s3://content/camp-1.json": GOOD})
    content = ExternalContent(fetcher, ContentRules("s3://content/"))
    first, problem = content.for_run(payload())
    again, _ = content.for_run(payload())
    assert (first, problem) == (again, None) and fetcher.calls == ["s3://content/camp-1.json"]
    content.for_run(payload(run="run-2"))
    assert len(fetcher.calls) == 2, "a new run reads the content again"
    answer = with_content(ENDPOINTS, first)
    assert answer["a"]["Attributes"] == {
        "Plan": ["gold"],
        "subject": ["Winter sale"],
        "html": ["<h1>Winter sale</h1>"],
    }


@pytest.mark.parametrize(
    "primary",
    [
        None,
        ContentUnavailableError("slow"),
        b"not json",
        b'{"subject": "", "html": "x"}',
        b'{"subject": "a\\nb", "html": "x"}',
    ],
    ids=["missing", "unavailable", "not json", "no subject", "two-line subject"],
)
def test_the_fallback_stands_in_for_the_run_and_without_one_the_hook_fails(primary):
    documents = {"s3://content/fallback.json": b'{"subject": "Our news", "html": "<p>News</p>"}'}
    if primary is not None:
        documents["s3://content/camp-1.json"] = primary
    content, problem = ExternalContent(
        Fetcher(documents), ContentRules("s3://content/", fallback="s3://content/fallback.json")
    ).for_run(payload())
    assert content.subject == "Our news" and problem
    with pytest.raises(ContentUnavailableError):
        ExternalContent(Fetcher(documents), ContentRules("s3://content/")).for_run(payload())


def test_an_unconfigured_source_is_refused_clearly():
    with pytest.raises(ValidationError, match="CONTENT_SOURCE"):
        ExternalContent(Fetcher({}), ContentRules(""))
    assert parse_content(GOOD, "x").subject == "Winter sale"


# --- Amazon Connect as a channel -------------------------------------------------------------
class Calls:
    def __init__(self, refuse=(), throttle_first=0):
        self.requests, self.refuse, self.throttles = [], set(refuse), throttle_first

    def start_call(self, request):
        from engage.errors import DeliveryRefusedError, ThrottledError

        if self.throttles:
            self.throttles -= 1
            raise ThrottledError("StartOutboundVoiceContact: ThrottlingException")
        if request["DestinationPhoneNumber"] in self.refuse:
            raise DeliveryRefusedError("DestinationNotAllowedException", "not allowed")
        self.requests.append(request)
        return f"contact-{len(self.requests)}"


class Clock:
    def __init__(self):
        self.now, self.sleeps = 0.0, []

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def connect_channel(calls, consent=None, suppressions=None, cps=2.0, ledger=None):
    import random

    from engage.extensions.connect import ConnectChannel, ConnectSettings
    from engage.retry import Backoff

    from tests.support.fakes import MemoryConsent, MemoryLedger, MemorySuppressions

    clock = Clock()
    channel = ConnectChannel(
        ConnectSettings("inst-1", "flow-1", "queue-1", "+18005550199", cps),
        calls,
        consent or MemoryConsent(),
        suppressions or MemorySuppressions(),
        ledger if ledger is not None else MemoryLedger(),
        Backoff(sleep=lambda _s: None, rng=random.Random(0)),
        sleep=clock.sleep,
        clock=lambda: clock.now,
        wall_clock=lambda: 100.0 + clock.now,
    )
    return channel, clock


CALL_BATCH = {
    "ApplicationId": "clinic",
    "CampaignId": "reminders",
    "TreatmentId": "0",
    "ActivityId": "run-1",
    "Data": "Your appointment is tomorrow at 10",
    "Endpoints": {
        "p1": {"ChannelType": "SMS", "Address": "+14255550161", "Attributes": {"Doctor": ["Ana", "Bo"]}},
        "p2": {"ChannelType": "VOICE", "Address": "+14255550162"},
        "p3": {"ChannelType": "VOICE", "Address": "+14255550163", "OptOut": "ALL"},
        "p4": {"ChannelType": "EMAIL", "Address": "p4@example.com"},
        "p5": {"ChannelType": "SMS", "Address": "+14255550165"},
    },
}


def test_calls_are_placed_paced_with_tokens_and_every_outcome_is_an_event():
    from engage.extensions.connect import client_token

    calls = Calls(refuse={"+14255550165"}, throttle_first=1)
    channel, clock = connect_channel(calls)
    outcome = channel.deliver(CALL_BATCH, 1000.0)
    assert outcome.placed == ["p1", "p2"] and outcome.failed == {"p5": "DestinationNotAllowedException"}
    assert outcome.skipped == {"p3": "OPTED_OUT", "p4": "NOT_A_PHONE_ENDPOINT"}
    first = calls.requests[0]
    assert first["Attributes"] == {
        "Message": "Your appointment is tomorrow at 10",
        "EndpointId": "p1",
        "Attributes.Doctor": "Ana,Bo",
    }
    assert (first["InstanceId"], first["ContactFlowId"], first["QueueId"], first["SourcePhoneNumber"]) == (
        "inst-1",
        "flow-1",
        "queue-1",
        "+18005550199",
    )
    assert first["ClientToken"] == client_token(CALL_BATCH, "p1") != calls.requests[1]["ClientToken"]
    assert clock.sleeps == [0.5, 0.5], "three calls at two a second"
    assert sorted(e.event_type for e in outcome.events) == [
        "_connect.call_failed",
        "_connect.call_skipped",
        "_connect.call_skipped",
        "_connect.call_started",
        "_connect.call_started",
    ]
    again = connect_channel(Calls(refuse={"+14255550165"}))[0].deliver(CALL_BATCH, 1000.0)
    assert [e.event_id for e in again.events] == [e.event_id for e in outcome.events], "stable event ids"


def test_a_voice_opt_out_in_the_consent_store_is_honoured():
    from engage.consent import consent_record

    from tests.support.fakes import MemoryConsent

    consent = MemoryConsent()
    consent.record(consent_record("clinic", "VOICE", "+14255550161", "OPTED_OUT", "ivr"))
    outcome = connect_channel(Calls(), consent=consent)[0].deliver(CALL_BATCH, 1000.0)
    assert outcome.skipped["p1"] == "OPTED_OUT" and "p1" not in outcome.placed


@pytest.mark.parametrize(
    ("code", "raised"),
    [
        ("ThrottlingException", ThrottledError),
        ("LimitExceededException", ThrottledError),
        ("DestinationNotAllowedException", DeliveryRefusedError),
        ("ResourceNotFoundException", NotSentError),  # Connect answered: no call was placed
    ],
)
def test_connects_errors_are_sorted_by_code(code, raised):
    import boto3
    from botocore.stub import Stubber
    from engage.adapters.connect.contacts import ConnectCalls

    client = boto3.client(
        "connect", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    request = {
        "DestinationPhoneNumber": "+14255550161",
        "ContactFlowId": "f",
        "InstanceId": "i",
        "ClientToken": "t",
    }
    with Stubber(client) as stub:
        stub.add_response("start_outbound_voice_contact", {"ContactId": "c-1"}, request)
        stub.add_client_error("start_outbound_voice_contact", code, expected_params=request)
        calls = ConnectCalls(client)
        assert calls.start_call(request) == "c-1"
        with pytest.raises(raised):
            calls.start_call(request)


def test_a_batch_delivered_again_calls_nobody_twice_and_time_running_out_is_reported():
    from tests.support.fakes import MemoryLedger

    ledger, calls = MemoryLedger(), Calls()
    first = connect_channel(calls, ledger=ledger)[0].deliver(CALL_BATCH, 1000.0)
    again = connect_channel(calls, ledger=ledger)[0].deliver(CALL_BATCH, 1000.0)
    assert len(calls.requests) == 3 and again.placed == first.placed == ["p1", "p2", "p5"]
    short = connect_channel(Calls())[0].deliver(CALL_BATCH, 100.4)  # time for one call, not the next
    assert short.placed == ["p1"] and short.failed == {"p2": "OUT_OF_TIME", "p5": "OUT_OF_TIME"}


def test_content_too_large_for_the_hooks_answer_is_refused_clearly():
    from engage.extensions.content import Content

    big = Content("Sale", "x" * 100_000, "s3://content/c.json")
    with pytest.raises(ContentUnavailableError, match="lower HookBatchSize or ContentMaxBytes"):
        with_content({f"e{n}": {} for n in range(60)}, big)
    assert len(with_content({f"e{n}": {} for n in range(50)}, Content("Sale", "x" * 64_000, "s"))) == 50

"""The send ledger's behaviour, as cases any Ledger implementation must pass (run against the
in-memory one in unit tests and the DynamoDB one on moto)."""

from __future__ import annotations

import pytest
from engage.errors import DeliveryRefusedError, ThrottledError
from engage.sending.ledger import Status, StillSending, deliver


class Channel:
    def __init__(self, *failures: Exception) -> None:
        self.failures = list(failures)
        self.sent = 0

    def __call__(self) -> str:
        if self.failures:
            raise self.failures.pop(0)
        self.sent += 1
        return f"msg-{self.sent}"


def a_redelivery_sends_nothing_twice(ledger) -> None:
    channel = Channel()
    first = deliver(ledger, "c1#a#ep-1", "delivery-1", channel, now=0)
    again = deliver(ledger, "c1#a#ep-1", "delivery-2", channel, now=5)
    assert (first.status, first.message_id, first.duplicate) == (Status.SENT, "msg-1", False)
    assert (again.status, again.message_id, again.duplicate) == (Status.SENT, "msg-1", True)
    assert channel.sent == 1


def a_throttled_send_gives_its_claim_back_and_goes_out_on_the_next_delivery(ledger) -> None:
    channel = Channel(ThrottledError("SendEmail: TooManyRequestsException"))
    with pytest.raises(ThrottledError):
        deliver(ledger, "c1#a#ep-2", "delivery-1", channel, now=0)
    assert deliver(ledger, "c1#a#ep-2", "delivery-2", channel, now=1).status == Status.SENT
    assert channel.sent == 1


def a_refusal_is_final(ledger) -> None:
    channel = Channel(DeliveryRefusedError("MessageRejected", "no"))
    refused = deliver(ledger, "c1#a#ep-3", "delivery-1", channel, now=0)
    again = deliver(ledger, "c1#a#ep-3", "delivery-2", channel, now=1)
    assert (refused.status, refused.reason, again.duplicate, channel.sent) == (
        Status.REFUSED,
        "MessageRejected",
        True,
        0,
    )


def a_send_in_flight_is_waited_for_and_a_stale_one_becomes_uncertain(ledger) -> None:
    assert ledger.claim("c1#a#ep-4", "crashed-delivery", now=0)  # claimed, then the worker died
    channel = Channel()
    with pytest.raises(StillSending):
        deliver(ledger, "c1#a#ep-4", "delivery-2", channel, now=30, lease_seconds=120)
    uncertain = deliver(ledger, "c1#a#ep-4", "delivery-3", channel, now=121, lease_seconds=120)
    assert (uncertain.status, channel.sent) == (Status.UNCERTAIN, 0)
    assert deliver(ledger, "c1#a#ep-4", "delivery-4", channel, now=500).status == Status.UNCERTAIN
    assert ledger.get("c1#a#ep-4").status == Status.UNCERTAIN


def a_transactional_policy_resends_a_stale_send_once(ledger) -> None:
    assert ledger.claim("otp#a#ep-5", "crashed-delivery", now=0)
    channel = Channel()
    resent = deliver(ledger, "otp#a#ep-5", "delivery-2", channel, now=200, resend_uncertain=True)
    assert (resent.status, channel.sent) == (Status.SENT, 1)
    assert deliver(ledger, "otp#a#ep-5", "delivery-3", channel, now=900, resend_uncertain=True).duplicate


CASES = [
    a_redelivery_sends_nothing_twice,
    a_throttled_send_gives_its_claim_back_and_goes_out_on_the_next_delivery,
    a_refusal_is_final,
    a_send_in_flight_is_waited_for_and_a_stale_one_becomes_uncertain,
    a_transactional_policy_resends_a_stale_send_once,
]

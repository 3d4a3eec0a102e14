"""Where an inbound SMS's decisions go on AWS: the brand's End User Messaging opt-out list, the
answer (a send request on the send queue, TRANSACTIONAL from the number the customer wrote to, no
marketing content), events on the engagement bus for other systems and the conversation handler,
and the audit queue for probable revocations; and which brand a number of ours belongs to."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from engage.adapters.eventbridge.bus import EventBus
from engage.errors import NotFoundError, NotSentError
from engage.sms.inbound import InboundSms, reply_request
from engage.sms.keywords import Intent

SOURCE = "engage.sms"
BRAND_TAG = "engage:ApplicationId"  # on a phone number or pool: the application it sends for


class Queue(Protocol):
    def enqueue(self, bodies: Sequence[str]) -> list[str | None]: ...


def find_number(client: Any, identity: str) -> dict[str, Any]:
    """The phone number `identity` names (its E.164 number, id or ARN)."""
    for page in client.get_paginator("describe_phone_numbers").paginate():
        for number in page["PhoneNumbers"]:
            if identity in (number["PhoneNumber"], number["PhoneNumberId"], number["PhoneNumberArn"]):
                return number
    raise NotFoundError(f"{identity} is not a phone number of this account")


class BrandOptOutLists:
    """One End User Messaging opt-out list per application (brand), `<prefix>-<application id>`,
    created when first needed; each number (or pool) the brand sends from and is written to is
    associated with its brand's list, so a STOP to brand A's number blocks brand A's numbers only
    and a START to brand B restores brand B only."""

    def __init__(self, client: Any, prefix: str) -> None:  # a boto3 pinpoint-sms-voice-v2 client
        self._sms = client
        self._prefix = prefix
        self._ready: set[tuple[str, str]] = set()  # (list, identity) pairs known to be associated

    def list_name(self, app_id: str) -> str:
        return f"{self._prefix}-{app_id}"

    def add(self, app_id: str, origination: str, number: str) -> None:
        name = self._associated(app_id, origination)
        self._sms.put_opted_out_number(OptOutListName=name, OptedOutNumber=number)

    def remove(self, app_id: str, origination: str, number: str) -> None:
        name = self._associated(app_id, origination)
        with contextlib.suppress(self._sms.exceptions.ResourceNotFoundException):  # not listed: done
            self._sms.delete_opted_out_number(OptOutListName=name, OptedOutNumber=number)

    def _associated(self, app_id: str, identity: str) -> str:
        name = self.list_name(app_id)
        if (name, identity) in self._ready:
            return name
        with contextlib.suppress(self._sms.exceptions.ConflictException):  # it exists
            self._sms.create_opt_out_list(OptOutListName=name, Tags=[{"Key": BRAND_TAG, "Value": app_id}])
        if identity.startswith("pool-") or ":pool/" in identity:
            pool = self._sms.describe_pools(PoolIds=[identity])["Pools"][0]
            if pool.get("OptOutListName") != name:
                self._sms.update_pool(PoolId=pool["PoolId"], OptOutListName=name)
        else:
            number = find_number(self._sms, identity)
            if number.get("OptOutListName") != name:
                self._sms.update_phone_number(PhoneNumberId=number["PhoneNumberId"], OptOutListName=name)
        self._ready.add((name, identity))
        return name


class NumberBrands:
    """The application (brand) a number of ours belongs to, from its `engage:ApplicationId` tag,
    remembered for a few minutes (the inbound consumer reads many messages to few numbers)."""

    def __init__(self, client: Any, ttl_seconds: float = 300.0) -> None:  # pinpoint-sms-voice-v2
        self._sms = client
        self._ttl = ttl_seconds
        self._known: dict[str, tuple[float, str | None]] = {}

    def of(self, number: str) -> str | None:
        seen = self._known.get(number)
        if seen is not None and time.monotonic() - seen[0] < self._ttl:
            return seen[1]
        try:
            arn = find_number(self._sms, number)["PhoneNumberArn"]
        except NotFoundError:
            brand = None
        else:
            tags = self._sms.list_tags_for_resource(ResourceArn=arn)["Tags"]
            brand = next((t["Value"] for t in tags if t["Key"] == BRAND_TAG), None)
        self._known[number] = (time.monotonic(), brand)
        return brand


class InboundOutlets:
    def __init__(
        self,
        send_queue: Queue,
        pseudonym: Callable[[str, str, str], str],
        bus: EventBus,
        bus_name: str,
        sqs: Any,
        audit_queue_url: str,
    ) -> None:
        self._send_queue, self._pseudonym = send_queue, pseudonym
        self._bus, self._bus_name = bus, bus_name
        self._sqs, self._audit_queue_url = sqs, audit_queue_url

    def reply(self, inbound: InboundSms, app_id: str, keyword: str, text: str) -> None:
        request = reply_request(inbound, app_id, keyword, text, self._pseudonym)
        (queued,) = self._send_queue.enqueue([request.to_body()])
        if queued is None:  # the message comes back and is answered then (the ledger sends it once)
            raise NotSentError(f"the send queue did not take the {keyword} answer")

    def publish(self, inbound: InboundSms, app_id: str, intent: Intent, outcome: Mapping[str, Any]) -> None:
        detail = {
            "application_id": app_id,
            "inbound_message_id": inbound.message_id,  # consumers dedupe by it
            "intent": intent.value,
            "customer_number": inbound.customer,
            "our_number": inbound.our_number,
            "outcome": dict(outcome),
        }
        if intent == Intent.OTHER:
            detail["message_body"] = inbound.body  # for the conversation handler
        kind = (
            "SMS Conversation Message"
            if intent == Intent.OTHER
            else f"SMS {intent.value.replace('_', ' ').title()}"
        )
        self._bus.put(
            [
                {
                    "EventBusName": self._bus_name,
                    "Source": SOURCE,
                    "DetailType": kind,
                    "Detail": json.dumps(detail),
                }
            ]
        )

    def audit(self, inbound: InboundSms, app_id: str) -> None:
        self._sqs.send_message(
            QueueUrl=self._audit_queue_url,
            MessageBody=json.dumps(
                {
                    "application_id": app_id,
                    "inbound_message_id": inbound.message_id,
                    "customer_number": inbound.customer,
                    "message_body": inbound.body,
                    "reading": "probable revocation: opted out; a person should confirm",
                }
            ),
        )

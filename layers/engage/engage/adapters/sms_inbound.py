"""Where an inbound SMS's decisions go on AWS: the application's End User Messaging opt-out list,
the reply from the number the customer wrote to (TRANSACTIONAL, no marketing content), events on the
engagement bus for other systems and the conversation handler, and the audit queue for probable
revocations."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Mapping
from typing import Any

from engage.adapters.eventbridge import EventBus
from engage.sms_inbound import InboundSms
from engage.sms_keywords import Intent

SOURCE = "engage.sms"


class SmsOptOutList:
    def __init__(self, client: Any, list_name: str) -> None:  # a boto3 pinpoint-sms-voice-v2 client
        self._sms = client
        self._list = list_name

    def add(self, number: str) -> None:
        self._sms.put_opted_out_number(OptOutListName=self._list, OptedOutNumber=number)

    def remove(self, number: str) -> None:
        with contextlib.suppress(self._sms.exceptions.ResourceNotFoundException):  # not listed: done
            self._sms.delete_opted_out_number(OptOutListName=self._list, OptedOutNumber=number)


class InboundOutlets:
    def __init__(
        self,
        sms: Any,
        bus: EventBus,
        bus_name: str,
        sqs: Any,
        audit_queue_url: str,
        once: Callable[[str, Callable[[], Any]], Any],
        configuration_set: str = "",
    ) -> None:
        self._sms, self._bus, self._bus_name = sms, bus, bus_name
        self._sqs, self._audit_queue_url = sqs, audit_queue_url
        self._once = once  # runs an action at most once per key (replays of a batch send nothing twice)
        self._configuration_set = configuration_set

    def reply(self, inbound: InboundSms, text: str) -> None:
        request: dict[str, Any] = {
            "DestinationPhoneNumber": inbound.customer,
            "OriginationIdentity": inbound.our_number,
            "MessageBody": text,
            "MessageType": "TRANSACTIONAL",
            "Context": {"inbound_message_id": inbound.message_id},
        }
        if self._configuration_set:
            request["ConfigurationSetName"] = self._configuration_set
        self._once(f"{inbound.message_id}/reply", lambda: self._sms.send_text_message(**request)["MessageId"])

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

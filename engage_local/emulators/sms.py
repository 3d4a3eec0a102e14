"""AWS End User Messaging SMS and Voice v2 (`pinpoint-sms-voice-v2`), emulated with state: text and
voice sends, opt-out lists and opted-out numbers, configuration sets and their event destinations,
phone numbers (with their self-managed opt-out setting) and pools.

A send to an opted-out number is refused as the service refuses it. Every send publishes the events
the service would to the configuration set's destinations, in the shape of AWS's published examples
(events/aws/sms/, each naming its page), in the sequence AWS reports, chosen deterministically by the
destination number:

- A destination in a country whose carriers return handset receipts (NANP, calling code +1: the US
  and Canada, `RECEIPT_CALLING_CODES`) gets the carrier's acceptance, TEXT_SUCCESSFUL with isFinal
  false, when it is sent, then the handset's receipt, TEXT_DELIVERED with isFinal true, a second
  later.
- Any other country's destination gets TEXT_SUCCESSFUL with isFinal true only, when it is sent (AWS:
  "Depending on the destination country the TEXT_DELIVERED and TEXT_SUCCESSFUL events may be used
  interchangeably"; its event example is a final TEXT_SUCCESSFUL).
- The simulator numbers below (fictional 555-01xx numbers, so +1) get the acceptance and then their
  final failure instead of the receipt; `SILENT` gets the acceptance and no carrier report at all,
  so that after 72 hours the service reports TEXT_UNKNOWN (messageStatus UNKNOWN, final) as AWS does
  ("After 72 hours, if AWS End User Messaging SMS has not received a final event from a carrier, the
  service will automatically return an UNKNOWN messageStatus").
- Voice: VOICE_INITIATED (not final) when the call is placed, then VOICE_COMPLETED (final), or for
  a simulator number its failure (VOICE_BUSY, VOICE_NO_ANSWER, VOICE_FAILED, VOICE_TTL_EXPIRED).

The 72-hour report is due on the stack's drivable clock (`clock`): what is due is published, stamped
with its due time, whenever the emulator next answers a call (every operation, and an inbound text,
first releases what fell due) or when `release_due` is called, e.g. as the clock is advanced.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import phonenumbers
from engage.sms.encoding import encoding
from phonenumbers.phonenumberutil import NumberParseException

from engage_local.emulators.framework import ApiError, Clock, Emulator, Handler
from engage_local.iam.principals import active

ACCOUNT = "123456789012"

# Destination numbers with a fixed failure (fictional 555-01xx numbers): (final text event type,
# message status, description, the voice event a call to the number ends with).
SMS_SIMULATOR = {
    "+14255550101": ("TEXT_BLOCKED", "BLOCKED", "Blocked by the carrier or the handset (permanent)",
                     "VOICE_FAILED"),
    "+14255550102": ("TEXT_CARRIER_UNREACHABLE", "CARRIER_UNREACHABLE", "Carrier temporarily unreachable",
                     "VOICE_BUSY"),
    "+14255550103": ("TEXT_TTL_EXPIRED", "TTL_EXPIRED", "Not delivered before its time to live expired",
                     "VOICE_TTL_EXPIRED"),
    "+14255550104": ("TEXT_INVALID", "INVALID", "The destination is not a valid phone number",
                     "VOICE_FAILED"),
    "+14255550105": ("TEXT_UNREACHABLE", "UNREACHABLE", "The handset is switched off or out of range",
                     "VOICE_NO_ANSWER"),
    "+14255550106": ("TEXT_SPAM", "SPAM", "Filtered as spam by the carrier", "VOICE_FAILED"),
}  # fmt: skip
SILENT = "+14255550109"  # the carrier accepts it and never reports: UNKNOWN after 72 hours
NO_REPORT_AFTER = timedelta(hours=72)
RECEIPT_CALLING_CODES = frozenset({1})  # NANP: acceptance, then the handset's receipt
# The descriptions: AWS's own wording where its examples give one (SUCCESSFUL, DELIVERED), else ours.
ACCEPTED = ("TEXT_SUCCESSFUL", "SUCCESSFUL", "Message has been accepted by phone carrier")
DELIVERED = ("TEXT_DELIVERED", "DELIVERED", "Message has been accepted by phone")
UNKNOWN = ("TEXT_UNKNOWN", "UNKNOWN", "No final status was received from the carrier within 72 hours")
VOICE_STATUSES = {
    "VOICE_INITIATED": ("INITIATED", "The call has been placed"),
    "VOICE_COMPLETED": ("COMPLETED", "The call was answered and the message played"),
    "VOICE_BUSY": ("BUSY", "The line was busy"),
    "VOICE_NO_ANSWER": ("NO_ANSWER", "The call was not answered"),
    "VOICE_FAILED": ("FAILED", "The call could not be placed"),
    "VOICE_TTL_EXPIRED": ("TTL_EXPIRED", "The call was not placed before its time to live expired"),
}
# The destination's network as the events name it (mcc, mnc, carrierName): AWS's examples' own for
# the US and Spain, one well-known network elsewhere; other countries' events carry none (the three
# are optional, AWS says).
NETWORKS = {
    "US": ("310", "800", "T-mobile USA Inc."),
    "CA": ("302", "720", "Rogers Wireless"),
    "ES": ("214", "05", "Movistar"),
    "GB": ("234", "15", "Vodafone"),
    "FR": ("208", "01", "Orange"),
    "DE": ("262", "01", "Telekom"),
}
PRICE_PER_PART = 0.00581


class SmsVoiceState:
    def __init__(
        self, region: str, clock: Clock, publish: Callable[[dict[str, Any], dict[str, Any]], None]
    ) -> None:
        self.region = region
        self.clock = clock
        self.publish = publish
        self.lock = threading.RLock()
        self.opt_out_lists: dict[str, dict[str, Any]] = {}
        self.configuration_sets: dict[str, dict[str, Any]] = {}
        self.phone_numbers: dict[str, dict[str, Any]] = {}
        self.pools: dict[str, dict[str, Any]] = {}
        self.tags: dict[str, dict[str, str]] = {}  # by resource ARN
        # Reports due later on the clock: (due, configuration set, event record), by due time.
        self.pending: list[tuple[datetime, str, dict[str, Any]]] = []
        # The last message each of our numbers sent each destination (two-way SMS names it).
        self.last_sent: dict[tuple[str, str], str] = {}
        self.create_opt_out_list({"OptOutListName": "Default"})

    def arn(self, kind: str, name: str) -> str:
        return f"arn:aws:sms-voice:{self.region}:{ACCOUNT}:{kind}/{name}"

    # --- opt-out lists -------------------------------------------------------------------------
    def create_opt_out_list(self, params: dict[str, Any]) -> dict[str, Any]:
        name = params["OptOutListName"]
        with self.lock:
            if name in self.opt_out_lists and name != "Default":
                raise _already_exists("opt-out-list", name)
            entry = self.opt_out_lists.setdefault(
                name, {"arn": self.arn("opt-out-list", name), "created": self.clock.now(), "numbers": {}}
            )
        self._tag(entry["arn"], params.get("Tags"))
        return {
            "OptOutListArn": entry["arn"],
            "OptOutListName": name,
            "Tags": params.get("Tags", []),
            "CreatedTimestamp": entry["created"],
        }

    def _list(self, name: str) -> dict[str, Any]:
        return _lookup(self.opt_out_lists, name, "opt-out-list", "arn")

    def describe_opt_out_lists(self, params: dict[str, Any]) -> dict[str, Any]:
        names = params.get("OptOutListNames") or list(self.opt_out_lists)
        return {
            "OptOutLists": [
                {
                    "OptOutListArn": self._list(n)["arn"],
                    "OptOutListName": n,
                    "CreatedTimestamp": self._list(n)["created"],
                }
                for n in names
            ]
        }

    def delete_opt_out_list(self, params: dict[str, Any]) -> dict[str, Any]:
        name = params["OptOutListName"]
        entry = self._list(name)
        with self.lock:
            del self.opt_out_lists[name]
        return {"OptOutListArn": entry["arn"], "OptOutListName": name, "CreatedTimestamp": entry["created"]}

    def put_opted_out_number(self, params: dict[str, Any]) -> dict[str, Any]:
        entry = self._list(params["OptOutListName"])
        number = params["OptedOutNumber"]
        with self.lock:
            record = entry["numbers"].setdefault(number, {"at": self.clock.now(), "end_user": False})
        return self._opted_out(params["OptOutListName"], entry, number, record)

    def delete_opted_out_number(self, params: dict[str, Any]) -> dict[str, Any]:
        entry = self._list(params["OptOutListName"])
        number = params["OptedOutNumber"]
        with self.lock:
            record = entry["numbers"].pop(number, None)
        if record is None:
            raise ApiError(
                "ResourceNotFoundException",
                f"{number} is not opted out",
                ResourceType="opted-out-number",
                ResourceId=number,
            )
        return self._opted_out(params["OptOutListName"], entry, number, record)

    def describe_opted_out_numbers(self, params: dict[str, Any]) -> dict[str, Any]:
        entry = self._list(params["OptOutListName"])
        wanted = params.get("OptedOutNumbers")
        numbers = [
            {"OptedOutNumber": n, "OptedOutTimestamp": r["at"], "EndUserOptedOut": r["end_user"]}
            for n, r in entry["numbers"].items()
            if not wanted or n in wanted
        ]
        return {
            "OptOutListArn": entry["arn"],
            "OptOutListName": params["OptOutListName"],
            "OptedOutNumbers": numbers,
        }

    def _opted_out(self, name: str, entry: dict, number: str, record: dict) -> dict[str, Any]:
        return {
            "OptOutListArn": entry["arn"],
            "OptOutListName": name,
            "OptedOutNumber": number,
            "OptedOutTimestamp": record["at"],
            "EndUserOptedOut": record["end_user"],
        }

    # --- configuration sets --------------------------------------------------------------------
    def create_configuration_set(self, params: dict[str, Any]) -> dict[str, Any]:
        name = params["ConfigurationSetName"]
        with self.lock:
            if name in self.configuration_sets:
                raise _already_exists("configuration-set", name)
            entry = self.configuration_sets[name] = {
                "arn": self.arn("configuration-set", name),
                "created": self.clock.now(),
                "destinations": {},
            }
        self._tag(entry["arn"], params.get("Tags"))
        return {
            "ConfigurationSetArn": entry["arn"],
            "ConfigurationSetName": name,
            "Tags": params.get("Tags", []),
            "CreatedTimestamp": entry["created"],
        }

    def _configuration_set(self, name: str) -> dict[str, Any]:
        return _lookup(self.configuration_sets, name, "configuration-set", "arn")

    def _configuration_set_info(self, name: str) -> dict[str, Any]:
        entry = self._configuration_set(name)
        return {
            "ConfigurationSetArn": entry["arn"],
            "ConfigurationSetName": name,
            "EventDestinations": list(entry["destinations"].values()),
            "CreatedTimestamp": entry["created"],
        }

    def describe_configuration_sets(self, params: dict[str, Any]) -> dict[str, Any]:
        names = params.get("ConfigurationSetNames") or list(self.configuration_sets)
        return {"ConfigurationSets": [self._configuration_set_info(n) for n in names]}

    def delete_configuration_set(self, params: dict[str, Any]) -> dict[str, Any]:
        info = self._configuration_set_info(params["ConfigurationSetName"])
        with self.lock:
            del self.configuration_sets[params["ConfigurationSetName"]]
        return info

    def create_event_destination(self, params: dict[str, Any]) -> dict[str, Any]:
        entry = self._configuration_set(params["ConfigurationSetName"])
        destination = {
            "EventDestinationName": params["EventDestinationName"],
            "Enabled": True,
            "MatchingEventTypes": params["MatchingEventTypes"],
        }
        for kind in ("CloudWatchLogsDestination", "KinesisFirehoseDestination", "SnsDestination"):
            if kind in params:
                destination[kind] = params[kind]
        with self.lock:
            if params["EventDestinationName"] in entry["destinations"]:
                raise _already_exists("event-destination", params["EventDestinationName"])
            entry["destinations"][params["EventDestinationName"]] = destination
        return {
            "ConfigurationSetArn": entry["arn"],
            "ConfigurationSetName": params["ConfigurationSetName"],
            "EventDestination": destination,
        }

    def update_event_destination(self, params: dict[str, Any]) -> dict[str, Any]:
        entry = self._configuration_set(params["ConfigurationSetName"])
        destination = entry["destinations"].get(params["EventDestinationName"])
        if destination is None:
            raise ApiError(
                "ResourceNotFoundException",
                "no such event destination",
                ResourceType="event-destination",
                ResourceId=params["EventDestinationName"],
            )
        for key in (
            "Enabled",
            "MatchingEventTypes",
            "CloudWatchLogsDestination",
            "KinesisFirehoseDestination",
            "SnsDestination",
        ):
            if key in params:
                destination[key] = params[key]
        return {
            "ConfigurationSetArn": entry["arn"],
            "ConfigurationSetName": params["ConfigurationSetName"],
            "EventDestination": destination,
        }

    def delete_event_destination(self, params: dict[str, Any]) -> dict[str, Any]:
        entry = self._configuration_set(params["ConfigurationSetName"])
        with self.lock:
            destination = entry["destinations"].pop(params["EventDestinationName"], None)
        if destination is None:
            raise ApiError(
                "ResourceNotFoundException",
                "no such event destination",
                ResourceType="event-destination",
                ResourceId=params["EventDestinationName"],
            )
        return {
            "ConfigurationSetArn": entry["arn"],
            "ConfigurationSetName": params["ConfigurationSetName"],
            "EventDestination": destination,
        }

    # --- tags ----------------------------------------------------------------------------------
    def _tag(self, arn: str, tags: list[dict[str, str]] | None) -> None:
        with self.lock:
            self.tags.setdefault(arn, {}).update({t["Key"]: t["Value"] for t in tags or ()})

    def _known_arn(self, arn: str) -> str:
        known = (
            {e["arn"] for e in self.opt_out_lists.values()}
            | {n["PhoneNumberArn"] for n in self.phone_numbers.values()}
            | {p["PoolArn"] for p in self.pools.values()}
            | {c["arn"] for c in self.configuration_sets.values()}
        )
        if arn not in known:
            raise ApiError(
                "ResourceNotFoundException",
                f"{arn} does not exist",
                ResourceType="resource",
                ResourceId=arn,
            )
        return arn

    def tag_resource(self, params: dict[str, Any]) -> dict[str, Any]:
        self._tag(self._known_arn(params["ResourceArn"]), params["Tags"])
        return {}

    def untag_resource(self, params: dict[str, Any]) -> dict[str, Any]:
        arn = self._known_arn(params["ResourceArn"])
        with self.lock:
            for key in params["TagKeys"]:
                self.tags.get(arn, {}).pop(key, None)
        return {}

    def list_tags_for_resource(self, params: dict[str, Any]) -> dict[str, Any]:
        arn = self._known_arn(params["ResourceArn"])
        tags = self.tags.get(arn, {})
        return {"ResourceArn": arn, "Tags": [{"Key": k, "Value": v} for k, v in sorted(tags.items())]}

    # --- phone numbers and pools ---------------------------------------------------------------
    def request_phone_number(self, params: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            number_id = f"phone-{uuid.uuid4().hex}"
            number = f"+1206555{len(self.phone_numbers):04d}"
            self.phone_numbers[number_id] = {
                "PhoneNumberArn": self.arn("phone-number", number_id),
                "PhoneNumberId": number_id,
                "PhoneNumber": number,
                "Status": "ACTIVE",
                "IsoCountryCode": params["IsoCountryCode"],
                "MessageType": params["MessageType"],
                "NumberCapabilities": params["NumberCapabilities"],
                "NumberType": params["NumberType"],
                "MonthlyLeasingPrice": "1.00",
                "TwoWayEnabled": False,
                "SelfManagedOptOutsEnabled": False,
                "OptOutListName": params.get("OptOutListName", "Default"),
                "DeletionProtectionEnabled": bool(params.get("DeletionProtectionEnabled", False)),
                "InternationalSendingEnabled": False,
                "CreatedTimestamp": self.clock.now(),
            }
            info = dict(self.phone_numbers[number_id])
        self._tag(info["PhoneNumberArn"], params.get("Tags"))
        info.pop("InternationalSendingEnabled")
        return {**info, "Tags": params.get("Tags", [])}

    def _number(self, key: str) -> dict[str, Any]:
        return _lookup(self.phone_numbers, key, "phone-number", "PhoneNumber", "PhoneNumberArn")

    def describe_phone_numbers(self, params: dict[str, Any]) -> dict[str, Any]:
        ids = params.get("PhoneNumberIds") or list(self.phone_numbers)
        return {"PhoneNumbers": [dict(self._number(i)) for i in ids]}

    def update_phone_number(self, params: dict[str, Any]) -> dict[str, Any]:
        number = self._number(params["PhoneNumberId"])
        with self.lock:
            for key in (
                "TwoWayEnabled",
                "TwoWayChannelArn",
                "TwoWayChannelRole",
                "SelfManagedOptOutsEnabled",
                "OptOutListName",
                "DeletionProtectionEnabled",
                "InternationalSendingEnabled",
            ):
                if key in params:
                    number[key] = params[key]
        info = dict(number)
        info.pop("InternationalSendingEnabled", None)
        return info

    def release_phone_number(self, params: dict[str, Any]) -> dict[str, Any]:
        number = self._number(params["PhoneNumberId"])
        if number.get("DeletionProtectionEnabled"):
            raise ApiError("ValidationException", "deletion protection is enabled", Reason="OTHER")
        with self.lock:
            del self.phone_numbers[number["PhoneNumberId"]]
        info = {**number, "Status": "DELETED"}
        for key in ("InternationalSendingEnabled", "DeletionProtectionEnabled"):
            info.pop(key, None)
        return info

    def create_pool(self, params: dict[str, Any]) -> dict[str, Any]:
        identity = self._number(params["OriginationIdentity"])
        with self.lock:
            pool_id = f"pool-{uuid.uuid4().hex}"
            self.pools[pool_id] = {
                "PoolArn": self.arn("pool", pool_id),
                "PoolId": pool_id,
                "Status": "ACTIVE",
                "MessageType": params["MessageType"],
                "TwoWayEnabled": False,
                "SelfManagedOptOutsEnabled": False,
                "OptOutListName": "Default",
                "SharedRoutesEnabled": False,
                "DeletionProtectionEnabled": bool(params.get("DeletionProtectionEnabled", False)),
                "CreatedTimestamp": self.clock.now(),
                "identities": [identity["PhoneNumberId"]],
            }
            identity["PoolId"] = pool_id
        self._tag(self.pools[pool_id]["PoolArn"], params.get("Tags"))
        return {**self._pool_info(pool_id), "Tags": params.get("Tags", [])}

    def _pool(self, key: str) -> dict[str, Any]:
        return _lookup(self.pools, key, "pool", "PoolArn")

    def _pool_info(self, key: str) -> dict[str, Any]:
        return {k: v for k, v in self._pool(key).items() if k != "identities"}

    def describe_pools(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"Pools": [self._pool_info(p) for p in (params.get("PoolIds") or list(self.pools))]}

    def update_pool(self, params: dict[str, Any]) -> dict[str, Any]:
        pool = self._pool(params["PoolId"])
        with self.lock:
            for key in (
                "TwoWayEnabled",
                "TwoWayChannelArn",
                "TwoWayChannelRole",
                "SelfManagedOptOutsEnabled",
                "OptOutListName",
                "SharedRoutesEnabled",
                "DeletionProtectionEnabled",
            ):
                if key in params:
                    pool[key] = params[key]
        return self._pool_info(pool["PoolId"])

    def delete_pool(self, params: dict[str, Any]) -> dict[str, Any]:
        info = self._pool_info(params["PoolId"])
        with self.lock:
            for number_id in self.pools.pop(info["PoolId"])["identities"]:
                self.phone_numbers.get(number_id, {}).pop("PoolId", None)
        info.pop("DeletionProtectionEnabled", None)
        return {**info, "Status": "DELETING"}

    def associate_origination_identity(self, params: dict[str, Any]) -> dict[str, Any]:
        pool = self._pool(params["PoolId"])
        number = self._number(params["OriginationIdentity"])
        with self.lock:
            if number["PhoneNumberId"] not in pool["identities"]:
                pool["identities"].append(number["PhoneNumberId"])
            number["PoolId"] = pool["PoolId"]
        return {
            "PoolArn": pool["PoolArn"],
            "PoolId": pool["PoolId"],
            "OriginationIdentityArn": number["PhoneNumberArn"],
            "OriginationIdentity": number["PhoneNumber"],
            "IsoCountryCode": number["IsoCountryCode"],
        }

    def list_pool_origination_identities(self, params: dict[str, Any]) -> dict[str, Any]:
        pool = self._pool(params["PoolId"])
        numbers = [self.phone_numbers[i] for i in pool["identities"] if i in self.phone_numbers]
        return {
            "PoolArn": pool["PoolArn"],
            "PoolId": pool["PoolId"],
            "OriginationIdentities": [
                {
                    "OriginationIdentityArn": n["PhoneNumberArn"],
                    "OriginationIdentity": n["PhoneNumber"],
                    "IsoCountryCode": n["IsoCountryCode"],
                    "NumberCapabilities": n["NumberCapabilities"],
                    "PhoneNumber": n["PhoneNumber"],
                }
                for n in numbers
            ],
        }

    # --- inbound (two-way SMS) -------------------------------------------------------------------
    def receive(self, sender: str, to: str, body: str) -> dict[str, Any]:
        """A text a phone sends to one of our numbers, as the service handles it: without
        self-managed opt-outs the service itself puts a STOP-like sender on the number's opt-out
        list; with two-way SMS on, the message is published to the number's SNS channel."""
        self.release_due()
        number = next((n for n in self.phone_numbers.values() if n["PhoneNumber"] == to), None)
        if number is None:
            raise ApiError("ResourceNotFoundException", f"{to} is not a number of this account", 404)
        message_id = str(uuid.uuid4())
        keyword = body.strip().upper()
        opted_out_by_service = False
        if not number.get("SelfManagedOptOutsEnabled") and keyword in SERVICE_OPT_OUT_KEYWORDS:
            entry = self._list(number["OptOutListName"])
            with self.lock:
                entry["numbers"].setdefault(sender, {"at": self.clock.now(), "end_user": True})
            opted_out_by_service = True
        published = bool(number.get("TwoWayEnabled") and number.get("TwoWayChannelArn"))
        if published:
            self.publish(
                {"SnsDestination": {"TopicArn": number["TwoWayChannelArn"]}},
                {
                    "originationNumber": sender,
                    "destinationNumber": to,
                    "messageKeyword": f"KEYWORD_{ACCOUNT}" if keyword else "",
                    "messageBody": body,
                    "inboundMessageId": message_id,
                    # the message the customer is answering: the last one our number sent them
                    "previousPublishedMessageId": self.last_sent.get((to, sender), ""),
                },
                ("sms-voice.amazonaws.com", number["PhoneNumberArn"]),
            )
        return {
            "InboundMessageId": message_id,
            "Published": published,
            "OptedOutByService": opted_out_by_service,
        }

    # --- sending -------------------------------------------------------------------------------
    def _opt_out_list_for(self, identity: str | None) -> str:
        if not identity:
            return "Default"
        if identity in self.pools or any(p["PoolArn"] == identity for p in self.pools.values()):
            return self._pool(identity)["OptOutListName"]
        number = next(
            (
                n
                for n in self.phone_numbers.values()
                if identity in (n["PhoneNumberId"], n["PhoneNumber"], n["PhoneNumberArn"])
            ),
            None,
        )
        return number["OptOutListName"] if number else "Default"

    def _check_opt_out(self, params: dict[str, Any]) -> None:
        list_name = self._opt_out_list_for(params.get("OriginationIdentity"))
        if params["DestinationPhoneNumber"] in self.opt_out_lists.get(list_name, {}).get("numbers", {}):
            raise ApiError(
                "ConflictException",
                f"{params['DestinationPhoneNumber']} is on opt-out list {list_name}",
                Reason="DESTINATION_PHONE_NUMBER_OPTED_OUT",
                ResourceType="opted-out-number",
                ResourceId=params["DestinationPhoneNumber"],
            )

    @staticmethod
    def _check_context(params: dict[str, Any]) -> None:
        """AWS's limits on Context (botocore's model: at most 5 entries, values of 1 to 800
        characters), which botocore itself does not check."""
        context = params.get("Context") or {}
        if len(context) > 5 or any(not 1 <= len(str(v)) <= 800 for v in context.values()):
            raise ApiError(
                "ValidationException",
                "Context must have at most 5 entries of at most 800 characters",
                Reason="INVALID_PARAMETER",
            )

    def send_text_message(self, params: dict[str, Any]) -> dict[str, Any]:
        self._check_context(params)
        if not params["DestinationPhoneNumber"].startswith("+"):
            raise ApiError(
                "ValidationException",
                "DestinationPhoneNumber must be in E.164 format",
                Reason="INVALID_PARAMETER",
            )
        self._check_opt_out(params)
        if params.get("ConfigurationSetName"):
            self._configuration_set(params["ConfigurationSetName"])
        message_id = str(uuid.uuid4())
        self._remember(params, message_id)
        self._emit(params, message_id, "TEXT")
        return {"MessageId": message_id}

    def send_voice_message(self, params: dict[str, Any]) -> dict[str, Any]:
        self._check_context(params)
        self._check_opt_out(params)
        if params.get("ConfigurationSetName"):
            self._configuration_set(params["ConfigurationSetName"])
        message_id = str(uuid.uuid4())
        self._emit(params, message_id, "VOICE")
        return {"MessageId": message_id}

    def _origination(self, params: dict[str, Any]) -> tuple[str, str]:
        """The number a message goes out from and its country: the identity's own number (a phone
        number given by number, id or ARN, a pool's first number), else the identity as given (a
        sender ID), else the account's default."""
        identity = params.get("OriginationIdentity") or ""
        with self.lock:
            pool = next((p for p in self.pools.values() if identity in (p["PoolId"], p["PoolArn"])), None)
            if pool and pool["identities"]:
                identity = pool["identities"][0]
            number = next(
                (
                    n
                    for n in self.phone_numbers.values()
                    if identity in (n["PhoneNumberId"], n["PhoneNumber"], n["PhoneNumberArn"])
                ),
                None,
            )
        if number is not None:
            return number["PhoneNumber"], number["IsoCountryCode"]
        return identity or "+12065550000", _country(identity) or "US"

    def _remember(self, params: dict[str, Any], message_id: str) -> None:
        origination, _country_code = self._origination(params)
        with self.lock:
            self.last_sent[(origination, params["DestinationPhoneNumber"])] = message_id

    def sequence(self, destination: str, kind: str) -> list[tuple[str, str, str, bool, timedelta]]:
        """The events a message to `destination` gets: (event type, message status, description,
        final, after how long), by the rules in the module's docstring."""
        if kind == "VOICE":
            ending = SMS_SIMULATOR[destination][3] if destination in SMS_SIMULATOR else "VOICE_COMPLETED"
            return [
                ("VOICE_INITIATED", *VOICE_STATUSES["VOICE_INITIATED"], False, timedelta(0)),
                (ending, *VOICE_STATUSES[ending], True, timedelta(seconds=1)),
            ]
        if _calling_code(destination) not in RECEIPT_CALLING_CODES and destination not in SMS_SIMULATOR:
            return [(*ACCEPTED, True, timedelta(0))]
        accepted = (*ACCEPTED, False, timedelta(0))
        if destination == SILENT:
            return [accepted, (*UNKNOWN, True, NO_REPORT_AFTER)]
        final = SMS_SIMULATOR[destination][:3] if destination in SMS_SIMULATOR else DELIVERED
        return [accepted, (*final, True, timedelta(seconds=1))]  # the carrier's report comes later

    def _emit(self, params: dict[str, Any], message_id: str, kind: str) -> None:
        name = params.get("ConfigurationSetName")
        if not name:
            return
        body = params.get("MessageBody", "")
        parts = max(1, encoding(body).parts) if kind == "TEXT" else 1
        origination, origin_country = self._origination(params)
        sent = self.clock.now()
        for event_type, status, description, is_final, after in self.sequence(
            params["DestinationPhoneNumber"], kind
        ):
            record = sms_event(
                params,
                message_id,
                event_type,
                status,
                description,
                is_final,
                parts,
                sent + after,
                requested=sent,
                origination=origination,
                origin_country=origin_country,
            )
            if after >= NO_REPORT_AFTER:  # the service's own report, once the wait is over
                with self.lock:
                    self.pending.append((sent + after, name, record))
                    self.pending.sort(key=lambda p: p[0])
            else:
                self._publish(name, record)

    def release_due(self, now: datetime | None = None) -> list[dict[str, Any]]:
        """Publishes every report due by `now` (the clock's now), stamped with its due time; the
        records published."""
        now = now or self.clock.now()
        with self.lock:
            due = [p for p in self.pending if p[0] <= now]
            self.pending = [p for p in self.pending if p[0] > now]
        for _at, name, record in due:
            if name in self.configuration_sets:  # a deleted configuration set reports nothing
                self._publish(name, record)
        return [record for _at, _name, record in due]

    def _publish(self, name: str, record: dict[str, Any]) -> None:
        event_type = record["eventType"]
        family = f"{event_type.split('_', 1)[0]}_ALL"  # TEXT_ALL, VOICE_ALL
        entry = self._configuration_set(name)
        for destination in list(entry["destinations"].values()):
            types = destination["MatchingEventTypes"]
            if destination.get("Enabled", True) and {"ALL", family, event_type} & set(types):
                self.publish(destination, record, ("sms-voice.amazonaws.com", entry["arn"]))


def _number(value: str) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(value, None)
    except NumberParseException:
        return None


def _calling_code(value: str) -> int | None:
    number = _number(value)
    return number.country_code if number else None


def _country(value: str) -> str | None:
    """The ISO country of a number: where phonenumbers places it, else its calling code's main
    country (a fictional 555 number is still American)."""
    number = _number(value)
    if number is None:
        return None
    return phonenumbers.region_code_for_number(number) or phonenumbers.region_code_for_country_code(
        number.country_code
    )


def _lookup(items: dict[str, dict[str, Any]], key: str, kind: str, *aliases: str) -> dict[str, Any]:
    """A resource by its name or id, or by any of its aliases (its ARN, its number)."""
    found = items.get(key) or next((v for v in items.values() if key in (v.get(a) for a in aliases)), None)
    if found is None:
        raise ApiError(
            "ResourceNotFoundException", f"{kind} {key} does not exist", ResourceType=kind, ResourceId=key
        )
    return found


def _already_exists(kind: str, name: str) -> ApiError:
    return ApiError(
        "ConflictException",
        f"{kind} {name} already exists",
        Reason="RESOURCE_ALREADY_EXISTS",
        ResourceType=kind,
        ResourceId=name,
    )


def sms_event(
    params: dict[str, Any],
    message_id: str,
    event_type: str,
    status: str,
    description: str,
    is_final: bool,
    parts: int,
    now: datetime,
    requested: datetime | None = None,
    origination: str | None = None,
    origin_country: str = "US",
) -> dict[str, Any]:
    """An End User Messaging SMS or voice v2 event as its event destinations receive it: the keys of
    AWS's example (events/aws/sms/text_successful_final.json) and the documented isoCountryCode and
    carrierName; mcc, mnc and carrierName only for a network `NETWORKS` knows (AWS: optional)."""
    destination = params["DestinationPhoneNumber"]
    country = _country(destination) or "US"
    body = params.get("MessageBody", "")
    record: dict[str, Any] = {
        "eventType": event_type,
        "eventVersion": "1.0",
        "eventTimestamp": _millis(now),
        "isFinal": is_final,
        "originationPhoneNumber": origination or params.get("OriginationIdentity") or "+12065550000",
        "destinationPhoneNumber": destination,
        "isoCountryCode": country,
        "isInternationalSend": country != origin_country,
    }
    if country in NETWORKS:
        mcc, mnc, carrier_name = NETWORKS[country]
        record.update({"mcc": mcc, "mnc": mnc, "carrierName": carrier_name})
    record.update(
        {
            "messageId": message_id,
            "messageRequestTimestamp": _millis(requested or now),
            "messageEncoding": "GSM" if encoding(body).name == "GSM-7" else "UNICODE",
            "messageType": params.get("MessageType", "TRANSACTIONAL"),
            "messageStatus": status,
            "messageStatusDescription": description,
        }
    )
    if params.get("Context"):
        record["context"] = params["Context"]
    record.update(
        {
            "totalMessageParts": parts,
            "totalMessagePrice": round(parts * PRICE_PER_PART, 5),
            "totalCarrierFee": 0.0,
        }
    )
    return record


def _millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def sms_voice_emulator(state: SmsVoiceState) -> Emulator:
    names = [
        "CreateOptOutList",
        "DescribeOptOutLists",
        "DeleteOptOutList",
        "PutOptedOutNumber",
        "DeleteOptedOutNumber",
        "DescribeOptedOutNumbers",
        "CreateConfigurationSet",
        "DescribeConfigurationSets",
        "DeleteConfigurationSet",
        "CreateEventDestination",
        "UpdateEventDestination",
        "DeleteEventDestination",
        "RequestPhoneNumber",
        "DescribePhoneNumbers",
        "UpdatePhoneNumber",
        "ReleasePhoneNumber",
        "CreatePool",
        "DescribePools",
        "UpdatePool",
        "DeletePool",
        "AssociateOriginationIdentity",
        "ListPoolOriginationIdentities",
        "SendTextMessage",
        "SendVoiceMessage",
        "TagResource",
        "UntagResource",
        "ListTagsForResource",
    ]
    emulator = Emulator.serving("pinpoint-sms-voice-v2", state, names)
    emulator.handlers = {name: _releasing(state, handler) for name, handler in emulator.handlers.items()}
    return emulator


def _releasing(state: SmsVoiceState, handler: Handler) -> Handler:
    """The handler, after the reports that fell due on the clock since the last call are out."""

    def handle(params: dict[str, Any]) -> dict[str, Any]:
        state.release_due()
        return handler(params)

    return handle


# What the service answers itself on a number without self-managed opt-outs.
SERVICE_OPT_OUT_KEYWORDS = frozenset(
    {"ARRET", "CANCEL", "END", "OPT-OUT", "OPTOUT", "QUIT", "REMOVE", "STOP", "STOPALL", "TD", "UNSUBSCRIBE"}
)


def publish_json(
    clients: Any, destination: dict[str, Any], record: dict[str, Any], source: tuple[str, str] | None = None
) -> None:
    """Delivers an event record to an SNS, Firehose or EventBridge destination of SES or SMS, as
    the service does: `source` is (its service principal, the resource it publishes for), which
    the topic's policy and its key's policy must let publish."""
    body = json.dumps(record, default=str)
    topic = (destination.get("SnsDestination") or {}).get("TopicArn")
    enforcer = active()
    refused = (
        enforcer.delivery(
            source[0],
            source[1],
            "sns:Publish",
            topic,
            source[0].split(".")[0],
            ("kms:GenerateDataKey", "kms:Decrypt"),
        )
        if topic and source and enforcer
        else None
    )
    if topic and refused is None:
        clients.client("sns").publish(TopicArn=topic, Message=body)
    if destination.get("KinesisFirehoseDestination"):
        stream = destination["KinesisFirehoseDestination"]["DeliveryStreamArn"].split("/")[-1]
        clients.client("firehose").put_record(
            DeliveryStreamName=stream,
            Record={"Data": body.encode()},  # the stream adds the delimiter
        )

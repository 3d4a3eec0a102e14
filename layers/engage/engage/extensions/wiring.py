"""The extensions' composition root: their settings, read from the function's environment, and
their use cases built once per execution environment (on first use) with the shared client factory
and the adapters. The hooks' and channels' handlers take their use case from here and nothing else.
The Connect channel (engage.extensions.connect) calls people on the consent, suppression and send
ledger the texts use."""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engage.adapters.clients import clients
from engage.adapters.connect.contacts import ConnectCalls
from engage.adapters.dynamodb.ledger import DynamoLedger
from engage.adapters.dynamodb.offers import DynamoOffers
from engage.adapters.http.content import ContentFetch
from engage.config import EnvironmentSettings
from engage.extensions.attachments import hand_over
from engage.extensions.connect import ConnectChannel, ConnectDelivery, ConnectSettings
from engage.extensions.content import ContentHook, ContentRules, ExternalContent
from engage.extensions.send_time import MissingPolicy, SendTimeHook, SendTimeRules

DEFAULT_CONTENT_MAX_BYTES = 64 * 1024


@dataclass(frozen=True)
class ExtensionSettings(EnvironmentSettings):
    """What the hooks' functions are given: the content hook's CONTENT_* and ALLOW_LOCAL_HTTP, the
    send-time hook's OFFERS_TABLE and OFFER_*. Each function has its own hook's variables only."""

    content_source: str = ""  # CONTENT_SOURCE: s3://bucket/prefix/ or https://host/path/
    content_fallback: str = ""  # CONTENT_FALLBACK
    content_max_bytes: int = DEFAULT_CONTENT_MAX_BYTES  # CONTENT_MAX_BYTES
    content_timeout_seconds: float = 3.0  # CONTENT_TIMEOUT_SECONDS
    allow_local_http: bool = False  # ALLOW_LOCAL_HTTP: "true" lets the local stack serve content over http
    offers_table: str = ""  # OFFERS_TABLE
    offer_attribute: str = "Offer"  # OFFER_ATTRIBUTE
    offer_missing_policy: str = "SKIP"  # OFFER_MISSING_POLICY: SKIP or DEFAULT
    offer_default: str = ""  # OFFER_DEFAULT
    connect_instance_id: str = ""  # CONNECT_INSTANCE_ID
    connect_contact_flow_id: str = ""  # CONNECT_CONTACT_FLOW_ID
    connect_queue_id: str = ""  # CONNECT_QUEUE_ID
    connect_source_phone_number: str = ""  # CONNECT_SOURCE_PHONE_NUMBER
    connect_calls_per_second: float = 1.0  # CONNECT_CALLS_PER_SECOND
    sends_table: str = ""  # SENDS_TABLE: the send ledger, where each call is claimed

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> ExtensionSettings:
        return cls(
            content_source=environ.get("CONTENT_SOURCE", ""),
            content_fallback=environ.get("CONTENT_FALLBACK", ""),
            content_max_bytes=int(environ.get("CONTENT_MAX_BYTES", str(DEFAULT_CONTENT_MAX_BYTES))),
            content_timeout_seconds=float(environ.get("CONTENT_TIMEOUT_SECONDS", "3")),
            allow_local_http=environ.get("ALLOW_LOCAL_HTTP", "false").lower() == "true",
            offers_table=environ.get("OFFERS_TABLE", ""),
            offer_attribute=environ.get("OFFER_ATTRIBUTE", "Offer"),
            offer_missing_policy=environ.get("OFFER_MISSING_POLICY", "SKIP"),
            offer_default=environ.get("OFFER_DEFAULT", ""),
            connect_instance_id=environ.get("CONNECT_INSTANCE_ID", ""),
            connect_contact_flow_id=environ.get("CONNECT_CONTACT_FLOW_ID", ""),
            connect_queue_id=environ.get("CONNECT_QUEUE_ID", ""),
            connect_source_phone_number=environ.get("CONNECT_SOURCE_PHONE_NUMBER", ""),
            connect_calls_per_second=float(environ.get("CONNECT_CALLS_PER_SECOND", "1")),
            sends_table=environ.get("SENDS_TABLE", ""),
        )


@functools.cache
def settings() -> ExtensionSettings:
    return ExtensionSettings.from_env()


@functools.cache
def content_hook() -> ContentHook:
    """The content hook (A23); ValidationError when CONTENT_SOURCE is not set."""
    config = settings()
    rules = ContentRules(
        source=config.content_source,
        fallback=config.content_fallback,
        max_bytes=config.content_max_bytes,
        timeout_seconds=config.content_timeout_seconds,
    )
    fetcher = ContentFetch(clients.client("s3"), allow_local_http=config.allow_local_http)
    return ContentHook(ExternalContent(fetcher, rules))


@functools.cache
def send_time_hook() -> SendTimeHook:
    """The send-time hook (A22); ValidationError when OFFERS_TABLE is not set, or the policy is
    DEFAULT without a default."""
    config = settings()
    offers = DynamoOffers(config.require("offers_table"), clients.client("dynamodb"))
    rules = SendTimeRules(
        attribute=config.offer_attribute,
        missing=MissingPolicy(config.offer_missing_policy),
        default=config.offer_default,
    )
    return SendTimeHook(offers, rules)


@functools.cache
def connect_delivery() -> ConnectDelivery:
    """The Connect channel's use case (A24): a campaign batch's calls, placed and reported."""
    from engage.runtime import services  # the consent, suppression and stream the texts use

    config = settings()
    sends_table = config.require("sends_table")
    connect = ConnectSettings(
        instance_id=config.connect_instance_id,
        contact_flow_id=config.connect_contact_flow_id,
        queue_id=config.connect_queue_id,
        source_phone_number=config.connect_source_phone_number,
        calls_per_second=config.connect_calls_per_second,
    )
    calls = ConnectCalls(clients.client("connect", max_attempts=1))
    ledger = DynamoLedger(sends_table, clients.client("dynamodb"))
    channel = ConnectChannel(connect, calls, services.consent, services.suppression, ledger)
    return ConnectDelivery(channel, services.event_stream)


def attachments_hand_over(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The attachments channel (A25): each email endpoint's email handed to the one sender, through
    the send queue, with its files attached there (engage.extensions.attachments)."""
    from engage.runtime import services  # the templates and the send queue

    return hand_over(payload, services.templates, services.send_queue)

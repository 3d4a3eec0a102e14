"""The SMS area's composition root: its settings, read once from the function's environment, and its
use cases, each built once per execution environment (when first used) on the shared client factory
and the core services (engage.runtime), with the AWS adapters. The handlers call these accessors;
the domain never imports this module, and a unit test replaces an accessor with fakes.

The inbound SMS function's answers are settings too: it used to hand its whole environment to
engage.sms.inbound.replies_by_brand, which reads OPT_OUT_REPLY, OPT_IN_REPLY, HELP_REPLY and
SMS_BRAND_REPLIES from it; those four are fields here."""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from engage.adapters.dynamodb.sms_drops import DynamoDropStore
from engage.adapters.eventbridge.bus import EventBus
from engage.adapters.sms_voice.inbound import InboundOutlets, NumberBrands
from engage.adapters.sqs.queue import MessageQueue, SendQueue
from engage.config import EnvironmentSettings
from engage.envelopes import json_object
from engage.errors import NotFoundError
from engage.runtime import services
from engage.sending.sender import Sender
from engage.sms.drop import DropIntake, DropRules, SmsDrops
from engage.sms.inbound import InboundProcessor, replies_by_brand
from engage.sms.keywords import keywords_from_json
from engage.sms.retry import RetryScheduler, RetrySending

# The settings without a default: each is read where it is needed, and its absence named then.
REQUIRED = {
    "engagement_bus": "ENGAGEMENT_BUS",
    "audit_queue_url": "SMS_AUDIT_QUEUE_URL",
    "retry_max_attempts": "SMS_RETRY_MAX_ATTEMPTS",
    "retry_base_delay": "SMS_RETRY_BASE_DELAY_SECONDS",
    "retry_queue_url": "SMS_RETRY_QUEUE_URL",
}


@dataclass(frozen=True)
class SmsAreaSettings(EnvironmentSettings):
    """What the area's functions read from their environment; None where a variable without a
    default is not set."""

    ENV_NAMES: ClassVar[Mapping[str, str]] = REQUIRED

    # the inbound SMS function
    keywords: str = ""  # SMS_KEYWORDS: JSON of each language's lists; empty for the defaults
    inbound_applications: str = "{}"  # SMS_INBOUND_APPLICATIONS: our number (or "*") to its application
    opt_out_reply: str = ""  # OPT_OUT_REPLY, OPT_IN_REPLY, HELP_REPLY: the stack's answers (empty:
    opt_in_reply: str = ""  # engage.sms.inbound's defaults)
    help_reply: str = ""
    brand_replies: str = ""  # SMS_BRAND_REPLIES: each brand's own answers (JSON)
    engagement_bus: str | None = None  # ENGAGEMENT_BUS
    audit_queue_url: str | None = None  # SMS_AUDIT_QUEUE_URL: probable revocations, for a person
    # the retry scheduler
    retry_max_attempts: int | None = None  # SMS_RETRY_MAX_ATTEMPTS
    retry_base_delay: float | None = None  # SMS_RETRY_BASE_DELAY_SECONDS
    retry_queue_url: str | None = None  # SMS_RETRY_QUEUE_URL

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> SmsAreaSettings:
        def number(name: str, kind: type[int] | type[float]) -> Any:
            return kind(environ[name]) if name in environ else None

        return cls(
            keywords=environ.get("SMS_KEYWORDS", ""),
            inbound_applications=environ.get("SMS_INBOUND_APPLICATIONS") or "{}",
            opt_out_reply=environ.get("OPT_OUT_REPLY", ""),
            opt_in_reply=environ.get("OPT_IN_REPLY", ""),
            help_reply=environ.get("HELP_REPLY", ""),
            brand_replies=environ.get("SMS_BRAND_REPLIES", ""),
            engagement_bus=environ.get("ENGAGEMENT_BUS"),
            audit_queue_url=environ.get("SMS_AUDIT_QUEUE_URL"),
            retry_max_attempts=number("SMS_RETRY_MAX_ATTEMPTS", int),
            retry_base_delay=number("SMS_RETRY_BASE_DELAY_SECONDS", float),
            retry_queue_url=environ.get("SMS_RETRY_QUEUE_URL"),
        )

    def replies(self) -> dict[str, str]:
        """The answers' settings as engage.sms.inbound.replies_by_brand reads them."""
        return {
            "OPT_OUT_REPLY": self.opt_out_reply,
            "OPT_IN_REPLY": self.opt_in_reply,
            "HELP_REPLY": self.help_reply,
            "SMS_BRAND_REPLIES": self.brand_replies,
        }


@functools.cache
def settings() -> SmsAreaSettings:
    return SmsAreaSettings.from_env()


@functools.cache
def inbound_processor() -> InboundProcessor:
    """The inbound SMS use case; a bad keyword list, number map or answer map fails here."""
    area = settings()
    factory = services.factory
    return InboundProcessor(
        classifier=keywords_from_json(area.keywords),
        applications=json_object(area.inbound_applications, "SMS_INBOUND_APPLICATIONS"),
        replies=replies_by_brand(area.replies()),
        brands=NumberBrands(factory.client("pinpoint-sms-voice-v2")),
        known_applications=services.known_applications,
        consents=services.consent,
        endpoints=services.contacts,
        opt_out_list=services.opt_out_lists,
        outlets=InboundOutlets(
            services.send_queue,
            services.address_pseudonym,
            EventBus(factory.client("events")),
            area.require("engagement_bus"),
            factory.client("sqs"),
            area.require("audit_queue_url"),
        ),
    )


@functools.cache
def retry_scheduler() -> RetryScheduler:
    """The use case deciding each failed SMS on the event stream."""
    area = settings()
    return RetryScheduler(
        area.require("retry_max_attempts"),
        area.require("retry_base_delay"),
        MessageQueue(services.factory.client("sqs"), area.require("retry_queue_url")),
        services.event_stream,
    )


def _endpoint_or_none(app_id: str, endpoint_id: str) -> Mapping[str, Any] | None:
    try:
        return services.contacts.get(app_id, endpoint_id)
    except NotFoundError:
        return None


@functools.cache
def retry_sending() -> RetrySending:
    """The use case sending a due retry again: the original text, read from the archive."""
    return RetrySending(
        _endpoint_or_none, services.archive.text_of, services.send_queue, services.event_stream
    )


@functools.cache
def sms_drops() -> SmsDrops:
    """The file drops' store, queue and reports, under the stack's drop rules."""
    config = services.settings
    rules = DropRules(
        max_parts=int(config.sms_drop_max_parts),
        max_rows=int(config.sms_drop_max_rows),
        default_identity=config.sms_origination_identity,
        identities=frozenset(i.strip() for i in config.sms_drop_identities.split(",") if i.strip()),
    )
    return SmsDrops(
        DynamoDropStore(config.require("sms_drops_table"), services.factory.client("dynamodb")),
        SendQueue(services.factory.client("sqs"), config.require("sms_drop_queue_url")),
        services.objects,
        services.address_pseudonym,
        rules,
    )


@functools.cache
def drop_intake() -> DropIntake:
    """A file in the work bucket, read and queued when it is an SMS drop."""
    return DropIntake(sms_drops(), services.objects, services.applications.require)


def drop_sender() -> Sender:
    """The one sender, with this invocation's policy, for a drop's rows."""
    return services.ready_sender()

"""The email area's composition root: its settings, read from the function's environment, and its
use cases built once per execution environment (on first use) from engage.runtime's services (the
shared client factory, the contact, consent and suppression stores, the templates) and the
adapters. The auto-reply, feedback and unsubscribe handlers take their use case from here and
nothing else."""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass

from engage.adapters.dynamodb.reply_limiter import DynamoReplyLimiter
from engage.adapters.ses.email import SesAccountList, SesEmailSender
from engage.config import EnvironmentSettings
from engage.email.auto_reply import AutoReply
from engage.email.feedback import FeedbackIntake, Policy
from engage.email.one_click import OneClickUnsubscribe
from engage.runtime import services

DAY_SECONDS = 24 * 3600


@dataclass(frozen=True)
class EmailSettings(EnvironmentSettings):
    """What the area's functions are given: the auto-reply's AUTO_REPLY_* (all four required there)
    and SES_CONFIGURATION_SET, the feedback consumer's SOFT_BOUNCE_*. Each function has its own
    variables only; one-click unsubscribe takes everything from engage.runtime's services."""

    auto_reply_table: str = ""  # AUTO_REPLY_TABLE: the daily counters
    auto_reply_daily_limit: int | None = None  # AUTO_REPLY_DAILY_LIMIT: answers per sender and day
    auto_reply_from_address: str = ""  # AUTO_REPLY_FROM_ADDRESS
    auto_reply_template: str = ""  # AUTO_REPLY_TEMPLATE: the EMAIL template answers are made from
    ses_configuration_set: str | None = None  # SES_CONFIGURATION_SET, None for none
    soft_bounce_limit: int = 3  # SOFT_BOUNCE_LIMIT
    soft_bounce_window_days: float = 7.0  # SOFT_BOUNCE_WINDOW_DAYS

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> EmailSettings:
        limit = environ.get("AUTO_REPLY_DAILY_LIMIT")
        return cls(
            auto_reply_table=environ.get("AUTO_REPLY_TABLE", ""),
            auto_reply_daily_limit=int(limit) if limit is not None else None,
            auto_reply_from_address=environ.get("AUTO_REPLY_FROM_ADDRESS", ""),
            auto_reply_template=environ.get("AUTO_REPLY_TEMPLATE", ""),
            ses_configuration_set=environ.get("SES_CONFIGURATION_SET") or None,
            soft_bounce_limit=int(environ.get("SOFT_BOUNCE_LIMIT", "3")),
            soft_bounce_window_days=float(environ.get("SOFT_BOUNCE_WINDOW_DAYS", "7")),
        )

    @property
    def feedback_policy(self) -> Policy:
        return Policy(
            soft_bounce_limit=self.soft_bounce_limit,
            soft_bounce_window=self.soft_bounce_window_days * DAY_SECONDS,
        )


@functools.cache
def settings() -> EmailSettings:
    return EmailSettings.from_env()


@functools.cache
def auto_reply() -> AutoReply:
    """The auto-reply (A2); ValidationError when one of its AUTO_REPLY_* variables is not set."""
    config = settings()
    for name in (
        "auto_reply_table",
        "auto_reply_daily_limit",
        "auto_reply_from_address",
        "auto_reply_template",
    ):
        config.require(name)
    limiter = DynamoReplyLimiter(
        config.auto_reply_table, services.factory.client("dynamodb"), int(config.auto_reply_daily_limit or 0)
    )
    return AutoReply(
        config.auto_reply_from_address,
        limiter,
        lambda: services.templates.get("EMAIL", config.auto_reply_template),
        SesEmailSender(services.factory.client("sesv2"), config.ses_configuration_set),
    )


@functools.cache
def feedback_intake() -> FeedbackIntake:
    """Bounce and complaint feedback (A1, A8), applied to the suppression list, the contacts and
    the SES account's suppression list."""
    return FeedbackIntake(
        services.suppression,
        services.contacts,
        SesAccountList(services.factory.client("sesv2")),
        settings().feedback_policy,
        _application_ids,
    )


def _application_ids() -> list[str]:
    """Every application, for feedback that names none (an SES identity notification)."""
    return [application["Id"] for application in services.applications.list()]


@functools.cache
def one_click_unsubscribe() -> OneClickUnsubscribe:
    """One-click unsubscribe (A16), with the unsubscribe secret's keys."""
    return OneClickUnsubscribe(
        services.unsubscribe_keys, services.contacts, services.consent, services.event_stream
    )

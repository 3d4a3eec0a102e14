"""Logging and metrics shared by every function: Powertools Logger (JSON, correlation ids) whose
output is redacted of emails and phone numbers, and Powertools Metrics (EMF)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

from engage.redact import redact_log

NAMESPACE = "Engage"


class RedactingFormatter(LambdaPowertoolsFormatter):
    """Powertools' JSON formatter with personal data masked in every field it does not own."""

    def serialize(self, log: dict[str, Any]) -> str:
        return super().serialize(redact_log(log))


def make_logger(service: str | None = None) -> Logger:
    return Logger(
        service=service or os.environ.get("POWERTOOLS_SERVICE_NAME", "engage"),
        logger_formatter=RedactingFormatter(),
    )


logger = make_logger()
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", NAMESPACE))


def add_counts(prefix: str, counts: Mapping[str, int]) -> None:
    """One Count metric per outcome, named <prefix><outcome>."""
    for name, value in counts.items():
        metrics.add_metric(name=f"{prefix}{name}", unit="Count", value=value)

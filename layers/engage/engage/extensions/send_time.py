"""Send-time attributes (A22): a campaign FILTER hook that adds per-endpoint data fetched when the
batch is sent (an offer, in the sample), so the template can use it (`{{Attributes.Offer}}`)
without the data ever being stored on the endpoint. The data is read for the whole batch at once
(one batched read per 100 endpoints), never one endpoint at a time; an endpoint with no data follows
the policy: SKIP leaves it out of the batch (nobody gets a message with a hole in it), DEFAULT gives
it the configured value. A failed read fails the hook, and the campaign's HookFailurePolicy decides
what happens to the batch."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from engage.errors import ValidationError
from engage.obs import logger, metrics


class MissingPolicy(StrEnum):
    SKIP = "SKIP"
    DEFAULT = "DEFAULT"


@dataclass(frozen=True)
class SendTimeRules:
    attribute: str = "Offer"  # the endpoint attribute the value is added as
    missing: MissingPolicy = MissingPolicy.SKIP
    default: str = ""

    def __post_init__(self) -> None:
        if self.missing == MissingPolicy.DEFAULT and not self.default:
            raise ValidationError("OfferDefault", "a DEFAULT policy needs a default value")


class OfferSource(Protocol):
    def values(self, app_id: str, endpoint_ids: Sequence[str]) -> Mapping[str, str]:
        """The value of each endpoint that has one (batched reads)."""
        ...


def add_attributes(
    payload: Mapping[str, Any], source: OfferSource, rules: SendTimeRules
) -> tuple[dict[str, Any], list[str]]:
    """The hook's answer (the Endpoints map to send, with the attribute added) and the endpoints
    left out for want of data."""
    endpoints = payload.get("Endpoints")
    if not isinstance(endpoints, Mapping):
        raise ValidationError("Endpoints", "the hook payload carries the batch's Endpoints map")
    app_id = str(payload.get("ApplicationId") or "")
    found = source.values(app_id, list(endpoints))
    answer: dict[str, Any] = {}
    missing: list[str] = []
    for endpoint_id, endpoint in endpoints.items():
        value = found.get(endpoint_id)
        if value is None and rules.missing == MissingPolicy.SKIP:
            missing.append(endpoint_id)
            continue
        attributes = dict(endpoint.get("Attributes") or {})
        attributes[rules.attribute] = [value if value is not None else rules.default]
        answer[endpoint_id] = {**endpoint, "Attributes": attributes}
    return answer, missing


class SendTimeHook:
    """The send-time hook's use case: each endpoint's value added (add_attributes), the endpoints
    given one and those left out counted (OffersAdded, OffersMissing) and logged."""

    def __init__(self, source: OfferSource, rules: SendTimeRules) -> None:
        self.source, self.rules = source, rules

    def answer(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """The Endpoints map to send."""
        answer, missing = add_attributes(payload, self.source, self.rules)
        metrics.add_metric(name="OffersAdded", unit="Count", value=len(answer))
        metrics.add_metric(name="OffersMissing", unit="Count", value=len(missing))
        logger.info(
            "send-time attributes",
            extra={"campaign_id": payload.get("CampaignId"), "added": len(answer), "left_out": len(missing)},
        )
        return answer

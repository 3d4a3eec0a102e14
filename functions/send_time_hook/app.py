"""A campaign FILTER hook (name it in the campaign's Hook.LambdaFunctionName): adds each
endpoint's offer from the offers table as `Attributes.<OFFER_ATTRIBUTE>` and answers the Endpoints
map to send (engage.send_time). Endpoints without an offer are left out (SKIP) or get the default
(DEFAULT), as OFFER_MISSING_POLICY says."""

import functools
import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.adapters.clients import clients
from engage.adapters.offers_dynamodb import DynamoOffers
from engage.obs import logger, metrics
from engage.send_time import MissingPolicy, SendTimeRules, add_attributes


@functools.cache
def rules() -> SendTimeRules:
    return SendTimeRules(
        attribute=os.environ.get("OFFER_ATTRIBUTE", "Offer"),
        missing=MissingPolicy(os.environ.get("OFFER_MISSING_POLICY", "SKIP")),
        default=os.environ.get("OFFER_DEFAULT", ""),
    )


@functools.cache
def offers() -> DynamoOffers:
    return DynamoOffers(os.environ["OFFERS_TABLE"], clients.client("dynamodb"))


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    answer, missing = add_attributes(event, offers(), rules())
    metrics.add_metric(name="OffersAdded", unit="Count", value=len(answer))
    metrics.add_metric(name="OffersMissing", unit="Count", value=len(missing))
    logger.info(
        "send-time attributes",
        extra={"campaign_id": event.get("CampaignId"), "added": len(answer), "left_out": len(missing)},
    )
    return answer

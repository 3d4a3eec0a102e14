"""Amazon Personalize's runtime (GetRecommendations) for the local stack, where there is no model
to train: a campaign is what a test or a demo says it recommends (`train`): items per user, and the
popular items every other user gets, as a USER_PERSONALIZATION campaign answers a user it has never
seen. An ARN no campaign was trained for is answered ResourceNotFoundException, as Personalize
answers a missing campaign; numResults is checked against the model's bounds (1 to 500, default 25)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from engage_local.emulators.framework import ApiError, Emulator

DEFAULT_RESULTS = 25


@dataclass
class TrainedCampaign:
    by_user: dict[str, list[str]]
    popular: list[str]


@dataclass
class PersonalizeCampaigns:
    campaigns: dict[str, TrainedCampaign] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def train(
        self, campaign_arn: str, by_user: Mapping[str, Sequence[str]], popular: Sequence[str] = ()
    ) -> None:
        with self._lock:
            self.campaigns[campaign_arn] = TrainedCampaign(
                {user: list(items) for user, items in by_user.items()}, list(popular)
            )

    def get_recommendations(self, params: dict[str, Any]) -> dict[str, Any]:
        arn = params.get("campaignArn") or params.get("recommenderArn")
        if not arn:
            raise ApiError("InvalidInputException", "campaignArn or recommenderArn is required")
        count = params.get("numResults", DEFAULT_RESULTS)
        if not 1 <= count <= 500:
            raise ApiError("InvalidInputException", "numResults must be between 1 and 500")
        with self._lock:
            campaign = self.campaigns.get(arn)
        if campaign is None:
            raise ApiError("ResourceNotFoundException", f"Resource {arn} does not exist.", 404)
        items = campaign.by_user.get(str(params.get("userId") or ""), campaign.popular)[:count]
        return {
            "itemList": [
                {"itemId": item, "score": round(1.0 / (rank + 2), 6)} for rank, item in enumerate(items)
            ],
            "recommendationId": f"RID-{uuid.uuid4()}",
        }


def personalize_runtime_emulator(campaigns: PersonalizeCampaigns) -> Emulator:
    return Emulator("personalize-runtime", {"GetRecommendations": campaigns.get_recommendations})

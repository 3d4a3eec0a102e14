"""A recommender's items and their transformation, as Pinpoint fetched them when a message went
out: Amazon Personalize GetRecommendations on the configuration's campaign, signed as the role the
configuration names (STS AssumeRole), then the configuration's Lambda function, invoked with the
endpoints and their items.

What retrying can't change (the role can't be assumed, the campaign is missing, access is denied,
the function fails or answers nonsense) is a ValidationError: the sender refuses that message with
the reason. Throttling and transient errors propagate as they are, and the send is tried again."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from engage.adapters.sts.role_clients import RoleClients, refusal
from engage.errors import ValidationError

SESSION_NAME = "engage-recommender"


class PersonalizeRecommendations:
    """`roles`: "personalize-runtime" clients signed as the configuration's role."""

    def __init__(self, roles: RoleClients) -> None:
        self.roles = roles

    def items(self, campaign_arn: str, role_arn: str, user_id: str, count: int) -> list[str]:
        try:
            client = self.roles.client("personalize-runtime", role_arn)
        except ClientError as exc:
            raise refusal(exc, "RecommendationProviderRoleArn", "the role could not be assumed") from None
        try:
            answer = client.get_recommendations(campaignArn=campaign_arn, userId=user_id, numResults=count)
        except ClientError as exc:
            raise refusal(exc, "RecommendationProviderUri", "Personalize gave no recommendations") from None
        return [str(item["itemId"]) for item in answer.get("itemList") or [] if item.get("itemId")][:count]


class LambdaTransformer:
    """`client`: a boto3 Lambda client (the function runs synchronously, as Pinpoint invoked it)."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def transform(self, function: str, payload: Mapping[str, Any]) -> Mapping[str, Any]:
        try:
            answer = self.client.invoke(
                FunctionName=function, InvocationType="RequestResponse", Payload=json.dumps(payload).encode()
            )
        except ClientError as exc:
            raise refusal(exc, "RecommendationTransformerUri", "the function could not be invoked") from None
        body = answer["Payload"].read()
        if answer.get("FunctionError"):
            raise ValidationError(
                "RecommendationTransformerUri", f"the function failed ({answer['FunctionError']})"
            )
        try:
            result = json.loads(body or b"null")
        except ValueError:
            raise ValidationError(
                "RecommendationTransformerUri", "the function's answer is not JSON"
            ) from None
        if not isinstance(result, Mapping):
            raise ValidationError(
                "RecommendationTransformerUri", "the function's answer is not a map of endpoints"
            )
        return result

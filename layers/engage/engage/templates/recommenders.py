"""Pinpoint's recommender model configurations (Create/Get/Update/Delete RecommenderConfiguration,
GetRecommenderConfigurations), checked as its API reference documents each member, and the
recommended attributes a template that names one (`RecommenderId`) renders with, fetched when the
message goes out:

- the Amazon Personalize campaign (`RecommendationProviderUri`) is asked, as the configuration's
  role, for `RecommendationsPerMessage` items for the endpoint's id (PINPOINT_ENDPOINT_ID) or its
  user's (PINPOINT_USER_ID); the items are the endpoint's `RecommendationItems`;
- with a `RecommendationTransformerUri`, that Lambda function gets the endpoints, each with its
  `RecommendationItems`, and answers each endpoint's `Recommendations` (the configuration's custom
  `Attributes`), which templates read as `{{Recommendations.<name>}}`.

An endpoint that can't be given its recommendations is not sent the message (PINPOINT_USER_ID and
no user id, as Pinpoint documented; a model or function that refuses): the sender refuses it with
the reason. Throttling reaches the sender as a transient failure, and the send is retried."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from engage.contacts.model import now_iso
from engage.errors import NotFoundError, ValidationError
from engage.roles import is_role_arn

ID_TYPES = ("PINPOINT_ENDPOINT_ID", "PINPOINT_USER_ID")
DEFAULT_PER_MESSAGE = 5
_CAMPAIGN_ARN = re.compile(r"^arn:aws[a-z-]*:personalize:[a-z0-9-]+:\d{12}:campaign/[A-Za-z0-9_.-]{1,63}$")
_FUNCTION = re.compile(
    r"^(arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:)?[A-Za-z0-9_-]{1,64}(:(\$LATEST|[A-Za-z0-9_-]+))?$"
)
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _-]{0,127}$")
_DESCRIPTION = re.compile("^[A-Za-z0-9 _;(),\u2010-]{0,128}$")  # U+2010: the documented hyphen
_ATTRIBUTE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,49}$")
_DISPLAY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _-]{0,24}$")
# The attributes a transformer answers are read as Recommendations.<name>; the configuration may
# name them with or without that prefix.
ATTRIBUTE_PREFIX = "Recommendations."
MEMBERS = (
    "Attributes",
    "Description",
    "Name",
    "RecommendationProviderIdType",
    "RecommendationProviderRoleArn",
    "RecommendationProviderUri",
    "RecommendationTransformerUri",
    "RecommendationsDisplayName",
    "RecommendationsPerMessage",
)


def check_configuration(request: Mapping[str, Any]) -> dict[str, Any]:
    """A Create/UpdateRecommenderConfiguration body, checked; the configuration it describes, with
    Pinpoint's defaults filled in."""
    if not isinstance(request, Mapping):
        raise ValidationError("RecommenderConfiguration", "must be an object")
    unknown = sorted(set(request) - set(MEMBERS))
    if unknown:
        raise ValidationError(unknown[0], "is not a member of a recommender configuration")
    uri = request.get("RecommendationProviderUri")
    if not isinstance(uri, str) or not _CAMPAIGN_ARN.match(uri):
        raise ValidationError(
            "RecommendationProviderUri", "must be the ARN of an Amazon Personalize campaign"
        )
    if not is_role_arn(request.get("RecommendationProviderRoleArn"), any_account=True):
        raise ValidationError("RecommendationProviderRoleArn", "must be the ARN of an IAM role")
    id_type = request.get("RecommendationProviderIdType", ID_TYPES[0])
    if id_type not in ID_TYPES:
        raise ValidationError("RecommendationProviderIdType", f"must be one of {', '.join(ID_TYPES)}")
    per_message = request.get("RecommendationsPerMessage", DEFAULT_PER_MESSAGE)
    if isinstance(per_message, bool) or not isinstance(per_message, int) or not 1 <= per_message <= 5:
        raise ValidationError("RecommendationsPerMessage", "must be a whole number from 1 to 5")
    transformer = request.get("RecommendationTransformerUri")
    if transformer is not None and not (isinstance(transformer, str) and _FUNCTION.match(transformer)):
        raise ValidationError("RecommendationTransformerUri", "must be a Lambda function's name or ARN")
    attributes = request.get("Attributes")
    if transformer is None:
        if attributes is not None:
            raise ValidationError(
                "Attributes", "is only for a configuration with a RecommendationTransformerUri"
            )
        if not _text(request.get("RecommendationsDisplayName"), _DISPLAY):
            raise ValidationError(
                "RecommendationsDisplayName",
                "is required without a RecommendationTransformerUri: up to 25 letters, digits, spaces, "
                "'_' or '-', starting with a letter or digit",
            )
    else:
        _check_attributes(attributes)
    if request.get("Name") is not None and not _text(request["Name"], _NAME):
        raise ValidationError(
            "Name", "up to 128 letters, digits, spaces, '_' or '-', starting with a letter or digit"
        )
    if request.get("Description") is not None and not _text(request["Description"], _DESCRIPTION):
        raise ValidationError("Description", "up to 128 letters, digits, spaces or _ ; ( ) , -")
    checked = {name: request[name] for name in MEMBERS if request.get(name) is not None}
    return {**checked, "RecommendationProviderIdType": id_type, "RecommendationsPerMessage": per_message}


def _check_attributes(attributes: Any) -> None:
    if not isinstance(attributes, Mapping) or not 1 <= len(attributes) <= 10:
        raise ValidationError("Attributes", "a configuration with a transformer names 1 to 10 attributes")
    for name, display in attributes.items():
        if not _text(str(name).removeprefix(ATTRIBUTE_PREFIX), _ATTRIBUTE):
            raise ValidationError(
                "Attributes",
                f"{name!r}: a name is up to 50 letters, digits, '_' or '-', starting with a letter or digit",
            )
        if not _text(display, _DISPLAY):
            raise ValidationError(
                "Attributes", f"{name!r}: a display name is up to 25 letters, digits, spaces, '_' or '-'"
            )


def _text(value: Any, pattern: re.Pattern[str]) -> bool:
    return isinstance(value, str) and bool(pattern.match(value))


class RecommenderStore(Protocol):
    def put(self, configuration: dict[str, Any], new: bool) -> None:
        """Stores it; ConflictError when `new` and the id is taken, NotFoundError when not `new`
        and it is gone."""
        ...

    def get(self, recommender_id: str) -> dict[str, Any] | None: ...
    def all(self) -> list[dict[str, Any]]: ...
    def delete(self, recommender_id: str) -> bool:
        """False when there was none."""
        ...


@dataclass
class Recommenders:
    store: RecommenderStore
    clock: Callable[[], str] = field(default=now_iso)

    def create(self, request: Mapping[str, Any]) -> dict[str, Any]:
        now = self.clock()
        configuration = {
            **check_configuration(request),
            "Id": uuid.uuid4().hex,
            "CreationDate": now,
            "LastModifiedDate": now,
        }
        self.store.put(configuration, new=True)
        return configuration

    def get(self, recommender_id: str) -> dict[str, Any]:
        found = self.store.get(recommender_id)
        if found is None:
            raise NotFoundError(f"recommender configuration {recommender_id!r} does not exist")
        return found

    def update(self, recommender_id: str, request: Mapping[str, Any]) -> dict[str, Any]:
        """Replaces the configuration (the request is the whole of it, as Pinpoint's update took it)."""
        previous = self.get(recommender_id)
        configuration = {
            **check_configuration(request),
            "Id": recommender_id,
            "CreationDate": previous["CreationDate"],
            "LastModifiedDate": self.clock(),
        }
        self.store.put(configuration, new=False)
        return configuration

    def delete(self, recommender_id: str) -> dict[str, Any]:
        found = self.get(recommender_id)
        if not self.store.delete(recommender_id):
            raise NotFoundError(f"recommender configuration {recommender_id!r} does not exist")
        return found

    def list(self) -> list[dict[str, Any]]:
        return sorted(self.store.all(), key=lambda c: (c["CreationDate"], c["Id"]))


class RecommenderModel(Protocol):
    def items(self, campaign_arn: str, role_arn: str, user_id: str, count: int) -> list[str]:
        """The model's items for one user, best first (Personalize GetRecommendations)."""
        ...


class RecommendationTransformer(Protocol):
    def transform(self, function: str, payload: Mapping[str, Any]) -> Mapping[str, Any]:
        """The function's answer to the payload (a map of endpoint ids)."""
        ...


@dataclass
class RecommendedAttributes:
    """The variables a recommender adds to one endpoint's message, at send time."""

    recommenders: Callable[[str], Mapping[str, Any]]  # a configuration by id; NotFoundError for none
    model: RecommenderModel
    transformer: RecommendationTransformer

    def for_endpoint(
        self, recommender_id: str, endpoint: Mapping[str, Any], message: Mapping[str, Any]
    ) -> dict[str, Any]:
        """{"RecommendationItems": [...]} and, through a transformer, {"Recommendations": {...}}.
        `message`: what the transformer is told about the send (ApplicationId, CampaignId, ...)."""
        configuration = self.recommenders(recommender_id)
        if configuration["RecommendationProviderIdType"] == "PINPOINT_USER_ID":
            user_id = (endpoint.get("User") or {}).get("UserId")
            if not user_id:
                raise ValidationError(
                    "User.UserId", "the recommender correlates by user id and the endpoint has none"
                )
        else:
            user_id = endpoint["Id"]
        items = self.model.items(
            configuration["RecommendationProviderUri"],
            configuration["RecommendationProviderRoleArn"],
            str(user_id),
            int(configuration["RecommendationsPerMessage"]),
        )
        variables: dict[str, Any] = {"RecommendationItems": items}
        function = configuration.get("RecommendationTransformerUri")
        if not function:
            return variables
        endpoint_id = str(endpoint["Id"])
        payload = {**message, "Endpoints": {endpoint_id: {**endpoint, **variables}}}
        answer = self.transformer.transform(function, payload)
        # The documented answer is the map of endpoints; one of its examples wraps it in "Endpoints".
        endpoints = answer.get("Endpoints", answer) if isinstance(answer, Mapping) else {}
        transformed = endpoints.get(endpoint_id) if isinstance(endpoints, Mapping) else None
        recommendations = transformed.get("Recommendations") if isinstance(transformed, Mapping) else None
        if not isinstance(recommendations, Mapping):
            raise ValidationError(
                "RecommendationTransformerUri",
                "the function's answer has no Recommendations for the endpoint",
            )
        wanted = {str(name).removeprefix(ATTRIBUTE_PREFIX) for name in configuration.get("Attributes") or {}}
        variables["Recommendations"] = {k: v for k, v in recommendations.items() if k in wanted}
        return variables

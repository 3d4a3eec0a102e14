"""Recommender model configurations (engage.templates.recommenders): Pinpoint's documented rules for
each member, the configuration's life, and the recommended attributes a message renders with; the
Personalize and Lambda adapter, its requests checked against botocore's models."""

import io
import json
from datetime import UTC, datetime

import boto3
import pytest
from botocore.stub import Stubber
from engage.adapters.personalize.recommendations import (
    SESSION_NAME,
    LambdaTransformer,
    PersonalizeRecommendations,
)
from engage.adapters.sts.role_clients import RoleClients
from engage.errors import NotFoundError, ValidationError
from engage.templates.recommenders import RecommendedAttributes, Recommenders, check_configuration
from engage.templates.render import render

from tests.support.shapes import sample

CAMPAIGN = "arn:aws:personalize:us-east-1:123456789012:campaign/movies"
ROLE = "arn:aws:iam::123456789012:role/recommender"
PLAIN = {
    "RecommendationProviderUri": CAMPAIGN,
    "RecommendationProviderRoleArn": ROLE,
    "RecommendationsDisplayName": "Movie picks",
}
TRANSFORMED = {
    "RecommendationProviderUri": CAMPAIGN,
    "RecommendationProviderRoleArn": ROLE,
    "RecommendationTransformerUri": "engage-recommender-titles",
    "Attributes": {"Recommendations.Title": "Title", "Genre": "Genre"},
    "RecommendationsPerMessage": 2,
}


class MemoryRecommenders:
    def __init__(self):
        self.items = {}

    def put(self, configuration, new):
        if not new and configuration["Id"] not in self.items:
            raise NotFoundError("gone")
        self.items[configuration["Id"]] = configuration

    def get(self, recommender_id):
        return self.items.get(recommender_id)

    def all(self):
        return list(self.items.values())

    def delete(self, recommender_id):
        return self.items.pop(recommender_id, None) is not None


def test_pinpoints_defaults_are_filled_in():
    checked = check_configuration(PLAIN)
    assert checked["RecommendationsPerMessage"] == 5
    assert checked["RecommendationProviderIdType"] == "PINPOINT_ENDPOINT_ID"


@pytest.mark.parametrize(
    ("change", "member"),
    [
        ({"RecommendationProviderUri": "arn:aws:s3:::bucket"}, "RecommendationProviderUri"),
        (
            {"RecommendationProviderRoleArn": "arn:aws:iam::123456789012:user/x"},
            "RecommendationProviderRoleArn",
        ),
        ({"RecommendationProviderIdType": "EMAIL"}, "RecommendationProviderIdType"),
        ({"RecommendationsPerMessage": 6}, "RecommendationsPerMessage"),
        ({"RecommendationsPerMessage": True}, "RecommendationsPerMessage"),
        ({"RecommendationsDisplayName": None}, "RecommendationsDisplayName"),
        ({"RecommendationsDisplayName": "x" * 26}, "RecommendationsDisplayName"),
        ({"Attributes": {"Title": "Title"}}, "Attributes"),  # only with a transformer
        ({"Name": "-starts-badly"}, "Name"),
        ({"Description": "no <tags>"}, "Description"),
        ({"Colour": "red"}, "Colour"),
    ],
)
def test_a_configuration_pinpoint_would_refuse_names_the_member(change, member):
    request = {k: v for k, v in {**PLAIN, **change}.items() if v is not None}
    with pytest.raises(ValidationError, match=member):
        check_configuration(request)


@pytest.mark.parametrize(
    "attributes",
    [
        None,
        {},
        {f"A{i}": "a" for i in range(11)},
        {"bad name": "x"},
        {"Title": "a display name far too long"},
    ],
)
def test_a_transformer_needs_one_to_ten_well_named_attributes(attributes):
    request = {k: v for k, v in {**TRANSFORMED, "Attributes": attributes}.items() if v is not None}
    with pytest.raises(ValidationError, match="Attributes"):
        check_configuration(request)


def test_a_configuration_is_created_read_listed_replaced_and_deleted():
    times = iter(["2026-12-07T08:00:00.000Z", "2026-12-07T09:00:00.000Z"])
    recommenders = Recommenders(MemoryRecommenders(), clock=lambda: next(times))
    made = recommenders.create(PLAIN)
    assert recommenders.get(made["Id"]) == made and recommenders.list() == [made]
    replaced = recommenders.update(made["Id"], TRANSFORMED)
    assert replaced["CreationDate"] == made["CreationDate"] != replaced["LastModifiedDate"]
    assert "RecommendationsDisplayName" not in replaced  # the update is the whole configuration
    assert recommenders.delete(made["Id"]) == replaced
    with pytest.raises(NotFoundError):
        recommenders.get(made["Id"])
    with pytest.raises(NotFoundError):
        recommenders.update(made["Id"], PLAIN)


class Model:
    def __init__(self, items):
        self.items_by_user, self.asked = items, []

    def items(self, campaign_arn, role_arn, user_id, count):
        self.asked.append((campaign_arn, role_arn, user_id, count))
        return self.items_by_user.get(user_id, [])[:count]


class Titles:
    def __init__(self, answer=None):
        self.payloads, self.answer = [], answer

    def transform(self, function, payload):
        self.payloads.append((function, payload))
        if self.answer is not None:
            return self.answer
        return {
            endpoint_id: {
                **endpoint,
                "Recommendations": {
                    "Title": [i.upper() for i in endpoint["RecommendationItems"]],
                    "Other": ["x"],
                },
            }
            for endpoint_id, endpoint in payload["Endpoints"].items()
        }


def attributes_for(configuration, model, transformer=None):
    configuration = {**check_configuration(configuration), "Id": "r1"}
    return RecommendedAttributes(lambda _id: configuration, model, transformer or Titles())


def test_the_items_are_the_endpoints_recommendation_items():
    model = Model({"ep-1": ["i-1", "i-2", "i-3"]})
    variables = attributes_for(PLAIN, model).for_endpoint("r1", {"Id": "ep-1"}, {})
    assert variables == {"RecommendationItems": ["i-1", "i-2", "i-3"]}
    assert model.asked == [(CAMPAIGN, ROLE, "ep-1", 5)]
    rendered = render("{{RecommendationItems.[1]}} of {{RecommendationItems.length}}", variables)
    assert rendered == "i-2 of 3"


def test_a_transformer_gets_the_endpoint_with_its_items_and_its_named_attributes_are_kept():
    model, titles = Model({"ep-1": ["a", "b", "c"]}), Titles()
    endpoint = {"Id": "ep-1", "ChannelType": "SMS", "Address": "+12065550100"}
    variables = attributes_for(TRANSFORMED, model, titles).for_endpoint(
        "r1", endpoint, {"ApplicationId": "app", "CampaignId": "c1"}
    )
    assert variables == {"RecommendationItems": ["a", "b"], "Recommendations": {"Title": ["A", "B"]}}
    ((function, payload),) = titles.payloads
    assert function == "engage-recommender-titles"
    assert payload == {
        "ApplicationId": "app",
        "CampaignId": "c1",
        "Endpoints": {"ep-1": {**endpoint, "RecommendationItems": ["a", "b"]}},
    }


def test_a_user_id_recommender_refuses_an_endpoint_without_a_user():
    by_user = {**PLAIN, "RecommendationProviderIdType": "PINPOINT_USER_ID"}
    model = Model({"ana": ["i-1"]})
    assert attributes_for(by_user, model).for_endpoint("r1", {"Id": "e", "User": {"UserId": "ana"}}, {}) == {
        "RecommendationItems": ["i-1"]
    }
    with pytest.raises(ValidationError, match="UserId"):
        attributes_for(by_user, model).for_endpoint("r1", {"Id": "e"}, {})


@pytest.mark.parametrize("answer", [{}, {"ep-1": {"Id": "ep-1"}}, {"ep-1": {"Recommendations": ["x"]}}])
def test_a_transformer_answer_without_the_endpoints_recommendations_refuses_the_message(answer):
    with pytest.raises(ValidationError, match="Recommendations"):
        attributes_for(TRANSFORMED, Model({"ep-1": ["a"]}), Titles(answer)).for_endpoint(
            "r1", {"Id": "ep-1"}, {}
        )


# --- the adapter --------------------------------------------------------------------------------
REGION = {"region_name": "us-east-1", "aws_access_key_id": "x", "aws_secret_access_key": "x"}
CREDENTIALS = {
    "Credentials": {
        "AccessKeyId": "ASIAEXAMPLE0000000",
        "SecretAccessKey": "secret",
        "SessionToken": "token",
        "Expiration": datetime(2030, 1, 1, tzinfo=UTC),
    },
    "AssumedRoleUser": {"AssumedRoleId": "AROA:x", "Arn": "arn:aws:sts::123456789012:assumed-role/x/y"},
}


def test_personalize_is_asked_as_the_role_once_per_role_and_its_items_answered():
    sts, runtime = boto3.client("sts", **REGION), boto3.client("personalize-runtime", **REGION)
    roles = RoleClients(sts, lambda service, _c: runtime, SESSION_NAME, lambda: 0.0)
    with Stubber(sts) as sts_stub, Stubber(runtime) as runtime_stub:
        sts_stub.add_response("assume_role", CREDENTIALS, {"RoleArn": ROLE, "RoleSessionName": SESSION_NAME})
        for user in ("u1", "u2"):
            runtime_stub.add_response(
                "get_recommendations",
                {"itemList": [{"itemId": "i-1", "score": 0.5}, {"itemId": "i-2"}], "recommendationId": "r"},
                {"campaignArn": CAMPAIGN, "userId": user, "numResults": 2},
            )
        runtime_stub.add_client_error("get_recommendations", "ResourceNotFoundException", "gone", 404)
        runtime_stub.add_client_error("get_recommendations", "ThrottlingException", "slow", 400)
        model = PersonalizeRecommendations(roles)
        assert model.items(CAMPAIGN, ROLE, "u1", 2) == ["i-1", "i-2"]
        assert model.items(CAMPAIGN, ROLE, "u2", 2) == ["i-1", "i-2"]
        with pytest.raises(ValidationError, match="ResourceNotFoundException"):
            model.items(CAMPAIGN, ROLE, "u3", 2)
        with pytest.raises(Exception, match="ThrottlingException") as raised:
            model.items(CAMPAIGN, ROLE, "u3", 2)
        assert not isinstance(raised.value, ValidationError)  # a send to retry, not to refuse


def test_a_role_that_cant_be_assumed_refuses_the_message():
    sts = boto3.client("sts", **REGION)
    roles = RoleClients(sts, lambda service, _c: None, SESSION_NAME, lambda: 0.0)
    with Stubber(sts) as sts_stub:
        sts_stub.add_client_error("assume_role", "AccessDenied", "no", 403)
        with pytest.raises(ValidationError, match="RecommendationProviderRoleArn"):
            PersonalizeRecommendations(roles).items(CAMPAIGN, ROLE, "u1", 2)


def _invoked(payload: bytes, error: str | None = None) -> dict:
    answer = {"StatusCode": 200, "Payload": io.BytesIO(payload)}
    return {**answer, "FunctionError": error} if error else answer


def test_the_transformer_is_invoked_synchronously_and_its_failures_refuse_the_message():
    client = boto3.client("lambda", **REGION)
    payload = {"Endpoints": {"e": {"Id": "e"}}}
    expected = {
        "FunctionName": "f",
        "InvocationType": "RequestResponse",
        "Payload": json.dumps(payload).encode(),
    }
    with Stubber(client) as stub:
        stub.add_response("invoke", _invoked(b'{"e": {"Recommendations": {"T": ["x"]}}}'), expected)
        stub.add_response("invoke", _invoked(b'{"errorMessage": "boom"}', "Unhandled"), expected)
        stub.add_response("invoke", _invoked(b"[1, 2]"), expected)
        transformer = LambdaTransformer(client)
        assert transformer.transform("f", payload) == {"e": {"Recommendations": {"T": ["x"]}}}
        with pytest.raises(ValidationError, match="failed"):
            transformer.transform("f", payload)
        with pytest.raises(ValidationError, match="map of endpoints"):
            transformer.transform("f", payload)


# --- the documented shapes (events/aws/recommender/, each file's page in sources.json) ----------
def test_the_documented_payload_is_what_the_function_gets_and_its_documented_answer_is_read():
    documented = sample("aws/recommender/transformer_payload.json")
    endpoint_id, endpoint = next(iter(documented["Endpoints"].items()))
    stored = {k: v for k, v in endpoint.items() if k != "RecommendationItems"}
    answer = sample("aws/recommender/transformer_answer.json")
    titles = Titles(answer)
    configuration = {
        **TRANSFORMED,
        "Attributes": {"Recommendations.Title": "Title"},
        "RecommendationsPerMessage": 3,
    }
    variables = attributes_for(
        configuration, Model({endpoint_id: endpoint["RecommendationItems"]}), titles
    ).for_endpoint(
        "r1", {"Id": endpoint_id, **stored}, {k: v for k, v in documented.items() if k != "Endpoints"}
    )
    ((_function, payload),) = titles.payloads
    sent = payload["Endpoints"][endpoint_id]
    assert {**payload, "Endpoints": {endpoint_id: {k: v for k, v in sent.items() if k != "Id"}}} == documented
    assert variables == {
        "RecommendationItems": ["1815", "2009", "1527"],
        "Recommendations": {"Title": ["Fleabag", "Late Night", "Catastrophe"]},  # Genre is not configured
    }


def test_personalizes_documented_answer_gives_the_items_best_first():
    sts, runtime = boto3.client("sts", **REGION), boto3.client("personalize-runtime", **REGION)
    roles = RoleClients(sts, lambda service, _c: runtime, SESSION_NAME, lambda: 0.0)
    with Stubber(sts) as sts_stub, Stubber(runtime) as runtime_stub:  # the answer checked against the model
        sts_stub.add_response("assume_role", CREDENTIALS, {"RoleArn": ROLE, "RoleSessionName": SESSION_NAME})
        runtime_stub.add_response(
            "get_recommendations",
            sample("aws/recommender/get_recommendations.json"),
            {"campaignArn": CAMPAIGN, "userId": "endpointIDexample-1", "numResults": 3},
        )
        items = PersonalizeRecommendations(roles).items(CAMPAIGN, ROLE, "endpointIDexample-1", 3)
    assert items == ["1815", "2009", "1527"]

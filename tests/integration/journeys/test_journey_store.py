"""Journeys on DynamoDB (the journeys application's JourneysTable, on moto): kept whole, listed per
application, and a concurrent update refused rather than lost."""

from __future__ import annotations

import pytest
from engage.adapters.dynamodb.journeys import DynamoJourneyStore
from engage.errors import ConflictError
from engage.journeys.model import Journeys

from devtools.template import create_table

APP = "0123456789abcdef0123456789abcdef"
REQUEST = {
    "Name": "Welcome",
    "StartActivity": "hello",
    "Activities": {"hello": {"EMAIL": {"TemplateName": "welcome"}}},
    "Limits": {"DailyCap": 1, "EndpointReentryInterval": "PT1H"},
}


@pytest.fixture
def store(dynamodb):
    return DynamoJourneyStore(create_table(dynamodb, "JourneysTable"), dynamodb)


def test_journeys_are_kept_whole_per_application(store):
    journeys = Journeys(store)
    first = journeys.create(APP, REQUEST)
    journeys.create(APP, {**REQUEST, "Name": "Second"})
    journeys.create("fedcba9876543210fedcba9876543210", REQUEST)
    assert store.get(APP, first["Id"]) == first
    assert {j["Name"] for j in store.list(APP)} == {"Welcome", "Second"}  # not the other application's
    journeys.delete(APP, first["Id"])
    assert store.get(APP, first["Id"]) is None


def test_an_update_based_on_an_older_version_is_refused(store):
    journeys = Journeys(store)
    journey = journeys.create(APP, REQUEST)
    store.put(
        {**journey, "Name": "changed", "LastModifiedDate": "2099-01-01T00:00:00.000Z"},
        journey["LastModifiedDate"],
    )
    with pytest.raises(ConflictError):
        store.put({**journey, "Name": "lost"}, journey["LastModifiedDate"])
    with pytest.raises(ConflictError):
        store.put(journey)  # a second create under the same id

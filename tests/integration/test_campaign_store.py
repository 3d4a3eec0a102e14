"""Campaigns on moto (the campaigns application's CampaignsTable): versions move on, a lost update
is refused, listing and deletion."""

import pytest

from devtools.template import create_table

REQUEST = {
    "Name": "spring",
    "SegmentId": "seg-1",
    "MessageConfiguration": {"SMSMessage": {"Body": "Hi"}},
    "Schedule": {"StartTime": "IMMEDIATE"},
}


def test_campaigns_are_versioned_and_a_lost_update_is_refused(dynamodb):
    from engage.adapters.campaigns_dynamodb import DynamoCampaignStore
    from engage.campaigns.model import Campaigns, updated_campaign
    from engage.errors import ConflictError, NotFoundError

    store = DynamoCampaignStore(create_table(dynamodb, "CampaignsTable", app="campaigns"), dynamodb)
    campaigns = Campaigns(store)
    first = campaigns.create("app1", REQUEST)
    second = campaigns.create("app1", {**REQUEST, "Name": "summer"})
    campaigns.create("app2", REQUEST)
    assert [c["Name"] for c in campaigns.list("app1")] == ["spring", "summer"]
    updated = campaigns.update("app1", first["Id"], {**REQUEST, "Name": "spring 2"})
    assert updated["Version"] == 2 and campaigns.get("app1", first["Id"])["Name"] == "spring 2"
    stale = updated_campaign(first, {**REQUEST, "Name": "lost"})  # written from version 1
    with pytest.raises(ConflictError):
        store.put(stale, replacing_version=1)
    assert campaigns.delete("app1", second["Id"])["Name"] == "summer"
    with pytest.raises(NotFoundError):
        campaigns.get("app1", second["Id"])
    # every application's campaigns, for the lake's names export; cap counters are not campaigns
    from engage.adapters.campaigns_dynamodb import DynamoCapCounter

    DynamoCapCounter(store.table, dynamodb).take("app1", first["Id"], "ep-1", "20261120", 1, 5, "run-1")
    assert sorted((c["ApplicationId"], c["Name"]) for c in store.all()) == [
        ("app1", "spring 2"),
        ("app2", "spring"),
    ]


def test_endpoint_caps_are_counted_atomically_per_day_and_in_total(dynamodb):
    from engage.adapters.campaigns_dynamodb import DynamoCapCounter

    caps = DynamoCapCounter(create_table(dynamodb, "CampaignsTable", app="campaigns"), dynamodb)
    taken = [caps.take("app1", "c1", "ep-1", "2026-11-25", 2, 3, f"run-{n}") for n in range(3)]
    assert taken == [True, True, False]  # two a day
    assert caps.take("app1", "c1", "ep-1", "2026-11-26", 2, 3, "run-3") is True
    assert caps.take("app1", "c1", "ep-1", "2026-11-27", 2, 3, "run-4") is False  # three in all
    assert caps.take("app1", "c1", "ep-2", "2026-11-27", 2, 3, "run-4") is True  # per endpoint
    assert (
        caps.take("app1", "c2", "ep-1", "2026-11-27", None, None, "run-4") is True
    )  # no limits, still counted


def test_a_retried_run_is_counted_once_and_still_allowed(dynamodb):
    from engage.adapters.campaigns_dynamodb import DynamoCapCounter

    caps = DynamoCapCounter(create_table(dynamodb, "CampaignsTable", app="campaigns"), dynamodb)
    assert caps.take("app1", "c1", "ep-1", "2026-11-25", 1, None, "run-1") is True
    assert caps.take("app1", "c1", "ep-1", "2026-11-25", 1, None, "run-1") is True  # the same run again
    assert caps.take("app1", "c1", "ep-1", "2026-11-25", 1, None, "run-2") is False  # another run: capped
    item = dynamodb.get_item(
        TableName=caps.table, Key={"pk": {"S": "CAP#app1#c1"}, "sk": {"S": "ep-1"}}, ConsistentRead=True
    )["Item"]
    assert item["total"] == {"N": "1"}  # counted once

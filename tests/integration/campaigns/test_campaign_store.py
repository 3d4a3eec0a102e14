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
    from engage.adapters.dynamodb.campaigns import DynamoCampaignStore
    from engage.campaigns.model import Campaigns, updated_campaign
    from engage.errors import ConflictError, NotFoundError

    store = DynamoCampaignStore(create_table(dynamodb, "CampaignsTable"), dynamodb)
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
    # every application's campaigns, for the lake's names export
    assert sorted((c["ApplicationId"], c["Name"]) for c in store.all()) == [
        ("app1", "spring 2"),
        ("app2", "spring"),
    ]


def test_a_deleted_campaign_is_gone_but_its_name_is_kept_for_the_names_export(dynamodb):
    from engage.adapters.dynamodb.campaigns import DynamoCampaignStore
    from engage.campaigns.model import Campaigns
    from engage.errors import NotFoundError
    from engage.lake.names import name_rows

    store = DynamoCampaignStore(create_table(dynamodb, "CampaignsTable"), dynamodb)
    campaigns = Campaigns(store)
    kept = campaigns.create("app1", REQUEST)
    gone = campaigns.create("app1", {**REQUEST, "Name": "black friday"})
    campaigns.update("app1", gone["Id"], {**REQUEST, "Name": "black friday 2026"})
    campaigns.delete("app1", gone["Id"])
    with pytest.raises(NotFoundError):
        campaigns.get("app1", gone["Id"])
    assert [c["Id"] for c in campaigns.list("app1")] == [kept["Id"]]
    assert [c["Id"] for c in store.all()] == [kept["Id"]]
    (deleted,) = store.deleted()
    assert (deleted["Id"], deleted["Name"], deleted["SegmentId"]) == (
        gone["Id"],
        "black friday 2026",
        "seg-1",
    )
    assert deleted["DeletionDate"].endswith("Z")
    store.delete("app1", gone["Id"])  # deleting it again changes nothing
    assert len(list(store.deleted())) == 1
    rows = {r["id"]: r for r in name_rows(store.all(), [], store.deleted())}
    assert (rows[gone["Id"]]["name"], rows[gone["Id"]]["deleted"]) == ("black friday 2026", True)
    assert rows[kept["Id"]]["deleted"] is False


def test_a_delete_racing_an_update_keeps_the_name_the_campaign_had_when_it_went(dynamodb):
    from engage.adapters.dynamodb.campaigns import DynamoCampaignStore
    from engage.campaigns.model import Campaigns

    table = create_table(dynamodb, "CampaignsTable")
    campaigns = Campaigns(DynamoCampaignStore(table, dynamodb))
    campaign = campaigns.create("app1", REQUEST)

    class RenamedMeanwhile(DynamoCampaignStore):
        renamed = False

        def get(self, app_id, campaign_id):
            found = super().get(app_id, campaign_id)
            if found and not self.renamed:  # another request renames it right after this read
                self.renamed = True
                campaigns.update(app_id, campaign_id, {**REQUEST, "Name": "renamed"})
            return found

    store = RenamedMeanwhile(table, dynamodb)
    store.delete("app1", campaign["Id"])
    (deleted,) = store.deleted()
    assert deleted["Name"] == "renamed" and store.get("app1", campaign["Id"]) is None


DAY = 24 * 3600


def test_endpoint_caps_are_counted_atomically_per_rolling_day_and_in_total(dynamodb):
    from engage.adapters.dynamodb.caps import DynamoCaps
    from engage.sending.caps import caps_for

    caps = DynamoCaps(create_table(dynamodb, "SendsTable", app="sending"), dynamodb)
    wanted = caps_for("app1", "ep-1", "c1", {"Daily": 2, "Total": 3})
    noon = 1_800_000_000.0
    taken = [caps.take(wanted, f"send-{n}", noon + n) for n in range(3)]
    assert taken == [True, True, False]  # two in any 24 hours
    assert caps.allows(wanted, noon + DAY - 1) is False, "the window rolls; it does not reset at midnight"
    assert caps.take(wanted, "send-3", noon + DAY + 1) is True  # the first left the window
    assert caps.take(wanted, "send-4", noon + 3 * DAY) is False  # three in all
    assert caps.take(caps_for("app1", "ep-2", "c1", {"Daily": 2, "Total": 3}), "send-5", noon) is True


def test_a_journeys_timeframe_cap_and_the_applications_journey_caps_span_their_windows(dynamodb):
    from engage.adapters.dynamodb.caps import DynamoCaps
    from engage.sending.caps import caps_for

    caps = DynamoCaps(create_table(dynamodb, "SendsTable", app="sending"), dynamodb)
    own = caps_for("app1", "ep-1", None, {"Timeframe": 2, "TimeframeDays": 7}, journey_id="j1")
    noon = 1_800_000_000.0
    assert [caps.take(own, f"j1-{n}", noon + n * DAY) for n in range(3)] == [True, True, False]
    assert caps.take(own, "j1-3", noon + 7 * DAY + 1) is True  # the first left the seven days
    every = {"JourneysDaily": 1, "JourneysTimeframe": 2, "JourneysTimeframeDays": 3}
    first, second = (caps_for("app1", "ep-2", None, every, journey_id=j) for j in ("j1", "j2"))
    assert caps.take(first, "j1-ep-2", noon) is True
    assert caps.take(second, "j2-ep-2", noon + 60) is False  # another journey, the same day
    assert caps.take(second, "j2-ep-2", noon + DAY + 1) is True
    assert caps.take(first, "j1-ep-2-b", noon + 2 * DAY + 2) is False  # two in three days, all journeys
    assert caps.take(first, "j1-ep-2-b", noon + 3 * DAY + 1) is True


def test_the_applications_daily_cap_spans_its_campaigns_and_a_send_is_counted_once(dynamodb):
    from engage.adapters.dynamodb.caps import DynamoCaps
    from engage.sending.caps import caps_for

    caps = DynamoCaps(create_table(dynamodb, "SendsTable", app="sending"), dynamodb)
    first, second = (caps_for("app1", "ep-1", c, {"AppDaily": 1}) for c in ("c1", "c2"))
    assert caps.take(first, "app1#c1#run#ep-1", 1_800_000_000) is True
    assert caps.take(first, "app1#c1#run#ep-1", 1_800_000_010) is True  # the same send again
    assert caps.take(second, "app1#c2#run#ep-1", 1_800_000_020) is False  # another campaign: capped
    item = dynamodb.get_item(
        TableName=caps.table, Key={"pk": {"S": "app1#CAP#APP#ep-1"}}, ConsistentRead=True
    )
    assert item["Item"]["total"] == {"N": "1"}  # counted once

"""The campaign workflow's start and finish handlers (functions/campaigns/campaign_start,
functions/campaigns/campaign_finish)
fed their sample events (events/campaigns/campaign_start/, events/campaigns/campaign_finish/), with the use
cases put in at
the wiring's accessor on in-memory applications, campaigns, segments, objects and job store; and the
campaigns wiring's settings."""

from __future__ import annotations

import copy
import gzip
import json
from typing import Any

import pytest
from engage.campaigns import wiring
from engage.campaigns.model import Campaigns, new_campaign
from engage.campaigns.runs import settle
from engage.campaigns.start import CampaignStart
from engage.campaigns.wiring import CampaignSettings
from engage.errors import ConflictError, ValidationError
from engage.jobs import JobClosing

from tests.support.apps import SAMPLE_APP
from tests.support.thin_handlers import Context, MemoryJobs, MemoryObjects, handler, sample

BUCKET = "work-bucket"
PEOPLE = [
    {"ApplicationId": SAMPLE_APP, "Id": f"e{i}", "ChannelType": "SMS", "Address": f"+1206555010{i}"}
    for i in range(3)
]


class Applications:
    def require(self, app_id: str) -> dict[str, Any]:
        return {"application": {"Id": app_id}}


class MemoryCampaignStore:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str], dict[str, Any]] = {}

    def put(self, campaign: dict[str, Any], replacing_version: int | None = None) -> None:
        key = (campaign["ApplicationId"], campaign["Id"])
        if replacing_version is None and key in self.items:
            raise ConflictError(f"campaign {campaign['Id']} exists")
        self.items[key] = copy.deepcopy(campaign)

    def get(self, app_id: str, campaign_id: str) -> dict[str, Any] | None:
        return copy.deepcopy(self.items.get((app_id, campaign_id)))


class Audience:
    """The segments' endpoints, split in `parts` by position."""

    def __init__(self, parts: int = 1, people: list[dict[str, Any]] = PEOPLE) -> None:
        self.asked: list[tuple[str, str, int, int]] = []
        self.parts, self.people = parts, people

    def parts_for(self, items_per_part: int, most: int) -> int:
        return min(self.parts, most)

    def evaluate_part(self, app_id: str, segment_id: str, part: int, parts: int):
        self.asked.append((app_id, segment_id, part, parts))
        return iter(self.people[part::parts])


class ZoneSnapshots:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str], Any] = {}

    def put(self, app_id: str, campaign_id: str, snapshot: Any) -> None:
        self.items[(app_id, campaign_id)] = snapshot


@pytest.fixture
def campaigns(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    parts: dict[str, Any] = {
        "store": MemoryCampaignStore(),
        "audience": Audience(),
        "objects": MemoryObjects(),
        "zones": ZoneSnapshots(),
        "jobs": MemoryJobs(),
    }
    parts["start"] = starting(parts, parts["audience"])
    monkeypatch.setattr(wiring, "campaign_start", lambda: parts["start"])
    monkeypatch.setattr(wiring, "run_closing", lambda: JobClosing(parts["jobs"], "campaign run", settle))
    return parts


def starting(parts: dict[str, Any], audience: Audience) -> CampaignStart:
    parts["audience"] = audience
    return CampaignStart(
        Applications(),
        Campaigns(parts["store"]),
        audience,
        parts["objects"],
        parts["zones"],
        parts["jobs"],
        BUCKET,
        part_size=2,
        concurrency=4,
    )


def seed(run_id: str = "run-1") -> dict[str, Any]:
    return sample(
        "campaigns/campaign_start/seed_input.json", SEGMENT_ID="seg-1", TEMPLATE_NAME="welcome", RUN_ID=run_id
    )


def test_the_seed_sample_makes_its_campaign_writes_the_segment_as_parts_and_records_the_run(campaigns):
    answer = handler("campaign_start")(seed(), Context())

    assert answer == {
        "app_id": SAMPLE_APP,
        "campaign_id": "seed-run-1",
        "run_id": "run-1",
        "bucket": BUCKET,
        "manifest": "campaign-work/run-1/manifest.json",
        "parts": 2,
        "concurrency": 2,
        "nobody_due": False,
    }
    campaign = campaigns["store"].get(SAMPLE_APP, "seed-run-1")
    assert campaign["SegmentId"] == "seg-1" and campaigns["audience"].asked == [(SAMPLE_APP, "seg-1", 0, 1)]
    manifest = campaigns["objects"].read_json(BUCKET, answer["manifest"])
    assert [(p["campaign_id"], p["records"]) for p in manifest] == [("seed-run-1", 2), ("seed-run-1", 1)]
    first = gzip.decompress(campaigns["objects"].objects[(BUCKET, manifest[0]["key"])])
    assert [json.loads(line)["Id"] for line in first.splitlines()] == ["e0", "e1"]
    run = campaigns["jobs"].get(SAMPLE_APP, "run-1")
    assert (run["JobStatus"], run["TotalPieces"], run["Definition"]["CampaignId"]) == (
        "PROCESSING",
        2,
        "seed-run-1",
    )


def test_a_retried_start_finds_the_campaign_the_first_one_made(campaigns):
    handler("campaign_start")(seed(), Context())
    made = campaigns["store"].get(SAMPLE_APP, "seed-run-1")

    again = handler("campaign_start")(seed(), Context())

    assert again["campaign_id"] == "seed-run-1" and campaigns["store"].get(SAMPLE_APP, "seed-run-1") == made
    assert list(campaigns["jobs"].jobs) == [(SAMPLE_APP, "run-1")]


def test_a_local_time_firing_that_is_nobodys_time_records_no_run_but_the_zones_seen(campaigns):
    campaign = new_campaign(
        SAMPLE_APP,
        {
            "SegmentId": "seg-1",
            "MessageConfiguration": {"SMSMessage": {"Body": "Good morning"}},
            "Schedule": {
                "StartTime": "2027-03-14T09:00:00Z",
                "IsLocalTime": True,
                "Frequency": "DAILY",
                "EndTime": "2027-03-31T00:00:00Z",
            },
        },
    )
    campaigns["store"].put(campaign)
    event = {
        "input": {
            "ApplicationId": SAMPLE_APP,
            "CampaignId": campaign["Id"],
            "LocalTimeAt": "2027-03-14T11:00:00Z",
        },
        "run_id": "run-2",
    }

    answer = handler("campaign_start")(event, Context())

    assert answer == {"app_id": SAMPLE_APP, "run_id": "run-2", "parts": 0, "nobody_due": True}
    assert campaigns["jobs"].jobs == {} and campaigns["objects"].keys(BUCKET, "") == []
    assert list(campaigns["zones"].items) == [(SAMPLE_APP, campaign["Id"])]


def test_the_finish_sample_completes_the_run_and_answers_its_activity(campaigns, capsys):
    handler("campaign_start")(seed("RUN_ID"), Context())
    campaigns["jobs"].jobs[(SAMPLE_APP, "RUN_ID")]["CompletedPieces"] = 2

    answer = handler("campaign_finish")(sample("campaigns/campaign_finish/run.json"), Context())

    assert (answer["Id"], answer["CampaignId"], answer["State"], answer["Result"]) == (
        "RUN_ID",
        "seed-RUN_ID",
        "COMPLETED",
        "SUCCESS",
    )
    assert '"CampaignRunsCompleted"' in capsys.readouterr().out


def test_a_run_with_parts_missing_fails_and_a_missing_run_is_an_error(campaigns):
    handler("campaign_start")(seed("RUN_ID"), Context())

    answer = handler("campaign_finish")(sample("campaigns/campaign_finish/run.json"), Context())

    assert answer["State"] == "FAILED" and campaigns["jobs"].get(SAMPLE_APP, "RUN_ID")["Failures"] == [
        "2 of 2 parts were not run (see the execution)"
    ]
    with pytest.raises(LookupError, match="campaign run nowhere does not exist"):
        handler("campaign_finish")(sample("campaigns/campaign_finish/run.json", RUN_ID="nowhere"), Context())


def run_steps(event: dict[str, Any]) -> dict[str, Any]:
    """The workflow's Plan, ResolveAudience (each item in turn) and Begin, as the state machine
    passes their events."""
    start = handler("campaign_start")
    planned = start({"step": "plan", **event}, Context())
    resolved = [start({"step": "resolve", "item": item}, Context()) for item in planned["audience"]]
    return start({"step": "record", "planned": planned, "resolved": resolved[::-1]}, Context())


def sent_ids(objects: MemoryObjects, manifest: list[dict[str, Any]]) -> list[str]:
    return [
        json.loads(line)["Id"]
        for part in manifest
        for line in gzip.decompress(objects.objects[(BUCKET, part["key"])]).splitlines()
    ]


def test_the_workflows_steps_resolve_the_audience_in_parts_and_record_one_run_over_all_of_them(campaigns):
    people = [{**PEOPLE[0], "Id": f"p{i}"} for i in range(7)]
    campaigns["start"] = starting(campaigns, Audience(parts=3, people=people))

    answer = run_steps(seed())

    assert campaigns["audience"].asked == [(SAMPLE_APP, "seg-1", n, 3) for n in range(3)]
    manifest = campaigns["objects"].read_json(BUCKET, answer["manifest"])
    assert [p["index"] for p in manifest] == list(range(answer["parts"])) == [0, 1, 2, 3]
    assert sorted(sent_ids(campaigns["objects"], manifest)) == sorted(e["Id"] for e in people)
    assert sum(p["records"] for p in manifest) == 7 and {p["run_id"] for p in manifest} == {"run-1"}
    assert len({p["key"] for p in manifest}) == 4  # parts of 3, 2 and 2: each under its own folder
    run = campaigns["jobs"].get(SAMPLE_APP, "run-1")
    assert (run["JobStatus"], run["TotalPieces"], run["Definition"]["CampaignId"]) == (
        "PROCESSING",
        4,
        "seed-run-1",
    )
    summaries = campaigns["objects"].keys(BUCKET, "campaign-work/run-1/audience/")
    assert summaries == [f"campaign-work/run-1/audience/{n:04d}.json" for n in range(3)]


def test_the_steps_and_the_one_go_start_send_to_the_same_endpoints(campaigns):
    people = [{**PEOPLE[0], "Id": f"p{i}"} for i in range(5)]
    campaigns["start"] = starting(campaigns, Audience(parts=4, people=people))
    in_steps = run_steps(seed("run-a"))
    in_one_go = handler("campaign_start")(seed("run-b"), Context())

    read = campaigns["objects"].read_json
    assert sorted(sent_ids(campaigns["objects"], read(BUCKET, in_steps["manifest"]))) == sorted(
        sent_ids(campaigns["objects"], read(BUCKET, in_one_go["manifest"]))
    )


def test_a_replayed_part_writes_the_same_objects_and_counts_nothing_twice(campaigns):
    people = [{**PEOPLE[0], "Id": f"p{i}"} for i in range(7)]
    campaigns["start"] = starting(campaigns, Audience(parts=3, people=people))
    start = handler("campaign_start")
    planned = start({"step": "plan", **seed()}, Context())
    resolved = [start({"step": "resolve", "item": item}, Context()) for item in planned["audience"]]
    written = dict(campaigns["objects"].objects)

    again = start({"step": "resolve", "item": planned["audience"][1]}, Context())  # the Map's retry

    assert again == resolved[1] and campaigns["objects"].objects == written
    answer = start({"step": "record", "planned": planned, "resolved": resolved}, Context())
    replayed = start({"step": "record", "planned": planned, "resolved": resolved}, Context())  # Begin's
    assert replayed == answer and campaigns["jobs"].get(SAMPLE_APP, "run-1")["TotalPieces"] == 4
    manifest = campaigns["objects"].read_json(BUCKET, answer["manifest"])
    assert sorted(sent_ids(campaigns["objects"], manifest)) == sorted(e["Id"] for e in people)


@pytest.mark.parametrize("parts", [[0, 2], [0, 1, 1, 2]], ids=["a part missing", "a part twice"])
def test_a_run_is_recorded_only_over_every_planned_part_once(campaigns, parts):
    campaigns["start"] = starting(campaigns, Audience(parts=3, people=PEOPLE))
    start = handler("campaign_start")
    planned = start({"step": "plan", **seed()}, Context())
    resolved = {n: start({"step": "resolve", "item": planned["audience"][n]}, Context()) for n in range(3)}

    with pytest.raises(ValidationError, match="resolved"):
        start({"step": "record", "planned": planned, "resolved": [resolved[n] for n in parts]}, Context())
    assert campaigns["jobs"].get(SAMPLE_APP, "run-1") is None


def test_a_local_time_firing_in_parts_counts_who_is_elsewhere_and_every_zone_seen(campaigns):
    campaign = new_campaign(
        SAMPLE_APP,
        {
            "SegmentId": "seg-1",
            "MessageConfiguration": {"SMSMessage": {"Body": "Good morning"}},
            "Schedule": {"StartTime": "2027-03-14T09:00:00Z", "IsLocalTime": True, "Frequency": "ONCE"},
        },
    )
    campaigns["store"].put(campaign)
    tokyo = {"Demographic": {"Timezone": "Asia/Tokyo"}}
    people = [PEOPLE[0], {**PEOPLE[1], **tokyo}, PEOPLE[2]]
    campaigns["start"] = starting(campaigns, Audience(parts=3, people=people))
    request = {
        "ApplicationId": SAMPLE_APP,
        "CampaignId": campaign["Id"],
        "LocalTimeAt": "2027-03-14T09:00:00Z",
    }

    answer = run_steps({"input": request, "run_id": "run-3"})

    manifest = campaigns["objects"].read_json(BUCKET, answer["manifest"])
    assert sorted(sent_ids(campaigns["objects"], manifest)) == ["e0", "e2"]  # 09:00 in UTC, not in Tokyo
    assert {p["local_at"] for p in manifest} == {"2027-03-14T09:00:00Z"}
    assert campaigns["jobs"].get(SAMPLE_APP, "run-3")["Counts"]["OTHER_TIME_ZONE"] == 1
    assert campaigns["zones"].items[(SAMPLE_APP, campaign["Id"])].zones == {"UTC", "Asia/Tokyo"}


def test_the_settings_read_the_work_bucket_and_the_parts_with_their_defaults(monkeypatch):
    assert CampaignSettings.from_env({}) == CampaignSettings("", 1000, 4, 16, 62_500)
    assert CampaignSettings.from_env(
        {
            "WORK_BUCKET": "w",
            "CAMPAIGN_PART_SIZE": "50",
            "CAMPAIGN_CONCURRENCY": "8",
            "CAMPAIGN_AUDIENCE_PARTS": "4",
            "CAMPAIGN_AUDIENCE_PART_ITEMS": "1000",
        }
    ) == CampaignSettings("w", 50, 8, 4, 1000)
    monkeypatch.setattr(wiring, "settings", lambda: CampaignSettings())
    with pytest.raises(ValidationError, match="WORK_BUCKET"):
        wiring.campaign_start.__wrapped__()

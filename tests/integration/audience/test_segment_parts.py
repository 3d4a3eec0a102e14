"""A segment evaluated in parts on DynamoDB (moto): each part a parallel Scan's segment of the
ContactsTable, as the template defines it, filtered to the application's endpoints. Whatever the
number of parts, their union is the whole evaluation, no endpoint is in two parts, and the counts
add up; other applications' endpoints and the table's other items are never members."""

from collections import Counter

import pytest
from engage.contacts.store import LAST_ACTIVITY
from engage.errors import ValidationError
from engage.segments.service import Segments

from tests.support.fakes import MemoryMemberLists, MemorySegments

APP, OTHER = "parts-app", "parts-other"
PART_COUNTS = (1, 3, 16)  # one, an uneven split, and the most a run plans (more than some segments fill)
CHANNELS = ("EMAIL", "SMS", "VOICE", "GCM", "APNS")


def _request(i: int) -> dict:
    channel = CHANNELS[i % len(CHANNELS)]
    address = (
        f"user{i}@example.com" if channel == "EMAIL" else f"+1206555{i:04d}" if i % 5 in (1, 2) else f"t{i}"
    )
    request = {
        "ChannelType": channel,
        "Address": address,
        "Attributes": {"Plan": ["gold" if i % 3 else "free"]},
        "Metrics": {"orders": float(i % 4)},
    }
    if i % 7 == 0:
        request["User"] = {"UserId": f"u{i // 7}"}  # USER# counter items beside the endpoints
    return request


@pytest.fixture
def populated(store, repository):
    # Written in batches (UpdateEndpointsBatch's path): the same items as one at a time, in fewer requests.
    for start in range(0, 240, 100):
        store.upsert_batch(
            APP, [{"Id": f"ep-{i:03d}", **_request(i)} for i in range(start, min(start + 100, 240))]
        )
    store.upsert_batch(
        OTHER, [{"Id": f"ep-{i:03d}", **_request(i)} for i in range(40)]
    )  # the same ids elsewhere
    for i in range(0, 240, 11):
        repository.touch(APP, f"ep-{i:03d}", "2026-01-02T03:04:05Z")
    return Segments(MemorySegments(), repository, MemoryMemberLists())


def _ids(endpoints) -> list[str]:
    return [e["Id"] for e in endpoints]


DEFINITIONS = {
    "everyone": {"Dimensions": {"Demographic": {"Channel": {"DimensionType": "EXCLUSIVE", "Values": ["X"]}}}},
    "phones, gold": {
        "SegmentGroups": {
            "Include": "ALL",
            "Groups": [
                {
                    "Type": "ALL",
                    "Dimensions": [
                        {"Demographic": {"Channel": {"Values": ["SMS", "VOICE"]}}},
                        {"Attributes": {"Plan": {"Values": ["gold"]}}},
                    ],
                }
            ],
        }
    },
    "no orders or push": {
        "SegmentGroups": {
            "Include": "ALL",
            "Groups": [
                {
                    "Type": "ANY",
                    "Dimensions": [
                        {"Metrics": {"orders": {"ComparisonOperator": "EQUAL", "Value": 0}}},
                        {"Demographic": {"Channel": {"Values": ["GCM", "APNS"]}}},
                    ],
                }
            ],
        }
    },
}


@pytest.mark.parametrize("name", DEFINITIONS)
def test_the_parts_of_a_segment_together_are_the_whole_evaluation_once_each(populated, name):
    segment = populated.create(APP, {"Name": name, **DEFINITIONS[name]})
    whole = _ids(populated.evaluate(APP, segment["Id"]))
    assert whole and len(whole) == len(set(whole))
    for parts in PART_COUNTS:
        found = [_ids(populated.evaluate_part(APP, segment["Id"], n, parts)) for n in range(parts)]
        union = Counter(i for part in found for i in part)
        assert set(union) == set(whole), f"{parts} parts"
        assert max(union.values()) == 1, f"{parts} parts: an endpoint in two parts"
        assert sum(len(part) for part in found) == len(whole)


def test_parts_are_the_applications_endpoints_only_as_the_segment_reads_them(populated):
    segment = populated.create(APP, {"Name": "everyone", **DEFINITIONS["everyone"]})
    parts = [list(populated.evaluate_part(APP, segment["Id"], n, 4)) for n in range(4)]
    endpoints = [e for part in parts for e in part]
    assert len(endpoints) == 240 and {e["ApplicationId"] for e in endpoints} == {APP}
    assert all(LAST_ACTIVITY not in e for e in endpoints)  # judged, then dropped, as `evaluate` does
    assert sorted(endpoints, key=lambda e: e["Id"]) == sorted(
        populated.evaluate(APP, segment["Id"]), key=lambda e: e["Id"]
    )
    assert sum(1 for part in parts if part) >= 3  # DynamoDB spreads the keys over the segments


def test_the_repositorys_parts_read_only_the_channels_asked_for_with_each_ones_activity(
    repository, populated
):
    read = [e for n in range(3) for e in repository.part(APP, n, 3, ["SMS", "VOICE"], with_activity=True)]
    assert len(read) == 96 and {e["ChannelType"] for e in read} == {"SMS", "VOICE"}
    touched = {e["Id"]: e[LAST_ACTIVITY] for e in read if LAST_ACTIVITY in e}
    assert touched and set(touched.values()) == {"2026-01-02T03:04:05Z"}
    assert all(int(i[3:]) % 11 == 0 for i in touched)
    assert list(repository.part(APP, 0, 1, [])) == []  # a segment no channel can match reads nothing


def test_an_imported_segment_is_split_by_member_and_each_member_is_fetched_once(repository, populated):
    store = MemorySegments()
    listed = [f"ep-{i:03d}" for i in range(0, 240, 3)]
    lists = MemoryMemberLists({"s3://b/m/": [[*listed[:50], "missing"], listed[40:] + listed[:10]]})
    segments = Segments(store, repository, lists)
    store.put(
        {"Id": "imp", "ApplicationId": APP, "Name": "file", "SegmentType": "IMPORT", "CreationDate": "x"},
        "s3://b/m/",
    )
    whole = _ids(segments.evaluate(APP, "imp"))
    assert whole == listed  # file order, each once, the missing one skipped
    for parts in (2, 5):
        found = [_ids(segments.evaluate_part(APP, "imp", n, parts)) for n in range(parts)]
        assert sorted(i for part in found for i in part) == sorted(whole)
        assert all(part == [i for i in whole if i in part] for part in found)  # file order within a part


def test_the_number_of_parts_follows_the_tables_size_within_the_bounds(populated):
    stored = populated.endpoints.stored_items()
    assert stored > 280  # every application's endpoints and the table's other items
    assert populated.parts_for(items_per_part=stored, most=16) == 1
    assert populated.parts_for(items_per_part=100, most=16) == -(-stored // 100)
    assert populated.parts_for(items_per_part=1, most=16) == 16
    segment = populated.create(APP, {"Name": "everyone", **DEFINITIONS["everyone"]})
    with pytest.raises(ValidationError, match="part"):
        list(populated.evaluate_part(APP, segment["Id"], 4, 4))
    with pytest.raises(ValidationError, match="parts"):
        list(populated.evaluate_part(APP, segment["Id"], 0, 0))

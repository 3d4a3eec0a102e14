"""Segments (engage.segments): definitions checked, evaluation streamed over the right population,
imported segments read from their member lists, size estimates exact or sampled."""

import pytest
from engage.errors import NotFoundError, ValidationError
from engage.segments.definition import new_segment
from engage.segments.service import Segments

from tests.support.fakes import MemoryEndpoints, MemoryMemberLists, MemorySegments

APP = "seg-unit"


def endpoint(endpoint_id, channel, **fields):
    return {
        "ApplicationId": APP,
        "Id": endpoint_id,
        "ChannelType": channel,
        "Address": f"a-{endpoint_id}",
        **fields,
    }


STORE = [
    endpoint("e1", "EMAIL", Attributes={"Plan": ["gold"]}, Location={"Country": "US"}),
    endpoint("e2", "EMAIL", Attributes={"Plan": ["free"]}, Location={"Country": "GB"}),
    endpoint("s1", "SMS", Attributes={"Plan": ["gold"]}, Metrics={"orders": 5.0}),
    endpoint("s2", "SMS", Attributes={"PNV_PhoneNumberValidated": ["Yes"]}),
    endpoint("v1", "VOICE"),
    endpoint("p1", "GCM", Demographic={"Platform": "android"}),
]


@pytest.fixture
def segments():
    return Segments(MemorySegments(), MemoryEndpoints(STORE), MemoryMemberLists())


def ids(endpoints):
    return sorted(e["Id"] for e in endpoints)


def test_a_dimensional_segment_reads_only_the_channels_it_can_match(segments):
    made = segments.create(
        APP,
        {
            "Name": "Needs Phone Number Validated",
            "SegmentGroups": {
                "Include": "ALL",
                "Groups": [
                    {
                        "Type": "NONE",
                        "Dimensions": [
                            {
                                "Attributes": {
                                    "PNV_PhoneNumberValidated": {
                                        "AttributeType": "INCLUSIVE",
                                        "Values": ["Yes"],
                                    }
                                }
                            }
                        ],
                    },
                    {
                        "Type": "ANY",
                        "Dimensions": [
                            {"Demographic": {"Channel": {"Values": ["SMS"]}}},
                            {"Demographic": {"Channel": {"Values": ["VOICE"]}}},
                        ],
                    },
                ],
            },
        },
    )
    assert made["SegmentType"] == "DIMENSIONAL" and made["Version"] == 1
    assert ids(segments.evaluate(APP, made["Id"])) == ["s1", "v1"]
    assert segments.endpoints.reads == 3  # SMS and VOICE only: s1, s2, v1


def test_top_level_dimensions_and_an_extra_predicate_combine(segments):
    gold = segments.create(
        APP, {"Name": "gold", "Dimensions": {"Attributes": {"Plan": {"Values": ["gold"]}}}}
    )
    assert ids(segments.evaluate(APP, gold["Id"])) == ["e1", "s1"]
    assert ids(segments.evaluate(APP, gold["Id"], extra=lambda e: e["ChannelType"] == "SMS")) == ["s1"]


def test_dimensional_source_segments_narrow_a_segment(segments):
    gold = segments.create(
        APP, {"Name": "gold", "Dimensions": {"Attributes": {"Plan": {"Values": ["gold"]}}}}
    )
    sms = segments.create(
        APP, {"Name": "sms", "Dimensions": {"Demographic": {"Channel": {"Values": ["SMS"]}}}}
    )
    both = segments.create(
        APP,
        {
            "Name": "both",
            "SegmentGroups": {
                "Groups": [{"SourceType": "ALL", "SourceSegments": [{"Id": gold["Id"]}, {"Id": sms["Id"]}]}]
            },
        },
    )
    either = segments.create(
        APP,
        {
            "Name": "either",
            "SegmentGroups": {
                "Groups": [{"SourceType": "ANY", "SourceSegments": [{"Id": gold["Id"]}, {"Id": sms["Id"]}]}]
            },
        },
    )
    assert ids(segments.evaluate(APP, both["Id"])) == ["s1"]
    assert ids(segments.evaluate(APP, either["Id"])) == ["e1", "s1", "s2"]


def test_an_imported_segment_streams_its_members_once_each_and_skips_deleted_ones():
    store = MemorySegments()
    lists = MemoryMemberLists({"s3://b/m/": [["s1", "e1", "gone"], ["s1", "v1"]]})
    segments = Segments(store, MemoryEndpoints(STORE), lists)
    store.put(
        {"Id": "imp", "ApplicationId": APP, "Name": "file", "SegmentType": "IMPORT", "CreationDate": "x"},
        "s3://b/m/",
    )
    assert [e["Id"] for e in segments.evaluate(APP, "imp")] == ["s1", "e1", "v1"]  # file order
    on_phone = segments.create(
        APP,
        {
            "Name": "imported phones",
            "SegmentGroups": {
                "Groups": [
                    {
                        "SourceSegments": [{"Id": "imp"}],
                        "Dimensions": [{"Demographic": {"Channel": {"Values": ["SMS", "VOICE"]}}}],
                    }
                ]
            },
        },
    )
    assert ids(segments.evaluate(APP, on_phone["Id"])) == ["s1", "v1"]
    assert segments.estimate(APP, "imp", sample_shards=1)["Exact"] is True  # member lists aren't sampled


def test_an_exact_estimate_counts_per_channel_and_a_sample_scales_up():
    many = [endpoint(f"m{i}", "SMS" if i % 3 else "EMAIL") for i in range(4000)]
    segments = Segments(MemorySegments(), MemoryEndpoints(many), MemoryMemberLists())
    everyone = segments.create(
        APP,
        {
            "Name": "all",
            "Dimensions": {"Demographic": {"Channel": {"DimensionType": "EXCLUSIVE", "Values": ["PUSH"]}}},
        },
    )
    exact = segments.estimate(APP, everyone["Id"])
    assert exact["Exact"] and exact["Size"] == 4000 and exact["ChannelCounts"] == {"EMAIL": 1334, "SMS": 2666}
    sampled = segments.estimate(APP, everyone["Id"], sample_shards=2)
    assert not sampled["Exact"] and sampled["ShardsRead"] == "2 of 8"
    assert abs(sampled["Size"] - 4000) < 400  # crc32 spreads ids evenly over the shards
    with pytest.raises(ValidationError, match="sample_shards"):
        segments.estimate(APP, everyone["Id"], sample_shards=9)


@pytest.mark.parametrize(
    ("request_body", "field"),
    [
        ({"Dimensions": {"Attributes": {}}}, "Name"),
        ({"Name": "x"}, "WriteSegmentRequest"),
        ({"Name": "x", "Dimensions": {"Behavior": {"Recency": {}}}}, "Dimensions.Behavior.Recency.Duration"),
        ({"Name": "x", "SegmentGroups": {"Groups": []}}, "SegmentGroups.Groups"),
        ({"Name": "x", "SegmentGroups": {"Include": "SOME", "Groups": [{}]}}, "SegmentGroups.Include"),
        (
            {"Name": "x", "SegmentGroups": {"Groups": [{}, {"SourceSegments": [{"Id": "a"}]}]}},
            "SegmentGroups.Groups[1].SourceSegments",
        ),
        (
            {
                "Name": "x",
                "SegmentGroups": {
                    "Groups": [
                        {"Dimensions": [{"Metrics": {"m": {"ComparisonOperator": "ABOUT", "Value": 1}}}]}
                    ]
                },
            },
            "SegmentGroups.Groups[0].Dimensions[0].Metrics.m.ComparisonOperator",
        ),
    ],
)
def test_bad_definitions_are_refused_naming_the_field(request_body, field):
    with pytest.raises(ValidationError) as refused:
        new_segment(APP, request_body)
    assert refused.value.field == field


def test_unknown_segments_and_sources_are_not_found(segments):
    with pytest.raises(NotFoundError):
        segments.get(APP, "nope")
    with pytest.raises(NotFoundError):
        segments.create(
            APP, {"Name": "x", "SegmentGroups": {"Groups": [{"SourceSegments": [{"Id": "nope"}]}]}}
        )


def test_an_imported_source_cannot_be_combined_with_another(segments):
    segments.repository.put(
        {"Id": "imp", "ApplicationId": APP, "Name": "f", "SegmentType": "IMPORT", "CreationDate": "x"},
        "s3://b/m/",
    )
    gold = segments.create(
        APP, {"Name": "gold", "Dimensions": {"Attributes": {"Plan": {"Values": ["gold"]}}}}
    )
    with pytest.raises(ValidationError, match="only source"):
        segments.create(
            APP,
            {
                "Name": "x",
                "SegmentGroups": {"Groups": [{"SourceSegments": [{"Id": "imp"}, {"Id": gold["Id"]}]}]},
            },
        )


def test_a_segment_built_on_one_built_on_an_imported_segment_keeps_the_imported_population():
    store = MemorySegments()
    segments = Segments(store, MemoryEndpoints(STORE), MemoryMemberLists({"s3://b/m/": [["s1", "e2"]]}))
    store.put(
        {"Id": "imp", "ApplicationId": APP, "Name": "f", "SegmentType": "IMPORT", "CreationDate": "x"},
        "s3://b/m/",
    )
    gold_only = {"Dimensions": [{"Attributes": {"Plan": {"Values": ["gold"]}}}]}
    first = segments.create(
        APP,
        {
            "Name": "imported gold",
            "SegmentGroups": {"Groups": [{"SourceSegments": [{"Id": "imp"}], **gold_only}]},
        },
    )
    second = segments.create(
        APP,
        {
            "Name": "imported gold on SMS",
            "SegmentGroups": {
                "Groups": [
                    {
                        "SourceSegments": [{"Id": first["Id"]}],
                        "Dimensions": [{"Demographic": {"Channel": {"Values": ["SMS"]}}}],
                    }
                ]
            },
        },
    )
    assert ids(segments.evaluate(APP, first["Id"])) == ["s1"]
    assert ids(segments.evaluate(APP, second["Id"])) == ["s1"]  # not e1, which is gold but not imported


def test_a_group_of_source_segments_alone_takes_their_members_whatever_its_type(segments):
    gold = segments.create(
        APP, {"Name": "gold", "Dimensions": {"Attributes": {"Plan": {"Values": ["gold"]}}}}
    )
    for kind in ("ALL", "ANY", "NONE"):
        made = segments.create(
            APP,
            {
                "Name": kind,
                "SegmentGroups": {
                    "Include": "ALL",
                    "Groups": [{"Type": kind, "SourceType": "ANY", "SourceSegments": [{"Id": gold["Id"]}]}],
                },
            },
        )
        assert ids(segments.evaluate(APP, made["Id"])) == ["e1", "s1"], kind


def test_update_replaces_a_dimensional_definition_as_its_next_version(segments):
    created = segments.create(
        APP, {"Name": "gold", "Dimensions": {"Attributes": {"Plan": {"Values": ["gold"]}}}}
    )
    updated = segments.update(
        APP, created["Id"], {"Name": "free", "Dimensions": {"Attributes": {"Plan": {"Values": ["free"]}}}}
    )
    assert (updated["Id"], updated["Version"], updated["CreationDate"]) == (
        created["Id"],
        2,
        created["CreationDate"],
    )
    assert ids(segments.evaluate(APP, created["Id"])) == ["e2"]
    segments.repository.put(
        {**created, "Id": "imported", "SegmentType": "IMPORT"}, "s3://b/segment-members/x/"
    )
    with pytest.raises(ValidationError, match="import again with its SegmentId"):
        segments.update(APP, "imported", {"Name": "x", "Dimensions": {"Attributes": {}}})
    with pytest.raises(NotFoundError):
        segments.update(APP, "nope", {"Name": "x", "Dimensions": {"Attributes": {}}})


def test_delete_is_refused_while_a_segment_or_a_campaign_uses_it(segments):
    base = segments.create(
        APP, {"Name": "gold", "Dimensions": {"Attributes": {"Plan": {"Values": ["gold"]}}}}
    )
    group = segments.create(
        APP,
        {
            "Name": "gold sms",
            "SegmentGroups": {"Groups": [{"SourceSegments": [{"Id": base["Id"]}], "Dimensions": []}]},
        },
    )
    with pytest.raises(ValidationError, match="is built on it"):
        segments.delete(APP, base["Id"])
    with pytest.raises(ValidationError, match="campaign c1 \\(offer\\) sends to it"):
        segments.delete(APP, group["Id"], [{"Id": "c1", "Name": "offer", "SegmentId": group["Id"]}])
    assert segments.delete(APP, group["Id"])["Id"] == group["Id"]
    assert segments.delete(APP, base["Id"])["Id"] == base["Id"]
    assert segments.list(APP) == []


def test_update_refuses_a_cycle_and_a_change_that_breaks_a_segment_built_on_it(segments):
    gold = segments.create(
        APP, {"Name": "gold", "Dimensions": {"Attributes": {"Plan": {"Values": ["gold"]}}}}
    )
    built = segments.create(
        APP, {"Name": "gold sms", "SegmentGroups": {"Groups": [{"SourceSegments": [{"Id": gold["Id"]}]}]}}
    )
    with pytest.raises(ValidationError, match="would be built on itself"):
        segments.update(
            APP,
            gold["Id"],
            {"Name": "loop", "SegmentGroups": {"Groups": [{"SourceSegments": [{"Id": built["Id"]}]}]}},
        )
    other = segments.create(
        APP, {"Name": "free", "Dimensions": {"Attributes": {"Plan": {"Values": ["free"]}}}}
    )
    both = segments.create(
        APP,
        {
            "Name": "both",
            "SegmentGroups": {"Groups": [{"SourceSegments": [{"Id": gold["Id"]}, {"Id": other["Id"]}]}]},
        },
    )
    segments.repository.put({**gold, "Id": "listed", "SegmentType": "IMPORT"}, "s3://b/segment-members/x/")
    with pytest.raises(ValidationError, match=f"segment {both['Id']} \\(both\\), built on it, would break"):
        segments.update(
            APP,
            gold["Id"],
            {"Name": "gold", "SegmentGroups": {"Groups": [{"SourceSegments": [{"Id": "listed"}]}]}},
        )
    assert segments.get(APP, gold["Id"])["Version"] == 1


def test_behavior_recency_judges_each_endpoints_last_activity_on_the_stacks_clock(monkeypatch):
    from datetime import UTC, datetime

    from engage.api.ingest import put_events, record_activity

    now = [datetime(2026, 12, 7, 12, 0, tzinfo=UTC)]
    monkeypatch.setattr("engage.clock.now", lambda: now[0])
    monkeypatch.setattr("engage.clock.time", lambda: now[0].timestamp())
    store = MemoryEndpoints(STORE)
    segments = Segments(MemorySegments(), store, MemoryMemberLists())
    # e1's app reports a session two days ago and one an hour ago; e2's clock is ahead of ours.
    events = {
        "e1": {"Events": {"a": _session("2026-12-05T12:00:00Z"), "b": _session("2026-12-07T11:00:00Z")}},
        "e2": {"Events": {"c": _session("2026-12-09T00:00:00Z")}},
    }
    record_activity(APP, put_events(APP, {"BatchItem": events}, store).events, store)
    assert store.activity == {
        (APP, "e1"): "2026-12-07T11:00:00.000Z",
        (APP, "e2"): "2026-12-07T12:00:00.000Z",
    }

    def members(duration, kind):
        recency = {"Recency": {"Duration": duration, "RecencyType": kind}}
        made = segments.create(APP, {"Name": kind, "Dimensions": {"Behavior": recency}})
        found = list(segments.evaluate(APP, made["Id"]))
        assert not any("engage:LastActivity" in e for e in found), "never passed on"
        return ids(found)

    assert members("HR_24", "ACTIVE") == ["e1", "e2"]
    assert members("HR_24", "INACTIVE") == ["p1", "s1", "s2", "v1"]  # never active: inactive
    now[0] = datetime(2026, 12, 15, 12, 0, tzinfo=UTC)  # eight days on
    assert members("DAY_7", "ACTIVE") == []
    assert members("DAY_14", "ACTIVE") == ["e1", "e2"]


@pytest.mark.parametrize(
    ("recency", "field"),
    [
        ({}, "Dimensions.Behavior.Recency"),
        ({"Recency": {"Duration": "DAY_3", "RecencyType": "ACTIVE"}}, "Dimensions.Behavior.Recency.Duration"),
        (
            {"Recency": {"Duration": "DAY_7", "RecencyType": "IDLE"}},
            "Dimensions.Behavior.Recency.RecencyType",
        ),
    ],
)
def test_a_recency_pinpoint_would_refuse_is_refused(recency, field):
    with pytest.raises(ValidationError) as refused:
        new_segment(APP, {"Name": "x", "Dimensions": {"Behavior": recency}})
    assert refused.value.field == field


def _session(at):
    return {"EventType": "_session.start", "Timestamp": at}
